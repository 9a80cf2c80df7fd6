"""Tampered credentials fail verification with the fast walk exactly as without it.

Each credential is signed, changed, and verified twice: as the service does (``canonicalize``
tries ``fastcanon`` first) and with the walk switched off (``canonicalize_full`` only, the path
verification used before). Both must refuse it with the same ``InvalidProof`` code and detail.
"""
from __future__ import annotations

import copy

import pytest

from issuer.credentials.contexts import EDC_CONTEXTS, VC_V2
from issuer.errors import InvalidProof
from issuer.signing import fastcanon
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022
from tests.generators import common as generators


SUITE, SIGNER = EddsaRdfc2022(), generators.signer_for("AUA")


@pytest.fixture(scope="module")
def signed() -> dict:
    doc = generators.documents(1, "individual", seed=905)[0]
    return SUITE.add_proof(doc, signer=SIGNER, created=generators.ISSUED_AT)


def _claim(doc):
    doc["credentialSubject"]["hasClaim"]["title"] = {"en": "A course never taken"}


def _issuance_date(doc):
    doc["issuanceDate"] = "2030-01-01T00:00:00Z"


def _extra_context(doc):  # VC 2.0 after VC 1.1 redefines protected terms
    doc["@context"] = [*EDC_CONTEXTS, VC_V2]


def _inline_context(doc):
    doc["@context"] = [*EDC_CONTEXTS, {"nickname": "https://example.org/nickname"}]
    doc["nickname"] = "x"


def _undefined_term(doc):
    doc["credentialSubject"]["favouriteColour"] = "blue"


def _relative_iri(doc):
    doc["credentialSubject"]["id"] = "students/42"


def _relative_type(doc):
    doc["type"] = [*doc["type"], "MicroCredential"]


def _control_character(doc):
    doc["credentialSubject"]["hasClaim"]["title"] = {"en": "bell\x07"}


def _blank_node(doc):
    doc["credentialSubject"]["hasClaim"].pop("id")


def _unknown_context(doc):
    doc["@context"] = [*EDC_CONTEXTS, "https://example.org/context"]


def _proof_changed(doc):
    doc["proof"]["created"] = "2025-03-02T10:00:00Z"


TAMPERINGS = [_claim, _issuance_date, _extra_context, _inline_context, _undefined_term, _relative_iri,
              _relative_type, _control_character, _blank_node, _unknown_context, _proof_changed]


def _refusal(doc) -> tuple[str, str]:
    with pytest.raises(InvalidProof) as caught:
        SUITE.verify(doc, public_key=SIGNER.public_key())
    return caught.value.code, caught.value.detail


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__.strip("_"))
def test_a_tampered_credential_fails_with_the_same_code_as_before(signed, tamper, monkeypatch):
    doc = copy.deepcopy(signed)
    tamper(doc)
    with_walk = _refusal(doc)

    def step_aside(doc):
        raise fastcanon.Unsupported

    monkeypatch.setattr(fastcanon, "canonical_nquads_utf8", step_aside)
    monkeypatch.setattr(fastcanon, "canonical_nquads", step_aside)
    assert _refusal(doc) == with_walk


@pytest.mark.parametrize("tamper, code", [
    (_claim, "PROOF_INVALID"), (_issuance_date, "PROOF_INVALID"), (_extra_context, "INVALID_DOCUMENT"),
    (_undefined_term, "INVALID_DOCUMENT"), (_relative_iri, "INVALID_DOCUMENT"), (_relative_type, "INVALID_DOCUMENT"),
    (_control_character, "INVALID_DOCUMENT"), (_unknown_context, "UNKNOWN_CONTEXT"),
], ids=lambda v: getattr(v, "__name__", v))
def test_the_codes_of_tampered_credentials(signed, tamper, code):
    doc = copy.deepcopy(signed)
    tamper(doc)
    assert _refusal(doc)[0] == code


def test_the_untampered_credential_verifies_on_the_fast_walk(signed):
    assert fastcanon.canonical_nquads({k: v for k, v in signed.items() if k != "proof"})
    assert SUITE.verify(copy.deepcopy(signed), public_key=SIGNER.public_key())["cryptosuite"] == "eddsa-rdfc-2022"
