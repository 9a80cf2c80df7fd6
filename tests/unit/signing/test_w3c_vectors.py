"""Known-answer tests: the W3C eddsa-rdfc-2022 and ecdsa-rdfc-2019 test vectors."""
from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from issuer.signing import multibase
from issuer.signing.base import Ed25519Signer, EcdsaSigner
from issuer.signing.canonical import canonicalize
from issuer.signing.ecdsa_rdfc_2019 import EcdsaRdfc2019
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022

from .conftest import ECDSA_DIR, EDDSA_DIR, read_json

EDDSA = EddsaRdfc2022()
ECDSA = EcdsaRdfc2019()


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


STEPS = ("proofConfig", "canonDoc", "docHash", "proofCanon", "proofHash", "combinedHash",
         "sigHex", "sigBTC58", "signed")


def _step_files(steps, suffix: str) -> dict:
    return {name: steps / f"{name}{suffix}.{'json' if name in ('proofConfig', 'signed') else 'txt'}"
            for name in STEPS}


def _unsigned(directory, variant: str) -> dict:
    return read_json(directory / ("employmentAuth.json" if variant else "unsigned.json"))


def _eddsa_case(variant: str):
    steps = EDDSA_DIR / "eddsa-rdfc-2022" / variant
    return steps, _unsigned(EDDSA_DIR, variant), _step_files(steps, "DataInt")


def _ecdsa_case(curve: str, variant: str):
    steps = ECDSA_DIR / f"ecdsa-rdfc-2019-{curve}" / variant
    return steps, _unsigned(ECDSA_DIR, variant), _step_files(steps, f"ECDSA{curve.upper()}")


CASES = [("eddsa", "", "sha256"), ("eddsa", "employ", "sha256"),
         ("p256", "", "sha256"), ("p256", "employ", "sha256"),
         ("p384", "", "sha384"), ("p384", "employ", "sha384")]


def _case(kind, variant):
    return _eddsa_case(variant) if kind == "eddsa" else _ecdsa_case(kind, variant)


@pytest.mark.parametrize("kind, variant, hash_name", CASES)
def test_canonical_forms_and_hashes(kind, variant, hash_name):
    _, unsigned, files = _case(kind, variant)
    proof_config = read_json(files["proofConfig"])
    canon_doc = canonicalize(unsigned, hash_name=hash_name)
    canon_proof = canonicalize(proof_config, hash_name=hash_name)
    assert canon_doc == _text(files["canonDoc"])
    assert canon_proof == _text(files["proofCanon"])
    doc_hash = hashlib.new(hash_name, canon_doc.encode()).hexdigest()
    proof_hash = hashlib.new(hash_name, canon_proof.encode()).hexdigest()
    assert doc_hash == _text(files["docHash"])
    assert proof_hash == _text(files["proofHash"])
    assert proof_hash + doc_hash == _text(files["combinedHash"])
    suite = EDDSA if kind == "eddsa" else ECDSA
    options = {k: v for k, v in proof_config.items() if k != "@context"}
    assert suite.hash_data(unsigned, options, hash_name).hex() == _text(files["combinedHash"])


@pytest.mark.parametrize("variant", ["", "employ"])
def test_eddsa_signature_and_signed_document_byte_for_byte(variant):
    _, unsigned, files = _eddsa_case(variant)
    pair = read_json(EDDSA_DIR / "keyPair.json")
    secret = multibase.private_key_from_multikey(pair["privateKeyMultibase"])
    signed = read_json(files["signed"])
    signer = Ed25519Signer(secret, signed["proof"]["verificationMethod"])
    signature = signer.sign(bytes.fromhex(_text(files["combinedHash"])))
    assert signature.hex() == _text(files["sigHex"])
    assert multibase.encode(signature) == _text(files["sigBTC58"])
    created = datetime.fromisoformat(signed["proof"]["created"])
    assert EDDSA.add_proof(unsigned, signer=signer, created=created) == signed
    public = multibase.public_key_from_multikey(pair["publicKeyMultibase"])
    assert EDDSA.verify(signed, public_key=public) == signed["proof"]


@pytest.mark.parametrize("curve, variant", [("p256", ""), ("p256", "employ"),
                                            ("p384", ""), ("p384", "employ")])
def test_ecdsa_signed_vectors_verify(curve, variant):
    _, _, files = _ecdsa_case(curve, variant)
    pair = read_json(ECDSA_DIR / f"{curve}KeyPair.json")
    signed = read_json(files["signed"])
    public = multibase.public_key_from_multikey(pair["publicKeyMultibase"])
    assert ECDSA.verify(signed, public_key=public) == signed["proof"]
    assert signed["proof"]["proofValue"] == _text(files["sigBTC58"])
    assert multibase.decode(_text(files["sigBTC58"])).hex() == _text(files["sigHex"])


@pytest.mark.parametrize("curve, variant", [("p256", ""), ("p256", "employ"),
                                            ("p384", ""), ("p384", "employ")])
def test_ecdsa_with_rfc6979_nonces_reproduces_the_vectors(curve, variant):
    """The published ECDSA signatures use deterministic nonces, so they can be reproduced."""
    _, unsigned, files = _ecdsa_case(curve, variant)
    pair = read_json(ECDSA_DIR / f"{curve}KeyPair.json")
    signed = read_json(files["signed"])
    secret = multibase.private_key_from_multikey(pair["secretKeyMultibase"])
    signer = EcdsaSigner(secret, signed["proof"]["verificationMethod"], deterministic=True)
    created = datetime.fromisoformat(signed["proof"]["created"])
    assert ECDSA.add_proof(unsigned, signer=signer, created=created) == signed
