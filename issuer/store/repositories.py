"""Repositories: queries and writes over the tables, returning domain values (never rows)."""
from __future__ import annotations

import hashlib
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Iterable, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from issuer.domain.model import (
    CompletionRecord,
    Course,
    Delivery,
    Grading,
    Institution,
    LearningOutcome,
    Objection,
    Sector,
    Semester,
    ThematicArea,
)
from issuer.store.models import (
    ApiTokenRow,
    AuditRow,
    CompletionRow,
    InstitutionRow,
    MicroCredentialRow,
    SectorRow,
    SemesterRow,
    StudentRow,
    ThematicAreaRow,
)


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything stored is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


class CatalogueRepository:
    """Institutions, sectors, thematic areas, semesters and micro-credential runs."""

    def __init__(self, session: Session):
        self.session = session

    def institutions(self) -> dict[str, Institution]:
        rows = self.session.execute(select(InstitutionRow.__table__).order_by(InstitutionRow.code))
        return {r.code: _institution(r) for r in rows}  # from the columns: no ORM objects to load

    def sectors(self) -> list[Sector]:
        rows = self.session.scalars(select(SectorRow).order_by(SectorRow.position, SectorRow.code))
        return [
            Sector(r.code, r.name, tuple(ThematicArea(a.code, a.name, r.code) for a in r.thematic_areas))
            for r in rows
        ]

    def semesters(self) -> list[Semester]:
        rows = self.session.scalars(select(SemesterRow).order_by(SemesterRow.start_date))
        return [Semester(r.id, r.start_date, r.end_date) for r in rows]

    def courses(self) -> dict[tuple[str, str], Course]:
        rows = self.session.scalars(
            select(MicroCredentialRow).order_by(MicroCredentialRow.semester_id, MicroCredentialRow.code)
        )
        return {(r.code, r.semester_id): _course(r) for r in rows}

    def upsert_institutions(self, items: Iterable[Institution]) -> int:
        count = 0
        for item in items:
            self.session.merge(InstitutionRow(**asdict(item)))
            count += 1
        return count

    def upsert_catalogue(self, sectors: Sequence[Sector], semesters: Sequence[Semester],
                         courses: Sequence[Course]) -> None:
        for position, sector in enumerate(sectors):
            self.session.merge(SectorRow(code=sector.code, name=sector.name, position=position))
            for area_position, area in enumerate(sector.thematic_areas):
                self.session.merge(ThematicAreaRow(code=area.code, name=area.name,
                                                   sector_code=sector.code, position=area_position))
        for semester in semesters:
            self.session.merge(SemesterRow(id=semester.id, start_date=semester.start_date,
                                           end_date=semester.end_date))
        self.session.flush()
        existing = {(r.code, r.semester_id): r for r in self.session.scalars(select(MicroCredentialRow))}
        for course in courses:
            row = existing.get((course.code, course.semester)) or MicroCredentialRow()
            _fill_course_row(row, course)
            self.session.add(row)


class CompletionRepository:
    """Students and their completion records."""

    def __init__(self, session: Session):
        self.session = session

    def upsert(self, records: Sequence[CompletionRecord], *, now: datetime) -> tuple[int, int]:
        """Insert or update each record (keyed by student, course, semester); (created, updated).

        Bulk statements (one ``executemany`` per kind of change, no ORM objects): an upload of
        ten thousand records is a few round trips.
        """
        student_pks = self._students_for(records)
        existing = self._existing_completions(sorted(set(student_pks.values())))
        inserts, updates = [], []
        for record in records:
            pk = student_pks[record.student_key]
            values = _completion_values(record, now)
            row_id = existing.get((pk, record.course_code, record.semester))
            if row_id is None:
                inserts.append({"student_pk": pk, "course_code": record.course_code,
                                "semester_id": record.semester, "created_at": now, **values})
            else:
                updates.append({"row_id": row_id, **values})
        table = CompletionRow.__table__
        if inserts:
            self.session.execute(insert(table), inserts)
        if updates:
            self.session.execute(update(table).where(table.c.id == bindparam("row_id")), updates)
        return len(inserts), len(updates)

    def _students_for(self, records: Sequence[CompletionRecord]) -> dict[tuple[str, str], int]:
        """(home_university, student_id) -> primary key, creating missing students; the latest
        upload's personal data wins."""
        latest = {r.student_key: r for r in records}
        stored = self._student_rows(latest)
        found = {key: pk for key, (pk, _) in stored.items()}
        table = StudentRow.__table__
        changed = [{"row_id": pk, **personal} for key, (pk, old) in stored.items()
                   if (personal := _personal(latest[key])) != old]
        if changed:
            self.session.execute(update(table).where(table.c.id == bindparam("row_id")), changed)
        new = [key for key in latest if key not in found]
        if new:
            self.session.execute(insert(table), [{"home_university": home, "student_id": student_id,
                                                  **_personal(latest[(home, student_id)])}
                                                 for home, student_id in new])
            found.update(self.student_pks(new))
        return found

    def _student_rows(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, dict]]:
        """(home_university, student_id) -> (primary key, personal data), for those that exist."""
        by_home: dict[str, list[str]] = {}
        for home, student_id in keys:
            by_home.setdefault(home, []).append(student_id)
        found = {}
        columns = [StudentRow.student_id, StudentRow.id, StudentRow.given_name, StudentRow.family_name,
                   StudentRow.email, StudentRow.date_of_birth]
        for home, ids in sorted(by_home.items()):
            for chunk in _chunks(sorted(ids), 500):
                rows = self.session.execute(select(*columns).where(
                    StudentRow.home_university == home, StudentRow.student_id.in_(chunk)))
                found.update({(home, student_id): (pk, {"given_name": given, "family_name": family, "email": email,
                                                        "date_of_birth": born})
                              for student_id, pk, given, family, email, born in rows})
        return found

    def _existing_completions(self, student_pks: list[int]) -> dict[tuple[int, str, str], int]:
        found = {}
        for chunk in _chunks(student_pks, 500):
            rows = self.session.execute(
                select(CompletionRow.student_pk, CompletionRow.course_code, CompletionRow.semester_id,
                       CompletionRow.id).where(CompletionRow.student_pk.in_(chunk)))
            found.update({(pk, code, semester): row_id for pk, code, semester, row_id in rows})
        return found

    def for_student(self, home_university: str, student_id: str) -> list[CompletionRecord]:
        rows = self.session.execute(
            _record_query()
            .where(StudentRow.home_university == home_university, StudentRow.student_id == student_id)
            .order_by(CompletionRow.semester_id, CompletionRow.applied_at, CompletionRow.course_code)
        )
        return [_completion(row) for row in rows]

    def reported_by(self, institution: str) -> list[CompletionRecord]:
        """Every record the institution reported, in a stable order."""
        rows = self.session.execute(
            _record_query()
            .where(CompletionRow.reported_by == institution)
            .order_by(CompletionRow.semester_id, StudentRow.home_university, StudentRow.student_id,
                      CompletionRow.applied_at, CompletionRow.course_code))
        return [_completion(row) for row in rows]

    def for_students(self, keys: Iterable[tuple[str, str]]) -> list[CompletionRecord]:
        """Every record of the given students, whoever reported it."""
        by_home: dict[str, list[str]] = {}
        for home, student_id in keys:
            by_home.setdefault(home, []).append(student_id)
        records = []
        for home, ids in sorted(by_home.items()):
            for chunk in _chunks(sorted(ids), 500):
                rows = self.session.execute(
                    _record_query().where(StudentRow.home_university == home, StudentRow.student_id.in_(chunk)))
                records += [_completion(row) for row in rows]
        return records

    def student_pks(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """(home_university, student_id) -> primary key, for those of ``keys`` that exist."""
        by_home: dict[str, list[str]] = {}
        for home, student_id in keys:
            by_home.setdefault(home, []).append(student_id)
        found: dict[tuple[str, str], int] = {}
        for home, ids in sorted(by_home.items()):
            for chunk in _chunks(sorted(ids), 500):
                rows = self.session.execute(select(StudentRow.student_id, StudentRow.id).where(
                    StudentRow.home_university == home, StudentRow.student_id.in_(chunk)))
                found.update({(home, student_id): pk for student_id, pk in rows})
        return found

    def student_exists(self, home_university: str, student_id: str) -> bool:
        return self.session.scalar(select(StudentRow.id).where(
            StudentRow.home_university == home_university, StudentRow.student_id == student_id)) is not None

    def reporters_of(self, home_university: str, student_id: str) -> set[str]:
        """Institutions that reported at least one record of this student."""
        rows = self.session.scalars(
            select(CompletionRow.reported_by).join(StudentRow)
            .where(StudentRow.home_university == home_university, StudentRow.student_id == student_id))
        return set(rows)

    def count(self) -> int:
        return len(self.session.scalars(select(CompletionRow.id)).all())


class TokenRepository:
    def __init__(self, session: Session):
        self.session = session

    def add(self, institution: str, token: str, *, label: str, now: datetime) -> None:
        self.session.add(ApiTokenRow(institution=institution, token_hash=token_digest(token),
                                     label=label, created_at=now))

    def institution_for(self, token: str) -> str | None:
        row = self.session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_digest(token)))
        if row is None or row.revoked_at is not None:
            return None
        return row.institution


class AuditRepository:
    def __init__(self, session: Session):
        self.session = session

    def record(self, *, actor: str, action: str, subject: str, detail: dict, now: datetime) -> None:
        self.session.add(AuditRow(at=now, actor=actor, action=action, subject=subject, detail=detail))

    def record_many(self, entries: Sequence[dict], *, now: datetime) -> None:
        """Insert several ``{actor, action, subject, detail}`` records at once (flushed, not committed)."""
        if entries:
            self.session.execute(insert(AuditRow.__table__), [{"at": now, **entry} for entry in entries])

    def entries(self, action: str | None = None) -> list[dict]:
        query = select(AuditRow).order_by(AuditRow.id)
        if action:
            query = query.where(AuditRow.action == action)
        return [{"at": utc(r.at), "actor": r.actor, "action": r.action, "subject": r.subject,
                 "detail": r.detail} for r in self.session.scalars(query)]


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _institution(r) -> Institution:
    """From an ``InstitutionRow`` or a row of its table's columns."""
    return Institution(code=r.code, name=r.name, legal_name=r.legal_name, country=r.country, city=r.city,
                       member=r.member, homepage=r.homepage, email=r.email,
                       eidas_identifier=r.eidas_identifier, issues_itineraries=r.issues_itineraries)


def _course(r: MicroCredentialRow) -> Course:
    return Course(
        code=r.code, semester=r.semester_id, title=r.title, sector=r.sector_code,
        thematic_area=r.thematic_area_code, host=r.host, ects=r.ects, workload_hours=r.workload_hours,
        language=r.language, delivery=Delivery(r.delivery), classes_total=r.classes_total,
        start_date=r.start_date, end_date=r.end_date,
        learning_outcomes=tuple(LearningOutcome(o["title"], o.get("esco_uri")) for o in r.learning_outcomes),
        keywords=tuple(r.keywords), grading=Grading(**r.grading), isced_f=r.isced_f,
        description=r.description,
    )


def _fill_course_row(row: MicroCredentialRow, c: Course) -> None:
    row.code, row.semester_id, row.title = c.code, c.semester, c.title
    row.sector_code, row.thematic_area_code, row.host = c.sector, c.thematic_area, c.host
    row.ects, row.workload_hours, row.language = c.ects, c.workload_hours, c.language
    row.delivery, row.classes_total = str(c.delivery), c.classes_total
    row.start_date, row.end_date = c.start_date, c.end_date
    row.learning_outcomes = [{"title": o.title, "esco_uri": o.esco_uri} for o in c.learning_outcomes]
    row.keywords, row.grading = list(c.keywords), asdict(c.grading)
    row.isced_f, row.description = c.isced_f, c.description


def _completion_values(r: CompletionRecord, now: datetime) -> dict:
    return {"reported_by": r.reported_by, "study_level": r.study_level, "english_level": r.english_level,
            "classes_attended": r.classes_attended, "classes_total": r.classes_total, "grade": r.grade,
            "passed": r.passed, "objection": str(r.objection), "assessed_on": r.assessed_on,
            "grade_announced_on": r.grade_announced_on, "applied_at": r.applied_at, "updated_at": now}


def _personal(r: CompletionRecord) -> dict:  # as _student_rows reads them
    return {"given_name": r.given_name, "family_name": r.family_name, "email": r.email,
            "date_of_birth": r.date_of_birth}


_RECORD_COLUMNS = (
    StudentRow.student_id, StudentRow.home_university, StudentRow.given_name, StudentRow.family_name,
    StudentRow.email, StudentRow.date_of_birth, CompletionRow.study_level, CompletionRow.english_level,
    CompletionRow.course_code, CompletionRow.semester_id, CompletionRow.classes_attended,
    CompletionRow.classes_total, CompletionRow.grade, CompletionRow.passed, CompletionRow.assessed_on,
    CompletionRow.grade_announced_on, CompletionRow.objection, CompletionRow.applied_at, CompletionRow.reported_by,
)


def _record_query():
    """Completion records with their students, as columns: a host's thousands of records load
    several times faster than as ORM entities."""
    return select(*_RECORD_COLUMNS).join_from(CompletionRow, StudentRow, CompletionRow.student_pk == StudentRow.id)


def _completion(row) -> CompletionRecord:
    (student_id, home, given, family, email, born, study_level, english_level, course_code, semester,
     attended, total, grade, passed, assessed_on, announced_on, objection, applied_at, reported_by) = row
    return CompletionRecord(
        student_id=student_id, home_university=home, given_name=given, family_name=family, email=email,
        date_of_birth=born, study_level=study_level, english_level=english_level, course_code=course_code,
        semester=semester, classes_attended=attended, classes_total=total, grade=grade, passed=passed,
        assessed_on=assessed_on, grade_announced_on=announced_on, objection=Objection(objection),
        applied_at=utc(applied_at), reported_by=reported_by,
    )
