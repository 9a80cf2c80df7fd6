"""Validation of uploaded completion rows (JSON or CSV), pure: rows in, records and errors out.

An error is ``{"row": n, "field": name, "reason": sentence}`` with rows counted from 1 (a CSV
header is not counted). ``field`` is None when the whole row is at fault. Nothing raises for bad
data: the caller decides (the upload service raises ``InvalidUpload`` when any error is listed).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Callable, Literal, Mapping, Sequence

from issuer.domain.calendar import is_semester_id
from issuer.domain.model import CEFR_LEVELS, CompletionRecord, Course, Delivery, Institution, Objection

MAX_TEXT = 200
MAX_EMAIL = 254
MAX_CLASSES = 1000
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WHOLE = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+(\.\d+)?")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
# Refused in text: control characters (Unicode category Cc), surrogates (Cs), the noncharacters
# U+FFFE and U+FFFF, and the bidirectional overrides and isolates (invisible, and able to make a
# signed name read otherwise).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\ufffe\uffff]")


class _BadValue(Exception):
    """A field's value cannot be used; the message completes "<field> ..." as a sentence."""


@dataclass(frozen=True)
class _Field:
    parse: Callable[[Any], Any]
    required: bool
    default: Any = None


# --- value parsers: each takes a raw (non-absent) value and returns it typed, or raises -----


def _text(raw: Any, max_length: int = MAX_TEXT) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # JSON numbers are fine where text is expected (e.g. a student number)
    if not isinstance(raw, str):
        raise _BadValue("must be text")
    value = unicodedata.normalize("NFC", raw.strip())
    bad = _CONTROL.search(value)
    if bad is not None:
        raise _BadValue(f"contains a control character (U+{ord(bad.group()):04X})")
    if len(value) > max_length:
        raise _BadValue(f"is longer than {max_length} characters")
    return value


def _email(raw: Any) -> str:
    value = _text(raw, MAX_EMAIL)
    if not _EMAIL.fullmatch(value):
        raise _BadValue("is not a valid e-mail address")
    return value


def _study_level(raw: Any) -> str:
    return _text(raw).lower()


def _english_level(raw: Any) -> str:
    value = _text(raw).upper()
    if value not in CEFR_LEVELS:
        raise _BadValue(f"must be a CEFR level ({', '.join(CEFR_LEVELS)})")
    return value


def _semester(raw: Any) -> str:
    value = _text(raw).lower()
    if not is_semester_id(value):
        raise _BadValue("must name a semester such as 2024-autumn or 2025-spring")
    return value


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    key = str(raw).strip().lower() if isinstance(raw, (str, int)) else None
    if key not in _BOOLEANS:
        raise _BadValue("must be true or false (also accepted: 1/0, yes/no)")
    return _BOOLEANS[key]


def _objection(raw: Any) -> Objection:
    value = _text(raw).lower()
    if value not in {o.value for o in Objection}:
        raise _BadValue("must be one of none, raised, resolved")
    return Objection(value)


def _date(raw: Any) -> date:
    value = raw.strip() if isinstance(raw, str) else None
    try:
        if value is not None and _ISO_DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise _BadValue("must be a date in the form YYYY-MM-DD")


def _moment(raw: Any) -> datetime:
    """An ISO 8601 date-time or date; a date means midnight, and a time without offset is UTC."""
    if isinstance(raw, str) and _ISO_DATE.fullmatch(raw.strip()):
        return datetime.combine(_date(raw), datetime.min.time(), tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(raw.strip()) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise _BadValue("must be an ISO 8601 date-time (2024-09-15T10:30:00Z) or date")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _count(raw: Any) -> int:
    if isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
        raw = int(raw.strip())
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_CLASSES:
        raise _BadValue(f"must be a whole number from 0 to {MAX_CLASSES}")
    return raw


def _grade(raw: Any) -> float:
    if isinstance(raw, str) and _DECIMAL.fullmatch(raw.strip()):
        raw = float(raw.strip())
    if not isinstance(raw, (int, float)) or isinstance(raw, bool) or not math.isfinite(raw) or raw < 0:
        raise _BadValue("must be a number, 0 or more")
    return float(raw)


FIELDS: Mapping[str, _Field] = {
    "student_id": _Field(_text, True),
    "home_university": _Field(_text, True),
    "given_name": _Field(_text, True),
    "family_name": _Field(_text, True),
    "email": _Field(_email, True),
    "date_of_birth": _Field(_date, False),
    "study_level": _Field(_study_level, True),
    "english_level": _Field(_english_level, True),
    "course_code": _Field(_text, True),
    "semester": _Field(_semester, True),
    "classes_attended": _Field(_count, False),
    "classes_total": _Field(_count, False),
    "grade": _Field(_grade, False),
    "passed": _Field(_boolean, True),
    "assessed_on": _Field(_date, False),
    "grade_announced_on": _Field(_date, False),
    "objection": _Field(_objection, False, Objection.NONE),
    "applied_at": _Field(_moment, True),
}
"""The upload columns, in the order of the SPEC table, with their parsers."""


# --- rows -----------------------------------------------------------------------------------


def parse_records(
    rows: Sequence[Mapping[str, Any]], *, reported_by: str, source: Literal["json", "csv"]
) -> tuple[list[CompletionRecord], list[dict]]:
    """Validate uploaded rows and build a :class:`CompletionRecord` (``reported_by`` set) for each
    valid one, in row order.

    CSV values are strings, an empty one meaning absent (``csv.DictReader`` rows; surplus values
    under the key None are an error). JSON values may also be typed: numbers, booleans, null.
    Every bad field of every row is reported; a repeated (student, course, semester) is an error
    on the later row. The records are complete only when the error list is empty.

    :raise ValueError: when ``source`` is neither "json" nor "csv".
    """
    if source not in ("json", "csv"):
        raise ValueError(f"unknown upload source {source!r}")
    records: list[CompletionRecord] = []
    errors: list[dict] = []
    first_row: dict[tuple, int] = {}
    for n, row in enumerate(rows, start=1):
        values, row_errors = _parse_row(row)
        row_errors += _duplicate_errors(values, n, first_row)
        errors += [_error(n, field, reason) for field, reason in row_errors]
        if not row_errors:
            records.append(CompletionRecord(reported_by=reported_by, **values))
    return records, errors


def _parse_row(row: Any) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    if not isinstance(row, Mapping):
        return {}, [(None, "A row must be an object whose keys are the field names.")]
    errors = [_unknown_column(key) for key in row if key not in FIELDS]
    values: dict[str, Any] = {}
    for name, spec in FIELDS.items():
        raw = row.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors.append((name, f"{name} is required."))
            values[name] = spec.default
            continue
        try:
            values[name] = spec.parse(raw)
        except _BadValue as bad:
            errors.append((name, f"{name} {bad}."))
    return values, errors + _cross_field_errors(values, errors)


def _unknown_column(key: Any) -> tuple[str | None, str]:
    if key is None:
        return None, "The row has more values than the header has columns."
    return str(key), f"{key!s} is not a field of a completion record."


def _cross_field_errors(values: Mapping[str, Any], errors: list) -> list[tuple[str, str]]:
    failed = {field for field, _ in errors}
    found = []
    attended, total = values.get("classes_attended"), values.get("classes_total")
    if attended is not None and total is not None and attended > total:
        found.append(("classes_attended",
                      f"classes_attended ({attended}) is more than classes_total ({total})."))
    if values.get("passed") and values.get("grade") is None and "grade" not in failed:
        found.append(("grade", "grade is required when passed is true."))
    assessed, announced = values.get("assessed_on"), values.get("grade_announced_on")
    if assessed is not None and announced is not None and announced < assessed:
        found.append(("grade_announced_on", "grade_announced_on is before assessed_on."))
    return found


def _duplicate_errors(values: Mapping[str, Any], n: int,
                      first_row: dict[tuple, int]) -> list[tuple[str, str]]:
    key = tuple(values.get(f) for f in ("home_university", "student_id", "course_code", "semester"))
    if None in key:
        return []
    first = first_row.setdefault(key, n)
    if first == n:
        return []
    return [("course_code", f"Row {first} already reports this student for {key[2]} in {key[3]}.")]


def _error(row: int, field: str | None, reason: str) -> dict:
    return {"row": row, "field": field, "reason": reason}


# --- catalogue ------------------------------------------------------------------------------


def check_against_catalogue(
    records: Sequence[CompletionRecord],
    courses: Mapping[tuple[str, str], Course],
    institutions: Mapping[str, Institution],
    reported_by: str,
) -> list[dict]:
    """The errors only the catalogue reveals, for records in upload order (row n is
    ``records[n - 1]``, as :func:`parse_records` returns them when it reports no error).

    ``courses`` maps (code, semester) to the course run. Checked: the home university is known;
    the course run exists and ``reported_by`` hosts it; attendance fits the course's classes; a
    grade other than 0 (no participation) lies within the course's grading scale.
    """
    errors = []
    for n, record in enumerate(records, start=1):
        found = []
        if record.home_university not in institutions:
            found.append(("home_university", f"{record.home_university} is not a known institution."))
        course = courses.get((record.course_code, record.semester))
        if course is None:
            found.append(("course_code", f"There is no micro-credential {record.course_code} "
                                         f"in {record.semester}."))
        else:
            found += _course_errors(record, course, reported_by)
        errors += [_error(n, field, reason) for field, reason in found]
    return errors


def _course_errors(record: CompletionRecord, course: Course, reported_by: str) -> list[tuple[str, str]]:
    found = []
    if course.host != reported_by:
        found.append(("course_code", f"{course.code} is hosted by {course.host}; only the host "
                                     "university may report it."))
    found += _attendance_errors(record, course)
    scale = course.grading
    if record.grade not in (None, 0) and not scale.minimum <= record.grade <= scale.maximum:
        found.append(("grade", f"grade {record.grade:g} is outside the scale {scale.scale} "
                               f"({scale.minimum:g} to {scale.maximum:g})."))
    return found


def _attendance_errors(record: CompletionRecord, course: Course) -> list[tuple[str, str]]:
    classes = course.classes_total
    if course.delivery != Delivery.SYNCHRONOUS or classes is None:
        return []
    if record.classes_total is not None and record.classes_total > classes:
        return [("classes_total", f"classes_total ({record.classes_total}) is more than the "
                                  f"{classes} classes of {course.code}.")]
    if record.classes_total is None and (record.classes_attended or 0) > classes:
        return [("classes_attended", f"classes_attended ({record.classes_attended}) is more than "
                                     f"the {classes} classes of {course.code}.")]
    return []
