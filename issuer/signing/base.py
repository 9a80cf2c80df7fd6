"""The signing interface: algorithms, ``Signer`` and ``ProofSuite`` protocols, concrete signers."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from issuer.errors import KeyMaterialError
from issuer.signing.multibase import PublicKey


class SigningAlgorithm(StrEnum):
    """Signature algorithms, named by their JOSE identifiers."""

    ED25519 = "Ed25519"
    P256_SHA256 = "ES256"
    P384_SHA384 = "ES384"
    RSA_SHA256 = "RS256"


@runtime_checkable
class Signer(Protocol):
    """Something that signs bytes with one key. Suites check ``algorithm`` before using it."""

    key_id: str  # the verificationMethod URL
    algorithm: SigningAlgorithm

    def sign(self, data: bytes) -> bytes: ...


class ProofSuite(Protocol):
    """A Data Integrity cryptosuite."""

    cryptosuite: str
    algorithms: frozenset[SigningAlgorithm]

    def add_proof(self, doc: dict, *, signer: Signer, created: datetime,
                  proof_purpose: str = "assertionMethod") -> dict: ...

    def verify(self, doc: dict, *, public_key: PublicKey,
               proof_purpose: str = "assertionMethod") -> dict: ...


class Ed25519Signer:
    """Signs with an Ed25519 private key (pure EdDSA, RFC 8032)."""

    algorithm = SigningAlgorithm.ED25519

    def __init__(self, private_key: ed25519.Ed25519PrivateKey, key_id: str):
        if not isinstance(private_key, ed25519.Ed25519PrivateKey):
            raise KeyMaterialError("Ed25519Signer needs an Ed25519 private key")
        self._key = private_key
        self.key_id = key_id

    def sign(self, data: bytes) -> bytes:
        """The 64-byte signature of ``data``."""
        return self._key.sign(data)

    def public_key(self) -> ed25519.Ed25519PublicKey:
        return self._key.public_key()

    def __repr__(self) -> str:  # never show key material
        return f"Ed25519Signer(key_id={self.key_id!r})"


_EC_ALGORITHMS = {
    "secp256r1": (SigningAlgorithm.P256_SHA256, hashes.SHA256, 32),
    "secp384r1": (SigningAlgorithm.P384_SHA384, hashes.SHA384, 48),
}


class EcdsaSigner:
    """Signs with a P-256 (ES256) or P-384 (ES384) key.

    ``sign`` returns the IEEE P1363 form (r || s, fixed length) that Data Integrity and JOSE use;
    ``sign_der`` the DER form that XML Signature's ``cryptography`` back-ends expect.
    """

    def __init__(self, private_key: ec.EllipticCurvePrivateKey, key_id: str, *,
                 deterministic: bool = False):
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) \
                or private_key.curve.name not in _EC_ALGORITHMS:
            raise KeyMaterialError("EcdsaSigner needs a P-256 or P-384 private key")
        self._key = private_key
        self.key_id = key_id
        self.algorithm, self._hash, self._size = _EC_ALGORITHMS[private_key.curve.name]
        self._deterministic = deterministic  # RFC 6979 nonces; used to reproduce test vectors

    def sign_der(self, data: bytes) -> bytes:
        """The DER-encoded ECDSA signature of ``data`` (hashed with the curve's hash)."""
        if self._deterministic:
            return self._key.sign(data, ec.ECDSA(self._hash(), deterministic_signing=True))
        return self._key.sign(data, ec.ECDSA(self._hash()))

    def sign(self, data: bytes) -> bytes:
        """The IEEE P1363 (r || s) ECDSA signature of ``data``."""
        r, s = decode_dss_signature(self.sign_der(data))
        return r.to_bytes(self._size, "big") + s.to_bytes(self._size, "big")

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._key.public_key()

    def __repr__(self) -> str:
        return f"EcdsaSigner(key_id={self.key_id!r}, algorithm={self.algorithm.value!r})"


class RsaSigner:
    """Signs with an RSA key (RSASSA-PKCS1-v1_5 with SHA-256), for XML Signature."""

    algorithm = SigningAlgorithm.RSA_SHA256

    def __init__(self, private_key: rsa.RSAPrivateKey, key_id: str):
        if not isinstance(private_key, rsa.RSAPrivateKey) or private_key.key_size < 2048:
            raise KeyMaterialError("RsaSigner needs an RSA private key of at least 2048 bits")
        self._key = private_key
        self.key_id = key_id

    def sign(self, data: bytes) -> bytes:
        """The PKCS #1 v1.5 SHA-256 signature of ``data``."""
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def __repr__(self) -> str:
        return f"RsaSigner(key_id={self.key_id!r})"


def signer_for_key(private_key, key_id: str) -> Ed25519Signer | EcdsaSigner | RsaSigner:
    """The concrete signer for a ``cryptography`` private key.

    :raise KeyMaterialError: an unsupported key type or size.
    """
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return Ed25519Signer(private_key, key_id)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return EcdsaSigner(private_key, key_id)
    if isinstance(private_key, rsa.RSAPrivateKey):
        return RsaSigner(private_key, key_id)
    raise KeyMaterialError(f"unsupported private key type {type(private_key).__name__}")
