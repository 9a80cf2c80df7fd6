from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from domain_builders import AS_OF, INSTITUTIONS, NO_HOLIDAYS, course, record

from issuer.domain.model import Decision, Delivery, Objection
from issuer.domain.rules import ReasonCode, application_rank, final_on, individual_due

XMAS = frozenset({date(2024, 12, 25), date(2024, 12, 26)})


def decide(rec=None, crs=None, *, others=(), as_of=AS_OF, holidays=NO_HOLIDAYS) -> Decision:
    rec = rec or record()
    crs = course() if crs is None else crs
    return individual_due(rec, crs, institutions=INSTITUTIONS, semester_records=[rec, *others],
                          as_of=as_of, holidays=holidays)


def codes(decision: Decision) -> list[str]:
    return [r.code for r in decision.reasons]


def only_reason(decision: Decision):
    assert len(decision.reasons) == 1, codes(decision)
    return decision.reasons[0]


def test_the_default_record_is_due():
    assert decide() == Decision(due=True, reasons=())


# One row per reason code (and per boundary): record changes, course changes, expected codes.
CASES = [
    ("member-home", {}, {}, []),
    ("aisbl-is-not-a-member", {"home_university": "AISBL"}, {}, ["NOT_ALLIANCE_MEMBER"]),
    ("unknown-home", {"home_university": "MIT"}, {}, ["NOT_ALLIANCE_MEMBER"]),
    ("master-student", {"study_level": "master"}, {}, ["NOT_BACHELOR"]),
    ("english-b1", {"english_level": "B1"}, {}, ["ENGLISH_BELOW_B2"]),
    ("english-a1", {"english_level": "A1"}, {}, ["ENGLISH_BELOW_B2"]),
    ("english-unknown", {"english_level": "native"}, {}, ["ENGLISH_BELOW_B2"]),
    ("english-b2", {"english_level": "B2"}, {}, []),
    ("english-c2", {"english_level": "C2"}, {}, []),
    ("attendance-3-of-5-is-60%", {"classes_attended": 3, "classes_total": 5}, {}, []),
    ("attendance-2-of-5-is-40%", {"classes_attended": 2, "classes_total": 5}, {}, ["ATTENDANCE_BELOW_60"]),
    ("attendance-6-of-10-is-60%", {"classes_attended": 6, "classes_total": 10}, {}, []),
    ("attendance-59-of-100", {"classes_attended": 59, "classes_total": 100}, {}, ["ATTENDANCE_BELOW_60"]),
    ("attendance-total-from-course", {"classes_attended": 3, "classes_total": None}, {"classes_total": 5}, []),
    ("attendance-total-from-course-low", {"classes_attended": 2, "classes_total": None}, {"classes_total": 5},
     ["ATTENDANCE_BELOW_60"]),
    ("attendance-record-total-wins", {"classes_attended": 3, "classes_total": 4}, {"classes_total": 10}, []),
    ("attendance-missing", {"classes_attended": None, "classes_total": None}, {}, ["ATTENDANCE_BELOW_60"]),
    ("attendance-no-total-anywhere", {"classes_attended": 3, "classes_total": None}, {"classes_total": None},
     ["ATTENDANCE_BELOW_60"]),
    ("asynchronous-exempt", {"classes_attended": None, "classes_total": None},
     {"delivery": Delivery.ASYNCHRONOUS, "classes_total": None}, []),
    ("asynchronous-exempt-low", {"classes_attended": 0, "classes_total": 5},
     {"delivery": Delivery.ASYNCHRONOUS}, []),
    ("grade-0", {"grade": 0.0}, {}, ["NOT_PASSED"]),
    ("grade-missing", {"grade": None}, {}, ["NOT_PASSED"]),
    ("failed", {"passed": False, "grade": 3.0}, {}, ["NOT_PASSED"]),
    ("smallest-grade", {"grade": 0.5}, {}, []),
    ("objection-raised", {"objection": Objection.RAISED}, {}, ["OBJECTION_PENDING"]),
    ("objection-resolved", {"objection": Objection.RESOLVED}, {}, []),
    ("grade-not-announced", {"grade_announced_on": None}, {}, ["GRADE_NOT_FINAL"]),
    ("announced-in-the-future", {"grade_announced_on": date(2025, 2, 1)}, {}, ["GRADE_NOT_FINAL"]),
    ("resolved-announced-in-the-future", {"objection": Objection.RESOLVED, "grade_announced_on": date(2025, 2, 1)},
     {}, ["GRADE_NOT_FINAL"]),
    ("wrong-host", {"reported_by": "KU"}, {}, ["WRONG_HOST"]),
    ("aisbl-is-not-the-host", {"reported_by": "AISBL"}, {}, ["WRONG_HOST"]),
    ("everything-wrong",
     {"home_university": "AISBL", "study_level": "master", "english_level": "B1", "classes_attended": 1,
      "grade": 0.0, "objection": Objection.RAISED, "reported_by": "KU"}, {},
     ["NOT_ALLIANCE_MEMBER", "NOT_BACHELOR", "ENGLISH_BELOW_B2", "ATTENDANCE_BELOW_60", "NOT_PASSED",
      "OBJECTION_PENDING", "WRONG_HOST"]),
]


@pytest.mark.parametrize(("record_changes", "course_changes", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_individual_rules(record_changes, course_changes, expected):
    decision = decide(record(**record_changes), course(**course_changes))
    assert codes(decision) == expected
    assert decision.due is (not expected)


def test_reason_codes_are_plain_strings_in_dicts():
    reason = only_reason(decide(record(grade=0.0)))
    assert reason.to_dict() == {"code": "NOT_PASSED", "detail": "grade 0 means not passed", "grade": 0.0}


@pytest.mark.parametrize(
    ("changes", "extra", "detail_part"),
    [
        ({"classes_attended": 2, "classes_total": 5}, {"attended": 2, "total": 5}, "attended 2 of 5"),
        ({"classes_attended": None}, {"attended": None, "total": 5}, "missing"),
        ({"classes_attended": 3, "classes_total": 0}, {"attended": 3, "total": 0}, "missing"),
    ],
    ids=["below", "attended-missing", "zero-total"],
)
def test_attendance_reason(changes, extra, detail_part):
    reason = only_reason(decide(record(**changes)))
    assert reason.code == ReasonCode.ATTENDANCE_BELOW_60
    assert dict(reason.extra) == extra
    assert detail_part in reason.detail


@pytest.mark.parametrize(
    ("announced", "as_of", "holidays", "final"),
    [
        (date(2024, 12, 5), date(2024, 12, 9), NO_HOLIDAYS, "2024-12-10"),
        (date(2024, 12, 5), date(2024, 12, 10), NO_HOLIDAYS, None),
        (date(2024, 12, 6), date(2024, 12, 10), NO_HOLIDAYS, "2024-12-11"),
        (date(2024, 12, 6), date(2024, 12, 11), NO_HOLIDAYS, None),
        (date(2024, 12, 7), date(2024, 12, 10), NO_HOLIDAYS, "2024-12-11"),
        (date(2024, 12, 7), date(2024, 12, 11), NO_HOLIDAYS, None),
        (date(2024, 12, 23), date(2024, 12, 27), XMAS, "2024-12-28"),
        (date(2024, 12, 23), date(2024, 12, 28), XMAS, None),
        (date(2024, 12, 23), date(2024, 12, 26), NO_HOLIDAYS, None),
        (date(2024, 12, 23), date(2024, 12, 26), XMAS, "2024-12-28"),
        (date(2024, 12, 2), date(2024, 12, 2), NO_HOLIDAYS, "2024-12-05"),
    ],
    ids=["thu-window-fri-mon-open-on-mon", "thu-final-tue", "fri-window-mon-tue-open-on-tue", "fri-final-wed",
         "sat-announced-open-on-tue", "sat-announced-final-wed", "xmas-window-tue-fri-open-on-fri",
         "xmas-final-sat", "no-holidays-final-thu", "holidays-not-final-thu", "announcement-day"],
)
def test_two_working_day_window(announced, as_of, holidays, final):
    decision = decide(record(grade_announced_on=announced), as_of=as_of, holidays=holidays)
    if final is None:
        assert decision == Decision(due=True)
    else:
        reason = only_reason(decision)
        assert (reason.code, dict(reason.extra)) == (ReasonCode.GRADE_NOT_FINAL, {"final_on": final})
        assert final in reason.detail


def test_an_objection_raised_then_resolved():
    raised = record(grade_announced_on=date(2024, 12, 5), objection=Objection.RAISED)
    resolved = replace(raised, objection=Objection.RESOLVED)
    assert codes(decide(raised, as_of=date(2025, 3, 1))) == ["OBJECTION_PENDING"]
    # Resolved is final at once: no two-working-day wait after the announcement.
    assert decide(resolved, as_of=date(2024, 12, 5)).due
    assert codes(decide(resolved, as_of=date(2024, 12, 4))) == ["GRADE_NOT_FINAL"]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"grade_announced_on": date(2024, 12, 5)}, date(2024, 12, 10)),
        ({"grade_announced_on": date(2024, 12, 23)}, date(2024, 12, 28)),
        ({"grade_announced_on": date(2024, 12, 5), "objection": Objection.RESOLVED}, date(2024, 12, 5)),
        ({"grade_announced_on": date(2024, 12, 5), "objection": Objection.RAISED}, None),
        ({"grade_announced_on": None}, None),
    ],
    ids=["no-objection", "over-holidays", "resolved", "raised", "not-announced"],
)
def test_final_on(changes, expected):
    assert final_on(record(**changes), XMAS) == expected


def test_grade_not_announced_has_no_final_date():
    reason = only_reason(decide(record(grade_announced_on=None)))
    assert (reason.code, dict(reason.extra)) == ("GRADE_NOT_FINAL", {"final_on": None})


def applied(course_code: str, day: int, semester: str = "2024-autumn", **changes):
    return record(course_code=course_code, semester=semester,
                  applied_at=datetime(2024, 9, day, 12, 0, tzinfo=UTC), **changes)


def test_a_fourth_micro_credential_in_one_semester_is_not_due():
    records = [applied("SMA04", 4), applied("SMA01", 1), applied("SMA03", 3), applied("SMA02", 2)]
    for rec in records[1:]:
        assert decide(rec, course(rec.course_code), others=records).due, rec.course_code
    reason = only_reason(decide(records[0], course("SMA04"), others=records))
    assert (reason.code, dict(reason.extra)) == ("SEMESTER_LIMIT_EXCEEDED", {"rank": 4, "limit": 3})


def test_applications_at_the_same_moment_are_ordered_by_course_code():
    records = [applied(code, 1) for code in ("SMA04", "SMA02", "SMA03", "SMA01")]
    assert [application_rank(r, records) for r in records] == [4, 2, 3, 1]


def test_the_limit_ignores_other_semesters_and_other_students():
    spring = [applied(f"SMA0{i}", i, semester="2025-spring") for i in range(1, 4)]
    other_student = [applied(f"SMA0{i}", i, student_id="7") for i in range(1, 4)]
    mine = applied("SMA09", 20)
    assert application_rank(mine, [*spring, *other_student, mine]) == 1


def test_a_retake_is_a_record_of_its_own_semester():
    autumn = [applied(f"SMA0{i}", i, passed=False, grade=0.0) for i in range(1, 4)]
    retake = record(semester="2025-spring", applied_at=datetime(2025, 2, 1, tzinfo=UTC))
    assert decide(retake, course(semester="2025-spring"), others=autumn).due
    assert codes(decide(autumn[0], course(), others=autumn)) == ["NOT_PASSED"]


def test_naive_and_aware_applied_at_compare_as_utc():
    first = record(course_code="SMA02", applied_at=datetime(2024, 9, 1, 10, 0))
    second = record(course_code="SMA01", applied_at=datetime(2024, 9, 1, 11, 0, tzinfo=UTC))
    assert [application_rank(r, [first, second]) for r in (first, second)] == [1, 2]


def test_an_unknown_course_still_reports_the_other_reasons():
    decision = individual_due(record(grade=0.0), None, institutions=INSTITUTIONS, semester_records=[],
                              as_of=AS_OF, holidays=NO_HOLIDAYS)
    assert codes(decision) == ["UNKNOWN_COURSE", "NOT_PASSED"]


def test_a_course_that_is_not_the_records_is_a_programming_error():
    with pytest.raises(ValueError, match="SMA02"):
        decide(record(), course("SMA02"))


def test_wrong_host_names_both():
    reason = only_reason(decide(record(reported_by="KU")))
    assert dict(reason.extra) == {"host": "AUA", "reported_by": "KU"}
