"""Frozen values of the programme: institutions, catalogue, completion records, decisions, awards."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Mapping


class Delivery(StrEnum):
    SYNCHRONOUS = "synchronous"
    ASYNCHRONOUS = "asynchronous"


class Objection(StrEnum):
    NONE = "none"
    RAISED = "raised"
    RESOLVED = "resolved"


class ItineraryKind(StrEnum):
    INTERDISCIPLINARY = "interdisciplinary"
    EXPERTISE = "expertise"


CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


@dataclass(frozen=True)
class Institution:
    code: str
    name: str
    legal_name: str
    country: str  # ISO 3166-1 alpha-3, as the EU country vocabulary names it (e.g. "GRC")
    city: str
    member: bool  # alliance member university (students may enrol; may host courses)
    homepage: str = ""
    email: str = ""
    eidas_identifier: str = ""  # legal identifier (e.g. VAT or national registry number)
    issues_itineraries: bool = False  # AISBL


@dataclass(frozen=True)
class ThematicArea:
    code: str
    name: str
    sector: str


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    thematic_areas: tuple[ThematicArea, ...] = ()


@dataclass(frozen=True)
class Semester:
    id: str  # "2024-autumn", "2025-spring"
    start_date: date
    end_date: date


@dataclass(frozen=True)
class LearningOutcome:
    title: str
    esco_uri: str | None = None


@dataclass(frozen=True)
class Grading:
    scale: str  # human name of the scale, e.g. "0-10 (Greek national scale)"
    minimum: float
    maximum: float
    pass_mark: float


@dataclass(frozen=True)
class Course:
    """One run of a micro-credential in one semester (a course run in both keeps its code)."""

    code: str
    semester: str
    title: str
    sector: str
    thematic_area: str
    host: str
    ects: int
    workload_hours: int
    language: str  # ISO 639-1, "en"
    delivery: Delivery
    classes_total: int | None
    start_date: date
    end_date: date
    learning_outcomes: tuple[LearningOutcome, ...]
    keywords: tuple[str, ...]
    grading: Grading
    isced_f: str | None = None  # ISCED-F 2013 detailed field code, e.g. "0712"
    description: str = ""


@dataclass(frozen=True)
class CompletionRecord:
    student_id: str
    home_university: str
    given_name: str
    family_name: str
    email: str
    study_level: str
    english_level: str
    course_code: str
    semester: str
    grade: float | None
    passed: bool
    objection: Objection
    applied_at: datetime
    reported_by: str  # institution code of the uploader
    date_of_birth: date | None = None
    classes_attended: int | None = None
    classes_total: int | None = None
    assessed_on: date | None = None
    grade_announced_on: date | None = None

    @property
    def student_key(self) -> tuple[str, str]:
        return (self.home_university, self.student_id)

    @property
    def record_key(self) -> tuple[str, str, str, str]:
        return (self.home_university, self.student_id, self.course_code, self.semester)


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": self.code, "detail": self.detail, **dict(self.extra)}


@dataclass(frozen=True)
class Decision:
    due: bool
    reasons: tuple[Reason, ...] = ()

    @classmethod
    def of(cls, reasons) -> "Decision":
        reasons = tuple(reasons)
        return cls(due=not reasons, reasons=reasons)


@dataclass(frozen=True)
class Learner:
    home_university: str
    student_id: str
    given_name: str
    family_name: str
    email: str
    date_of_birth: date | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class IndividualAward:
    """Everything an individual certificate states: one course completed by one learner."""

    learner: Learner
    course: Course
    host: Institution
    sector_name: str
    thematic_area_name: str
    grade: float
    assessed_on: date | None
    grade_announced_on: date | None
    completed_on: date  # the date the grade became final (or the course end)


@dataclass(frozen=True)
class Component:
    """One individual certificate inside an itinerary, bound by a digest of the signed document."""

    credential_id: str  # the component credential's id (urn:uuid:...)
    course_code: str
    semester: str
    title: str
    sector: str
    sector_name: str
    host: str
    digest_sri: str  # "sha384-<base64>" of the signed JSON-LD component, as stored


@dataclass(frozen=True)
class ItineraryAward:
    kind: ItineraryKind
    sector: str | None  # sector code for expertise, None for interdisciplinary
    sector_name: str | None
    learner: Learner
    issuer: Institution  # AISBL
    semester: str  # the semester whose close issued it
    components: tuple[Component, ...]
    ects: int = 6
