"""EDC XML (ELM v2 ``europassCredential``): build from an award, parse hardened, validate the XSD.

The document is unsigned here; ``issuer.signing.xmldsig`` adds the enveloped signature inside
``proof``. The schema is ``credential_schemas/xsd/genericschema_1.2.xsd``; its imports (including
the absolute URLs inside the XAdES 1.4.1 schema) resolve to the bundled copies, nothing is fetched.
"""
from __future__ import annotations

import copy
import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable

from lxml import etree

from issuer.domain.model import (
    Component,
    Course,
    IndividualAward,
    Institution,
    ItineraryAward,
    ItineraryKind,
    Learner,
)
from issuer.errors import InvalidXml

SNB = "http://data.europa.eu/snb"
CRED = "http://data.europa.eu/europass/model/credentials/w3c#"
DS = "http://www.w3.org/2000/09/xmldsig#"
NSMAP = {None: SNB, "cred": CRED, "ds": DS}

MAX_XML_BYTES = 5 * 1024 * 1024
XSD_VERSION = "0.10.0"

# Controlled vocabularies (EU Vocabularies / Europass lists, as in ref/edc/vocab).
CREDENTIAL_TYPE_GENERIC = "http://data.europa.eu/snb/credential/e34929035b"
CREDENTIAL_TYPE_FRAMEWORK = "http://data.europa.eu/snb/credential/25831c2"
EQF_FRAMEWORK = "http://data.europa.eu/snb/eqf/25831c2"
ISCED_F_FRAMEWORK = "http://data.europa.eu/snb/isced-f/25831c2"
LEARNING_SETTING_FRAMEWORK = "http://data.europa.eu/snb/learning-setting/25831c2"
LEARNING_SETTING_FORMAL = "http://data.europa.eu/snb/learning-setting/6fd4685715"
MODE_FRAMEWORK = "http://data.europa.eu/snb/learning-assessment/25831c2"
MODE_ONLINE = "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
OPPORTUNITY_TYPE_FRAMEWORK = "http://data.europa.eu/snb/learning-opportunity/25831c2"
OPPORTUNITY_TYPE_COURSE = "http://data.europa.eu/snb/learning-opportunity/05053c1cbe"
LANGUAGE_FRAMEWORK = "http://publications.europa.eu/resource/authority/language"
COUNTRY_FRAMEWORK = "http://publications.europa.eu/resource/authority/country"
ESCO_SKILLS = "http://data.europa.eu/esco/skill"
ECTS_SCHEME = "http://data.europa.eu/europass/educationalCreditPointSystem/ects"
EQF_LEVEL = 6

# ISO 639-1 -> EU language authority code and English name; the programme teaches in English.
_LANGUAGES = {"en": ("ENG", "English"), "fr": ("FRA", "French"), "de": ("DEU", "German"),
              "es": ("SPA", "Spanish"), "el": ("ELL", "Greek"), "lt": ("LIT", "Lithuanian"),
              "hr": ("HRV", "Croatian"), "ro": ("RON", "Romanian")}

def _schema_dir() -> Path:
    # A source checkout keeps credential_schemas/ beside issuer/; a wheel carries a copy inside it.
    packaged = Path(__file__).resolve().parents[1] / "credential_schemas" / "xsd"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "credential_schemas" / "xsd"


SCHEMA_DIR = _schema_dir()
SCHEMA_ENTRY = "genericschema_1.2.xsd"
# The bundled schema files and their SHA-256 (copied unchanged; see credential_schemas/README.md).
SCHEMA_FILES = {
    "genericschema_1.2.xsd": "cd1937c9ab86b57dbfb267ecd296322dadbf633fc322dedc6ac7c7d3c2b53c17",
    "w3c_verifiableCredentials.xsd": "a782adff45a5089b5ac58fd215b6a34d42c15754df37cfaf4e6bb680d1d29a5b",
    "xmldsig-core-schema.xsd": "0c4714379bb7cba12f0aaf8e9ed66c6a51a36bf69834b1c2d3284da87e6e2f7a",
    "XAdES01903v132-201601.xsd": "a1a49b377ff5830fa424f5e0478c3f59cc356bbdaf7af039a4389aad8fe1f348",
    "XAdES01903v141-201601.xsd": "7758f92a5463e6c7af3112150f98ef808bd9e5b12b23453691fade683a180204",
}
# Absolute schemaLocations used by the XAdES 1.4.1 schema, mapped to the bundled copies.
SCHEMA_URLS = {
    "http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "http://uri.etsi.org/01903/v1.3.2/XAdES01903v132-201601.xsd": "XAdES01903v132-201601.xsd",
}


def _q(name: str, ns: str = SNB) -> str:
    return f"{{{ns}}}{name}"


# --- hardened parsing --------------------------------------------------------------------------

class _RefuseExternal(etree.Resolver):
    """libxml2 still opens a local external DTD subset or parameter entity even with
    ``load_dtd=False``; answer every such request with nothing, so no file is read."""

    def resolve(self, url, pubid, context):
        return self.resolve_string("", context)


def hardened_parser() -> etree.XMLParser:
    """A new parser with the settings parse_xml uses (for libraries that re-parse, e.g. signxml)."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        dtd_validation=False, collect_ids=False,
    )
    parser.resolvers.add(_RefuseExternal())
    return parser


_PARSER = hardened_parser()


def parse_xml(data: bytes) -> etree._Element:
    """Parse untrusted XML bytes into the root element, refusing anything but plain elements.

    Rejected: more than ``MAX_XML_BYTES``, a DOCTYPE (internal or external DTD, hence any entity
    declaration), entity references, processing instructions, XInclude elements, malformed XML.

    :raise InvalidXml: the input is not acceptable XML.
    """
    if not isinstance(data, bytes):
        raise InvalidXml("XML input must be bytes")
    if len(data) > MAX_XML_BYTES:
        raise InvalidXml(f"XML larger than {MAX_XML_BYTES} bytes")
    # Cheap first line for UTF-8/ASCII input; other encodings are caught after parsing.
    if b"<!DOCTYPE" in data:
        raise InvalidXml("DTD not allowed")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidXml(f"malformed XML: {exc}") from None
    if root is None:
        raise InvalidXml("empty XML document")
    _reject_hostile(root)
    return root


def _reject_hostile(root: etree._Element) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise InvalidXml("DTD not allowed")
    # Siblings of the root (before/after it) and anything inside: only elements, text, comments.
    for node in _all_nodes(root):
        if isinstance(node, etree._Entity):
            raise InvalidXml("entity references not allowed")
        if isinstance(node, etree._ProcessingInstruction):
            raise InvalidXml("processing instructions not allowed")
        if isinstance(node.tag, str) and node.tag.startswith("{http://www.w3.org/2001/XInclude}"):
            raise InvalidXml("XInclude not allowed")


def _all_nodes(root: etree._Element):
    sibling = root.getprevious()
    while sibling is not None:
        yield sibling
        sibling = sibling.getprevious()
    sibling = root.getnext()
    while sibling is not None:
        yield sibling
        sibling = sibling.getnext()
    yield from root.iter()


XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"  # as to_bytes writes it


def to_bytes(root: etree._Element) -> bytes:
    """The document as UTF-8 bytes with an XML declaration (no pretty-printing: signed bytes stay)."""
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


# --- XSD validation ------------------------------------------------------------------------------

class _BundledSchemaResolver(etree.Resolver):
    """Serve schema imports from ``credential_schemas/xsd``; refuse every other URL."""

    def resolve(self, url, pubid, context):
        name = SCHEMA_URLS.get(url)
        if name is None:
            candidate = Path(url.removeprefix("file://")) if "://" not in url or url.startswith("file://") else None
            if candidate is not None and candidate.name in SCHEMA_FILES and candidate.parent == SCHEMA_DIR:
                name = candidate.name
        if name is None:
            raise InvalidXml(f"schema import outside the bundled set: {url}")
        return self.resolve_string(_schema_bytes(name), context, base_url=str(SCHEMA_DIR / name))


def _schema_bytes(name: str) -> bytes:
    raw = (SCHEMA_DIR / name).read_bytes()
    if hashlib.sha256(raw).hexdigest() != SCHEMA_FILES[name]:
        raise InvalidXml(f"bundled schema {name} does not match its pinned SHA-256")
    return raw


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    # Trusted, bundled files: internal DTD subsets are allowed here (xmldsig-core-schema.xsd has
    # one), external DTDs and the network are not.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    parser.resolvers.add(_BundledSchemaResolver())
    doc = etree.fromstring(_schema_bytes(SCHEMA_ENTRY), parser=parser,
                           base_url=str(SCHEMA_DIR / SCHEMA_ENTRY)).getroottree()
    return etree.XMLSchema(doc)


def validate_xsd(root: etree._Element) -> None:
    """Validate against genericschema_1.2.xsd (loaded once, offline).

    :raise InvalidXml: with the first schema errors.
    """
    schema = _schema()
    if schema.validate(root.getroottree()):
        return
    errors = [f"line {e.line}: {e.message}" for e in list(schema.error_log)[:5]]
    raise InvalidXml("XML does not match the EDC schema: " + "; ".join(errors), errors=errors)


# --- building ------------------------------------------------------------------------------------

def build_credential_xml(
    award: IndividualAward | ItineraryAward,
    *,
    credential_id: str,
    issuer_did: str,
    issued_at: datetime,
    verify_url: str,
    new_id: Callable[[], str],
) -> etree._Element:
    """The unsigned ``europassCredential`` for an award (individual or itinerary).

    ``issuer_did`` is the issuing institution's id (the ``cred:issuer`` organization);
    ``new_id`` gives a fresh URN for every other node. Only the caller reads the clock.
    """
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    builder = _Builder(new_id)
    if isinstance(award, IndividualAward):
        return builder.individual_from_template(award, credential_id, issuer_did, issued_at, verify_url)
    if isinstance(award, ItineraryAward):
        return builder.itinerary(award, credential_id, issuer_did, issued_at, verify_url)
    raise TypeError(f"not an award: {type(award).__name__}")


def _new_root(credential_id: str) -> etree._Element:
    root = etree.Element(_q("europassCredential"), nsmap=NSMAP)
    root.set(_q("id", CRED), credential_id)
    root.set("xsdVersion", XSD_VERSION)
    return root


def _individual_titles(award: IndividualAward) -> tuple[str, str]:
    course = award.course
    return (f"Micro-credential: {course.title}",
            f"EU-CONEXUS micro-credential {course.code} ({course.semester}), "
            f"{award.sector_name} / {award.thematic_area_name}")


# Ids in templates: unguessable, so that no catalogue text can pass for one
_PLACEHOLDER = f"urn:x-template:{secrets.token_hex(8)}:"


@dataclass(frozen=True)
class _Template:
    """The course parts of an individual certificate, with placeholder ids: ``root`` holds them
    (and nothing else, so an element's index in ``root.iter()`` is the same in every copy);
    ``slots`` say where each id goes: (element index, attribute or None for the text, key)."""

    root: etree._Element
    slots: tuple[tuple[int, str | None, str | int], ...]


@lru_cache(maxsize=256)
def _individual_template(course: Course, host: Institution, sector_name: str, thematic_area_name: str,
                         issuer_did: str) -> _Template:
    keys = ("achievement", "assessment", "spec", "assessment_spec", "scheme", "opportunity", "process")
    placeholders = {f"{_PLACEHOLDER}{key}": key
                    for key in (*keys, *range(len(course.learning_outcomes)), "location")}
    ids = {key: f"{_PLACEHOLDER}{key}" for key in keys}
    outcome_ids = [f"{_PLACEHOLDER}{n}" for n in range(len(course.learning_outcomes))]
    award = _CourseOnly(course, host, sector_name, thematic_area_name)
    builder = _Builder(lambda: f"{_PLACEHOLDER}location")  # the organisation's location: the only draw
    root = _new_root(f"{_PLACEHOLDER}credential")
    builder._individual_course(root, award, ids, outcome_ids, issuer_did)
    builder._scoring_scheme(root, course, ids)
    slots = []
    for index, element in enumerate(root.iter()):
        if index and element.text in placeholders and not len(element):
            slots.append((index, None, placeholders[element.text]))
        for attribute in ("id", "idref"):
            if element.get(attribute) in placeholders:
                slots.append((index, attribute, placeholders[element.get(attribute)]))
    return _Template(root, tuple(slots))


@dataclass(frozen=True)
class _CourseOnly:
    """What the course parts read of an award."""

    course: Course
    host: Institution
    sector_name: str
    thematic_area_name: str


def _text(parent, name: str, value: str, *, lang: str = "en") -> etree._Element:
    el = etree.SubElement(parent, _q(name))
    t = etree.SubElement(el, _q("text"), lang=lang)
    t.set("content-type", "text/plain")
    t.text = value
    return el


def _plain(parent, name: str, value: str, ns: str = SNB, **attrs) -> etree._Element:
    el = etree.SubElement(parent, _q(name, ns), **attrs)
    el.text = value
    return el


def _ref(parent, name: str, idref: str, ns: str = SNB) -> etree._Element:
    return etree.SubElement(parent, _q(name, ns), idref=idref)


def _code(parent, name, *, uri, framework_url, label, framework_name, notation=None):
    el = etree.SubElement(parent, _q(name), uri=uri, targetFrameworkUrl=framework_url)
    if notation:
        el.set("targetNotation", notation)
    _text(el, "targetName", label)
    _text(el, "targetFrameworkName", framework_name)
    return el


def _datetime(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return f"{value.isoformat()}T00:00:00Z"


def _number(value: float) -> str:
    return f"{value:g}"


class _Builder:
    def __init__(self, new_id: Callable[[], str]):
        self.new_id = new_id

    # The root and the parts shared by both kinds, in the XSD's sequence order.
    def _root(self, credential_id, verify_url, issued_at, issuer_did, title, description):
        root = _new_root(credential_id)
        self._header(root, verify_url, issued_at, issuer_did, title, description)
        return root

    def _header(self, root, verify_url, issued_at, issuer_did, title, description) -> None:
        _plain(root, "identifier", verify_url, schemeName="verification page")
        _code(root, "type", uri=CREDENTIAL_TYPE_GENERIC, framework_url=CREDENTIAL_TYPE_FRAMEWORK,
              label="Generic", framework_name="Europass Standard List of Credential Types")
        _plain(root, "primaryLanguage", "en")
        _plain(etree.SubElement(root, _q("availableLanguages")), "language", "en")
        _plain(root, "validFrom", _datetime(issued_at), CRED)
        _plain(root, "issued", _datetime(issued_at), CRED)
        _ref(root, "issuer", issuer_did, CRED)
        _text(root, "title", title)
        _text(root, "description", description)

    def _subject(self, root, learner: Learner) -> etree._Element:
        subject = etree.SubElement(root, _q("credentialSubject"), id=self.new_id())
        _plain(subject, "identifier", learner.student_id, schemeName="student number",
               schemeAgencyName=learner.home_university)
        _text(subject, "fullName", learner.full_name)
        _text(subject, "givenNames", learner.given_name)
        _text(subject, "familyName", learner.family_name)
        if learner.date_of_birth is not None:
            _plain(subject, "dateOfBirth", learner.date_of_birth.isoformat())
        return etree.SubElement(subject, _q("achievements"))

    def _organization(self, parent, inst: Institution, org_id: str) -> None:
        org = etree.SubElement(parent, _q("organization"), id=org_id)
        _plain(org, "identifier", inst.code, schemeName="EU-CONEXUS institution code")
        if inst.email:
            contact = etree.SubElement(org, _q("contactPoint"))
            etree.SubElement(contact, _q("mailBox"), uri=f"mailto:{inst.email}")
        if inst.eidas_identifier:
            _plain(org, "registration", inst.eidas_identifier, schemeName="eIDAS legal identifier",
                   spatialID=f"{COUNTRY_FRAMEWORK}/{inst.country}")
        else:
            _plain(org, "registration", inst.code, schemeName="EU-CONEXUS institution code")
        _text(org, "prefLabel", inst.legal_name)
        _text(org, "altLabel", inst.name)
        if inst.homepage.startswith(("http://", "https://")):
            etree.SubElement(org, _q("homepage"), uri=inst.homepage)
        location = etree.SubElement(org, _q("hasLocation"))
        _plain(location, "id", self.new_id())
        _text(location, "name", inst.city)
        address = etree.SubElement(location, _q("hasAddress"))
        _code(address, "country", uri=f"{COUNTRY_FRAMEWORK}/{inst.country}", framework_url=COUNTRY_FRAMEWORK,
              label=inst.country, framework_name="Country", notation="country")

    def _awarding_process(self, root, process_id: str, issuer_did: str, issued_at: datetime) -> None:
        refs = etree.SubElement(root, _q("awardingProcessReferences"))
        process = etree.SubElement(refs, _q("awardingProcess"), id=process_id)
        _ref(process, "awardingBody", issuer_did)
        _plain(process, "date", _datetime(issued_at))

    # --- individual certificate ---
    # The parts that depend only on the course, its host and the issuer (specifications, outcomes,
    # opportunity, organisation, scoring scheme: two thirds of the elements) are built once per
    # course as a template (by the same methods) and deep-copied (in C) with fresh ids; the rest is
    # built per award. ``individual`` builds everything directly; tests hold the two to the same
    # bytes, ids drawn in the same order. (Elements of a cached template are only read: copies are
    # safe from several threads.)
    def individual(self, award: IndividualAward, credential_id, issuer_did, issued_at, verify_url):
        ids, outcome_ids = self._individual_ids(award.course)
        root = self._root(credential_id, verify_url, issued_at, issuer_did, *_individual_titles(award))
        self._individual_achievement(root, award, ids, issuer_did)
        self._individual_course(root, award, ids, outcome_ids, issuer_did)
        self._awarding_process(root, ids["process"], issuer_did, issued_at)
        self._scoring_scheme(root, award.course, ids)
        return root

    def individual_from_template(self, award: IndividualAward, credential_id, issuer_did, issued_at, verify_url):
        template = _individual_template(award.course, award.host, award.sector_name, award.thematic_area_name,
                                        issuer_did)
        ids, outcome_ids = self._individual_ids(award.course)  # drawn in the order ``individual`` draws
        root = copy.deepcopy(template.root)
        elements = list(root.iter())  # as in the template
        root.set(_q("id", CRED), credential_id)
        self._header(root, verify_url, issued_at, issuer_did, *_individual_titles(award))
        self._individual_achievement(root, award, ids, issuer_did)  # draws the subject's id
        values = {**ids, **dict(enumerate(outcome_ids)), "location": self.new_id()}
        for index, attribute, key in template.slots:  # indexes of the template's own elements
            if attribute is None:
                elements[index].text = values[key]
            else:
                elements[index].set(attribute, values[key])
        course_parts = len(template.root)
        for position, element in enumerate(root[course_parts:]):  # header and subject go first
            root.insert(position, element)
        self._awarding_process(root, ids["process"], issuer_did, issued_at)
        root.insert(len(root) - 2, root[-1])  # before the scoring scheme, the last course part
        return root

    def _individual_ids(self, course: Course) -> tuple[dict[str, str], list[str]]:
        ids = {k: self.new_id() for k in ("achievement", "assessment", "spec", "assessment_spec",
                                          "scheme", "opportunity", "process")}
        return ids, [self.new_id() for _ in course.learning_outcomes]

    def _individual_achievement(self, root, award: IndividualAward, ids, issuer_did) -> None:
        achievements = self._subject(root, award.learner)
        achievement = etree.SubElement(achievements, _q("learningAchievement"), id=ids["achievement"])
        _text(achievement, "title", award.course.title)
        self._assessment(achievement, award, ids, issuer_did)
        _ref(achievement, "wasAwardedBy", ids["process"])
        _ref(achievement, "specifiedBy", ids["spec"])
        _ref(achievement, "associatedLearningOpportunity", ids["opportunity"])

    def _individual_course(self, root, award: IndividualAward, ids, outcome_ids, issuer_did) -> None:
        course = award.course
        specs = etree.SubElement(root, _q("learningSpecificationReferences"))
        self._course_specification(specs, course, award, ids, outcome_ids)
        outcomes = etree.SubElement(root, _q("learningOutcomeReferences"))
        for outcome, outcome_id in zip(course.learning_outcomes, outcome_ids):
            lo = etree.SubElement(outcomes, _q("learningOutcome"), id=outcome_id)
            _text(lo, "prefLabel", outcome.title)
            if outcome.esco_uri:
                _code(lo, "relatedEscoSkill", uri=outcome.esco_uri, framework_url=ESCO_SKILLS,
                      label=outcome.title, framework_name="ESCO skills")
        self._assessment_specification(root, course, ids)
        self._opportunity(root, course, ids, issuer_did)
        self._organization(etree.SubElement(root, _q("agentReferences")), award.host, issuer_did)

    def _assessment(self, achievement, award: IndividualAward, ids, issuer_did) -> None:
        assessment = etree.SubElement(achievement, _q("wasDerivedFrom"), id=ids["assessment"])
        _text(assessment, "title", f"Assessment: {award.course.title}")
        _plain(assessment, "grade", _number(award.grade))
        if award.assessed_on is not None:
            _plain(assessment, "issuedDate", _datetime(award.assessed_on))
        _ref(assessment, "assessedBy", issuer_did)
        _ref(assessment, "specifiedBy", ids["assessment_spec"])

    def _course_specification(self, specs, course: Course, award, ids, outcome_ids) -> None:
        spec = etree.SubElement(specs, _q("qualification"), id=ids["spec"])
        _plain(spec, "identifier", course.code, schemeName="course code", schemeAgencyName=course.host)
        _code(spec, "type", uri=OPPORTUNITY_TYPE_COURSE, framework_url=OPPORTUNITY_TYPE_FRAMEWORK,
              label="Course", framework_name="Europass Standard List of Learning Opportunity Types")
        _text(spec, "title", course.title)
        if course.description:
            _note(spec, "description", course.description)
        _note(spec, "additionalNote", f"Sector: {award.sector_name}")
        _note(spec, "additionalNote", f"Thematic area: {award.thematic_area_name}")
        _note(spec, "additionalNote", f"Semester: {course.semester}")
        if course.keywords:
            _note(spec, "additionalNote", "Keywords: " + ", ".join(course.keywords))
        if course.isced_f:
            _code(spec, "hasISCED-FCode", uri=f"http://data.europa.eu/snb/isced-f/{course.isced_f}",
                  framework_url=ISCED_F_FRAMEWORK, label=f"ISCED-F {course.isced_f}",
                  framework_name="ISCED-F 2013", notation=course.isced_f)
        _plain(spec, "volumeOfLearning", f"PT{course.workload_hours}H")
        _plain(spec, "hasECTSCreditPoints", str(course.ects), schemeID=ECTS_SCHEME)
        self._language(spec, course.language)
        _code(spec, "mode", uri=MODE_ONLINE, framework_url=MODE_FRAMEWORK, label=f"Online ({course.delivery})",
              framework_name="Europass Standard List of Learning Modes")
        _code(spec, "learningSettingType", uri=LEARNING_SETTING_FORMAL, framework_url=LEARNING_SETTING_FRAMEWORK,
              label="formal learning", framework_name="Europass Standard List of Learning Settings")
        if outcome_ids:
            outcomes = etree.SubElement(spec, _q("learningOutcomes"))
            for outcome_id in outcome_ids:
                _ref(outcomes, "learningOutcome", outcome_id)
        _ref(spec, "assessmentSpecification", ids["assessment_spec"])
        _plain(spec, "isPartialQualification", "true")
        self._eqf(spec)

    def _language(self, parent, language: str) -> None:
        code, name = _LANGUAGES.get(language, (language.upper(), language))
        _code(parent, "language", uri=f"{LANGUAGE_FRAMEWORK}/{code}", framework_url=LANGUAGE_FRAMEWORK,
              label=name, framework_name="Language", notation="language")

    def _eqf(self, spec) -> None:
        _code(spec, "eqfLevel", uri=f"http://data.europa.eu/snb/eqf/{EQF_LEVEL}", framework_url=EQF_FRAMEWORK,
              label=f"Level {EQF_LEVEL}", framework_name="European Qualifications Framework")

    def _assessment_specification(self, root, course: Course, ids) -> None:
        refs = etree.SubElement(root, _q("assessmentSpecificationReferences"))
        spec = etree.SubElement(refs, _q("assessmentSpecification"), id=ids["assessment_spec"])
        _text(spec, "title", f"Assessment: {course.title}")
        self._language(spec, course.language)
        etree.SubElement(spec, _q("gradingScheme"), idref=ids["scheme"])
        _ref(spec, "proves", ids["spec"])

    def _opportunity(self, root, course: Course, ids, issuer_did) -> None:
        refs = etree.SubElement(root, _q("learningOpportunityReferences"))
        opp = etree.SubElement(refs, _q("learningOpportunity"), id=ids["opportunity"])
        _plain(opp, "identifier", f"{course.code}/{course.semester}", schemeName="course run")
        _text(opp, "title", course.title)
        note = f"Delivery: online, {course.delivery}"
        if course.classes_total is not None:
            note += f"; {course.classes_total} classes"
        _note(opp, "additionalNote", note)
        _plain(opp, "startedAtDate", course.start_date.isoformat())
        _plain(opp, "endedAtDate", course.end_date.isoformat())
        _ref(opp, "providedBy", issuer_did)
        _ref(opp, "specifiedBy", ids["spec"])

    def _scoring_scheme(self, root, course: Course, ids) -> None:
        refs = etree.SubElement(root, _q("scoringSchemeReferences"))
        scheme = etree.SubElement(refs, _q("scoringScheme"), id=ids["scheme"])
        _text(scheme, "title", course.grading.scale)
        g = course.grading
        _note(scheme, "description",
              f"Grades from {_number(g.minimum)} to {_number(g.maximum)}; pass mark {_number(g.pass_mark)}")

    # --- itinerary certificate ---
    def itinerary(self, award: ItineraryAward, credential_id, issuer_did, issued_at, verify_url):
        if award.kind is ItineraryKind.EXPERTISE:
            title = f"Expertise certificate in {award.sector_name}"
        else:
            title = "Interdisciplinary certificate"
        root = self._root(
            credential_id, verify_url, issued_at, issuer_did,
            title=f"EU-CONEXUS SmUCS {title}",
            description=(f"Itinerary of {len(award.components)} EU-CONEXUS micro-credentials "
                         f"({award.ects} ECTS), semester {award.semester}"),
        )
        spec_id, achievement_id, process_id = self.new_id(), self.new_id(), self.new_id()
        part_specs = [self.new_id() for _ in award.components]
        achievements = self._subject(root, award.learner)
        achievement = etree.SubElement(achievements, _q("learningAchievement"), id=achievement_id)
        _text(achievement, "title", title)
        _ref(achievement, "wasAwardedBy", process_id)
        parts = etree.SubElement(achievement, _q("hasPart"))
        for component, part_spec in zip(award.components, part_specs):
            self._component_achievement(parts, component, part_spec)
        _ref(achievement, "specifiedBy", spec_id)

        specs = etree.SubElement(root, _q("learningSpecificationReferences"))
        self._itinerary_specification(specs, award, spec_id, title, part_specs)
        for component, part_spec in zip(award.components, part_specs):
            spec = etree.SubElement(specs, _q("learningSpecification"), id=part_spec)
            _plain(spec, "identifier", component.course_code, schemeName="course code",
                   schemeAgencyName=component.host)
            _text(spec, "title", component.title)
            _note(spec, "additionalNote", f"Sector: {component.sector_name}")
            _note(spec, "additionalNote", f"Semester: {component.semester}")
            _plain(spec, "hasECTSCreditPoints", "1", schemeID=ECTS_SCHEME)
        self._organization(etree.SubElement(root, _q("agentReferences")), award.issuer, issuer_did)
        self._awarding_process(root, process_id, issuer_did, issued_at)
        return root

    def _component_achievement(self, parts, component: Component, spec_id: str) -> None:
        part = etree.SubElement(parts, _q("learningAchievement"), id=self.new_id())
        # The component credential by id, bound by the SRI digest of the signed component.
        _plain(part, "identifier", component.credential_id, schemeName="credential")
        _plain(part, "identifier", component.digest_sri, schemeName="SRI", schemeID=component.credential_id)
        _text(part, "title", component.title)
        _ref(part, "specifiedBy", spec_id)

    def _itinerary_specification(self, specs, award: ItineraryAward, spec_id, title, part_specs) -> None:
        spec = etree.SubElement(specs, _q("qualification"), id=spec_id)
        _plain(spec, "identifier", f"{award.kind}" + (f"/{award.sector}" if award.sector else ""),
               schemeName="itinerary")
        _text(spec, "title", title)
        if award.sector_name:
            _note(spec, "additionalNote", f"Sector: {award.sector_name}")
        _plain(spec, "hasECTSCreditPoints", str(award.ects), schemeID=ECTS_SCHEME)
        self._language(spec, "en")
        _code(spec, "learningSettingType", uri=LEARNING_SETTING_FORMAL, framework_url=LEARNING_SETTING_FRAMEWORK,
              label="formal learning", framework_name="Europass Standard List of Learning Settings")
        _plain(spec, "isPartialQualification", "true")
        self._eqf(spec)
        for part_spec in part_specs:
            _ref(spec, "hasPart", part_spec)


def _note(parent, name: str, value: str) -> etree._Element:
    return _text(parent, name, value)


# --- individual certificates as canonical text ------------------------------------------------------
# Two certificates of one course differ in a dozen values only: the ids, the learner, the grade and
# the dates. Their exclusive-c14n text (what the signature digests; with the signature, what is
# stored) is therefore made from a per-course template: the document ``build_credential_xml`` makes
# for a probe award whose values are markers, canonicalized once and cut at the markers. Each
# certificate then costs a join of escaped strings instead of building, canonicalizing and
# serializing a tree. A template is used only after it gave, for the award it was made for, the
# very text of the tree path; values no XML document may hold take the tree path (which refuses them).

_MARK = f"\ue000{secrets.token_hex(4)}:"  # private use, with a random part: in no catalogue text
_PROBE_ISSUED = datetime(1111, 11, 11, 11, 11, 11, tzinfo=timezone.utc)
_PROBE_BORN = date(1112, 12, 12)
_PROBE_ASSESSED = date(1113, 1, 13)
_PROBE_GRADE = 97531.0
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;", "\n": "&#xA;",
                                    "\r": "&#xD;"})
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTRIBUTE_SPECIAL = re.compile('[&<"\t\n\r]')
EMPTY_PROOF = "<proof></proof>"  # where the signature goes: the unsigned text ends with it and the root's end


@dataclass(frozen=True)
class _TextTemplate:
    pieces: tuple[str, ...]  # literal c14n text around the slots (one more than the slots)
    slots: tuple[tuple[str, bool], ...]  # (value key, in an attribute value)
    ids: int  # fresh ids, drawn in the order of the tree path: keys "id0", "id1", ...


def individual_c14n(award: IndividualAward, *, credential_id: str, issuer_did: str, issued_at: datetime,
                    verify_url: str, new_id: Callable[[], str]) -> str | None:
    """The unsigned individual certificate with an empty ``proof`` where ``sign_xml`` puts the
    signature, as exclusive c14n text: ``etree.tostring(tree, method="c14n", exclusive=True)`` of the
    tree ``build_credential_xml`` gives (ids drawn from ``new_id`` in the same order). None if the
    award takes the tree path (no template for its course, or a value no XML document may hold)."""
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    learner = award.learner
    personal = (learner.student_id, learner.home_university, learner.given_name, learner.family_name,
                credential_id, verify_url)
    if any(not isinstance(value, str) or _NOT_XML.search(value) for value in personal):
        return None
    template = _individual_text_template(award.course, award.host, award.sector_name, award.thematic_area_name,
                                         issuer_did, learner.date_of_birth is None, award.assessed_on is None)
    if template is None:
        return None
    return _fill(template, _text_values(award, credential_id, issued_at, verify_url,
                                        [new_id() for _ in range(template.ids)]))


def _text_values(award: IndividualAward, credential_id: str, issued_at: datetime, verify_url: str,
                 ids: list[str]) -> dict[str, str]:
    learner = award.learner
    values = {f"id{n}": value for n, value in enumerate(ids)}
    values.update(credential=credential_id, verify=verify_url, issued=_datetime(issued_at),
                  student_id=learner.student_id, home=learner.home_university, given=learner.given_name,
                  family=learner.family_name, grade=_number(award.grade))
    if learner.date_of_birth is not None:
        values["born"] = learner.date_of_birth.isoformat()
    if award.assessed_on is not None:
        values["assessed"] = _datetime(award.assessed_on)
    return values


def _fill(template: _TextTemplate, values: dict[str, str]) -> str:
    parts = [template.pieces[0]]
    for (key, in_attribute), piece in zip(template.slots, template.pieces[1:]):
        value = values[key]
        if in_attribute:
            parts.append(value.translate(_ATTRIBUTE_ESCAPES) if _ATTRIBUTE_SPECIAL.search(value) else value)
        else:
            parts.append(value.translate(_TEXT_ESCAPES) if _TEXT_SPECIAL.search(value) else value)
        parts.append(piece)
    return "".join(parts)


def _tree_c14n(award: IndividualAward, credential_id: str, issuer_did: str, issued_at: datetime,
               verify_url: str, new_id: Callable[[], str]) -> str:
    """The text ``individual_c14n`` stands for, by the tree path."""
    root = _Builder(new_id).individual_from_template(award, credential_id, issuer_did, issued_at, verify_url)
    etree.SubElement(root, _q("proof"))  # after everything else, as sign_xml adds it
    return etree.tostring(root, method="c14n", exclusive=True).decode("utf-8")


@lru_cache(maxsize=256)
def _individual_text_template(course: Course, host: Institution, sector_name: str, thematic_area_name: str,
                              issuer_did: str, no_birth_date: bool, not_assessed: bool) -> _TextTemplate | None:
    marks: dict[str, str] = {}  # marker text -> value key

    def mark(key: str) -> str:
        marks[f"{_MARK}{key}\ue001"] = key
        return f"{_MARK}{key}\ue001"

    drawn = iter(range(1_000))
    learner = Learner(mark("home"), mark("student_id"), mark("given"), mark("family"), "",
                      None if no_birth_date else _PROBE_BORN)
    probe = IndividualAward(learner=learner, course=course, host=host, sector_name=sector_name,
                            thematic_area_name=thematic_area_name, grade=_PROBE_GRADE,
                            assessed_on=None if not_assessed else _PROBE_ASSESSED, grade_announced_on=None,
                            completed_on=course.end_date)
    ids: list[str] = []
    text = _tree_c14n(probe, mark("credential"), issuer_did, _PROBE_ISSUED, mark("verify"),
                      lambda: ids.append(mark(f"id{next(drawn)}")) or ids[-1])
    marks[_datetime(_PROBE_ISSUED)] = "issued"
    marks[_number(_PROBE_GRADE)] = "grade"
    if not no_birth_date:
        marks[_PROBE_BORN.isoformat()] = "born"
    if not not_assessed:
        marks[_datetime(_PROBE_ASSESSED)] = "assessed"
    found = re.compile("|".join(re.escape(m) for m in sorted(marks, key=len, reverse=True)))
    pieces, slots, at = [], [], 0
    for match in found.finditer(text):
        pieces.append(text[at:match.start()])
        slots.append((marks[match.group()], _in_attribute(text, match.start())))
        at = match.end()
    pieces.append(text[at:])
    template = _TextTemplate(tuple(pieces), tuple(slots), len(ids))
    if not pieces[-1].endswith(EMPTY_PROOF + "</europassCredential>") or not _holds(template, probe, issuer_did):
        return None
    return template


def _in_attribute(text: str, at: int) -> bool:
    """Whether ``at`` lies in an attribute value of c14n ``text`` (not in character data): inside
    a tag, between its quotes (c14n escapes '<' everywhere and '"' in attribute values)."""
    quoted = False
    for char in text[text.rfind("<", 0, at):at]:
        if char == '"':
            quoted = not quoted
        elif char == ">" and not quoted:
            return False
    return quoted


def _holds(template: _TextTemplate, probe: IndividualAward, issuer_did: str) -> bool:
    """Whether the template gives the tree path's text for an award of its course (the probe with
    ordinary values, special characters included)."""
    learner = replace(probe.learner, home_university="H&<\"'>1", student_id="S-1 <&>\"",
                      given_name="Ana \"María\" & <Zoë>", family_name="O'Brien-Žukauskaitė >",
                      date_of_birth=None if probe.learner.date_of_birth is None else date(2001, 2, 3))
    award = replace(probe, learner=learner, grade=8.5,
                    assessed_on=None if probe.assessed_on is None else date(2025, 6, 30))
    issued = datetime(2025, 7, 1, 9, 30, 5, tzinfo=timezone.utc)
    ids = [f"urn:uuid:00000000-0000-4000-8000-{n:012d}" for n in range(template.ids + 1)]
    expected = _tree_c14n(award, "urn:uuid:c0ffee00-0000-4000-8000-000000000001", issuer_did, issued,
                          "https://example.org/credentials/x&y/verify", iter(ids).__next__)
    return expected == _fill(template, _text_values(award, "urn:uuid:c0ffee00-0000-4000-8000-000000000001",
                                                    issued, "https://example.org/credentials/x&y/verify",
                                                    ids[:template.ids]))
