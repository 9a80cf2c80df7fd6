"""Small builders for domain tests: a record that is due unless a test says otherwise."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from issuer.domain.model import (
    CompletionRecord,
    Course,
    Delivery,
    Grading,
    Institution,
    LearningOutcome,
    Objection,
)
from issuer.domain.rules import HeldCertificate

SECTORS = ("BLUE", "CLIMATE", "HEALTH", "SMART", "SOCIETY", "WATER")
MEMBERS = ("AUA", "FredU", "KU", "LRUniv", "UCV", "UNIZD", "UROS", "UTCB", "SETU")
NO_HOLIDAYS: frozenset[date] = frozenset()
AS_OF = date(2025, 1, 15)


def institution(code: str, *, member: bool = True) -> Institution:
    return Institution(code=code, name=code, legal_name=code, country="BEL", city="x", member=member,
                       issues_itineraries=not member)


INSTITUTIONS = {code: institution(code) for code in MEMBERS} | {"AISBL": institution("AISBL", member=False)}


def course(code: str = "SMA01", semester: str = "2024-autumn", **overrides) -> Course:
    base = Course(
        code=code, semester=semester, title=f"Course {code}", sector="SMART", thematic_area="SMART-IND40",
        host="AUA", ects=1, workload_hours=25, language="en", delivery=Delivery.SYNCHRONOUS,
        classes_total=5, start_date=date(2024, 10, 22), end_date=date(2024, 11, 26),
        learning_outcomes=(LearningOutcome("Data analysis"),), keywords=("industry",),
        grading=Grading(scale="0-10", minimum=0, maximum=10, pass_mark=5),
    )
    return replace(base, **overrides)


def record(**overrides) -> CompletionRecord:
    """A record of student 42 at UCV for SMA01 2024-autumn, reported by its host AUA, and due on AS_OF."""
    base = CompletionRecord(
        student_id="42", home_university="UCV", given_name="Ana", family_name="Pérez",
        email="ana@ucv.es", study_level="bachelor", english_level="B2", course_code="SMA01",
        semester="2024-autumn", grade=8.0, passed=True, objection=Objection.NONE,
        applied_at=datetime(2024, 9, 1, 9, 0, tzinfo=UTC), reported_by="AUA",
        classes_attended=5, classes_total=5, assessed_on=date(2024, 11, 26),
        grade_announced_on=date(2024, 12, 2),
    )
    return replace(base, **overrides)


def held(course_code: str, sector: str, completed_on: date, semester: str = "2024-autumn",
         credential_id: str | None = None) -> HeldCertificate:
    return HeldCertificate(credential_id=credential_id or f"urn:uuid:{course_code}-{semester}",
                           course_code=course_code, semester=semester, sector=sector,
                           completed_on=completed_on)


def one_per_sector(sectors=SECTORS, start: date = date(2024, 12, 1)) -> list[HeldCertificate]:
    return [held(f"{s[:3]}01", s, start) for s in sectors]


def csv_row(**overrides: str) -> dict[str, str]:
    """A valid CSV row (all strings; empty string = absent)."""
    row = {
        "student_id": "42", "home_university": "UCV", "given_name": "Ana", "family_name": "Pérez",
        "email": "ana@ucv.es", "date_of_birth": "2003-04-05", "study_level": "bachelor",
        "english_level": "B2", "course_code": "SMA01", "semester": "2024-autumn",
        "classes_attended": "4", "classes_total": "5", "grade": "8.5", "passed": "true",
        "assessed_on": "2024-11-26", "grade_announced_on": "2024-12-02", "objection": "none",
        "applied_at": "2024-09-01T09:00:00Z",
    }
    return row | overrides
