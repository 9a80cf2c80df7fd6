from __future__ import annotations

import copy

import pytest

from issuer.credentials.contexts import DATA_INTEGRITY_V2, EDC_CONTEXTS, VC_V1, VC_V2
from issuer.errors import InvalidDocument, UnknownContext
from issuer.signing.canonical import canonicalize

from .conftest import ECDSA_DIR, EDDSA_DIR, read_json

SUBJECT = "urn:uuid:5f0e0d1a-8c5b-4f1e-9a43-2f6c1d7e9b10"
BASE = {
    "@context": [VC_V2],
    "id": "urn:uuid:9b1c7d0e-2f4a-4e8b-8c1d-3a5e7f9b0c2d",
    "type": ["VerifiableCredential"],
    "issuer": "did:web:issuer.example:institutions:KU",
    "validFrom": "2025-01-01T00:00:00Z",
    "name": "Coastal monitoring",
    "credentialSubject": {"id": SUBJECT},
}


def changed(path: tuple, value, base: dict = BASE) -> dict:
    doc = copy.deepcopy(base)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize("source, expected", [
    (EDDSA_DIR / "unsigned.json", EDDSA_DIR / "eddsa-rdfc-2022" / "canonDocDataInt.txt"),
    (EDDSA_DIR / "employmentAuth.json",
     EDDSA_DIR / "eddsa-rdfc-2022" / "employ" / "canonDocDataInt.txt"),
    (ECDSA_DIR / "unsigned.json", ECDSA_DIR / "ecdsa-rdfc-2019-p256" / "canonDocECDSAP256.txt"),
    (ECDSA_DIR / "employmentAuth.json",
     ECDSA_DIR / "ecdsa-rdfc-2019-p256" / "employ" / "canonDocECDSAP256.txt"),
], ids=["eddsa", "eddsa-employ", "ecdsa", "ecdsa-employ"])
def test_reproduces_w3c_canonical_documents(source, expected):
    assert canonicalize(read_json(source)) == expected.read_text(encoding="utf-8")


def test_does_not_change_its_input():
    doc = copy.deepcopy(BASE)
    canonicalize(doc)
    assert doc == BASE


def test_edc_contexts_are_usable():
    doc = {"@context": list(EDC_CONTEXTS), "id": BASE["id"],
           "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
           "issuer": {"id": BASE["issuer"], "type": "Organisation", "legalName": {"en": "KU"}},
           "credentialSubject": {"id": SUBJECT, "type": "Person"}}
    assert "<http://data.europa.eu/snb/model/elm/EuropeanDigitalCredential>" in canonicalize(doc)


@pytest.mark.parametrize("text, written", [
    ("two\nlines", r'"two\nlines"'),
    ("crlf\r\nline", r'"crlf\r\nline"'),
    ("tab\tseparated", r'"tab\tseparated"'),
    ('say "hi" \\o/', r'"say \"hi\" \\o/"'),
    ("ä € 𝄞", '"ä € 𝄞"'),
])
def test_escapes_text_as_rdfc_requires(text, written):
    assert f"<https://schema.org/name> {written} ." in canonicalize(changed(("name",), text))


@pytest.mark.parametrize("doc, match", [
    ({k: v for k, v in BASE.items() if k != "@context"}, "no @context"),
    (changed(("@context",), []), "no @context"),
    (changed(("favouriteColour",), "blue"), "term 'favouriteColour' is not defined"),
    (changed(("credentialSubject", "nickname"), "Jo"), "term 'nickname' is not defined"),
    (changed(("@unknown",), "x"), "looks like a JSON-LD keyword"),
    (changed(("type",), ["VerifiableCredential", "MicroCredential"]),
     "type 'MicroCredential' is not defined"),
    (changed(("id",), "credentials/42"), "'credentials/42' is not an absolute IRI"),
    (changed(("issuer",), "institutions/KU"), "'institutions/KU' is not an absolute IRI"),
    (changed(("credentialSubject", "id"), "#me"), "'#me' is not an absolute IRI"),
    (changed(("issuer",), "http://bad host.example/"), "not an absolute IRI"),
    (changed(("issuer",), "https:/no-authority"), "malformed URL"),
    (changed(("issuer",), "urn:uuid:<x>"), "not an absolute IRI"),
    (changed(("name",), None), "null value for 'name'"),
    (changed(("name",), float("nan")), "not finite"),
    (changed(("name",), {"@value": "Küste", "@language": "de_DE"}), "language tag"),
    (changed(("@context",), [VC_V1, DATA_INTEGRITY_V2, {"@version": 1.0}]),
     "JSON-LD processing failed"),
    ("not a document", "JSON object"),
], ids=["no-context", "empty-context", "undefined-term", "nested-undefined-term",
        "unknown-keyword", "undefined-type", "relative-id", "relative-iri-value",
        "fragment-only-id", "iri-with-space", "url-without-host", "iri-with-angle-brackets",
        "null", "nan", "bad-language-tag", "bad-context", "not-an-object"])
def test_refuses_what_json_ld_would_drop_or_rewrite(doc, match):
    with pytest.raises(InvalidDocument, match=match):
        canonicalize(doc)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f",
                                  "\x85", "\x9f", "\ud800"])
def test_refuses_control_characters(char):
    with pytest.raises(InvalidDocument, match="control character") as raised:
        canonicalize(changed(("credentialSubject", "id"), f"urn:x:{char}"))
    assert raised.value.extra["path"] == "/credentialSubject/id"
    with pytest.raises(InvalidDocument, match="control character"):
        canonicalize(changed(("name",), f"a{char}b"))


@pytest.mark.parametrize("context", [
    [VC_V2, "https://example.com/my-context"],
    ["https://www.w3.org/2018/credentials/v99"],
    [VC_V2, "http://www.w3.org/ns/credentials/v2"],  # http, not https: a different URL
])
def test_unknown_context_urls_are_refused_without_fetching(context):
    with pytest.raises(UnknownContext, match="not bundled"):
        canonicalize(changed(("@context",), context))


def test_refused_term_is_named_in_the_error():
    with pytest.raises(InvalidDocument) as raised:
        canonicalize(changed(("grade",), "A"))
    assert raised.value.extra["term"] == "grade"
    assert raised.value.code == "INVALID_DOCUMENT"
