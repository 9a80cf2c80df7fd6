"""Key material as configured by an operator: PKCS#12 import for XML, did:key identities, and the
refusal to start with an unencrypted or world-readable private key."""
from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from sqlalchemy import delete

from issuer import create_app
from issuer.errors import KeyMaterialError
from issuer.signing.keys import load_public_keys
from issuer.store import db
from issuer.store.models import InstitutionKeyRow
from tests.conftest import _config
from tests.web.test_verification import issue, verify


@pytest.fixture
def own_keys_app(app, tmp_path):
    """An app on the same database with its own keys folder; its key rows are removed afterwards."""
    made = []

    def make(**overrides):
        keys_dir = tmp_path / f"keys{len(made)}"
        own = create_app({**_config(app.config["DATABASE_URL"], keys_dir), **overrides})
        result = own.test_cli_runner().invoke(args=["init"])
        assert result.exit_code == 0, result.output
        made.append((own, keys_dir))
        return own

    yield make
    for own, keys_dir in made:
        ids = {r.key_id for folder in (keys_dir / "institutions").iterdir()
               for r in load_public_keys(keys_dir, folder.name)}
        with own.app_context():
            db.session().execute(delete(InstitutionKeyRow).where(InstitutionKeyRow.key_id.in_(ids)))
            db.session().commit()
        own.extensions["issuer.engine"].dispose()


def _pkcs12(password: bytes) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Klaipeda University e-seal"),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, "LT")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"ku-seal", key, cert, None,
                                                 serialization.BestAvailableEncryption(password))


def test_pkcs12_import_signs_xml_with_rsa_and_it_verifies(own_keys_app, token_for, tmp_path, monkeypatch):
    own = own_keys_app()
    path = tmp_path / "seal.p12"
    path.write_bytes(_pkcs12(b"p12-secret"))
    monkeypatch.setenv("KU_P12_PASSWORD", "p12-secret")
    result = own.test_cli_runner().invoke(args=["keys", "import-pkcs12", "KU", str(path),
                                                "--password-env", "KU_P12_PASSWORD"])
    assert result.exit_code == 0, result.output
    assert "p12-secret" not in result.output
    client = own.test_client()
    credential = issue(client, token_for("KU"))[0]
    xml = client.get(f"/credentials/{credential}?format=xml").data
    assert b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in xml
    response = verify(client, xml=xml)
    assert response.status_code == 200, response.get_json()


def test_pkcs12_with_the_wrong_password_is_refused(own_keys_app, tmp_path, monkeypatch):
    own = own_keys_app()
    path = tmp_path / "seal.p12"
    path.write_bytes(_pkcs12(b"right"))
    monkeypatch.setenv("KU_P12_PASSWORD", "not-the-p12-password")
    result = own.test_cli_runner().invoke(args=["keys", "import-pkcs12", "KU", str(path),
                                                "--password-env", "KU_P12_PASSWORD"])
    assert result.exit_code != 0 and "wrong password" in result.output
    assert "not-the-p12-password" not in result.output


def test_did_key_identities_issue_verifiable_credentials(own_keys_app, token_for):
    own = own_keys_app(DID_METHOD="key")
    client = own.test_client()
    credential = issue(client, token_for("KU"))[0]
    document = client.get(f"/credentials/{credential}").get_json()
    assert document["issuer"]["id"].startswith("did:key:z6Mk")
    assert document["proof"]["verificationMethod"].startswith(document["issuer"]["id"] + "#")
    response = verify(client, document)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("damage", ["world-readable", "unencrypted"])
def test_the_service_refuses_to_start_with_an_unsafe_private_key(app, tmp_path, damage):
    keys_dir = tmp_path / "keys"
    first = create_app(_config(app.config["DATABASE_URL"], keys_dir))
    assert first.test_cli_runner().invoke(args=["init"]).exit_code == 0
    first.extensions["issuer.engine"].dispose()
    victim = sorted((keys_dir / "institutions" / "KU").glob("*.key.pem"))[0]
    if damage == "world-readable":
        os.chmod(victim, 0o644)
    else:
        victim.write_bytes(serialization.load_pem_private_key(
            victim.read_bytes(), password=b"test-passphrase-not-secret").private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        os.chmod(victim, 0o600)
    with pytest.raises(KeyMaterialError, match=victim.name) as caught:
        create_app(_config(app.config["DATABASE_URL"], keys_dir))
    assert "PRIVATE KEY" not in str(caught.value)
    with app.app_context():  # leave the shared database's key mirror as it was
        ids = {r.key_id for folder in (keys_dir / "institutions").iterdir()
               for r in load_public_keys(keys_dir, folder.name)}
        db.session().execute(delete(InstitutionKeyRow).where(InstitutionKeyRow.key_id.in_(ids)))
        db.session().commit()
