"""What a verified credential says, for display: readers of EDC JSON-LD and EDC XML.

Call these only with verified content (the JSON-LD whose proof holds with the exact EDC contexts,
or the element an XML signature covers). They never raise on odd shapes: a field that is not
where and what it should be reads as None.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from issuer.credentials.xml import CRED, SNB

# xsd:dateTime; a missing zone is read as UTC (VC 1.1 allows it)
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.I)
_NUMBER = re.compile(r"^[0-9]{1,4}(\.[0-9]{1,4})?$")


def parse_datetime(value) -> datetime | None:
    """An XML Schema dateTime as an aware datetime (UTC when it has no zone), else None."""
    if not isinstance(value, str) or not _DATETIME.match(value.strip()):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """``2025-01-31T09:00:00Z`` (UTC, whole seconds)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


# --- JSON-LD -------------------------------------------------------------------------------------

def issuer_id(doc: dict) -> str | None:
    """The issuer's id (``issuer`` as a string or ``issuer.id``)."""
    issuer = doc.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) and issuer else None


def jsonld_parts(doc: dict) -> list[tuple[str | None, str | None]]:
    """(credential id, SRI digest) of each part of the claim (an itinerary's components)."""
    parts = _as_list(_obj(_obj(doc.get("credentialSubject")).get("hasClaim")).get("hasPart"))
    return [(ids.get("credential"), ids.get("SRI")) for ids in (_identifiers(_obj(p)) for p in parts)]


def jsonld_summary(doc: dict, *, issuer_code: str, issuer_name: str, edc: bool) -> dict:
    """learner, title, issuer, ects, issued, kind, course_code, grade, learning_outcomes,
    components (plus id and learner_id); a plain VC gives what the VC data model has."""
    subject = _obj(doc.get("credentialSubject"))
    issued = next((doc[n] for n in ("issued", "issuanceDate", "validFrom") if isinstance(doc.get(n), str)), None)
    summary = {"id": _string(doc.get("id")), "issuer": {"code": issuer_code, "name": issuer_name},
               "issued": iso(parse_datetime(issued)), "kind": None}
    if not edc:
        return {**summary, "learner": _string(subject.get("name")), "learner_id": None,
                "title": _string(doc.get("name")), "ects": None, "course_code": None, "grade": None,
                "learning_outcomes": [], "components": []}
    claim = _obj(subject.get("hasClaim"))
    spec = _obj(claim.get("specifiedBy"))
    ids = _identifiers(spec)
    outcomes = (_lang(_obj(o).get("title")) for o in _as_list(spec.get("learningOutcome")))
    return {**summary,
            "kind": _kind(ids),
            "learner": _lang(subject.get("fullName")),
            "learner_id": _learner_id(_identifiers(subject)),
            "title": _lang(claim.get("title")),
            "ects": _number(_obj(spec.get("creditPoint")).get("point")),
            "course_code": ids.get("course code"),
            "grade": _lang(_obj(_obj(claim.get("provenBy")).get("grade")).get("noteLiteral")),
            "learning_outcomes": [t for t in outcomes if t],
            "components": [_jsonld_component(_obj(p)) for p in _as_list(claim.get("hasPart"))]}


def _jsonld_component(part: dict) -> dict:
    ids = _identifiers(part)
    notes = _notes(_lang(_obj(n).get("noteLiteral")) for n in _as_list(part.get("additionalNote")))
    return {"title": _lang(part.get("title")), "course_code": ids.get("course code"),
            "semester": notes.get("Semester"), "credential": ids.get("credential"), "sector": notes.get("Sector")}


def _identifiers(node: dict) -> dict:
    """schemeName -> notation of a node's Identifiers (a learner's scheme is the home university)."""
    out = {}
    for ident in _as_list(node.get("identifier")):
        ident = _obj(ident)
        name, notation = ident.get("schemeName"), ident.get("notation")
        if isinstance(name, str) and isinstance(notation, str):
            out.setdefault(name, notation)
    return out


def _learner_id(person: dict) -> dict | None:
    if len(person) != 1:
        return None
    (home, student), = person.items()
    return {"home_university": home, "student_id": student}


def _kind(ids: dict) -> str | None:
    itinerary = ids.get("itinerary")
    if itinerary:
        return itinerary.split("/")[0]
    return "individual" if "course code" in ids else None


# --- XML -----------------------------------------------------------------------------------------

def xml_issuer(root: etree._Element) -> str | None:
    element = root.find(f"{{{CRED}}}issuer")
    return element.get("idref") if element is not None else None


def xml_datetime(root: etree._Element, name: str) -> datetime | None:
    """``cred:<name>`` (validFrom, validUntil, issued) of the credential, or None."""
    element = root.find(f"{{{CRED}}}{name}")
    return parse_datetime(element.text) if element is not None else None


def xml_parts(root: etree._Element) -> list[tuple[str | None, str | None]]:
    """(credential id, SRI digest) of each ``hasPart`` achievement."""
    return [(ids.get("credential"), ids.get("SRI")) for ids in (_xml_identifiers(p) for p in _xml_part_nodes(root))]


def xml_summary(root: etree._Element, *, issuer_code: str, issuer_name: str) -> dict:
    """The same summary as `jsonld_summary`, from a signed ``europassCredential``."""
    subject = root.find(_snb("credentialSubject"))
    achievement = _xml_achievement(root)
    spec = _referenced(root, "learningSpecificationReferences", achievement)
    ids = _xml_identifiers(spec)
    student = subject.find(_snb("identifier")) if subject is not None else None
    outcome_refs = spec.findall(_snb("learningOutcomes/learningOutcome")) if spec is not None else []
    outcomes = (_xml_text(_by_id(root, "learningOutcomeReferences", r.get("idref")), "prefLabel")
                for r in outcome_refs)
    return {
        "id": root.get(f"{{{CRED}}}id"),
        "issuer": {"code": issuer_code, "name": issuer_name},
        "issued": iso(xml_datetime(root, "issued")),
        "kind": _kind(ids),
        "learner": _xml_text(subject, "fullName"),
        "learner_id": None if student is None else {"home_university": student.get("schemeAgencyName"),
                                                    "student_id": student.text},
        "title": _xml_text(achievement, "title"),
        "ects": _number(spec.findtext(_snb("hasECTSCreditPoints")) if spec is not None else None),
        "course_code": ids.get("course code"),
        "grade": achievement.findtext(_snb("wasDerivedFrom/grade")) if achievement is not None else None,
        "learning_outcomes": [o for o in outcomes if o],
        "components": [_xml_component(root, p) for p in _xml_part_nodes(root)],
    }


def _xml_component(root: etree._Element, part: etree._Element) -> dict:
    ids = _xml_identifiers(part)
    spec = _referenced(root, "learningSpecificationReferences", part)
    notes = _notes(n.findtext(_snb("text")) for n in (spec.findall(_snb("additionalNote")) if spec is not None else []))
    return {"title": _xml_text(part, "title"), "course_code": _xml_identifiers(spec).get("course code"),
            "semester": notes.get("Semester"), "credential": ids.get("credential"), "sector": notes.get("Sector")}


def _snb(path: str) -> str:
    return "/".join(f"{{{SNB}}}{step}" for step in path.split("/"))


def _xml_text(element: etree._Element | None, path: str) -> str | None:
    found = element.find(_snb(path)) if element is not None else None
    if found is None:
        return None
    text = found.find(_snb("text"))
    return (text if text is not None else found).text


def _xml_identifiers(element: etree._Element | None) -> dict:
    out = {}
    for ident in element.findall(_snb("identifier")) if element is not None else []:
        out.setdefault(ident.get("schemeName"), ident.text)
    return out


def _by_id(root: etree._Element, container: str, node_id: str | None) -> etree._Element | None:
    holder = root.find(_snb(container))
    if holder is None or node_id is None:
        return None
    return next((child for child in holder if child.get("id") == node_id), None)


def _referenced(root: etree._Element, container: str, element: etree._Element | None) -> etree._Element | None:
    """The node ``element``'s ``specifiedBy`` points at, in ``container``."""
    ref = element.find(_snb("specifiedBy")) if element is not None else None
    return _by_id(root, container, ref.get("idref") if ref is not None else None)


def _xml_achievement(root: etree._Element) -> etree._Element | None:
    return root.find(_snb("credentialSubject/achievements/learningAchievement"))


def _xml_part_nodes(root: etree._Element) -> list[etree._Element]:
    achievement = _xml_achievement(root)
    return achievement.findall(_snb("hasPart/learningAchievement")) if achievement is not None else []


# --- small readers -------------------------------------------------------------------------------

def _obj(value) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _string(value) -> str | None:
    return value if isinstance(value, str) else None


def _lang(value) -> str | None:
    """The English text of a language map (else its first string), or a plain string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("en"), str):
            return value["en"]
        return next((v for v in value.values() if isinstance(v, str)), None)
    return None


def _notes(texts) -> dict:
    """``"Label: value"`` notes as a mapping (the first of each label)."""
    out = {}
    for text in texts:
        if isinstance(text, str) and ": " in text:
            label, _, value = text.partition(": ")
            out.setdefault(label, value)
    return out


def _number(value) -> int | float | None:
    if not isinstance(value, str) or not _NUMBER.match(value.strip()):
        return None
    number = float(value)
    return int(number) if number.is_integer() else number
