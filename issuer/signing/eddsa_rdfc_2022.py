"""The ``eddsa-rdfc-2022`` cryptosuite: RDFC-1.0, SHA-256 and Ed25519 (W3C vc-di-eddsa)."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.errors import InvalidProof
from issuer.signing.base import SigningAlgorithm
from issuer.signing.data_integrity import RdfcSuite
from issuer.signing.multibase import PublicKey


class EddsaRdfc2022(RdfcSuite):
    """Signs the 64 bytes ``sha256(canon(proofConfig)) || sha256(canon(doc))`` with Ed25519."""

    cryptosuite = "eddsa-rdfc-2022"
    algorithms = frozenset({SigningAlgorithm.ED25519})

    def _algorithm_of(self, public_key: PublicKey) -> SigningAlgorithm:
        if not isinstance(public_key, ed25519.Ed25519PublicKey):
            raise InvalidProof(f"{self.cryptosuite} needs an Ed25519 key, not "
                               f"{type(public_key).__name__}")
        return SigningAlgorithm.ED25519

    def _verify_signature(self, public_key: PublicKey, signature: bytes, data: bytes) -> None:
        if len(signature) != 64:
            raise InvalidProof("an Ed25519 signature is 64 bytes")
        public_key.verify(signature, data)
