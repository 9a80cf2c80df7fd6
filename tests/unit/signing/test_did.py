from __future__ import annotations

import copy

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from issuer.errors import ConfigurationError, InvalidProof, KeyMaterialError
from issuer.signing import keys
from issuer.signing.canonical import canonicalize
from issuer.signing.did import (build_did_document, did_key, did_key_document, did_web,
                                resolve_verification_method, verification_method_id)
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022
from issuer.signing.multibase import public_key_from_multikey

from .conftest import EDDSA_DIR, PASSPHRASE, read_json


@pytest.mark.parametrize("url, expected", [
    ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000:institutions:KU"),
    ("http://127.0.0.1:5000/", "did:web:127.0.0.1%3A5000:institutions:KU"),
    ("https://credentials.eu-conexus.eu", "did:web:credentials.eu-conexus.eu:institutions:KU"),
    ("https://Example.ORG/conexus/issuer/", "did:web:example.org:conexus:issuer:institutions:KU"),
    ("http://localhost:8080/a%20b", "did:web:localhost%3A8080:a%2520b:institutions:KU"),
])
def test_did_web_from_public_url(url, expected):
    assert did_web(url, "KU") == expected


@pytest.mark.parametrize("url", ["127.0.0.1:5000", "ftp://example.org", "https://", "/relative",
                                 "https://example.org/?x=1"])
def test_did_web_refuses_unusable_urls(url):
    with pytest.raises(ConfigurationError):
        did_web(url, "KU")


@pytest.fixture
def records(keys_dir, now):
    keys.ensure_institution_keys(keys_dir, "KU", "Klaipėda University", "LT",
                                 passphrase=PASSPHRASE, now=now)
    return keys.load_public_keys(keys_dir, "KU")


def test_did_document_shape(records):
    did = did_web("http://127.0.0.1:5000", "KU")
    document = build_did_document(did, records)
    assert document["@context"] == ["https://www.w3.org/ns/did/v1",
                                    "https://w3id.org/security/multikey/v1"]
    assert document["id"] == did
    methods = document["verificationMethod"]
    assert [m["type"] for m in methods] == ["Multikey", "Multikey"]  # no XML key
    assert all(m["controller"] == did and m["id"].startswith(did + "#") for m in methods)
    assert document["assertionMethod"] == [m["id"] for m in methods]
    assert {m["publicKeyMultibase"][:4] for m in methods} == {"z6Mk", "zDna"}
    # every term is defined by the two contexts (no property is dropped)
    assert "<https://w3id.org/security#publicKeyMultibase>" in canonicalize(document)


def test_did_key_of_the_vector_key_and_its_document():
    pair = read_json(EDDSA_DIR / "keyPair.json")
    public = public_key_from_multikey(pair["publicKeyMultibase"])
    did = did_key(public)
    assert did == "did:key:" + pair["publicKeyMultibase"]
    document = did_key_document(did)
    canonicalize(document)
    signed = read_json(EDDSA_DIR / "eddsa-rdfc-2022" / "signedDataInt.json")
    key = resolve_verification_method(document, signed["proof"]["verificationMethod"])
    EddsaRdfc2022().verify(signed, public_key=key)
    assert did_key_document(signed["proof"]["verificationMethod"]) == document


def test_did_key_for_p256():
    assert did_key(ec.generate_private_key(ec.SECP256R1()).public_key()).startswith("did:key:zDn")


def test_verification_method_ids(records):
    ed = next(r for r in records if r.purpose is keys.KeyPurpose.EDDSA)
    assert verification_method_id("did:web:x:institutions:KU", ed) == \
        f"did:web:x:institutions:KU#{ed.key_id}"
    own = "did:key:" + ed.public_key_multibase
    assert verification_method_id(own, ed) == f"{own}#{ed.public_key_multibase}"
    other = did_key(ed25519.Ed25519PrivateKey.generate().public_key())
    with pytest.raises(KeyMaterialError, match="is not the did:key"):
        verification_method_id(other, ed)


@pytest.mark.parametrize("value", ["did:web:x", "did:key:zzzz", "did:key:" + "z" + "1" * 40])
def test_did_key_document_refuses_non_keys(value):
    with pytest.raises(KeyMaterialError):
        did_key_document(value)


def _document(records):
    return build_did_document(did_web("http://127.0.0.1:5000", "KU"), records)


def test_resolve_unknown_method(records):
    document = _document(records)
    with pytest.raises(InvalidProof) as raised:
        resolve_verification_method(document, document["id"] + "#nope")
    assert raised.value.code == "UNKNOWN_VERIFICATION_METHOD"


def test_resolve_method_of_another_controller(records):
    document = _document(records)
    vm_id = document["verificationMethod"][0]["id"]
    foreign = copy.deepcopy(document)
    foreign["verificationMethod"][0]["controller"] = "did:web:evil.example"
    with pytest.raises(InvalidProof) as raised:
        resolve_verification_method(foreign, vm_id)
    assert raised.value.code == "UNKNOWN_VERIFICATION_METHOD"
    other = copy.deepcopy(document)
    other["id"] = "did:web:evil.example"
    with pytest.raises(InvalidProof):
        resolve_verification_method(other, vm_id)


def test_resolve_method_not_authorised_for_the_purpose(records):
    document = _document(records)
    vm_id = document["verificationMethod"][0]["id"]
    document["assertionMethod"] = document["assertionMethod"][1:]
    with pytest.raises(InvalidProof) as raised:
        resolve_verification_method(document, vm_id)
    assert raised.value.code == "VERIFICATION_METHOD_NOT_AUTHORIZED"
    with pytest.raises(InvalidProof) as raised:
        resolve_verification_method(_document(records), vm_id, purpose="authentication")
    assert raised.value.code == "VERIFICATION_METHOD_NOT_AUTHORIZED"


def test_resolve_returns_the_key(records):
    document = _document(records)
    for method, record in zip(document["verificationMethod"], records):
        assert resolve_verification_method(document, method["id"]) == record.public_key()
