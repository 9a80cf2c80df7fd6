"""Institution identities for the running service: DIDs, cached key rings, the public-key mirror.

Private keys are decrypted once per process and kept in memory (decrypting PKCS#8 costs tens of
milliseconds); public keys are mirrored into the database so that every machine's verifier and
DID documents agree without reading the keys folder.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.domain.model import Institution
from issuer.errors import KeyMaterialError
from issuer.signing import keys as keyfiles
from issuer.signing.did import did_key, did_web
from issuer.signing.keys import KeyPurpose, KeyRecord, KeyRing
from issuer.store.models import InstitutionKeyRow
from issuer.store.repositories import utc


@dataclass(frozen=True)
class PublicKeyInfo:
    """One institution key as the verifier sees it (from the database)."""

    institution: str
    key_id: str
    purpose: str
    key_type: str
    public_key_multibase: str | None
    certificate_pem: str | None
    created: datetime
    retired: datetime | None

    def in_use_at(self, when: datetime) -> bool:
        return self.created <= when and (self.retired is None or when < self.retired)

    def certificate(self) -> x509.Certificate | None:
        return None if not self.certificate_pem else x509.load_pem_x509_certificate(
            self.certificate_pem.encode("ascii"))


class KeyStore:
    """Per-process access to the institutions' keys (one instance per app)."""

    def __init__(self, keys_dir: str | Path, *, passphrase: str | None, public_url: str,
                 did_method: str = "web"):
        self.keys_dir = Path(keys_dir)
        self._passphrase = passphrase
        self.public_url = public_url
        self.did_method = did_method
        self._rings: dict[str, KeyRing] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the passphrase
        return f"KeyStore({str(self.keys_dir)!r})"

    def ensure(self, institution: Institution, *, now: datetime) -> None:
        """Create the institution's missing keys (dev CA certificate for XML)."""
        keyfiles.ensure_institution_keys(self.keys_dir, institution.code, institution.name,
                                         _alpha2(institution.country), passphrase=self._require(),
                                         now=now)

    def ring(self, code: str) -> KeyRing:
        """The institution's key ring, decrypted once per process."""
        with self._lock:
            if code not in self._rings:
                self._rings[code] = keyfiles.load_keyring(self.keys_dir, code, passphrase=self._require())
            return self._rings[code]

    def forget(self, code: str) -> None:
        with self._lock:
            self._rings.pop(code, None)

    def did(self, code: str) -> str:
        """The institution's DID: did:web under the public URL, or did:key of its Ed25519 key."""
        if self.did_method == "key":
            return did_key(self.ring(code).current(KeyPurpose.EDDSA).public_key())
        return did_web(self.public_url, code)

    def signer(self, code: str, purpose: KeyPurpose | str):
        return self.ring(code).signer(purpose, controller=self.did(code))

    def public_records(self, code: str) -> tuple[KeyRecord, ...]:
        return keyfiles.load_public_keys(self.keys_dir, code)

    def rotate(self, code: str, *, now: datetime) -> tuple[KeyRecord, ...]:
        added = keyfiles.rotate(self.keys_dir, code, passphrase=self._require(), now=now)
        self.forget(code)
        return added

    def import_pkcs12(self, code: str, data: bytes, password: str | None, *, now: datetime) -> KeyRecord:
        """Make an operator's PKCS#12 key and certificate the institution's XML-signing key."""
        record = keyfiles.import_pkcs12(self.keys_dir, code, data, password, passphrase=self._require(), now=now)
        self.forget(code)
        return record

    def _require(self) -> str:
        if not self._passphrase:
            raise KeyMaterialError("ISSUER_KEY_PASSPHRASE is not set; the private keys cannot be used")
        return self._passphrase


def init_app(app) -> None:
    """Check the key files (refusing unencrypted or world-readable ones) and attach a KeyStore."""
    cfg = app.config
    if Path(cfg["KEYS_DIR"]).is_dir():
        check_key_files(cfg["KEYS_DIR"])
    app.extensions["issuer.keystore"] = KeyStore(cfg["KEYS_DIR"], passphrase=cfg["KEY_PASSPHRASE"],
                                                 public_url=cfg["PUBLIC_URL"], did_method=cfg["DID_METHOD"])


def mirror_public_keys(session: Session, keystore: KeyStore, code: str) -> int:
    """Copy the institution's public key records (and XML certificates) into the database."""
    existing = {r.key_id: r for r in session.scalars(
        select(InstitutionKeyRow).where(InstitutionKeyRow.institution == code))}
    directory = keystore.keys_dir / "institutions" / code
    records = keystore.public_records(code)
    for record in records:
        row = existing.get(record.key_id) or InstitutionKeyRow(institution=code, key_id=record.key_id)
        row.purpose, row.key_type = str(record.purpose), record.key_type
        row.public_key_multibase = record.public_key_multibase
        row.certificate_pem = _leaf_pem(directory / record.certificate_file) if record.certificate_file else None
        row.created, row.retired = record.created, record.retired
        session.add(row)
    return len(records)


def public_keys(session: Session, code: str) -> list[PublicKeyInfo]:
    """One institution's keys, oldest first."""
    return _key_infos(session.execute(_KEY_COLUMNS.where(InstitutionKeyRow.institution == code)
                                      .order_by(InstitutionKeyRow.created)))


def all_public_keys(session: Session) -> dict[str, list[PublicKeyInfo]]:
    """Every institution's keys, oldest first, by institution code, in one query."""
    by_institution: dict[str, list[PublicKeyInfo]] = {}
    for info in _key_infos(session.execute(_KEY_COLUMNS.order_by(InstitutionKeyRow.institution,
                                                                 InstitutionKeyRow.created))):
        by_institution.setdefault(info.institution, []).append(info)
    return by_institution


_KEY_COLUMNS = select(InstitutionKeyRow.institution, InstitutionKeyRow.key_id, InstitutionKeyRow.purpose,
                      InstitutionKeyRow.key_type, InstitutionKeyRow.public_key_multibase,
                      InstitutionKeyRow.certificate_pem, InstitutionKeyRow.created, InstitutionKeyRow.retired)


def _key_infos(rows) -> list[PublicKeyInfo]:
    return [PublicKeyInfo(institution, key_id, purpose, key_type, multibase, pem, utc(created), utc(retired))
            for institution, key_id, purpose, key_type, multibase, pem, created, retired in rows]


def check_key_files(keys_dir: str | Path) -> int:
    """Refuse to start with a private key file that is unencrypted or readable by others.

    :raise KeyMaterialError: naming the file (never its content). Returns the files checked.
    """
    checked = 0
    for path in sorted(Path(keys_dir).glob("**/*key.pem")):
        if path.stat().st_mode & 0o077:
            raise KeyMaterialError(f"private key file {path} is readable by group or others (chmod 600)")
        with path.open("rb") as handle:
            if not handle.read(64).startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----"):
                raise KeyMaterialError(f"private key file {path} is not encrypted PKCS#8")
        checked += 1
    return checked


def _leaf_pem(path: Path) -> str:
    data = path.read_bytes()
    leaf = x509.load_pem_x509_certificates(data)[0]
    return leaf.public_bytes(serialization.Encoding.PEM).decode("ascii")


_ALPHA3_TO_2 = {"GRC": "GR", "CYP": "CY", "LTU": "LT", "FRA": "FR", "ESP": "ES", "HRV": "HR",
                "DEU": "DE", "ROU": "RO", "IRL": "IE", "BEL": "BE"}


def _alpha2(alpha3: str) -> str:
    return _ALPHA3_TO_2.get(alpha3, alpha3[:2])
