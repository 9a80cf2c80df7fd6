"""The cryptosuite registry: which ``ProofSuite`` handles a proof's ``cryptosuite``."""
from __future__ import annotations

from issuer.errors import InvalidProof
from issuer.signing.base import ProofSuite
from issuer.signing.ecdsa_rdfc_2019 import EcdsaRdfc2019
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022

SUITES: dict[str, ProofSuite] = {
    suite.cryptosuite: suite for suite in (EddsaRdfc2022(), EcdsaRdfc2019())
}


def suite_for(cryptosuite: str) -> ProofSuite:
    """The suite implementing ``cryptosuite`` (``eddsa-rdfc-2022`` or ``ecdsa-rdfc-2019``).

    :raise InvalidProof: an unsupported cryptosuite (code ``UNSUPPORTED_CRYPTOSUITE``).
    """
    try:
        return SUITES[cryptosuite]
    except (KeyError, TypeError):
        raise InvalidProof(f"unsupported cryptosuite {cryptosuite!r}",
                           code="UNSUPPORTED_CRYPTOSUITE") from None
