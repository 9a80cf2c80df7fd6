"""Controlled-vocabulary concepts for EDC credentials, from the bundled ``vocabularies.json``.

Every lookup returns a fresh SKOS concept node as the EDC profile wants it::

    {"id": <concept IRI>, "type": "Concept",
     "inScheme": {"id": <scheme IRI>, "type": "ConceptScheme"}, "prefLabel": {"en": <label>}}

The EDC "full" SHACL shapes check ``inScheme`` against the expected scheme (and that the scheme
is typed ``ConceptScheme``), so the scheme always comes from the vocabulary file, never from the
caller. An unknown code raises ``InvalidDocument``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from issuer.errors import InvalidDocument

VOCAB_FILE = Path(__file__).resolve().parents[2] / "credential_schemas" / "vocab" / "vocabularies.json"

LANGUAGE_SCHEME = "http://publications.europa.eu/resource/authority/language"
FILE_TYPE_SCHEME = "http://publications.europa.eu/resource/authority/file-type"

# The vocabulary file carries only ENG from the language authority table. The EU's official
# languages, by ISO 639-1 code, with their EU authority table codes and English names:
_LANGUAGES = {
    "bg": ("BUL", "Bulgarian"), "cs": ("CES", "Czech"), "da": ("DAN", "Danish"),
    "de": ("DEU", "German"), "el": ("ELL", "Greek"), "en": ("ENG", "English"),
    "es": ("SPA", "Spanish"), "et": ("EST", "Estonian"), "fi": ("FIN", "Finnish"),
    "fr": ("FRA", "French"), "ga": ("GLE", "Irish"), "hr": ("HRV", "Croatian"),
    "hu": ("HUN", "Hungarian"), "it": ("ITA", "Italian"), "lt": ("LIT", "Lithuanian"),
    "lv": ("LAV", "Latvian"), "mt": ("MLT", "Maltese"), "nl": ("NLD", "Dutch"),
    "pl": ("POL", "Polish"), "pt": ("POR", "Portuguese"), "ro": ("RON", "Romanian"),
    "sk": ("SLK", "Slovak"), "sl": ("SLV", "Slovenian"), "sv": ("SWE", "Swedish"),
}
_MEDIA_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
_MODES = {"online": "Online", "blended": "Blended", "presential": "Presential"}
_SETTINGS = {"formal": "formal learning", "non-formal": "non-formal learning"}


def _vocab_file() -> Path:
    # a wheel carries the data under issuer/credential_schemas (see contexts._schemas_dir)
    packaged = Path(__file__).resolve().parents[1] / "credential_schemas" / "vocab" / "vocabularies.json"
    return packaged if packaged.is_file() else VOCAB_FILE


@lru_cache(maxsize=1)
def _schemes() -> dict:
    return json.loads(_vocab_file().read_text(encoding="utf-8"))["schemes"]


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, str]]:
    """Concept IRI -> (scheme IRI, English label), over every scheme in the file."""
    index: dict[str, tuple[str, str]] = {}
    for entry in _schemes().values():
        for concept in entry["concepts"]:
            scheme = concept.get("scheme") or entry.get("conceptScheme")
            index.setdefault(concept["id"], (scheme, concept["label"]))
    return index


def concept(iri: str) -> dict:
    """The concept node for ``iri``, which must be listed in the vocabulary file.

    :raise InvalidDocument: the IRI is not a known concept.
    """
    try:
        scheme, label = _index()[iri]
    except KeyError:
        raise InvalidDocument(f"not a known vocabulary concept: {iri}") from None
    return _node(iri, scheme, label)


def _node(iri: str, scheme: str, label: str) -> dict:
    return {"id": iri, "type": "Concept", "inScheme": {"id": scheme, "type": "ConceptScheme"},
            "prefLabel": {"en": label}}


def eqf_level(level: int) -> dict:
    """The European Qualifications Framework level (1-8)."""
    return concept(f"http://data.europa.eu/snb/eqf/{level}")


def ects() -> dict:
    """The credit framework "European Credit Transfer System"."""
    return concept("http://data.europa.eu/snb/education-credit/6fcec5c5af")


def isced_f(code: str) -> dict:
    """An ISCED-F 2013 field by code ("07", "071", "0712")."""
    return concept(f"http://data.europa.eu/snb/isced-f/{code}")


def language(iso639_1: str) -> dict:
    """A language by ISO 639-1 code ("en"), as the EU language authority table names it."""
    try:
        code, label = _LANGUAGES[iso639_1.lower()]
    except KeyError:
        raise InvalidDocument(f"no EU language concept for language code {iso639_1!r}") from None
    return _node(f"{LANGUAGE_SCHEME}/{code}", LANGUAGE_SCHEME, label)


def country(alpha3: str) -> dict:
    """A country by ISO 3166-1 alpha-3 code ("GRC"), as the EU country authority table names it."""
    return concept(f"http://publications.europa.eu/resource/authority/country/{alpha3.upper()}")


def media_type(mime: str) -> dict:
    """The EU file-type concept for a MIME type ("image/png")."""
    try:
        return concept(f"{FILE_TYPE_SCHEME}/{_MEDIA_TYPES[mime]}")
    except KeyError:
        raise InvalidDocument(f"no file-type concept for media type {mime!r}") from None


def content_encoding(name: str = "base64") -> dict:
    """The content-encoding concept; the list holds only "base64"."""
    if name != "base64":
        raise InvalidDocument(f"no content-encoding concept for {name!r}")
    return concept("http://data.europa.eu/snb/encoding/6146cde7dd")


def credential_profile(name: str = "Generic") -> dict:
    """An EDC credential profile ("Generic", "Accredited", ...), by its English label."""
    return _by_label("credential-profiles-edci-code", name)


def shacl_for_profile(name: str = "Generic") -> str:
    """The SHACL shapes IRI a credential of that profile names in ``credentialSchema``."""
    for item in _scheme("credential-profiles-edci-code")["concepts"]:
        if item["label"] == name:
            return item["shacl"]
    raise InvalidDocument(f"unknown credential profile {name!r}")


def learning_mode(name: str) -> dict:
    """A learning mode: "online", "blended" or "presential"."""
    return _by_label("europass-modes", _MODES.get(name, name))


def learning_setting(name: str) -> dict:
    """A learning setting: "formal" or "non-formal"."""
    return _by_label("europass-learning-setting-types", _SETTINGS.get(name, name))


def learning_opportunity_type(label: str) -> dict:
    """A learning-opportunity type by English label ("Course", "Short learning programme")."""
    return _by_label("europass-learning-opportunity-types", label)


def _scheme(key: str) -> dict:
    return _schemes()[key]


def _by_label(scheme_key: str, label: str) -> dict:
    entry = _scheme(scheme_key)
    for item in entry["concepts"]:
        if item["label"] == label:
            return _node(item["id"], entry["conceptScheme"], label)
    raise InvalidDocument(f"no concept labelled {label!r} in {scheme_key}")


ESCO_SKILLS_SCHEME = "http://data.europa.eu/esco/concept-scheme/skills"
_ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"


def esco_skill(iri: str) -> dict:
    """An ESCO skill concept by IRI (``http://data.europa.eu/esco/skill/<uuid>``), label unknown.

    :raise InvalidDocument: the IRI is not an ESCO skill IRI.
    """
    tail = iri[len(_ESCO_SKILL_PREFIX):] if iri.startswith(_ESCO_SKILL_PREFIX) else ""
    if not tail or not all(c.isalnum() or c == "-" for c in tail):
        raise InvalidDocument(f"not an ESCO skill IRI: {iri!r}")
    return {"id": iri, "type": "Concept", "inScheme": {"id": ESCO_SKILLS_SCHEME, "type": "ConceptScheme"}}
