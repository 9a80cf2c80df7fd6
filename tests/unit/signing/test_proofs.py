"""Sign/verify roundtrips and tampering for both cryptosuites."""
from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from issuer.credentials.contexts import DATA_INTEGRITY_V2, EDC_CONTEXTS, VC_V1, VC_V2
from issuer.errors import InvalidDocument, InvalidProof, KeyMaterialError, UnknownContext
from issuer.signing.base import EcdsaSigner, Ed25519Signer, SigningAlgorithm
from issuer.signing.did import did_key
from issuer.signing.ecdsa_rdfc_2019 import EcdsaRdfc2019
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022
from issuer.signing.suites import suite_for

from .conftest import NOW

CREDENTIAL = {
    "@context": [VC_V2],
    "id": "urn:uuid:2b8f4e3a-6c1d-4f0e-9a7b-5d3c2e1f0a9b",
    "type": ["VerifiableCredential"],
    "name": "Industry 4.0 in coastal cities",
    "validFrom": "2025-02-01T00:00:00Z",
    "credentialSubject": {"id": "urn:uuid:7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f",
                          "name": "Ada Lovelace"},
}
KEYS = {
    "eddsa-rdfc-2022": lambda: ed25519.Ed25519PrivateKey.generate(),
    "ecdsa-rdfc-2019": lambda: ec.generate_private_key(ec.SECP256R1()),
}


def _signer(private_key):
    vm = did_key(private_key.public_key())
    key_id = f"{vm}#{vm.removeprefix('did:key:')}"
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(private_key, key_id)
    return EcdsaSigner(private_key, key_id)


@pytest.fixture(params=sorted(KEYS))
def signed(request):
    """(suite, private key, signed credential) for each cryptosuite."""
    suite = suite_for(request.param)
    key = KEYS[request.param]()
    signer = _signer(key)
    doc = {**copy.deepcopy(CREDENTIAL), "issuer": signer.key_id.split("#")[0]}
    return suite, key, suite.add_proof(doc, signer=signer, created=NOW)


def test_roundtrip_returns_the_proof(signed):
    suite, key, document = signed
    proof = suite.verify(document, public_key=key.public_key())
    assert proof == document["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == suite.cryptosuite
    assert proof["created"] == "2025-03-01T09:30:00Z"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["proofValue"].startswith("z")
    assert list(proof) == ["type", "cryptosuite", "created", "verificationMethod",
                           "proofPurpose", "proofValue"]


def test_add_proof_leaves_its_input_alone():
    doc = copy.deepcopy(CREDENTIAL)
    secured = EddsaRdfc2022().add_proof(doc, signer=_signer(KEYS["eddsa-rdfc-2022"]()),
                                        created=NOW)
    assert doc == CREDENTIAL and "proof" in secured
    secured["credentialSubject"]["name"] = "changed"
    assert doc["credentialSubject"]["name"] == "Ada Lovelace"


def test_ecdsa_signature_is_p1363_not_der():
    from issuer.signing import multibase
    key = KEYS["ecdsa-rdfc-2019"]()
    secured = EcdsaRdfc2019().add_proof(CREDENTIAL, signer=_signer(key), created=NOW)
    assert len(multibase.decode(secured["proof"]["proofValue"])) == 64


def test_p384_keys_sign_and_verify():
    key = ec.generate_private_key(ec.SECP384R1())
    signer = _signer(key)
    assert signer.algorithm is SigningAlgorithm.P384_SHA384
    secured = EcdsaRdfc2019().add_proof(CREDENTIAL, signer=signer, created=NOW)
    EcdsaRdfc2019().verify(secured, public_key=key.public_key())


def test_edc_contexts_sign_and_verify():
    key = KEYS["eddsa-rdfc-2022"]()
    doc = {"@context": list(EDC_CONTEXTS), "id": CREDENTIAL["id"],
           "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
           "issuer": {"id": "did:web:issuer.example:institutions:KU", "type": "Organisation",
                      "legalName": {"en": "Klaipėda University"}},
           "issuanceDate": "2025-02-01T00:00:00Z",
           "credentialSubject": {"id": CREDENTIAL["credentialSubject"]["id"], "type": "Person"}}
    secured = EddsaRdfc2022().add_proof(doc, signer=_signer(key), created=NOW)
    EddsaRdfc2022().verify(secured, public_key=key.public_key())


@pytest.mark.parametrize("created, expected", [
    (datetime(2025, 3, 1, 9, 30, 15, 999999, tzinfo=UTC), "2025-03-01T09:30:15Z"),
    (datetime(2025, 3, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))), "2025-03-01T09:30:00Z"),
])
def test_created_is_utc_with_seconds(created, expected):
    secured = EddsaRdfc2022().add_proof(CREDENTIAL, signer=_signer(KEYS["eddsa-rdfc-2022"]()),
                                        created=created)
    assert secured["proof"]["created"] == expected


def test_naive_created_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        EddsaRdfc2022().add_proof(CREDENTIAL, signer=_signer(KEYS["eddsa-rdfc-2022"]()),
                                  created=datetime(2025, 3, 1))


@pytest.mark.parametrize("suite, key", [
    (EcdsaRdfc2019(), lambda: ed25519.Ed25519PrivateKey.generate()),
    (EddsaRdfc2022(), lambda: ec.generate_private_key(ec.SECP256R1())),
])
def test_suite_refuses_a_signer_of_another_algorithm(suite, key):
    with pytest.raises(KeyMaterialError, match=f"{suite.cryptosuite} cannot use"):
        suite.add_proof(CREDENTIAL, signer=_signer(key()), created=NOW)


def test_signer_key_id_must_be_a_url():
    with pytest.raises(KeyMaterialError, match="verification method URL"):
        EddsaRdfc2022().add_proof(CREDENTIAL, created=NOW, signer=Ed25519Signer(
            ed25519.Ed25519PrivateKey.generate(), "key-1"))


@pytest.mark.parametrize("doc, error, match", [
    ({**CREDENTIAL, "grade": "A"}, InvalidDocument, "term 'grade' is not defined"),
    ({**CREDENTIAL, "@context": [VC_V2, "https://example.com/extra"]}, UnknownContext,
     "not bundled"),
    ({**CREDENTIAL, "id": "credentials/1"}, InvalidDocument, "not an absolute IRI"),
    ({**CREDENTIAL, "name": "bell\x07"}, InvalidDocument, "control character"),
    ({**CREDENTIAL, "name": None}, InvalidDocument, "null value"),
    ({**CREDENTIAL, "proof": {"type": "DataIntegrityProof"}}, InvalidDocument,
     "without a proof"),
], ids=["undefined-term", "unknown-context", "relative-id", "control-character", "null",
        "already-signed"])
def test_nothing_unsafe_is_signed(doc, error, match):
    with pytest.raises(error, match=match):
        EddsaRdfc2022().add_proof(doc, signer=_signer(KEYS["eddsa-rdfc-2022"]()), created=NOW)


def test_contexts_without_proof_terms_are_refused():
    doc = {k: v for k, v in CREDENTIAL.items() if k not in ("name", "validFrom")}
    doc.update({"@context": [VC_V1], "issuer": "did:web:x", "issuanceDate": "2025-01-01T00:00:00Z",
                "credentialSubject": {"id": "did:example:subject"}})
    with pytest.raises(InvalidDocument, match="data-integrity/v2 missing"):
        EddsaRdfc2022().add_proof(doc, signer=_signer(KEYS["eddsa-rdfc-2022"]()), created=NOW)


def _set(path, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is _DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value(target[path[-1]]) if callable(value) else value
    return change


_DELETE = object()
TAMPERING = {
    "changed-claim": (_set(("credentialSubject", "name"), "Eve"), "PROOF_INVALID", "signature"),
    "changed-name": (_set(("name",), lambda v: v + " "), "PROOF_INVALID", "signature"),
    "changed-proof-value": (_set(("proof", "proofValue"),
                                 lambda v: v[:-4] + ("1111" if v[-4:] != "1111" else "2222")),
                            "PROOF_INVALID", None),
    "changed-created": (_set(("proof", "created"), "2025-03-01T09:30:01Z"), "PROOF_INVALID",
                        "signature"),
    "changed-verification-method": (_set(("proof", "verificationMethod"),
                                         lambda v: v + "x"), "PROOF_INVALID", "signature"),
    "added-claim": (_set(("validUntil",), "2030-01-01T00:00:00Z"), "PROOF_INVALID", "signature"),
    "removed-claim": (_set(("name",), _DELETE), "PROOF_INVALID", "signature"),
    "added-undefined-term": (_set(("credentialSubject", "grade"), "A"), "INVALID_DOCUMENT",
                             "'grade' is not defined"),
    "extra-unbundled-context": (_set(("@context",), lambda v: v + ["https://example.com/ctx"]),
                                "UNKNOWN_CONTEXT", "not bundled"),
    "replaced-context": (_set(("@context",), ["https://www.w3.org/ns/credentials/v3"]),
                         "UNKNOWN_CONTEXT", "not bundled"),
    "relative-iri-id": (_set(("id",), "credentials/1"), "INVALID_DOCUMENT", "absolute IRI"),
    "control-character": (_set(("credentialSubject", "name"), "Ada\x00Lovelace"),
                          "INVALID_DOCUMENT", "control character"),
    "missing-context": (_set(("@context",), _DELETE), "INVALID_DOCUMENT", "no @context"),
    "wrong-cryptosuite": (_set(("proof", "cryptosuite"), "bbs-2023"), "PROOF_INVALID",
                          "cryptosuite"),
    "wrong-type": (_set(("proof", "type"), "Ed25519Signature2020"), "PROOF_INVALID",
                   "proof type"),
    "wrong-purpose": (_set(("proof", "proofPurpose"), "authentication"), "PROOF_INVALID",
                      "purpose"),
    "bad-created": (_set(("proof", "created"), "2025-13-01T00:00:00Z"), "PROOF_INVALID",
                    "dateTime"),
    "proof-context-not-a-prefix": (_set(("proof", "@context"), [DATA_INTEGRITY_V2]),
                                   "PROOF_INVALID", "@context"),
    "proof-set": (_set(("proof",), lambda p: [p]), "PROOF_INVALID", "no proof"),
    "no-proof": (_set(("proof",), _DELETE), "PROOF_INVALID", "no proof"),
    "proof-value-not-base58": (_set(("proof", "proofValue"), "uAAAA"), "PROOF_INVALID",
                               "base58btc"),
    "proof-value-bad-characters": (_set(("proof", "proofValue"), "z0OIl"), "PROOF_INVALID",
                                   "base58btc"),
    "short-signature": (_set(("proof", "proofValue"), "z1111"), "PROOF_INVALID", "bytes"),
    **{f"missing-{field}": (_set(("proof", field), _DELETE), "PROOF_INVALID", f"no {field}")
       for field in ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue")},
}


@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_tampered_documents_fail(signed, name):
    suite, key, document = signed
    change, code, match = TAMPERING[name]
    tampered = copy.deepcopy(document)
    change(tampered)
    with pytest.raises(InvalidProof, match=match) as raised:
        suite.verify(tampered, public_key=key.public_key())
    assert raised.value.code == code


@pytest.mark.parametrize("other", [
    lambda: ed25519.Ed25519PrivateKey.generate(),
    lambda: ec.generate_private_key(ec.SECP256R1()),
    lambda: ec.generate_private_key(ec.SECP384R1()),
])
def test_another_key_does_not_verify(signed, other):
    suite, _, document = signed
    with pytest.raises(InvalidProof) as raised:
        suite.verify(document, public_key=other().public_key())
    assert raised.value.code == "PROOF_INVALID"


def test_suite_registry():
    assert suite_for("eddsa-rdfc-2022").cryptosuite == "eddsa-rdfc-2022"
    assert suite_for("ecdsa-rdfc-2019").cryptosuite == "ecdsa-rdfc-2019"
    for name in ("ecdsa-sd-2023", "", None):
        with pytest.raises(InvalidProof) as raised:
            suite_for(name)
        assert raised.value.code == "UNSUPPORTED_CRYPTOSUITE"


@pytest.mark.parametrize("hash_name", ["sha256", "sha384"])
def test_kept_proof_configurations_give_the_bytes_of_a_fresh_canonicalization(hash_name):
    from issuer.signing.canonical import canonicalize_utf8
    from issuer.signing.data_integrity import _proof_canonical

    base = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2025-01-01T00:00:00Z",
            "verificationMethod": "did:example:issuer#key-1", "proofPurpose": "assertionMethod"}
    variants = [
        {**base, "@context": [VC_V2]},
        {**base, "@context": VC_V2},
        {**base, "@context": [VC_V1, DATA_INTEGRITY_V2]},
        {**base, "@context": [VC_V2], "created": "2025-01-01T00:00:01Z"},
        {**base, "@context": [VC_V2], "proofPurpose": "authentication"},
        {**base, "@context": [VC_V2], "verificationMethod": "did:example:other#key-2"},
        {**base, "@context": [VC_V2], "challenge": "abc", "domain": "example.org"},
    ]
    for _ in range(2):  # made, then kept
        answers = [_proof_canonical(config, hash_name) for config in variants]
        assert answers == [canonicalize_utf8(config, hash_name=hash_name) for config in variants]
    assert len(set(answers[2:])) == len(answers) - 2  # each option shows in the bytes
