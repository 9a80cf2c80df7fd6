"""Reference data: the institutions and catalogue files, parsed into domain values and stored."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from issuer.domain.model import (
    Course,
    Delivery,
    Grading,
    Institution,
    LearningOutcome,
    Sector,
    Semester,
    ThematicArea,
)
from issuer.errors import ConfigurationError, InvalidRequest, NotFound
from issuer.store.repositories import AuditRepository, CatalogueRepository


@dataclass(frozen=True)
class ReferenceData:
    institutions: tuple[Institution, ...]
    sectors: tuple[Sector, ...]
    semesters: tuple[Semester, ...]
    courses: tuple[Course, ...]


def read_reference_files(institutions_file: str | Path, catalogue_file: str | Path) -> ReferenceData:
    """Parse both data files.

    :raise ConfigurationError: a file is missing or malformed (names the file and entry).
    """
    institutions = _read_json(institutions_file)
    catalogue = _read_json(catalogue_file)
    try:
        return ReferenceData(
            institutions=tuple(Institution(**item) for item in institutions),
            sectors=tuple(_sector(s) for s in catalogue["sectors"]),
            semesters=tuple(Semester(s["id"], date.fromisoformat(s["start_date"]),
                                     date.fromisoformat(s["end_date"])) for s in catalogue["semesters"]),
            courses=tuple(course_from_dict(c) for c in catalogue["micro_credentials"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"malformed reference data ({catalogue_file}): {exc!r}") from exc


def course_from_dict(c: dict) -> Course:
    return Course(
        code=c["code"], semester=c["semester"], title=c["title"], sector=c["sector"],
        thematic_area=c["thematic_area"], host=c["host"], ects=int(c["ects"]),
        workload_hours=int(c["workload_hours"]), language=c.get("language", "en"),
        delivery=Delivery(c["delivery"]), classes_total=c.get("classes_total"),
        start_date=date.fromisoformat(c["start_date"]), end_date=date.fromisoformat(c["end_date"]),
        learning_outcomes=tuple(LearningOutcome(o["title"], o.get("esco_uri"))
                                for o in c.get("learning_outcomes", [])),
        keywords=tuple(c.get("keywords", [])), grading=Grading(**c["grading"]),
        isced_f=c.get("isced_f"), description=c.get("description", ""),
    )


def course_to_dict(c: Course) -> dict:
    """The catalogue API's shape of one micro-credential run."""
    return {
        "code": c.code, "title": c.title, "sector": c.sector, "thematic_area": c.thematic_area,
        "host": c.host, "semester": c.semester, "ects": c.ects, "workload_hours": c.workload_hours,
        "language": c.language, "delivery": str(c.delivery), "classes_total": c.classes_total,
        "start_date": c.start_date.isoformat(), "end_date": c.end_date.isoformat(),
        "learning_outcomes": [{"title": o.title, "esco_uri": o.esco_uri} for o in c.learning_outcomes],
        "keywords": list(c.keywords), "isced_f": c.isced_f, "description": c.description,
        "grading": {"scale": c.grading.scale, "minimum": c.grading.minimum,
                    "maximum": c.grading.maximum, "pass_mark": c.grading.pass_mark},
    }


def store_reference_data(session: Session, data: ReferenceData) -> None:
    """Upsert institutions and catalogue (the caller commits)."""
    repo = CatalogueRepository(session)
    repo.upsert_institutions(data.institutions)
    session.flush()
    repo.upsert_catalogue(data.sectors, data.semesters, data.courses)


def catalogue_document(session: Session) -> dict:
    """``GET /catalogue``: semesters, sectors with thematic areas, micro-credential runs."""
    repo = CatalogueRepository(session)
    return {
        "semesters": [{"id": s.id, "start_date": s.start_date.isoformat(), "end_date": s.end_date.isoformat()}
                      for s in repo.semesters()],
        "sectors": [{"code": s.code, "name": s.name,
                     "thematic_areas": [{"code": a.code, "name": a.name} for a in s.thematic_areas]}
                    for s in repo.sectors()],
        "micro_credentials": [course_to_dict(c) for c in repo.courses().values()],
    }


def _sector(s: dict) -> Sector:
    return Sector(s["code"], s["name"],
                  tuple(ThematicArea(a["code"], a["name"], s["code"]) for a in s["thematic_areas"]))


def _read_json(path: str | Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read reference data file {path}: {exc}") from exc


class CatalogueService:
    """Edits of the catalogue through the API: a host university maintains its own course runs."""

    def __init__(self, session: Session):
        self.session = session

    def put_run(self, semester: str, code: str, body, *, by: str, now) -> tuple[dict, bool]:
        """Create or replace the run ``code`` in ``semester``; returns (the run, created).

        The caller must be the run's host (and stay so), or the institution that issues
        itineraries; another institution's run answers as if it did not exist.

        :raise InvalidRequest: a malformed run (errors name each field); :raise NotFound: see above.
        """
        repo = CatalogueRepository(self.session)
        institutions, courses = repo.institutions(), repo.courses()
        existing = courses.get((code, semester))
        editor = institutions.get(by)
        may_edit_all = editor is not None and editor.issues_itineraries
        if existing is not None and existing.host != by and not may_edit_all:
            raise NotFound(f"no micro-credential {code} in {semester}")
        course, errors = self._parse(semester, code, body, institutions, repo)
        if not errors and course.host != by and not may_edit_all:
            errors.append({"field": "host", "reason": "a host university edits only its own micro-credentials"})
        if errors:
            raise InvalidRequest(f"{len(errors)} invalid field(s)", code="INVALID_MICRO_CREDENTIAL", errors=errors)
        repo.upsert_catalogue([], [], [course])
        AuditRepository(self.session).record(actor=by, action="catalogue.put", subject=f"{code}/{semester}",
                                             detail={"created": existing is None}, now=now)
        self.session.commit()
        return course_to_dict(course), existing is None

    def _parse(self, semester, code, body, institutions, repo) -> tuple[Course | None, list[dict]]:
        if not isinstance(body, dict):
            return None, [{"field": None, "reason": "the body must be a JSON object"}]
        errors = []
        for field, expected in (("code", code), ("semester", semester)):
            if body.get(field, expected) != expected:
                errors.append({"field": field, "reason": f"must be {expected!r} (from the URL)"})
        try:
            course = course_from_dict({**body, "code": code, "semester": semester})
        except (KeyError, TypeError, ValueError) as exc:
            return None, errors + [{"field": _field_of(exc), "reason": f"missing or malformed: {exc}"}]
        return course, errors + _course_errors(course, institutions, repo)


def _field_of(exc: Exception) -> str | None:
    return exc.args[0] if isinstance(exc, KeyError) and exc.args else None


def _course_errors(course: Course, institutions, repo: CatalogueRepository) -> list[dict]:
    sectors = {s.code: s for s in repo.sectors()}
    checks = [
        ("semester", course.semester in {s.id for s in repo.semesters()}, "unknown semester"),
        ("host", course.host in institutions and institutions[course.host].member,
         "the host must be an alliance member university"),
        ("sector", course.sector in sectors, "unknown sector"),
        ("thematic_area", course.sector in sectors and course.thematic_area in
         {a.code for a in sectors[course.sector].thematic_areas}, "not a thematic area of the sector"),
        ("ects", course.ects == 1, "micro-credentials of the programme are worth 1 ECTS"),
        ("workload_hours", 25 <= course.workload_hours <= 30, "1 ECTS means 25 to 30 hours"),
        ("end_date", course.start_date <= course.end_date, "ends before it starts"),
        ("title", bool(course.title.strip()) and len(course.title) <= 300, "1 to 300 characters"),
        ("classes_total", (course.classes_total is None) == (str(course.delivery) == "asynchronous")
         and (course.classes_total is None or 1 <= course.classes_total <= 100),
         "synchronous runs have 1 to 100 classes, asynchronous ones none"),
        ("grading", course.grading.minimum <= course.grading.pass_mark <= course.grading.maximum,
         "the pass mark must lie within the scale"),
        ("learning_outcomes", 1 <= len(course.learning_outcomes) <= 20, "1 to 20 learning outcomes"),
    ]
    return [{"field": field, "reason": reason} for field, ok, reason in checks if not ok]
