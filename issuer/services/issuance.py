"""Issuing certificates: rules -> award -> signed documents -> stored, one transaction each.

Idempotent by construction: each award has a key (student + course + semester, or student +
itinerary) under a unique constraint, so a repeated or concurrent request finds the existing
credential instead of making a second one.
"""
from __future__ import annotations

import dataclasses
import json
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.credentials.statuslist import status_entry
from issuer.domain.model import (
    CompletionRecord,
    Course,
    IndividualAward,
    Institution,
    ItineraryAward,
    Learner,
    Sector,
)
from issuer.domain.rules import final_on, individual_due
from issuer.errors import InvalidRequest
from issuer.services.documents import issuer_of, sign_award
from issuer.services.keystore import KeyStore
from issuer.services.status import StatusService, status_list_url
from issuer.store.models import CredentialComponentRow, CredentialRow, StudentRow
from issuer.store.repositories import AuditRepository, CatalogueRepository, CompletionRepository

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Catalogue:
    """What building an award needs from the catalogue, loaded once per run."""

    institutions: Mapping[str, Institution]
    courses: Mapping[tuple[str, str], Course]
    sectors: Mapping[str, Sector]

    @classmethod
    def load(cls, session: Session) -> "Catalogue":
        repo = CatalogueRepository(session)
        return cls(repo.institutions(), repo.courses(), {s.code: s for s in repo.sectors()})

    def area_name(self, course: Course) -> str:
        areas = {a.code: a.name for a in self.sectors[course.sector].thematic_areas}
        return areas.get(course.thematic_area, course.thematic_area)


def individual_award_key(record: CompletionRecord) -> str:
    return f"individual:{record.home_university}:{record.student_id}:{record.course_code}:{record.semester}"


def itinerary_award_key(home_university: str, student_id: str, kind: str, sector: str | None) -> str:
    return f"{kind}:{home_university}:{student_id}" + (f":{sector}" if sector else "")


def award_json(award) -> dict:
    """The award as stored beside its documents (dates as ISO strings)."""
    return json.loads(json.dumps(dataclasses.asdict(award), default=_json_default))


def _json_default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not serialisable: {type(value).__name__}")


class IssuanceService:
    """Stores signed certificates; shared by host issuance and the semester close."""

    def __init__(self, session: Session, *, keystore: KeyStore, public_url: str,
                 holidays: frozenset[date]):
        self.session = session
        self.keystore = keystore
        self.public_url = public_url
        self.holidays = holidays
        self.status = StatusService(session, keystore=keystore, public_url=public_url)

    # -- host universities ------------------------------------------------------------------
    def issue_individual(self, host: str, *, as_of: date, now: datetime,
                         only: Sequence[Mapping[str, str]] | None = None, progress=None,
                         shard: tuple[int, int] = (0, 1)) -> dict:
        """Issue every individual certificate due as of ``as_of`` for ``host``'s courses (or only
        the listed records: ``{home_university, student_id, course_code, semester}``).

        Returns ``{"issued": [...], "not_issued": [...]}``; already issued records appear in
        ``issued`` with their existing credential. ``progress`` is called once per record.
        ``shard=(i, n)`` keeps the students whose key hashes to ``i`` modulo ``n`` (parallel workers).
        """
        catalogue = Catalogue.load(self.session)
        records = CompletionRepository(self.session).reported_by(host)
        by_student: dict[tuple[str, str], list[CompletionRecord]] = {}
        for record in CompletionRepository(self.session).for_students({r.student_key for r in records}):
            by_student.setdefault((record.student_key, record.semester), []).append(record)
        selected = [r for r in self._select(records, only) if _shard_of(r, shard[1]) == shard[0]]
        issued, not_issued = [], []
        for record in selected:
            entry = _record_entry(record)
            decision = individual_due(
                record, catalogue.courses.get((record.course_code, record.semester)),
                institutions=catalogue.institutions, semester_records=by_student[(record.student_key, record.semester)],
                as_of=as_of, holidays=self.holidays)
            existing = self._existing(individual_award_key(record))
            if existing is not None:
                issued.append({"credential": existing, **entry})
            elif decision.due:
                issued.append({"credential": self._issue_record(record, catalogue, now), **entry})
            else:
                not_issued.append({**entry, "reasons": [r.to_dict() for r in decision.reasons]})
            if progress:
                progress(1)
        return {"issued": issued, "not_issued": not_issued}

    def _select(self, records: list[CompletionRecord], only) -> list[CompletionRecord]:
        if only is None:
            return records
        wanted = []
        index = {r.record_key: r for r in records}
        for n, item in enumerate(only):
            key = tuple(str(item.get(k, "")) for k in ("home_university", "student_id", "course_code", "semester"))
            if key not in index:
                raise InvalidRequest(f"records[{n}]: no completion record {'/'.join(key)} reported by you",
                                     code="UNKNOWN_RECORD")
            wanted.append(index[key])
        return wanted

    def _issue_record(self, record: CompletionRecord, catalogue: Catalogue, now: datetime) -> str:
        course = catalogue.courses[(record.course_code, record.semester)]
        award = IndividualAward(
            learner=_learner(record), course=course, host=catalogue.institutions[course.host],
            sector_name=catalogue.sectors[course.sector].name, thematic_area_name=catalogue.area_name(course),
            grade=float(record.grade), assessed_on=record.assessed_on,
            grade_announced_on=record.grade_announced_on,
            completed_on=final_on(record, self.holidays) or course.end_date)
        student_pk = self._student_pk(record.home_university, record.student_id)
        return self.store(award, award_key=individual_award_key(record), student_pk=student_pk, kind="individual",
                          course_code=course.code, semester=course.semester, sector=course.sector,
                          completed_on=award.completed_on, institutions=catalogue.institutions, now=now)

    # -- shared -----------------------------------------------------------------------------
    def store(self, award: IndividualAward | ItineraryAward, *, award_key: str, student_pk: int, kind: str,
              course_code: str | None, semester: str, sector: str | None, completed_on: date | None,
              institutions: Mapping[str, Institution], now: datetime,
              components: Sequence[str] = ()) -> str:
        """Sign and store one certificate with its status entry, components and audit record, in one
        transaction; return its public id (the existing one when the award was issued meanwhile)."""
        issuer = issuer_of(award).code
        for _attempt in range(MAX_ATTEMPTS):
            public_id = str(uuid.uuid4())
            status_list = self.status.current_list(issuer, now=now)
            index = self.status.pick_index(status_list)
            list_url = status_list_url(self.public_url, status_list.id)
            self.session.commit()  # the list row exists for everyone before signing starts
            documents = sign_award(
                award, keystore=self.keystore, credential_uri=f"urn:uuid:{public_id}",
                verify_url=f"{self.public_url}/credentials/{public_id}/verify",
                status=status_entry(list_url=list_url, index=index), issued_at=now, institutions=institutions)
            row = CredentialRow(
                id=public_id, uri=f"urn:uuid:{public_id}", award_key=award_key, kind=kind, issuer=issuer,
                student_pk=student_pk, course_code=course_code, semester_id=semester, sector_code=sector,
                completed_on=completed_on, issued_at=now, jsonld=documents.jsonld, xml=documents.xml,
                award=award_json(award), digest_sri=documents.digest_sri, status_list_id=status_list.id,
                status_index=index)
            try:
                self.session.add(row)
                self.session.flush()
                for position, component in enumerate(components):
                    self.session.add(CredentialComponentRow(itinerary_id=public_id, position=position,
                                                            component_id=component))
                AuditRepository(self.session).record(actor=issuer, action="credential.issue", subject=public_id,
                                                     detail={"kind": kind, "award": award_key}, now=now)
                self.session.commit()
                return public_id
            except IntegrityError:
                self.session.rollback()
                existing = self._existing(award_key)
                if existing is not None:
                    return existing  # a concurrent request issued it first
                self.status.forget_taken()  # the random status index was taken meanwhile: try another
        raise RuntimeError(f"could not store {award_key} after {MAX_ATTEMPTS} attempts")

    def _existing(self, award_key: str) -> str | None:
        return self.session.scalar(select(CredentialRow.id).where(CredentialRow.award_key == award_key))

    def _student_pk(self, home_university: str, student_id: str) -> int:
        return self.session.scalar(select(StudentRow.id).where(
            StudentRow.home_university == home_university, StudentRow.student_id == student_id))


def _shard_of(record: CompletionRecord, shards: int) -> int:
    return zlib.crc32("/".join(record.student_key).encode("utf-8")) % shards


def _learner(record: CompletionRecord) -> Learner:
    return Learner(record.home_university, record.student_id, record.given_name, record.family_name,
                   record.email, record.date_of_birth)


def _record_entry(record: CompletionRecord) -> dict:
    return {"home_university": record.home_university, "student_id": record.student_id,
            "course_code": record.course_code, "semester": record.semester}
