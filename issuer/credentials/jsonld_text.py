"""Individual certificates of one course as text: their JSON-LD and its canonical N-Quads.

Two certificates of one course differ in a few values only: about forty node ids, the learner,
the grade, the dates, the status entry and the image. So the JSON text ``build_credential`` gives
(as ``json.dumps`` writes it) and the canonical N-Quads lines of that document (as the fast walk
``issuer.signing.fastcanon`` writes them) are made once per course from a probe award whose values
are markers, and cut at the markers. A certificate is then the template's texts joined with its
values, each escaped for its place (a JSON string, an N-Quads literal or IRI), and its lines
sorted: a fraction of the cost of building the document, walking it and serializing it.

A template is used only once it gave, for an award with awkward values (quotes, backslashes,
line breaks, non-ASCII), the very JSON text and lines of the document path. An award whose values
``build_credential`` would refuse, or that the fast walk would hand to the full path, gets None:
the caller takes the document path, which refuses or handles it.
"""
from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Callable

import pybase64

from issuer.credentials.jsonld import (
    _FORBIDDEN_TEXT,
    _PNG_SIGNATURE,
    _UUID_URN,
    BITSTRING_STATUS_LIST_ENTRY,
    STATUS_NS,
    _day,
    _http_url,
    _mailto,
    _number,
    _status,
    _timestamp,
    build_credential,
)
from issuer.domain.model import IndividualAward, Institution, Learner
from issuer.errors import InvalidDocument
from issuer.signing import fastcanon

_TOKEN = secrets.token_hex(10)
_PROBE_ISSUED = datetime(1111, 11, 11, 11, 11, 11, tzinfo=UTC)
_PROBE_BORN = date(1112, 12, 12)
_PROBE_COMPLETED = date(1114, 4, 14)
_PROBE_ASSESSED = date(1115, 5, 15)
_PROBE_GRADE = 97531.0
_PROBE_PNG = _PNG_SIGNATURE + f"probe {_TOKEN}".encode("ascii")
_JSON_SAFE = re.compile(r'^[^"\\\x00-\x1f]*$')  # what json.dumps (ensure_ascii=False) writes as it is
_URN = _UUID_URN.pattern.removeprefix("^").removesuffix("$")
_UUID_URNS = re.compile(rf"{_URN}(?:\n{_URN})*\Z")  # UUID URNs joined by line breaks: one test for all


def _mark(key: str) -> str:
    return f"zq{_TOKEN}{key}qz"


def _id_mark(n: int) -> str:
    return f"urn:uuid:{_TOKEN[:8]}-{n:04x}-4000-8000-{_TOKEN[8:]}"


_CREDENTIAL_MARK = _id_mark(0xFFFF)


@dataclass(frozen=True)
class IndividualText:
    """An individual certificate's unsigned JSON-LD as ``json.dumps`` writes it, and its canonical
    N-Quads (RDFC-1.0, as ``canonical.canonicalize`` gives them) as UTF-8.

    The JSON text is kept in three parts: the text before the image's base64 content, the content
    (ASCII bytes), and the text after it. Three quarters of the text are the image; joined into
    one string with a learner's name in Greek, say, every character of it would take two bytes or
    four, and encoding that string to UTF-8 (to hash it, to store it) costs more than hashing it."""

    json_head: str
    image: bytes
    json_tail: str
    canonical: bytes
    context: list  # the document's @context (for the proof configuration)

    @property
    def json(self) -> str:
        return f"{self.json_head}{self.image.decode('ascii')}{self.json_tail}"

    def signed_utf8(self, proof_json: str) -> bytes:
        """The JSON text with ``proof_json`` (a serialized proof) as its last member, in UTF-8."""
        return b"".join((self.json_head.encode("utf-8"), self.image,
                         f'{self.json_tail[:-1]},"proof":{proof_json}}}'.encode("utf-8")))


@dataclass(frozen=True)
class _Template:
    """The texts as ``str.format`` patterns: the JSON text, the N-Quads lines with slots, and the
    fields they name: (name, value key, place), place "json" (in a JSON string), "literal" or
    "iri" (in an N-Quads line)."""

    json_head: str  # the JSON text before the image's content, and after it
    json_tail: str
    fixed_lines: tuple[str, ...]  # lines without a slot, sorted
    lines: tuple[str, ...]
    fields: tuple[tuple[str, str, str], ...]  # but the node ids'
    id_fields: tuple[str, ...]  # the fields of node ids, and the number of the id each takes
    id_numbers: tuple[int, ...]
    ids: int
    context: list


def individual_text(award: IndividualAward, *, credential_id: str, issuer_did: str, issued_at: datetime,
                    verify_url: str, status: dict, display_png: bytes,
                    new_id: Callable[[], str]) -> IndividualText | None:
    """The text of ``build_credential(award, ...)`` (no ``valid_until``; ids drawn from ``new_id``
    in the same order) and its canonical N-Quads, from the course's template; None when the award
    must take the document path."""
    values = _values(award, credential_id, issued_at, verify_url, status, display_png)
    if values is None:
        return None
    shape = (award.sector_name, award.thematic_area_name, issuer_did, status.get("statusPurpose"),
             award.learner.date_of_birth is None, not award.learner.email, award.assessed_on is None)
    known = _by_identity.get((id(award.course), id(award.host), shape))
    if known is not None and known[0] is award.course and known[1] is award.host:
        template = known[2]
    else:
        template = _template(award.course, award.host, *shape)
        if len(_by_identity) >= _BY_IDENTITY_SIZE:
            _by_identity.clear()
        _by_identity[(id(award.course), id(award.host), shape)] = (award.course, award.host, template)
    if template is None:
        return None
    ids = [new_id() for _ in range(template.ids)]
    if ids and (not all(type(value) is str for value in ids) or not _UUID_URNS.match("\n".join(ids))):
        return None
    try:
        return _fill(template, values, ids)
    except fastcanon.Unsupported:
        return None


def _values(award: IndividualAward, credential_id: str, issued_at: datetime, verify_url: str, status: dict,
            display_png: bytes) -> dict[str, str | bytes] | None:
    """The award's values by key (the image's base64 as bytes), or None where ``build_credential``
    would refuse one (its own checks, or the same patterns)."""
    learner = award.learner
    texts = (learner.given_name, learner.family_name, learner.student_id, learner.home_university,
             learner.email or "")
    if (not all(isinstance(t, str) and not _FORBIDDEN_TEXT.search(t) for t in texts)
            or not isinstance(credential_id, str) or not _UUID_URN.match(credential_id)
            or not isinstance(display_png, bytes) or not display_png.startswith(_PNG_SIGNATURE)
            or not isinstance(status, dict)):
        return None
    try:
        values = {"credential": credential_id, "verify": _http_url(verify_url, "verify_url"),
                  "issued": _timestamp(issued_at, "issued"), "given": learner.given_name,
                  "family": learner.family_name, "student_id": learner.student_id,
                  "home": learner.home_university, "grade": _number(award.grade),
                  "completed": _day(award.completed_on), "image": pybase64.b64encode(display_png)}
        entry = _status(status)
        if learner.email:
            values["mailto"] = _mailto(learner.email, "credentialSubject.contactPoint")
    except InvalidDocument:
        return None
    values.update(status_id=entry["id"], status_index=entry[STATUS_NS + "statusListIndex"],
                  status_list=entry[STATUS_NS + "statusListCredential"]["id"])
    if learner.date_of_birth is not None:
        values["born"] = _day(learner.date_of_birth)
    if award.assessed_on is not None:
        values["assessed"] = _day(award.assessed_on)
    return values


def _fill(template: _Template, values: dict[str, str | bytes], ids: list[str]) -> IndividualText:
    """The template's texts with ``values`` and the node ``ids`` (UUID URNs, in the order drawn);
    :raise fastcanon.Unsupported: as the fast walk would."""
    fields = dict(zip(template.id_fields, map(ids.__getitem__, template.id_numbers)))  # the same in every place
    image = values["image"]  # base64 as bytes: in the JSON text, it stays apart (IndividualText)
    for name, key, place in template.fields:
        value = values[key]
        if key == "image":  # in an N-Quads literal
            fields[name] = image.decode("ascii")
        elif place == "json":
            fields[name] = value if _JSON_SAFE.match(value) else json.dumps(value, ensure_ascii=False)[1:-1]
        elif place == "literal":
            fields[name] = fastcanon._literal(value)[1:-1]
        else:
            fields[name] = fastcanon._iri(value)[1:-1]
    lines = [line.format_map(fields) for line in template.lines]
    lines += template.fixed_lines
    lines.sort()  # a line made twice (a node met twice) is dropped beside its twin: no set hashes the image's
    canonical = fastcanon.unique_utf8(lines)
    return IndividualText(template.json_head.format_map(fields), image, template.json_tail.format_map(fields),
                          canonical, template.context)


# Templates by the identity of the course and host objects (kept with them, so that an id is not
# reused meanwhile): a course and its issuer are the same objects for a whole run, and hashing them
# for ``_template``'s cache costs a tenth of making a certificate's text.
_by_identity: dict[tuple, tuple] = {}
_BY_IDENTITY_SIZE = 256


@lru_cache(maxsize=256)
def _template(course, host: Institution, sector_name: str, thematic_area_name: str, issuer_did: str,
              purpose, no_birth_date: bool, no_email: bool, not_assessed: bool) -> _Template | None:
    marks = {_mark(k): k for k in ("given", "family", "student_id", "home", "status_index")}
    marks[_CREDENTIAL_MARK] = "credential"
    status_list = f"https://{_mark('status_list')}.example/status"
    marks[status_list] = "status_list"
    status_id = f"{status_list}#{_mark('status_index')}"
    marks[status_id] = "status_id"
    email = None if no_email else f"{_mark('email')}@example.org"
    if email:
        marks[f"mailto:{email}"] = "mailto"
    learner = Learner(_mark("home"), _mark("student_id"), _mark("given"), _mark("family"), email or "",
                      None if no_birth_date else _PROBE_BORN)
    probe = IndividualAward(learner=learner, course=course, host=host, sector_name=sector_name,
                            thematic_area_name=thematic_area_name, grade=_PROBE_GRADE,
                            assessed_on=None if not_assessed else _PROBE_ASSESSED, grade_announced_on=None,
                            completed_on=_PROBE_COMPLETED)
    status = {"id": status_id, "type": BITSTRING_STATUS_LIST_ENTRY, "statusPurpose": purpose,
              "statusListIndex": _mark("status_index"), "statusListCredential": status_list}
    drawn = itertools.count()
    doc = build_credential(probe, credential_id=_CREDENTIAL_MARK, issuer_did=issuer_did, issued_at=_PROBE_ISSUED,
                           verify_url=f"https://{_mark('verify')}.example/verify", status=status,
                           display_png=_PROBE_PNG, new_id=lambda: _id_mark(next(drawn)))
    ids = next(drawn)
    id_keys = {f"id{n}" for n in range(ids)}
    marks.update({_id_mark(n): f"id{n}" for n in range(ids)})
    marks[f"https://{_mark('verify')}.example/verify"] = "verify"
    marks[_timestamp(_PROBE_ISSUED, "issued")] = "issued"
    marks[_day(_PROBE_COMPLETED)] = "completed"
    marks[_number(_PROBE_GRADE)] = "grade"
    marks[base64.b64encode(_PROBE_PNG).decode("ascii")] = "image"
    if not no_birth_date:
        marks[_day(_PROBE_BORN)] = "born"
    if not not_assessed:
        marks[_day(_PROBE_ASSESSED)] = "assessed"
    try:
        lines = list(fastcanon._sorted_lines(doc))
    except fastcanon.Unsupported:
        return None
    found = re.compile("|".join(re.escape(m) for m in sorted(marks, key=len, reverse=True)))
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    fields: dict[tuple[str, str], str] = {}  # (value key, place) -> field name
    fixed, patterns = [], []
    for line in lines:
        pattern = _pattern(line, found, marks, _line_place, fields)
        (patterns.append(pattern) if pattern is not None else fixed.append(line))
    text_pattern = _pattern(text, found, marks, lambda _text, _at: "json", fields) or _literal_braces(text)
    image_field = "{" + fields.get(("image", "json"), "image") + "}"
    if text_pattern.count(image_field) != 1:
        return None
    head, tail = text_pattern.split(image_field)
    id_fields = [(name, int(key[2:])) for (key, _place), name in fields.items() if key in id_keys]
    template = _Template(head, tail, tuple(sorted(fixed)), tuple(patterns),
                         tuple((name, key, place) for (key, place), name in fields.items() if key not in id_keys),
                         tuple(name for name, _ in id_fields), tuple(number for _, number in id_fields), ids,
                         doc["@context"])
    return template if _holds(template, probe, issuer_did, status) else None


def _pattern(text: str, found: re.Pattern, marks: dict[str, str], place: Callable[[str, int], str],
             fields: dict[tuple[str, str], str]) -> str | None:
    """``text`` as a ``str.format`` pattern with a field at each marker (None if it has none)."""
    parts, at = [], 0
    for match in found.finditer(text):
        parts.append(_literal_braces(text[at:match.start()]))
        slot = (marks[match.group()], place(text, match.start()))
        parts.append("{" + fields.setdefault(slot, f"f{len(fields)}") + "}")
        at = match.end()
    if not at:
        return None
    parts.append(_literal_braces(text[at:]))
    return "".join(parts)


def _literal_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _line_place(line: str, at: int) -> str:
    """Whether ``at`` lies in the literal of an N-Quads line (the object, when it starts with a
    quote, up to its closing quote) or in an IRI (subject, predicate, object or datatype)."""
    subject_end = line.index("> ") + 2
    object_start = line.index("> ", subject_end) + 2
    if at < object_start or line[object_start] != '"':
        return "iri"
    closing = object_start + 1
    while line[closing] != '"':
        closing += 2 if line[closing] == "\\" else 1
    return "literal" if at < closing else "iri"


def _holds(template: _Template, probe: IndividualAward, issuer_did: str, status: dict) -> bool:
    """Whether the template gives the document path's text and lines for an award of its course
    with awkward values (the probe's shape: the same optional parts)."""
    learner = replace(probe.learner, home_university='H"1\\x', student_id="S<1>&'\"\\",
                      given_name='Ana "María"\\ \u00e9\u0301', family_name="O'Brien \u2013 Žukauskaitė 🙂",
                      email=probe.learner.email and "a.b+c@example.org",
                      date_of_birth=probe.learner.date_of_birth and date(2001, 2, 3))
    award = replace(probe, learner=learner, grade=8.5, completed_on=date(2025, 7, 4),
                    assessed_on=probe.assessed_on and date(2025, 6, 30))
    check_status = {**status, "id": "https://example.org/status/7#129", "statusListIndex": "129",
                    "statusListCredential": "https://example.org/status/7"}
    png = _PNG_SIGNATURE + b"check"
    issued = datetime(2025, 7, 1, 9, 30, 5, tzinfo=UTC)
    kwargs = dict(credential_id="urn:uuid:c0ffee00-0000-4000-8000-000000000001", issued_at=issued,
                  verify_url="https://example.org/credentials/x/verify", status=check_status, display_png=png)
    counter = itertools.count()
    doc = build_credential(award, issuer_did=issuer_did, new_id=lambda: _id_mark(next(counter) + 0x8000),
                           **kwargs)
    values = _values(award, kwargs["credential_id"], issued, kwargs["verify_url"], check_status, png)
    if values is None:
        return False
    try:
        made = _fill(template, values, [_id_mark(n + 0x8000) for n in range(template.ids)])
        expected = fastcanon.canonical_nquads_utf8(doc)
    except fastcanon.Unsupported:
        return False
    return (made.json == json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            and made.canonical == expected)
