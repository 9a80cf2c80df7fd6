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
from issuer.errors import ConfigurationError
from issuer.store.repositories import CatalogueRepository


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
