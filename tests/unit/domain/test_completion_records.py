from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from domain_builders import INSTITUTIONS, course, csv_row, record

from issuer.domain.model import CompletionRecord, Delivery, Grading, Objection
from issuer.domain.records import check_against_catalogue, parse_records


def parse_csv(text: str):
    return parse_records(list(csv.DictReader(io.StringIO(text))), reported_by="AUA", source="csv")


def one_record(rows, source="csv") -> CompletionRecord:
    records, errors = parse_records(rows, reported_by="AUA", source=source)
    assert errors == []
    assert len(records) == 1
    return records[0]


def errors_of(rows, source="csv") -> list[tuple]:
    records, errors = parse_records(rows, reported_by="AUA", source=source)
    return [(e["row"], e["field"]) for e in errors]


def test_a_csv_row_becomes_a_typed_record():
    assert one_record([csv_row()]) == CompletionRecord(
        student_id="42", home_university="UCV", given_name="Ana", family_name="Pérez", email="ana@ucv.es",
        study_level="bachelor", english_level="B2", course_code="SMA01", semester="2024-autumn", grade=8.5,
        passed=True, objection=Objection.NONE, applied_at=datetime(2024, 9, 1, 9, 0, tzinfo=UTC),
        reported_by="AUA", date_of_birth=date(2003, 4, 5), classes_attended=4, classes_total=5,
        assessed_on=date(2024, 11, 26), grade_announced_on=date(2024, 12, 2))


def test_a_csv_file_through_dictreader():
    header = ",".join(csv_row())
    line = ",".join(csv_row(given_name="  Ana ", objection="", classes_attended="", classes_total="",
                            date_of_birth="", grade="7").values())
    records, errors = parse_csv(f"{header}\n{line}\n")
    assert errors == []
    rec = records[0]
    assert (rec.given_name, rec.objection, rec.classes_attended, rec.classes_total, rec.date_of_birth,
            rec.grade) == ("Ana", Objection.NONE, None, None, None, 7.0)


def test_surplus_csv_values_are_an_error():
    header = ",".join(csv_row())
    line = ",".join(csv_row().values()) + ",surplus"
    records, errors = parse_csv(f"{header}\n{line}\n")
    assert [(e["row"], e["field"]) for e in errors] == [(1, None)]


def test_json_typed_values():
    row = csv_row() | {"student_id": 42, "classes_attended": 4, "classes_total": 5, "grade": 9,
                       "passed": True, "date_of_birth": None, "objection": None}
    rec = one_record([row], source="json")
    assert (rec.student_id, rec.classes_attended, rec.grade, rec.passed, rec.date_of_birth, rec.objection) == (
        "42", 4, 9.0, True, None, Objection.NONE)


def test_json_strings_are_accepted_too():
    assert one_record([csv_row()], source="json") == one_record([csv_row()], source="csv")


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        ("passed", "TRUE", True), ("passed", "false", False), ("passed", "1", True), ("passed", "0", False),
        ("passed", "Yes", True), ("passed", "no", False), ("passed", 1, True), ("passed", False, False),
        ("english_level", "c1", "C1"), ("study_level", "Bachelor", "bachelor"),
        ("semester", "2025-Spring", "2025-spring"), ("objection", "RESOLVED", Objection.RESOLVED),
        ("applied_at", "2024-09-01", datetime(2024, 9, 1, tzinfo=UTC)),
        ("applied_at", "2024-09-01T11:00:00", datetime(2024, 9, 1, 11, tzinfo=UTC)),
        ("applied_at", "2024-09-01T11:00:00+02:00", datetime(2024, 9, 1, 11, tzinfo=timezone(timedelta(hours=2)))),
        ("grade", "0", 0.0), ("grade", 7.25, 7.25), ("classes_attended", "0", 0),
        ("family_name", "Ma\u0301rquez", "M\u00e1rquez"),
    ],
    ids=lambda v: repr(v) if not isinstance(v, str) else v,
)
def test_accepted_values(field, raw, expected):
    source = "csv" if isinstance(raw, str) else "json"
    assert getattr(one_record([csv_row() | {field: raw}], source=source), field) == expected


@pytest.mark.parametrize(
    ("field", "raw", "reason_part"),
    [
        ("student_id", "", "student_id is required"),
        ("email", "ana.ucv.es", "not a valid e-mail"),
        ("email", "ana@ucv", "not a valid e-mail"),
        ("email", "ana @ucv.es", "not a valid e-mail"),
        ("english_level", "B3", "CEFR"),
        ("semester", "2024-summer", "semester"),
        ("semester", "autumn-2024", "semester"),
        ("passed", "maybe", "true or false"),
        ("passed", 2, "true or false"),
        ("objection", "pending", "none, raised, resolved"),
        ("applied_at", "yesterday", "ISO 8601"),
        ("applied_at", 20240901, "ISO 8601"),
        ("date_of_birth", "05/04/2003", "YYYY-MM-DD"),
        ("assessed_on", "2024-02-30", "YYYY-MM-DD"),
        ("classes_attended", "-1", "whole number"),
        ("classes_attended", "3.5", "whole number"),
        ("classes_total", True, "whole number"),
        ("classes_total", "100000", "whole number"),
        ("grade", "-1", "0 or more"),
        ("grade", "seven", "0 or more"),
        ("grade", float("nan"), "0 or more"),
        ("grade", True, "0 or more"),
        ("given_name", "Ana\nDROP", "control character (U+000A)"),
        ("family_name", "P\x00rez", "control character (U+0000)"),
        ("family_name", "abc\u202edcb", "control character (U+202E)"),
        ("given_name", "x" * 201, "longer than 200"),
        ("course_code", ["SMA01"], "must be text"),
        ("given_name", True, "must be text"),
    ],
)
def test_rejected_values(field, raw, reason_part):
    source = "csv" if isinstance(raw, str) else "json"
    records, errors = parse_records([csv_row() | {field: raw}], reported_by="AUA", source=source)
    assert records == []
    assert [(e["row"], e["field"]) for e in errors] == [(1, field)]
    assert reason_part in errors[0]["reason"]


def test_several_bad_rows_give_one_error_per_bad_field():
    rows = [
        csv_row(),
        csv_row(course_code="SMA02", email="nope", english_level="X1", passed="perhaps"),
        csv_row(course_code="SMA03", classes_attended="6", classes_total="5"),
        csv_row(course_code="SMA04", student_id="", semester="", applied_at="", extra_column="1"),
        csv_row(course_code="SMA05", passed="true", grade=""),
        csv_row(course_code="SMA06", assessed_on="2024-12-05", grade_announced_on="2024-12-01"),
    ]
    assert errors_of(rows) == [
        (2, "email"), (2, "english_level"), (2, "passed"),
        (3, "classes_attended"),
        (4, "extra_column"), (4, "student_id"), (4, "semester"), (4, "applied_at"),
        (5, "grade"),
        (6, "grade_announced_on"),
    ]


def test_error_shape():
    records, errors = parse_records([csv_row(), csv_row(course_code="SMA02", unexpected="x")], reported_by="AUA", source="csv")
    assert errors == [{"row": 2, "field": "unexpected",
                       "reason": "unexpected is not a field of a completion record."}]
    assert len(records) == 1


def test_a_failed_row_may_have_no_grade():
    rec = one_record([csv_row(passed="false", grade="")])
    assert (rec.passed, rec.grade) == (False, None)


def test_a_duplicate_is_an_error_on_the_later_row():
    rows = [csv_row(), csv_row(course_code="SMA02"), csv_row(given_name="Anna", email="bad"),
            csv_row(semester="2025-spring")]
    records, errors = parse_records(rows, reported_by="AUA", source="csv")
    assert [(e["row"], e["field"]) for e in errors] == [(3, "email"), (3, "course_code")]
    assert "Row 1" in errors[1]["reason"]
    assert [(r.course_code, r.semester) for r in records] == [
        ("SMA01", "2024-autumn"), ("SMA02", "2024-autumn"), ("SMA01", "2025-spring")]


def test_a_json_row_that_is_not_an_object():
    assert errors_of([csv_row(), ["a", "b"]], source="json") == [(2, None)]


def test_an_unknown_source_is_a_programming_error():
    with pytest.raises(ValueError, match="xml"):
        parse_records([], reported_by="AUA", source="xml")


# --- catalogue -----------------------------------------------------------------------------

COURSES = {
    ("SMA01", "2024-autumn"): course(),
    ("ASY01", "2024-autumn"): course("ASY01", delivery=Delivery.ASYNCHRONOUS, classes_total=None),
    ("KUC01", "2024-autumn"): course("KUC01", host="KU"),
    ("GRD01", "2024-autumn"): course("GRD01", grading=Grading(scale="1-5", minimum=1, maximum=5, pass_mark=2)),
}

CATALOGUE_CASES = [
    ("fine", {}, []),
    ("unknown-course", {"course_code": "XYZ99"}, ["course_code"]),
    ("course-not-in-that-semester", {"semester": "2025-spring"}, ["course_code"]),
    ("not-the-host", {"course_code": "KUC01"}, ["course_code"]),
    ("unknown-home", {"home_university": "MIT"}, ["home_university"]),
    ("aisbl-home-is-a-rule-not-an-upload-error", {"home_university": "AISBL"}, []),
    ("grade-above-scale", {"grade": 10.5}, ["grade"]),
    ("grade-top-of-scale", {"grade": 10.0}, []),
    ("grade-below-scale", {"course_code": "GRD01", "grade": 0.5}, ["grade"]),
    ("grade-0-is-no-participation", {"course_code": "GRD01", "grade": 0.0, "passed": False}, []),
    ("attended-more-than-course", {"classes_attended": 6, "classes_total": None}, ["classes_attended"]),
    ("total-more-than-course", {"classes_attended": 6, "classes_total": 6}, ["classes_total"]),
    ("total-less-than-course", {"classes_attended": 4, "classes_total": 4}, []),
    ("asynchronous-attendance-ignored", {"course_code": "ASY01", "classes_attended": 9, "classes_total": None}, []),
    ("several", {"home_university": "MIT", "course_code": "KUC01", "grade": 11.0},
     ["home_university", "course_code", "grade"]),
]


@pytest.mark.parametrize(("changes", "fields"), [c[1:] for c in CATALOGUE_CASES],
                         ids=[c[0] for c in CATALOGUE_CASES])
def test_check_against_catalogue(changes, fields):
    records = [record(course_code="ASY01"), record(**changes)]
    errors = check_against_catalogue(records, COURSES, INSTITUTIONS, "AUA")
    assert [(e["row"], e["field"]) for e in errors] == [(2, f) for f in fields]


def test_only_the_host_may_report():
    errors = check_against_catalogue([record(course_code="KUC01")], COURSES, INSTITUTIONS, "AUA")
    assert errors == [{"row": 1, "field": "course_code",
                       "reason": "KUC01 is hosted by KU; only the host university may report it."}]


def test_text_refuses_exactly_control_surrogate_bidi_and_noncharacter_code_points():
    import unicodedata

    from issuer.domain.records import _CONTROL

    bidi = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    expected = {c for c in range(0x110000)
                if unicodedata.category(chr(c)) in ("Cc", "Cs") or c in bidi or c in (0xFFFE, 0xFFFF)}
    assert {c for c in range(0x110000) if _CONTROL.match(chr(c))} == expected
