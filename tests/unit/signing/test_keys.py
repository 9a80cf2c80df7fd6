"""Institution keys on disk: encrypted, owner-only, rotated without breaking old signatures."""
from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from issuer.credentials.contexts import VC_V2
from issuer.errors import KeyMaterialError
from issuer.signing import keys
from issuer.signing.base import SigningAlgorithm
from issuer.signing.did import build_did_document, did_web, resolve_verification_method
from issuer.signing.keys import KeyPurpose
from issuer.signing.suites import suite_for

from .conftest import PASSPHRASE

DID = did_web("http://127.0.0.1:5000", "KU")
CREDENTIAL = {"@context": [VC_V2], "id": "urn:uuid:0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
              "type": ["VerifiableCredential"], "issuer": DID,
              "credentialSubject": {"id": "urn:uuid:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"}}


@pytest.fixture
def institution(keys_dir, now):
    keys.ensure_institution_keys(keys_dir, "KU", "Klaipėda University", "LT",
                                 passphrase=PASSPHRASE, now=now)
    return keys_dir / "institutions" / "KU"


def _key_files(directory):
    return sorted(directory.glob("*.key.pem"))


def test_layout_and_manifest(keys_dir, institution, now):
    assert (keys_dir / "ca" / "ca-cert.pem").is_file()
    assert (keys_dir / "ca" / "ca-key.pem").is_file()
    manifest = json.loads((institution / "manifest.json").read_text())
    assert manifest["institution"] == "KU"
    assert {(k["purpose"], k["type"], k["status"]) for k in manifest["keys"]} == {
        ("eddsa-rdfc-2022", "Ed25519", "current"), ("ecdsa-rdfc-2019", "P-256", "current"),
        ("xml-signature", "P-256", "current")}
    for entry in manifest["keys"]:
        assert entry["created"] == "2025-03-01T09:30:00Z" and entry["retired"] is None
        assert (institution / entry["file"]).is_file()
    assert len(_key_files(institution)) == 3


def test_private_keys_are_encrypted_and_owner_only(keys_dir, institution):
    for path in [*_key_files(institution), keys_dir / "ca" / "ca-key.pem"]:
        data = path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert b"BEGIN PRIVATE KEY" not in data and PASSPHRASE.encode() not in data
        assert path.stat().st_mode & 0o777 == 0o600
        with pytest.raises(TypeError):  # cryptography itself: encrypted, needs a password
            serialization.load_pem_private_key(data, None)


def test_ensure_is_idempotent(keys_dir, institution, now):
    before = (institution / "manifest.json").read_bytes()
    keys.ensure_institution_keys(keys_dir, "KU", "Klaipėda University", "LT",
                                 passphrase=PASSPHRASE, now=now + timedelta(days=1))
    assert (institution / "manifest.json").read_bytes() == before
    assert len(_key_files(institution)) == 3


def test_ensure_refuses_another_passphrase_for_existing_keys(keys_dir, institution, now):
    with pytest.raises(KeyMaterialError, match="cannot decrypt"):
        keys.ensure_institution_keys(keys_dir, "KU", "Klaipėda University", "LT",
                                     passphrase="another one", now=now)


def test_keyring_signs_verifiably(keys_dir, institution, now):
    ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    did_document = build_did_document(DID, ring.keys)
    for purpose in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019"):
        signer = ring.signer(purpose, controller=DID)
        assert signer.key_id == f"{DID}#{ring.current(purpose).key_id}"
        secured = suite_for(purpose).add_proof(CREDENTIAL, signer=signer, created=now)
        public = resolve_verification_method(did_document, secured["proof"]["verificationMethod"])
        suite_for(purpose).verify(secured, public_key=public)
    assert "private_key" not in repr(ring) and "BEGIN" not in repr(ring)


def test_xml_key_has_a_certificate_from_the_dev_ca(keys_dir, institution, now):
    ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    leaf, ca = ring.xml.certificates
    ca_file = x509.load_pem_x509_certificate(keys.ca_certificate_path(keys_dir).read_bytes())
    assert ca == ca_file
    leaf.verify_directly_issued_by(ca)
    common_name = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    assert common_name == "Klaipėda University"
    assert leaf.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "LT"
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc
    assert leaf.public_key() == ring.xml.private_key.public_key()
    assert ring.xml.signer().algorithm is SigningAlgorithm.P256_SHA256


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_refuses_key_files_readable_by_others(keys_dir, institution, mode):
    path = _key_files(institution)[0]
    os.chmod(path, mode)
    with pytest.raises(KeyMaterialError, match="accessible to group or others"):
        keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)


def test_refuses_an_unencrypted_key_file(keys_dir, institution):
    path = _key_files(institution)[0]
    plain = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    path.write_bytes(plain)
    os.chmod(path, 0o600)
    with pytest.raises(KeyMaterialError, match="not an encrypted PKCS #8"):
        keys.load_private_key(path, PASSPHRASE)


def test_wrong_passphrase_fails_without_leaking(keys_dir, institution):
    wrong = "Tr0ub4dor&3"
    with pytest.raises(KeyMaterialError, match="wrong passphrase") as raised:
        keys.load_keyring(keys_dir, "KU", passphrase=wrong)
    text = str(raised.value) + repr(raised.value.extra) + raised.value.detail
    assert wrong not in text and PASSPHRASE not in text
    assert "BEGIN" not in text and "MII" not in text
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


@pytest.mark.parametrize("passphrase", [None, ""])
def test_missing_passphrase_is_refused(keys_dir, institution, now, passphrase):
    with pytest.raises(KeyMaterialError, match="no key passphrase"):
        keys.load_keyring(keys_dir, "KU", passphrase=passphrase)
    with pytest.raises(KeyMaterialError, match="no key passphrase"):
        keys.ensure_institution_keys(keys_dir, "UROS", "University of Rostock", "DE",
                                     passphrase=passphrase, now=now)


def test_missing_key_file_and_unknown_institution(keys_dir, institution):
    with pytest.raises(KeyMaterialError, match="no keys for institution AUA"):
        keys.load_keyring(keys_dir, "AUA", passphrase=PASSPHRASE)
    _key_files(institution)[0].unlink()
    with pytest.raises(KeyMaterialError, match="is missing"):
        keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)


@pytest.mark.parametrize("code", ["../KU", "K/U", "", ".hidden", "x" * 40])
def test_refuses_unsafe_institution_codes(keys_dir, now, code):
    with pytest.raises(KeyMaterialError, match="invalid institution code"):
        keys.ensure_institution_keys(keys_dir, code, "X", "BE", passphrase=PASSPHRASE, now=now)


def test_rotation_keeps_old_signatures_verifiable(keys_dir, institution, now):
    old_ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    old_signed = {purpose: suite_for(purpose).add_proof(
        CREDENTIAL, signer=old_ring.signer(purpose, controller=DID), created=now)
        for purpose in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019")}
    later = now + timedelta(days=90)

    added = keys.rotate(keys_dir, "KU", passphrase=PASSPHRASE, now=later)

    assert {r.purpose for r in added} == {KeyPurpose.EDDSA, KeyPurpose.ECDSA}
    ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    assert len(ring.keys) == 5
    for purpose in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019"):
        old, new = old_ring.current(purpose), ring.current(purpose)
        assert old.key_id != new.key_id and new.created == later
        retired = ring.record(old.key_id)
        assert retired.retired == later and not retired.current
        assert retired.in_use_at(now) and not retired.in_use_at(later)
        assert new.in_use_at(later) and not new.in_use_at(now)
    assert ring.current(KeyPurpose.XML) == old_ring.current(KeyPurpose.XML)
    manifest = json.loads((institution / "manifest.json").read_text())
    assert sorted(k["status"] for k in manifest["keys"]) == ["current"] * 3 + ["retired"] * 2
    assert len(_key_files(institution)) == 5  # retired keys are kept

    did_document = build_did_document(DID, keys.load_public_keys(keys_dir, "KU"))
    assert len(did_document["verificationMethod"]) == 4
    assert len(did_document["assertionMethod"]) == 4
    for purpose, document in old_signed.items():
        public = resolve_verification_method(did_document, document["proof"]["verificationMethod"])
        suite_for(purpose).verify(document, public_key=public)
        new_signed = suite_for(purpose).add_proof(
            CREDENTIAL, signer=ring.signer(purpose, controller=DID), created=later)
        assert new_signed["proof"]["verificationMethod"] != document["proof"]["verificationMethod"]
        public = resolve_verification_method(did_document,
                                             new_signed["proof"]["verificationMethod"])
        suite_for(purpose).verify(new_signed, public_key=public)


def test_rotation_with_xml_recertifies_the_same_subject(keys_dir, institution, now):
    old = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE).xml
    keys.rotate(keys_dir, "KU", passphrase=PASSPHRASE, now=now + timedelta(days=1), xml=True)
    new = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE).xml
    assert new.key_id != old.key_id
    assert new.certificate.subject == old.certificate.subject
    assert new.certificate.issuer == old.certificate.issuer


def test_rotation_refuses_a_wrong_passphrase(keys_dir, institution, now):
    with pytest.raises(KeyMaterialError, match="wrong passphrase"):
        keys.rotate(keys_dir, "KU", passphrase="nope", now=now)
    assert len(_key_files(institution)) == 3


def _pkcs12(key, now, password: bytes | None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Klaipėda University")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=365))
            .sign(key, hashes.SHA256()))
    encryption = serialization.BestAvailableEncryption(password) if password \
        else serialization.NoEncryption()
    return pkcs12.serialize_key_and_certificates(b"ku", key, cert, None, encryption)


def test_import_pkcs12_rsa_becomes_the_xml_key(keys_dir, institution, now):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    old = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE).xml
    record = keys.import_pkcs12(keys_dir, "KU", _pkcs12(key, now, b"p12 secret"), "p12 secret",
                                passphrase=PASSPHRASE, now=now + timedelta(hours=1))
    assert record.key_type == "RSA-2048" and record.purpose is KeyPurpose.XML
    ring = keys.load_keyring(keys_dir, "KU", passphrase=PASSPHRASE)
    assert ring.xml.key_id == record.key_id
    assert ring.xml.signer().algorithm is SigningAlgorithm.RSA_SHA256
    assert not ring.record(old.key_id).current
    stored = (institution / record.file).read_bytes()
    assert stored.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert (institution / record.file).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("build, password, match", [
    (lambda now: _pkcs12(ec.generate_private_key(ec.SECP256R1()), now, b"right"), "wrong",
     "wrong password"),
    (lambda now: b"not a pkcs12 file", "x", "wrong password or damaged"),
    (lambda now: _pkcs12(rsa.generate_private_key(public_exponent=65537, key_size=1024), now,
                         None), None, "2048 bits"),
    (lambda now: _pkcs12(ec.generate_private_key(ec.SECP256R1()), now - timedelta(days=800),
                         None), None, "not valid now"),
])
def test_import_pkcs12_refusals(keys_dir, institution, now, build, password, match):
    with pytest.raises(KeyMaterialError, match=match) as raised:
        keys.import_pkcs12(keys_dir, "KU", build(now), password, passphrase=PASSPHRASE, now=now)
    assert "right" not in str(raised.value)
