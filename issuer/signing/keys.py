"""Institution keys in a keys directory: creation, encrypted storage, loading, rotation, import.

Layout (``keys_dir``)::

    ca/ca-cert.pem                     development CA certificate (public)
    ca/ca-key.pem                      its private key, encrypted PKCS #8, mode 0600
    institutions/<CODE>/manifest.json  every key: id, purpose, type, created, retired, status,
                                       publicKeyMultibase / certificate (public information)
    institutions/<CODE>/<id>.key.pem   private keys, encrypted PKCS #8, mode 0600
    institutions/<CODE>/<id>.cert.pem  XML-signing certificate chain, leaf first (public)

Each institution has one current key per purpose (``eddsa-rdfc-2022`` Ed25519,
``ecdsa-rdfc-2019`` P-256, ``xml-signature`` P-256 or an imported RSA/EC key with its
certificate). Rotation retires keys but keeps them, so earlier signatures keep verifying.
Messages name files, never key bytes or the passphrase.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from issuer.errors import KeyMaterialError
from issuer.signing import certificates
from issuer.signing.base import Signer, signer_for_key
from issuer.signing.multibase import PublicKey, public_key_from_multikey, public_key_to_multikey

try:  # POSIX advisory locks keep two processes from creating or rotating keys at once
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

MANIFEST = "manifest.json"
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


class KeyPurpose(StrEnum):
    """What a key signs; Data Integrity purposes are named after their cryptosuite."""

    EDDSA = "eddsa-rdfc-2022"
    ECDSA = "ecdsa-rdfc-2019"
    XML = "xml-signature"


@dataclass(frozen=True)
class KeyRecord:
    """Public facts about one key: a manifest entry. In use from ``created`` until ``retired``."""

    key_id: str
    purpose: KeyPurpose
    key_type: str  # "Ed25519", "P-256", "P-384", "RSA-3072", ...
    created: datetime
    retired: datetime | None
    file: str
    public_key_multibase: str | None = None  # Data Integrity keys
    certificate_file: str | None = None  # XML-signing keys

    @property
    def current(self) -> bool:
        return self.retired is None

    def in_use_at(self, when: datetime) -> bool:
        """Whether this key was the one signing at ``when`` (created <= when < retired)."""
        return self.created <= when and (self.retired is None or when < self.retired)

    def public_key(self) -> PublicKey:
        """The public key of a Data Integrity key. :raise KeyMaterialError: an XML key."""
        if self.public_key_multibase is None:
            raise KeyMaterialError(f"key {self.key_id} has no publicKeyMultibase")
        return public_key_from_multikey(self.public_key_multibase)

    def to_json(self) -> dict:
        entry = {"id": self.key_id, "purpose": self.purpose.value, "type": self.key_type,
                 "status": "current" if self.current else "retired",
                 "created": _timestamp(self.created),
                 "retired": _timestamp(self.retired) if self.retired else None, "file": self.file}
        if self.public_key_multibase:
            entry["publicKeyMultibase"] = self.public_key_multibase
        if self.certificate_file:
            entry["certificate"] = self.certificate_file
        return entry

    @classmethod
    def from_json(cls, entry: dict) -> KeyRecord:
        record = cls(key_id=entry["id"], purpose=KeyPurpose(entry["purpose"]),
                     key_type=entry["type"], created=datetime.fromisoformat(entry["created"]),
                     retired=datetime.fromisoformat(entry["retired"]) if entry["retired"] else None,
                     file=entry["file"], public_key_multibase=entry.get("publicKeyMultibase"),
                     certificate_file=entry.get("certificate"))
        if entry["status"] != ("current" if record.current else "retired"):
            raise ValueError(f"status of {record.key_id} contradicts its retired time")
        return record


@dataclass(frozen=True)
class XmlSigningKey:
    """The current XML-signing key with its certificate chain (leaf first)."""

    key_id: str
    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = field(repr=False)
    certificates: tuple[x509.Certificate, ...]

    @property
    def certificate(self) -> x509.Certificate:
        return self.certificates[0]

    def signer(self) -> Signer:
        """An ``EcdsaSigner`` (ES256/ES384) or ``RsaSigner`` (RS256) named by ``key_id``."""
        return signer_for_key(self.private_key, self.key_id)


@dataclass(frozen=True)
class KeyRing:
    """An institution's keys: every public record, and the private keys of the current ones."""

    code: str
    keys: tuple[KeyRecord, ...]
    xml: XmlSigningKey
    _private: dict = field(repr=False, compare=False)
    _signers: dict = field(default_factory=dict, repr=False, compare=False)  # (purpose, controller) -> signer

    def current(self, purpose: KeyPurpose | str) -> KeyRecord:
        """The current key record for ``purpose`` (``KeyPurpose`` or a cryptosuite name)."""
        return _current(self.keys, KeyPurpose(purpose))

    def signer(self, purpose: KeyPurpose | str, *, controller: str) -> Signer:
        """A signer with the current key for ``purpose`` whose ``key_id`` is its verification
        method under ``controller`` (a did:web DID; or a did:key, then the key must match it).
        """
        from issuer.signing.did import verification_method_id  # did imports nothing of keys

        key = (str(KeyPurpose(purpose)), controller)
        signer = self._signers.get(key)
        if signer is None:  # made once per ring: every certificate asks for one
            record = self.current(purpose)
            signer = self._signers[key] = signer_for_key(self._private[record.key_id],
                                                         verification_method_id(controller, record))
        return signer

    def record(self, key_id: str) -> KeyRecord:
        """The record of ``key_id``, current or retired. :raise KeyMaterialError: unknown id."""
        for record in self.keys:
            if record.key_id == key_id:
                return record
        raise KeyMaterialError(f"institution {self.code} has no key {key_id!r}")


# -- public API --------------------------------------------------------------------------------
def ensure_institution_keys(keys_dir: Path, code: str, common_name: str, country: str, *,
                            passphrase: str, now: datetime) -> None:
    """Create whatever is missing: the dev CA, and the institution's current Ed25519, P-256 and
    XML-signing keys (P-256 with a certificate from the dev CA). Existing keys are kept.

    :raise KeyMaterialError: bad code, missing passphrase, or existing keys it cannot decrypt.
    """
    directory = _institution_dir(keys_dir, code)
    _require_passphrase(passphrase)
    with _locked(directory):
        records = list(_read_manifest(directory)) if (directory / MANIFEST).exists() else []
        if records:  # refuse to mix passphrases within one institution
            _load_private_key(directory / records[0].file, passphrase)
        added = []
        for purpose, key in ((KeyPurpose.EDDSA, ed25519.Ed25519PrivateKey),
                             (KeyPurpose.ECDSA, ec.SECP256R1)):
            if not _has_current(records, purpose):
                new = key.generate() if key is ed25519.Ed25519PrivateKey \
                    else ec.generate_private_key(key())
                added.append(_store_key(directory, purpose, new, passphrase, now))
        if not _has_current(records, KeyPurpose.XML):
            added.append(_new_xml_key(keys_dir, directory, common_name, country,
                                      passphrase=passphrase, now=now))
        if added:
            _write_manifest(directory, code, records + added)


def load_keyring(keys_dir: Path, code: str, *, passphrase: str) -> KeyRing:
    """The institution's key ring, with its current private keys decrypted.

    :raise KeyMaterialError: no keys for ``code``; a missing passphrase; a key file that is
        missing, unencrypted, readable by group or others, or does not decrypt with
        ``passphrase``; a key that does not match its manifest entry.
    """
    directory = _institution_dir(keys_dir, code)
    _require_passphrase(passphrase)
    records = load_public_keys(keys_dir, code)
    private = {}
    for purpose in KeyPurpose:
        record = _current(records, purpose)
        key = _load_private_key(directory / record.file, passphrase)
        if record.public_key_multibase is not None and \
                public_key_to_multikey(key.public_key()) != record.public_key_multibase:
            raise KeyMaterialError(f"key file {record.file} does not match its manifest entry")
        private[record.key_id] = key
    xml_record = _current(records, KeyPurpose.XML)
    chain = _load_certificates(directory / xml_record.certificate_file)
    if chain[0].public_key() != private[xml_record.key_id].public_key():
        raise KeyMaterialError(f"certificate {xml_record.certificate_file} is not for its key")
    xml = XmlSigningKey(xml_record.key_id, private[xml_record.key_id], chain)
    return KeyRing(code=code, keys=records, xml=xml, _private=private)


def load_public_keys(keys_dir: Path, code: str) -> tuple[KeyRecord, ...]:
    """Every key record of the institution, current and retired (no passphrase needed).

    :raise KeyMaterialError: the institution has no keys, or its manifest is damaged.
    """
    directory = _institution_dir(keys_dir, code)
    if not (directory / MANIFEST).is_file():
        raise KeyMaterialError(f"no keys for institution {code}; create them first")
    return _read_manifest(directory)


def rotate(keys_dir: Path, code: str, *, passphrase: str, now: datetime,
           xml: bool = False) -> tuple[KeyRecord, ...]:
    """Retire the current Ed25519 and P-256 keys (and, with ``xml=True``, the XML-signing key,
    re-certified by the dev CA for the same subject) and make new current ones.

    Retired keys stay in the manifest and on disk, so signatures made before ``now`` verify.
    Returns the new records.

    :raise KeyMaterialError: no keys yet, or the passphrase does not decrypt the current keys.
    """
    ring = load_keyring(keys_dir, code, passphrase=passphrase)
    directory = _institution_dir(keys_dir, code)
    with _locked(directory):
        records = list(_read_manifest(directory))
        purposes = [KeyPurpose.EDDSA, KeyPurpose.ECDSA] + ([KeyPurpose.XML] if xml else [])
        records = [replace(r, retired=now) if r.current and r.purpose in purposes else r
                   for r in records]
        added = [_store_key(directory, KeyPurpose.EDDSA, ed25519.Ed25519PrivateKey.generate(),
                            passphrase, now),
                 _store_key(directory, KeyPurpose.ECDSA, ec.generate_private_key(ec.SECP256R1()),
                            passphrase, now)]
        if xml:
            subject = ring.xml.certificate
            added.append(_new_xml_key(
                keys_dir, directory,
                certificates.certificate_attribute(subject, NameOID.COMMON_NAME),
                certificates.certificate_attribute(subject, NameOID.COUNTRY_NAME),
                passphrase=passphrase, now=now))
        _write_manifest(directory, code, records + added)
    return tuple(added)


def import_pkcs12(keys_dir: Path, code: str, p12_bytes: bytes, p12_password: str | None, *,
                  passphrase: str, now: datetime) -> KeyRecord:
    """Make an operator-provided key and certificate (PKCS #12) the current XML-signing key.

    The previous XML key is retired. The key is stored encrypted with ``passphrase``.

    :raise KeyMaterialError: see ``certificates.read_pkcs12``; no keys for ``code`` yet; a
        passphrase that does not decrypt the institution's keys.
    """
    key, chain = certificates.read_pkcs12(p12_bytes, p12_password, now=now)
    load_keyring(keys_dir, code, passphrase=passphrase)  # checks the passphrase
    directory = _institution_dir(keys_dir, code)
    with _locked(directory):
        records = [replace(r, retired=now) if r.current and r.purpose is KeyPurpose.XML else r
                   for r in _read_manifest(directory)]
        record = _store_key(directory, KeyPurpose.XML, key, passphrase, now, chain=chain)
        _write_manifest(directory, code, records + [record])
    return record


def ca_certificate_path(keys_dir: Path) -> Path:
    """Where the development CA certificate is (trust anchor for verifying XML signatures)."""
    return Path(keys_dir) / "ca" / "ca-cert.pem"


def load_private_key(path: Path, passphrase: str):
    """Decrypt one private key file.

    :raise KeyMaterialError: missing passphrase; missing file; file readable or writable by
        group or others; not an encrypted PKCS #8 PEM; wrong passphrase or damaged file.
    """
    _require_passphrase(passphrase)
    return _load_private_key(Path(path), passphrase)


# -- internals ---------------------------------------------------------------------------------
def _timestamp(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("key timestamps must be timezone-aware")
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _require_passphrase(passphrase) -> None:
    if not isinstance(passphrase, str) or not passphrase:
        raise KeyMaterialError("no key passphrase given (set ISSUER_KEY_PASSPHRASE)")


def _institution_dir(keys_dir: Path, code: str) -> Path:
    if not isinstance(code, str) or not _CODE.match(code):
        raise KeyMaterialError(f"invalid institution code {code!r}")
    return Path(keys_dir) / "institutions" / code


def _current(records, purpose: KeyPurpose) -> KeyRecord:
    found = [r for r in records if r.purpose is purpose and r.current]
    if len(found) != 1:
        raise KeyMaterialError(f"expected one current {purpose.value} key, found {len(found)}")
    return found[0]


def _has_current(records, purpose: KeyPurpose) -> bool:
    return any(r.purpose is purpose and r.current for r in records)


@contextlib.contextmanager
def _locked(directory: Path):
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(directory / ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _key_type(key) -> str:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "P-256", "secp384r1": "P-384"}[key.curve.name]
    return f"RSA-{key.key_size}"


def _key_id(purpose: KeyPurpose, key) -> str:
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    prefix = {KeyPurpose.EDDSA: "ed25519", KeyPurpose.ECDSA: "p256", KeyPurpose.XML: "xml"}
    return f"{prefix[purpose]}-{hashlib.sha256(spki).hexdigest()[:16]}"


def _store_key(directory: Path, purpose: KeyPurpose, key, passphrase: str, now: datetime, *,
               chain: tuple[x509.Certificate, ...] = ()) -> KeyRecord:
    key_id = _key_id(purpose, key)
    _write_private_key(directory / f"{key_id}.key.pem", key, passphrase)
    cert_file = None
    if chain:
        cert_file = f"{key_id}.cert.pem"
        _write_public(directory / cert_file, b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in chain))
    multikey = None if purpose is KeyPurpose.XML else public_key_to_multikey(key.public_key())
    return KeyRecord(key_id=key_id, purpose=purpose, key_type=_key_type(key), created=now,
                     retired=None, file=f"{key_id}.key.pem", public_key_multibase=multikey,
                     certificate_file=cert_file)


def _new_xml_key(keys_dir: Path, directory: Path, common_name: str, country: str, *,
                 passphrase: str, now: datetime) -> KeyRecord:
    ca_key, ca_cert = _dev_ca(Path(keys_dir), passphrase=passphrase, now=now)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificates.issue_certificate(key.public_key(), common_name=common_name,
                                          country=country, ca_key=ca_key, ca_cert=ca_cert, now=now)
    return _store_key(directory, KeyPurpose.XML, key, passphrase, now, chain=(cert, ca_cert))


def _dev_ca(keys_dir: Path, *, passphrase: str, now: datetime):
    """The dev CA key and certificate, created on first use."""
    cert_path, key_path = ca_certificate_path(keys_dir), keys_dir / "ca" / "ca-key.pem"
    with _locked(keys_dir / "ca"):
        if cert_path.exists():
            return _load_private_key(key_path, passphrase), _load_certificates(cert_path)[0]
        key = ec.generate_private_key(ec.SECP256R1())
        cert = certificates.create_dev_ca(key, now=now)
        _write_private_key(key_path, key, passphrase)
        _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return key, cert


def _write_private_key(path: Path, key, passphrase: str) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(passphrase.encode("utf-8")))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(pem)


def _write_public(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".tmp")
    partial.write_bytes(data)
    os.chmod(partial, 0o644)
    os.replace(partial, path)


def _load_private_key(path: Path, passphrase: str):
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise KeyMaterialError(f"key file {path} is missing") from None
    if mode & 0o077:
        raise KeyMaterialError(f"key file {path} is accessible to group or others (mode "
                               f"{mode & 0o777:o}); restrict it to its owner (chmod 600)")
    data = path.read_bytes()
    if not data.lstrip().startswith(_ENCRYPTED_PEM):
        raise KeyMaterialError(f"key file {path} is not an encrypted PKCS #8 PEM key; "
                               f"unencrypted keys are refused")
    try:
        return serialization.load_pem_private_key(data, passphrase.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyMaterialError(f"cannot decrypt key file {path}: wrong passphrase or damaged "
                               f"file") from None


def _load_certificates(path: Path) -> tuple[x509.Certificate, ...]:
    try:
        return tuple(x509.load_pem_x509_certificates(path.read_bytes()))
    except (OSError, ValueError):
        raise KeyMaterialError(f"cannot read certificate file {path}") from None


def _read_manifest(directory: Path) -> tuple[KeyRecord, ...]:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        return tuple(KeyRecord.from_json(entry) for entry in manifest["keys"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KeyMaterialError(f"key manifest {directory / MANIFEST} is damaged: {exc}") from None


def _write_manifest(directory: Path, code: str, records) -> None:
    manifest = {"version": 1, "institution": code, "keys": [r.to_json() for r in records]}
    _write_public(directory / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode("utf-8"))
