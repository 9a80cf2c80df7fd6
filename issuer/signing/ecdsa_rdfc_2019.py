"""The ``ecdsa-rdfc-2019`` cryptosuite: RDFC-1.0 with ECDSA P-256/SHA-256 or P-384/SHA-384.

See W3C vc-di-ecdsa. With P-384 keys, SHA-384 is also RDFC-1.0's own hash function.
"""
from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from issuer.errors import InvalidProof
from issuer.signing.base import SigningAlgorithm
from issuer.signing.data_integrity import RdfcSuite
from issuer.signing.multibase import PublicKey

# curve -> (algorithm, hash name for the two hashes, hash for ECDSA, size of r and of s)
_CURVES = {
    "secp256r1": (SigningAlgorithm.P256_SHA256, "sha256", hashes.SHA256, 32),
    "secp384r1": (SigningAlgorithm.P384_SHA384, "sha384", hashes.SHA384, 48),
}
_HASH_NAMES = {algorithm: name for algorithm, name, _, _ in _CURVES.values()}


class EcdsaRdfc2019(RdfcSuite):
    """ECDSA over ``H(canon(proofConfig)) || H(canon(doc))``; signatures in IEEE P1363 (r || s)."""

    cryptosuite = "ecdsa-rdfc-2019"
    algorithms = frozenset({SigningAlgorithm.P256_SHA256, SigningAlgorithm.P384_SHA384})

    def _hash_name(self, algorithm: SigningAlgorithm) -> str:
        return _HASH_NAMES[algorithm]

    def _algorithm_of(self, public_key: PublicKey) -> SigningAlgorithm:
        if not isinstance(public_key, ec.EllipticCurvePublicKey) \
                or public_key.curve.name not in _CURVES:
            raise InvalidProof(f"{self.cryptosuite} needs a P-256 or P-384 key, not "
                               f"{type(public_key).__name__}")
        return _CURVES[public_key.curve.name][0]

    def _verify_signature(self, public_key: PublicKey, signature: bytes, data: bytes) -> None:
        _, _, hash_class, size = _CURVES[public_key.curve.name]
        if len(signature) != 2 * size:
            raise InvalidProof(f"a {public_key.curve.name} signature is {2 * size} bytes "
                               f"(IEEE P1363 r || s)")
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_class()))
