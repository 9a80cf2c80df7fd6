"""The unsigned European Digital Credential (ELM 3.2, EDC profile) of an award, as JSON-LD.

`build_credential` turns an `IndividualAward` or an `ItineraryAward` into a credential that
passes the EDC "generic-full" SHACL shapes (``credential_schemas/shacl/``). Every term it writes
is defined by the three contexts in `EDC_CONTEXTS`; the only absolute-IRI keys are the W3C
Bitstring Status List properties of ``credentialStatus`` (see `_status`). Every node gets a UUID
URN from ``new_id`` except vocabulary concepts (their IRIs), the issuer (its DID), mailboxes
(``mailto:``), the SHACL schema and the status entry (the caller's id). A node used twice is
written once; elsewhere its id stands alone as a string (the EDC terms are ``@type: @id``).

Shape of the claim::

    credentialSubject (Person) -> hasClaim (LearningAchievement)
        awardedBy    AwardingProcess (awardingBody = the awarding organisation, awardingDate)
        specifiedBy  Qualification (title, EQF 6, ECTS creditPoint, volumeOfLearning, outcomes, ...)
        provenBy     LearningAssessment (grade: Note, dateIssued, specifiedBy -> gradingScheme)
        influencedBy LearningActivity (the course run, temporal start/end)
        hasPart      (itineraries) one LearningAchievement per component, each with an
                     Identifier "credential" (the component's id) and "SRI" (its digest)
"""
from __future__ import annotations

import itertools
import json
import re
import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Callable, Mapping

import pybase64

from issuer.credentials import vocab
from issuer.credentials.contexts import EDC_CONTEXTS
from issuer.domain.model import (
    Component,
    Course,
    IndividualAward,
    Institution,
    ItineraryAward,
    ItineraryKind,
    Learner,
)
from issuer.errors import InvalidDocument

EQF_LEVEL = 6
HOURS_PER_ECTS = 25  # the programme's workload per ECTS credit (1 ECTS = PT25H)
CREDENTIAL_PROFILE = "Generic"
LEARNING_SETTING = "formal"  # ECTS-bearing, assessed university courses (as the XML credential says)
PROGRAMME_TITLE = "Micro-credentials in Smart Urban Coastal Sustainability"
DISPLAY_TITLES = {"individual": "Micro-credential Certificate",
                  "interdisciplinary": "Interdisciplinary Certificate",
                  "expertise": "Expertise Certificate"}

# W3C Bitstring Status List vocabulary: none of the three contexts defines its terms, so the
# entry is written with absolute IRIs (what the VC 2.0 context would expand them to).
STATUS_NS = "https://www.w3.org/ns/credentials/status#"
BITSTRING_STATUS_LIST_ENTRY = "BitstringStatusListEntry"
_STATUS_LITERALS = ("statusPurpose", "statusListIndex")
_STATUS_IRIS = ("statusListCredential",)

_UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ABSOLUTE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|\\^`\x7f-\x9f]+$')
_HTTP_URL = re.compile(r'^https?://[^\x00-\x20<>"{}|\\^`\x7f-\x9f]+$')
# C0 controls but LF and CR, DEL, C1 controls, lone surrogates (as signing.canonical refuses),
# plus the bidirectional embedding/override/isolate controls, which can disguise displayed text.
_FORBIDDEN_TEXT = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The language of a legal name written in the national language (countries with one official
# language among the alliance's); elsewhere legal names are tagged "en".
_NATIONAL_LANGUAGE = {"GRC": "el", "CYP": "el", "LTU": "lt", "FRA": "fr", "ESP": "es", "HRV": "hr",
                      "ROU": "ro", "DEU": "de", "ITA": "it", "PRT": "pt", "BGR": "bg", "POL": "pl"}


def _uuid_urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def build_credential(
    award: IndividualAward | ItineraryAward,
    *,
    credential_id: str,
    issuer_did: str,
    issued_at: datetime,
    verify_url: str,
    status: dict | None,
    display_png: bytes | None,
    new_id: Callable[[], str] = _uuid_urn,
    valid_until: datetime | None = None,
    institutions: Mapping[str, Institution] | None = None,
) -> dict:
    """The unsigned EDC JSON-LD credential of ``award``.

    The issuer is ``award.host`` (individual) or ``award.issuer`` (itinerary), identified by
    ``issuer_did``. ``status`` is a W3C ``BitstringStatusListEntry`` (``id``, ``type``,
    ``statusPurpose``, ``statusListIndex``, ``statusListCredential``) or None; it is written as an
    EDC ``CredentialStatus`` (see `read_status`). ``display_png`` is the rendered certificate;
    the EDC shapes require it, so a document built with None (no ``displayParameter``) is a
    draft that must not be signed. ``institutions`` (by code) describe itinerary component hosts;
    a host missing there is named in a note and the issuer stands as its awarding body.

    :raise InvalidDocument: text with control characters (naming the field), a malformed id,
        IRI, e-mail or date, an unknown vocabulary code, a status entry of another kind, or
        bytes that are not a PNG.
    """
    if not isinstance(credential_id, str) or not _UUID_URN.match(credential_id):
        raise InvalidDocument("credential_id must be a UUID URN", field="id")
    _iri(issuer_did, "issuer")
    _http_url(verify_url, "verify_url")
    builder = _Builder(new_id, issuer_did, institutions or {})
    if isinstance(award, IndividualAward):
        issuer, claim, kind = award.host, builder.individual_claim(award, verify_url), "individual"
    else:
        issuer, claim, kind = award.issuer, builder.itinerary_claim(award, verify_url, issued_at), str(award.kind)
    doc = {
        "@context": list(EDC_CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
        "credentialProfiles": vocab.credential_profile(CREDENTIAL_PROFILE),
        "credentialSchema": {"id": vocab.shacl_for_profile(CREDENTIAL_PROFILE), "type": "ShaclValidator2017"},
        "identifier": builder.identifier("verification page", verify_url),
        "issuer": builder.templated(("organisation", issuer, issuer_did),
                                    lambda b, _: b.organisation(issuer, issuer_did, eidas_required=True)),
        "issued": _timestamp(issued_at, "issued"),
        "issuanceDate": _timestamp(issued_at, "issuanceDate"),
        "validFrom": _timestamp(issued_at, "validFrom"),
        "credentialSubject": builder.person(award.learner, claim),
    }
    if valid_until is not None:
        doc["validUntil"] = doc["expirationDate"] = _timestamp(valid_until, "validUntil")
    if status is not None:
        doc["credentialStatus"] = _status(status)
    _refuse_control_characters(doc, "", builder.checked)
    if display_png is not None:  # fixed titles and base64 text: nothing to refuse
        doc["displayParameter"] = builder.display(DISPLAY_TITLES[kind], display_png)
    return doc


def read_status(doc: dict) -> dict | None:
    """The credential's status entry in its usual compact form, or None when it has none."""
    entry = doc.get("credentialStatus")
    if entry is None:
        return None
    out = {"id": entry["id"], "type": BITSTRING_STATUS_LIST_ENTRY}
    for name in _STATUS_LITERALS:
        out[name] = entry[STATUS_NS + name]
    for name in _STATUS_IRIS:
        out[name] = entry[STATUS_NS + name]["id"]
    return out


def _status(status: dict) -> dict:
    """A BitstringStatusListEntry as an EDC CredentialStatus, nothing dropped.

    The EDC shapes want the node typed ``CredentialStatus`` (EDC context) and identified by an
    IRI; the Bitstring Status List type and properties keep their W3C IRIs.
    """
    expected = {"id", "type", *_STATUS_LITERALS, *_STATUS_IRIS}
    if status.get("type") != BITSTRING_STATUS_LIST_ENTRY or set(status) != expected:
        raise InvalidDocument(f"credentialStatus must be a {BITSTRING_STATUS_LIST_ENTRY} with exactly "
                              f"{sorted(expected)}", field="credentialStatus")
    out = {"id": _iri(status["id"], "credentialStatus.id"),
           "type": ["CredentialStatus", STATUS_NS + BITSTRING_STATUS_LIST_ENTRY]}
    for name in _STATUS_LITERALS:
        value = status[name]
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidDocument(f"credentialStatus.{name} must be a string", field=f"credentialStatus.{name}")
        out[STATUS_NS + name] = str(value)
    for name in _STATUS_IRIS:
        out[STATUS_NS + name] = {"id": _iri(status[name], f"credentialStatus.{name}")}
    return out


# Parts of a credential that depend only on the course or the issuer (the course's qualification,
# assessment specification and activity, the issuer's organisation: about half of the nodes) are
# made once and copied from JSON text with fresh ids (``_Builder.templated``). Placeholders carry
# a random token: no text of the catalogue can pass for one.
_TOKEN = secrets.token_hex(10)
_ID = f"urn:uuid:{_TOKEN[:8]}-{{:04x}}-4000-8000-{_TOKEN[8:]}"  # a UUID URN, as ``_Builder.id`` checks
_VALUE = f"urn:x-value:{_TOKEN}:"
_SLOT = re.compile(f"(urn:uuid:{_TOKEN[:8]}-[0-9a-f]{{4}}-4000-8000-{_TOKEN[8:]}|{re.escape(_VALUE)}[a-z]+)")
_MAX_TEMPLATES = 1024
_USE_TEMPLATES = True  # tests compare with False
_templates: dict[tuple, "_Template"] = {}


class _Template:
    """A part as JSON text cut at its placeholders: ``pieces`` alternate text and slots (a slot is
    the index of an id in the order they were drawn, or the name of a value)."""

    __slots__ = ("head", "slots", "ids")

    def __init__(self, head: str, slots: tuple[tuple[int | str, str], ...], ids: int):
        self.head, self.slots, self.ids = head, slots, ids

    @classmethod
    def make(cls, builder: "_Builder", make: Callable[["_Builder", dict], dict], values: dict) -> "_Template | None":
        drawn = itertools.count()
        recorder = _Builder(lambda: _ID.format(next(drawn)), builder.issuer_did, builder.institutions)
        part = make(recorder, {name: _VALUE + name for name in values})
        try:
            _refuse_control_characters(part, "")
        except InvalidDocument:
            return None
        ids = next(drawn)
        pieces = _SLOT.split(json.dumps(part, ensure_ascii=False))
        slots = []
        for slot, text in zip(pieces[1::2], pieces[2::2]):
            if slot.startswith(_VALUE):
                name = slot[len(_VALUE):]
                if name not in values:
                    return None
                slots.append((name, text))
            else:
                slots.append((int(slot.split("-")[1], 16), text))
        return cls(pieces[0], tuple(slots), ids)

    def instance(self, ids: list[str], values: dict[str, str]) -> dict:
        out = [self.head]
        for slot, text in self.slots:
            out.append(ids[slot] if type(slot) is int else json.dumps(values[slot], ensure_ascii=False)[1:-1])
            out.append(text)
        return json.loads("".join(out))


class _Builder:
    """Builds the nodes; holds the id source, the issuer's DID and the known institutions."""

    def __init__(self, new_id: Callable[[], str], issuer_did: str, institutions: Mapping[str, Institution]):
        self._new_id = new_id
        self.issuer_did = issuer_did
        self.institutions = institutions
        self._embedded_hosts: dict[str, str] = {}  # host code -> node id, once embedded
        self.checked: set[int] = set()  # ids of the parts made from templates (checked already)

    def templated(self, key: tuple, make: Callable[["_Builder", dict], dict], **values: str) -> dict:
        """``make(self, values)``, from a template when the part was made before with the same ``key``.

        The first call makes the part with placeholder ids (and placeholders for ``values``,
        which vary between calls) and keeps it as JSON text; later calls parse a copy with fresh
        ids, drawn in the order ``make`` draws them, so the result is what ``make(self, values)`` gives.
        A part with a character ``_refuse_control_characters`` refuses is not kept (the check
        of the whole document names it); kept parts are skipped by that check."""
        if not _USE_TEMPLATES:
            return make(self, values)
        template = _templates.get(key)
        if template is None:
            template = _Template.make(self, make, values)
            if template is None:
                return make(self, values)
            if len(_templates) >= _MAX_TEMPLATES:
                _templates.clear()
            _templates[key] = template
        part = template.instance([self.id() for _ in range(template.ids)], values)
        self.checked.add(id(part))
        return part

    def id(self) -> str:
        value = self._new_id()
        if not isinstance(value, str) or not _UUID_URN.match(value):
            raise InvalidDocument(f"new_id returned {value!r}, not a UUID URN")
        return value

    def node(self, type_: str, **props) -> dict:
        return {"id": self.id(), "type": type_, **{k: v for k, v in props.items() if v is not None}}

    def note(self, text: str) -> dict:
        return self.node("Note", noteLiteral=_en(text))

    def identifier(self, scheme: str, notation: str) -> dict:
        return self.node("Identifier", schemeName=scheme, notation=notation)

    def web(self, url: str, title: str) -> dict:
        return self.node("WebResource", title=_en(title), contentURL=url)

    # --- agents ---
    def organisation(self, inst: Institution, org_id: str, *, eidas_required: bool = False) -> dict:
        if eidas_required and not inst.eidas_identifier:
            raise InvalidDocument(f"institution {inst.code} has no eIDAS legal identifier",
                                  field="issuer.eIDASIdentifier")
        org = {"id": org_id, "type": "Organisation", "legalName": _legal_name(inst)}
        org["identifier"] = self.identifier("EU-CONEXUS institution code", inst.code)
        if inst.eidas_identifier:
            org["eIDASIdentifier"] = self.node("LegalIdentifier", notation=inst.eidas_identifier,
                                               spatial=vocab.country(inst.country))
        org["location"] = self.location(inst)
        if inst.homepage:
            org["homepage"] = self.web(_http_url(inst.homepage, "homepage"), inst.name or inst.legal_name)
        if inst.email:
            org["contactPoint"] = self.contact_point(inst.email, "contactPoint")
        return org

    def location(self, inst: Institution) -> dict:
        country = vocab.country(inst.country)
        place = ", ".join(p for p in (inst.city, country["prefLabel"]["en"]) if p)
        address = self.node("Address", countryCode=country, fullAddress=self.note(place))
        return self.node("Location", geographicName=_en(inst.city) if inst.city else None, address=address)

    def contact_point(self, email: str, field: str) -> dict:
        return self.node("ContactPoint", emailAddress={"id": _mailto(email, field), "type": "Mailbox"})

    def person(self, learner: Learner, claim: dict) -> dict:
        person = self.node("Person", givenName=_en(learner.given_name), familyName=_en(learner.family_name),
                           fullName=_en(learner.full_name))
        person["identifier"] = self.identifier(learner.home_university, learner.student_id)
        if learner.date_of_birth is not None:
            person["dateOfBirth"] = _day(learner.date_of_birth)
        if learner.email:
            person["contactPoint"] = self.contact_point(learner.email, "credentialSubject.contactPoint")
        person["hasClaim"] = claim
        return person

    def host_reference(self, code: str) -> dict | str:
        """The awarding body of a component: its host (embedded once, then its id), or the issuer."""
        if code in self._embedded_hosts:
            return self._embedded_hosts[code]
        inst = self.institutions.get(code)
        if inst is None:
            return self.issuer_did
        self._embedded_hosts[code] = org_id = self.id()
        return self.organisation(inst, org_id)

    # --- individual certificate ---
    def individual_claim(self, award: IndividualAward, verify_url: str) -> dict:
        course = award.course
        process = self.node("AwardingProcess", awardingBody=self.issuer_did,
                            awardingDate=_day(award.completed_on))
        qualification = self.templated(("qualification", course, award.sector_name, award.thematic_area_name),
                                       lambda b, _: b.course_qualification(award))
        assessment = self.assessment(award, process["id"])
        activity = self.templated(("activity", course), lambda b, v: b.activity(course, v["process"]),
                                  process=process["id"])
        return self.node(
            "LearningAchievement", title=_en(course.title),
            awardedBy=process,
            specifiedBy=qualification,
            provenBy=assessment,
            influencedBy=activity,
            supplementaryDocument=self.web(verify_url, "Verification page"),
        )

    def course_qualification(self, award: IndividualAward) -> dict:
        course = award.course
        notes = [f"Sector: {award.sector_name}", f"Thematic area: {award.thematic_area_name}",
                 f"Course code: {course.code}", f"Semester: {course.semester}"]
        if course.keywords:
            notes.append("Keywords: " + ", ".join(course.keywords))
        return self.node(
            "Qualification", title=_en(course.title),
            description=_en(course.description) if course.description else None,
            identifier=self.identifier("course code", course.code),
            dcType=vocab.learning_opportunity_type("Course"),
            eqfLevel=vocab.eqf_level(EQF_LEVEL),
            creditPoint=self.credit(course.ects),
            volumeOfLearning=_hours(course.workload_hours),
            learningOutcome=[self.outcome(o.title, o.esco_uri) for o in course.learning_outcomes] or None,
            thematicArea=vocab.isced_f(course.isced_f) if course.isced_f else None,
            language=vocab.language(course.language),
            mode=vocab.learning_mode("online"),
            learningSetting=vocab.learning_setting(LEARNING_SETTING),
            isPartialQualification=True,
            additionalNote=[self.note(n) for n in notes],
        )

    def credit(self, ects: int) -> dict:
        return self.node("CreditPoint", framework=vocab.ects(), point=str(ects))

    def outcome(self, title: str, esco_uri: str | None) -> dict:
        return self.node("LearningOutcome", title=_en(title),
                         relatedESCOSkill=vocab.esco_skill(esco_uri) if esco_uri else None)

    def assessment(self, award: IndividualAward, process_id: str) -> dict:
        course = award.course
        assessed = award.assessed_on or award.completed_on
        spec = self.templated(("assessment", course), lambda b, _: b.assessment_specification(course))
        return self.node(
            "LearningAssessment", title=_en(f"Assessment: {course.title}"),
            grade=self.note(_number(award.grade)),
            dateIssued=_day(assessed),
            awardedBy=process_id,
            assessedBy=self.issuer_did,
            specifiedBy=spec,
        )

    def assessment_specification(self, course: Course) -> dict:
        grading = course.grading
        scheme = self.node(
            "GradingScheme", title=_en(grading.scale),
            description=_en(f"Grades from {_number(grading.minimum)} to {_number(grading.maximum)}; "
                            f"pass mark {_number(grading.pass_mark)}"))
        return self.node("LearningAssessmentSpecification", title=_en(f"Assessment: {course.title}"),
                         language=vocab.language(course.language), mode=vocab.learning_mode("online"),
                         gradingScheme=scheme)

    def activity(self, course: Course, process_id: str) -> dict:
        period = self.node("PeriodOfTime", startDate=_day(course.start_date), endDate=_day(course.end_date))
        delivery = f"Online, {course.delivery} delivery"
        if course.classes_total is not None:
            delivery += f", {course.classes_total} classes"
        return self.node("LearningActivity", title=_en(f"{course.title} ({course.semester})"),
                         description=_en(delivery), temporal=period, awardedBy=process_id)

    # --- itinerary certificate ---
    def itinerary_claim(self, award: ItineraryAward, verify_url: str, issued_at: datetime) -> dict:
        title = (f"Micro-credentials in {award.sector_name}" if award.kind is ItineraryKind.EXPERTISE
                 else PROGRAMME_TITLE)
        process = self.node("AwardingProcess", awardingBody=self.issuer_did,
                            awardingDate=_timestamp(issued_at, "awardingDate"))
        return self.node(
            "LearningAchievement", title=_en(title),
            awardedBy=process,
            specifiedBy=self.itinerary_qualification(award, title),
            hasPart=[self.component(c) for c in award.components],
            supplementaryDocument=self.web(verify_url, "Verification page"),
            additionalNote=[self.note(f"Semester: {award.semester}")],
        )

    def itinerary_qualification(self, award: ItineraryAward, title: str) -> dict:
        code = f"{award.kind}/{award.sector}" if award.sector else str(award.kind)
        notes = [f"{len(award.components)} EU-CONEXUS micro-credentials, {award.kind} itinerary"]
        if award.sector_name:
            notes.append(f"Sector: {award.sector_name}")
        return self.node(
            "Qualification", title=_en(title),
            identifier=self.identifier("itinerary", code),
            dcType=vocab.learning_opportunity_type("Short learning programme"),
            eqfLevel=vocab.eqf_level(EQF_LEVEL),
            creditPoint=self.credit(award.ects),
            volumeOfLearning=_hours(award.ects * HOURS_PER_ECTS),
            language=vocab.language("en"),
            mode=vocab.learning_mode("online"),
            learningSetting=vocab.learning_setting(LEARNING_SETTING),
            isPartialQualification=True,
            additionalNote=[self.note(n) for n in notes],
        )

    def component(self, component: Component) -> dict:
        """One component: referenced by its credential id and bound by the SRI digest of it."""
        process = self.node("AwardingProcess", awardingBody=self.host_reference(component.host))
        notes = [f"Course code: {component.course_code}", f"Semester: {component.semester}",
                 f"Sector: {component.sector_name}", f"Host institution: {component.host}"]
        return self.node(
            "LearningAchievement", title=_en(component.title),
            identifier=[self.identifier("credential", _iri(component.credential_id, "component.credential_id")),
                        self.identifier("SRI", component.digest_sri),
                        self.identifier("course code", component.course_code)],
            awardedBy=process,
            additionalNote=[self.note(n) for n in notes],
        )

    # --- display ---
    def display(self, title: str, png: bytes) -> dict:
        if not png.startswith(_PNG_SIGNATURE):
            raise InvalidDocument("display_png is not a PNG image", field="displayParameter")
        image = self.node("MediaObject", contentType=vocab.media_type("image/png"),
                          contentEncoding=vocab.content_encoding("base64"),
                          content=pybase64.b64encode(png).decode("ascii"))
        english = vocab.language("en")
        detail = self.node("DisplayDetail", image=image, page=1)
        individual = self.node("IndividualDisplay", language=english, displayDetail=detail)
        return self.node("DisplayParameter", title=_en(title), language=[english], primaryLanguage=english,
                         individualDisplay=individual)


def _legal_name(inst: Institution) -> dict:
    """The legal name in its national language, with the English name beside it when they differ."""
    national = _NATIONAL_LANGUAGE.get(inst.country)
    if national is None or not inst.name or inst.name == inst.legal_name:
        return _en(inst.legal_name)
    return {national: inst.legal_name, "en": inst.name}


def _en(text: str) -> dict:
    return {"en": text}


def _number(value: float) -> str:
    return f"{value:g}"


def _hours(hours: int) -> str:
    return f"PT{hours}H"


def _timestamp(moment: datetime, field: str) -> str:
    """XSD dateTime in UTC, whole seconds: 2025-03-01T10:00:00Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidDocument(f"{field}: a timezone-aware datetime is required", field=field)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(day: date) -> str:
    """A date as the XSD dateTime of its midnight UTC (the EDC context types dates as dateTime)."""
    return f"{day.isoformat()}T00:00:00Z"


def _iri(value: str, field: str) -> str:
    if not isinstance(value, str) or not _ABSOLUTE_IRI.match(value):
        raise InvalidDocument(f"{field}: not an absolute IRI: {value!r}", field=field)
    return value


def _mailto(email: str, field: str) -> str:
    """The ``mailto:`` IRI of an e-mail address. :raise InvalidDocument: not an e-mail address."""
    if email.count("@") != 1 or not _ABSOLUTE_IRI.match(f"mailto:{email}"):
        raise InvalidDocument(f"{field}: not an e-mail address", field=field)
    return f"mailto:{email}"


def _http_url(value: str, field: str) -> str:
    if not isinstance(value, str) or not _HTTP_URL.match(value):
        raise InvalidDocument(f"{field}: not an http(s) URL: {value!r}", field=field)
    return value


def _refuse_control_characters(value, where: str, checked: set[int] = frozenset()) -> None:
    """:raise InvalidDocument: text with a ``_FORBIDDEN_TEXT`` character, naming where; the
    objects whose ids are in ``checked`` are skipped. The texts are searched at once ("\n", which
    joins them, is allowed); only a document that has such a character is walked for its place."""
    texts: list[str] = []
    _collect_texts(value, checked, texts)
    if _FORBIDDEN_TEXT.search("\n".join(texts)):
        _find_control_character(value, where, checked)


def _collect_texts(value, checked, texts: list[str]) -> None:
    if isinstance(value, dict):
        if id(value) not in checked:
            texts += value
            for item in value.values():
                if isinstance(item, str):
                    texts.append(item)
                elif isinstance(item, (dict, list)):
                    _collect_texts(item, checked, texts)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                texts.append(item)
            elif isinstance(item, (dict, list)):
                _collect_texts(item, checked, texts)
    elif isinstance(value, str):
        texts.append(value)


def _find_control_character(value, where: str, checked) -> None:
    if isinstance(value, dict):
        if id(value) in checked:
            return
        for key, item in value.items():
            _find_control_character(key, where, checked)
            _find_control_character(item, f"{where}.{key}" if where else key, checked)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _find_control_character(item, f"{where}[{index}]", checked)
    elif isinstance(value, str) and _FORBIDDEN_TEXT.search(value):
        raise InvalidDocument(f"{where}: text contains a control character", field=where)
