"""Interoperability: the independent JavaScript verifier accepts what we sign, rejects tampering."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from issuer.credentials.contexts import VC_V2
from issuer.signing import keys
from issuer.signing.base import EcdsaSigner, Ed25519Signer
from issuer.signing.did import build_did_document, did_key, did_web
from issuer.signing.suites import suite_for

from .conftest import NOW, PASSPHRASE

CREDENTIAL = {
    "@context": [VC_V2],
    "id": "urn:uuid:3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7",
    "type": ["VerifiableCredential"],
    "name": "Smart: Industry 4.0\nin coastal cities\t(1 ECTS)",
    "description": "Micro-credential certificate",
    "validFrom": "2025-02-01T00:00:00Z",
    "credentialSubject": {"id": "urn:uuid:4f5a6b7c-8d9e-4fa0-b1c2-d3e4f5a6b7c8",
                          "name": "Ada Lovelace"},
}
VERIFY_AT = ("--now", "2025-06-01T00:00:00Z")


def _write(path, document) -> str:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def _did_key_signer(private_key):
    did = did_key(private_key.public_key())
    key_id = f"{did}#{did.removeprefix('did:key:')}"
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(private_key, key_id)
    return EcdsaSigner(private_key, key_id)


@pytest.mark.parametrize("cryptosuite, make_key", [
    ("eddsa-rdfc-2022", ed25519.Ed25519PrivateKey.generate),
    ("ecdsa-rdfc-2019", lambda: ec.generate_private_key(ec.SECP256R1())),
])
def test_did_key_credential_verifies_and_tampered_copy_does_not(node_verifier, tmp_path,
                                                                cryptosuite, make_key):
    signer = _did_key_signer(make_key())
    document = {**copy.deepcopy(CREDENTIAL), "issuer": signer.key_id.split("#")[0]}
    secured = suite_for(cryptosuite).add_proof(document, signer=signer, created=NOW)

    result = node_verifier.run(_write(tmp_path / "vc.json", secured), "--strict-contexts",
                               *VERIFY_AT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["verified"] is True

    tampered = copy.deepcopy(secured)
    tampered["credentialSubject"]["name"] = "Eve"
    result = node_verifier.run(_write(tmp_path / "tampered.json", tampered), "--strict-contexts",
                               *VERIFY_AT)
    assert result.returncode == 1, result.stdout + result.stderr


def test_did_web_credentials_verify_across_a_rotation(node_verifier, tmp_path, keys_dir):
    did = did_web("http://127.0.0.1:5000", "KU")
    keys.ensure_institution_keys(keys_dir, "KU", "Klaipėda University", "LT",
                                 passphrase=PASSPHRASE, now=NOW)
    document = {**copy.deepcopy(CREDENTIAL), "issuer": did}
    ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    before = {suite: suite_for(suite).add_proof(document, signer=ring.signer(suite, controller=did),
                                                created=NOW)
              for suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")}
    keys.rotate(keys_dir, "KU", passphrase=PASSPHRASE, now=NOW + timedelta(days=30))
    ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    after = suite_for("eddsa-rdfc-2022").add_proof(
        document, signer=ring.signer("eddsa-rdfc-2022", controller=did),
        created=NOW + timedelta(days=31))
    did_document = _write(tmp_path / "did.json",
                          build_did_document(did, keys.load_public_keys(keys_dir, "KU")))

    for name, secured in [*before.items(), ("after", after)]:
        result = node_verifier.run(_write(tmp_path / f"{name}.json", secured), "--strict-contexts",
                                   "--did-doc", str(did_document), *VERIFY_AT)
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
