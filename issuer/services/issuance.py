"""Issuing certificates: rules -> award -> signed documents -> stored, one transaction each.

Idempotent by construction: each award has a key (student + course + semester, or student +
itinerary) under a unique constraint, so a repeated or concurrent request finds the existing
credential instead of making a second one.
"""
from __future__ import annotations

import dataclasses
import uuid
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Mapping, Sequence

from sqlalchemy import insert, select
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
from issuer.services.documents import SignedDocuments, issuer_of, sign_award
from issuer.services.keystore import KeyStore
from issuer.services.status import StatusService, status_list_url
from issuer.store.db import defer_flush, refresh_statistics, utf8_text
from issuer.store.models import CredentialComponentRow, CredentialRow, StatusListRow
from issuer.store.repositories import AuditRepository, CatalogueRepository, CompletionRepository

MAX_ATTEMPTS = 5
BATCH_SIZE = 25  # credentials per transaction while nothing conflicts


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
    """The award as stored beside its documents (dates as ISO strings): what
    ``json.loads(json.dumps(dataclasses.asdict(award)))`` gives, without the deep copies.

    The catalogue's courses and institutions are converted once per object and shared between
    the awards that hold them (the result is serialized for storage, never changed)."""
    return _plain(award)


_SHARED = (Course, Institution)  # frozen catalogue values, the same objects for a whole run
_shared_plain: dict[int, tuple[object, dict]] = {}  # id -> (the object, kept alive; its plain form)
_SHARED_LIMIT = 4096


def _plain(value):
    if isinstance(value, (str, int, float)) or value is None:  # StrEnum members are str: their value
        return value.value if isinstance(value, Enum) else value
    if type(value) in _SHARED:
        held = _shared_plain.get(id(value))
        if held is None or held[0] is not value:
            if len(_shared_plain) >= _SHARED_LIMIT:
                _shared_plain.clear()
            held = _shared_plain[id(value)] = (value, {name: _plain(getattr(value, name))
                                                       for name in _field_names(type(value))})
        return held[1]
    if dataclasses.is_dataclass(value):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return _json_default(value)


@lru_cache(maxsize=None)
def _field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


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
        ``issued`` with their existing credential. ``progress`` is called with the number of records
        done after each batch; a batch is stored in one transaction (see ``store_many``).
        ``shard=(i, n)`` keeps the students whose key hashes to ``i`` modulo ``n`` (parallel workers).
        """
        refresh_statistics(self.session, CredentialRow.__tablename__)  # before its lookups are planned
        catalogue = Catalogue.load(self.session)
        completions = CompletionRepository(self.session)
        records = completions.reported_by(host)
        selected = [r for r in self._select(records, only) if _shard_of(r, shard[1]) == shard[0]]
        by_student: dict[tuple[str, str], list[CompletionRecord]] = {}
        for record in completions.for_students({r.student_key for r in selected}):
            by_student.setdefault((record.student_key, record.semester), []).append(record)
        existing = self._existing_many([individual_award_key(r) for r in selected])
        student_pks = completions.student_pks({r.student_key for r in selected})
        issued, not_issued = [], []
        for start in range(0, len(selected), BATCH_SIZE):
            batch = selected[start:start + BATCH_SIZE]
            due: list[tuple[dict, PendingAward]] = []
            for record in batch:
                entry = _record_entry(record)
                decision = individual_due(
                    record, catalogue.courses.get((record.course_code, record.semester)),
                    institutions=catalogue.institutions,
                    semester_records=by_student[(record.student_key, record.semester)],
                    as_of=as_of, holidays=self.holidays)
                key = individual_award_key(record)
                if key in existing:
                    issued.append({"credential": existing[key], **entry})
                elif decision.due:
                    pending = self._individual(record, catalogue, student_pks[record.student_key])
                    due.append((entry, pending))
                    issued.append(entry)  # the credential id is filled in once the batch is stored
                else:
                    not_issued.append({**entry, "reasons": [r.to_dict() for r in decision.reasons]})
            ids = self.store_many([p for _, p in due], institutions=catalogue.institutions, now=now)
            for (entry, _), credential in zip(due, ids):
                entry["credential"] = credential
            if progress:
                progress(len(batch))
        return {"issued": [{"credential": e.pop("credential"), **e} for e in issued], "not_issued": not_issued}

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

    def _individual(self, record: CompletionRecord, catalogue: Catalogue, student_pk: int) -> "PendingAward":
        course = catalogue.courses[(record.course_code, record.semester)]
        award = IndividualAward(
            learner=_learner(record), course=course, host=catalogue.institutions[course.host],
            sector_name=catalogue.sectors[course.sector].name, thematic_area_name=catalogue.area_name(course),
            grade=float(record.grade), assessed_on=record.assessed_on,
            grade_announced_on=record.grade_announced_on,
            completed_on=final_on(record, self.holidays) or course.end_date)
        return PendingAward(award, award_key=individual_award_key(record), student_pk=student_pk,
                            kind="individual", course_code=course.code, semester=course.semester,
                            sector=course.sector, completed_on=award.completed_on)

    # -- shared -----------------------------------------------------------------------------
    def store(self, award: IndividualAward | ItineraryAward, *, award_key: str, student_pk: int, kind: str,
              course_code: str | None, semester: str, sector: str | None, completed_on: date | None,
              institutions: Mapping[str, Institution], now: datetime,
              components: Sequence[str] = ()) -> str:
        """Sign and store one certificate with its status entry, components and audit record, in one
        transaction; return its public id (the existing one when the award was issued meanwhile)."""
        pending = PendingAward(award, award_key=award_key, student_pk=student_pk, kind=kind,
                               course_code=course_code, semester=semester, sector=sector,
                               completed_on=completed_on, components=tuple(components))
        return self._store_one(pending, institutions=institutions, now=now)

    def store_many(self, pending: Sequence["PendingAward"], *, institutions: Mapping[str, Institution],
                   now: datetime, durable: bool = True) -> list[str]:
        """``store`` for several awards, in order, sharing one transaction when nothing conflicts.
        ``durable=False``: that transaction's commit does not wait for the disk (``defer_flush``:
        for work a rerun redoes, such as a close's batches).

        Each certificate's rows (credential, components, audit record) are inserted together; if
        any insert fails (an award issued meanwhile by another worker, or a status index taken
        meanwhile) the whole batch is rolled back and every award is stored in its own
        transaction, as ``store`` does, keeping the documents already signed where they still hold.
        """
        if not pending:
            return []
        slots = self.status.allocate([issuer_of(p.award).code for p in pending], now=now)
        prepared = [self._prepare(p, institutions=institutions, now=now, slot=slot) for p, slot in zip(pending, slots)]
        try:
            self._insert(prepared, now=now)
            if not durable:
                defer_flush(self.session)
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            self.status.forget_taken()
            return [self._store_prepared(p, institutions=institutions, now=now) for p in prepared]
        return [p.public_id for p in prepared]

    def _store_one(self, pending: "PendingAward", *, institutions: Mapping[str, Institution],
                   now: datetime) -> str:
        for _attempt in range(MAX_ATTEMPTS):
            prepared = self._prepare(pending, institutions=institutions, now=now)
            try:
                self._insert([prepared], now=now)
                self.session.commit()
                return prepared.public_id
            except IntegrityError:
                self.session.rollback()
                existing = self._existing(pending.award_key)
                if existing is not None:
                    return existing  # a concurrent request issued it first
                self.status.forget_taken()  # the random status index was taken meanwhile: try another
        raise RuntimeError(f"could not store {pending.award_key} after {MAX_ATTEMPTS} attempts")

    def _store_prepared(self, prepared: "_Prepared", *, institutions: Mapping[str, Institution],
                        now: datetime) -> str:
        """One already signed certificate in its own transaction (after a batch failed)."""
        try:
            self._insert([prepared], now=now)
            self.session.commit()
            return prepared.public_id
        except IntegrityError:
            self.session.rollback()
        existing = self._existing(prepared.pending.award_key)
        if existing is not None:
            return existing
        self.status.forget_taken()
        return self._store_one(prepared.pending, institutions=institutions, now=now)

    def _prepare(self, pending: "PendingAward", *, institutions: Mapping[str, Institution],
                 now: datetime, slot: tuple[StatusListRow, int] | None = None) -> "_Prepared":
        """A fresh public id and status index (``slot``, or one picked here; the list exists for
        everyone before signing), signed."""
        issuer = issuer_of(pending.award).code
        public_id = str(uuid.uuid4())
        if slot is None:
            status_list = self.status.current_list(issuer, now=now)
            slot = (status_list, self.status.pick_index(status_list))
        status_list, index = slot
        list_url = status_list_url(self.public_url, status_list.id)
        documents = sign_award(
            pending.award, keystore=self.keystore, credential_uri=f"urn:uuid:{public_id}",
            verify_url=f"{self.public_url}/credentials/{public_id}/verify",
            status=status_entry(list_url=list_url, index=index), issued_at=now, institutions=institutions)
        return _Prepared(pending, issuer, public_id, documents, status_list.id, index)

    def _insert(self, prepared: Sequence["_Prepared"], *, now: datetime) -> None:
        """Insert the credentials, their components and audit records (flushed, not committed)."""
        stored_text = utf8_text(self.session)
        self.session.execute(insert(CredentialRow.__table__), [{
            "id": p.public_id, "uri": f"urn:uuid:{p.public_id}", "award_key": p.pending.award_key,
            "kind": p.pending.kind, "issuer": p.issuer, "student_pk": p.pending.student_pk,
            "course_code": p.pending.course_code, "semester_id": p.pending.semester,
            "sector_code": p.pending.sector, "completed_on": p.pending.completed_on, "issued_at": now,
            "jsonld": stored_text(p.documents.jsonld_utf8), "xml": p.documents.xml,
            "award": award_json(p.pending.award),
            "digest_sri": p.documents.digest_sri, "status_list_id": p.status_list_id,
            "status_index": p.status_index} for p in prepared])
        components = [{"itinerary_id": p.public_id, "position": position, "component_id": component}
                      for p in prepared for position, component in enumerate(p.pending.components)]
        if components:
            self.session.execute(insert(CredentialComponentRow.__table__), components)
        AuditRepository(self.session).record_many([
            {"actor": p.issuer, "action": "credential.issue", "subject": p.public_id,
             "detail": {"kind": p.pending.kind, "award": p.pending.award_key}} for p in prepared], now=now)

    def _existing(self, award_key: str) -> str | None:
        return self.session.scalar(select(CredentialRow.id).where(CredentialRow.award_key == award_key))

    def _existing_many(self, award_keys: Sequence[str]) -> dict[str, str]:
        """award key -> public id of the credentials already issued among ``award_keys``."""
        found: dict[str, str] = {}
        keys = sorted(set(award_keys))
        for start in range(0, len(keys), 500):
            found.update(self.session.execute(select(CredentialRow.award_key, CredentialRow.id).where(
                CredentialRow.award_key.in_(keys[start:start + 500]))).all())
        return found


@dataclass(frozen=True)
class PendingAward:
    """An award to sign and store, with what its credential row records beside the documents."""

    award: IndividualAward | ItineraryAward
    award_key: str
    student_pk: int
    kind: str
    course_code: str | None
    semester: str
    sector: str | None
    completed_on: date | None
    components: tuple[str, ...] = ()  # public ids of an itinerary's component credentials


@dataclass(frozen=True)
class _Prepared:
    pending: PendingAward
    issuer: str
    public_id: str
    documents: SignedDocuments
    status_list_id: str
    status_index: int


def _shard_of(record: CompletionRecord, shards: int) -> int:
    return zlib.crc32("/".join(record.student_key).encode("utf-8")) % shards


def _learner(record: CompletionRecord) -> Learner:
    return Learner(record.home_university, record.student_id, record.given_name, record.family_name,
                   record.email, record.date_of_birth)


def _record_entry(record: CompletionRecord) -> dict:
    return {"home_university": record.home_university, "student_id": record.student_id,
            "course_code": record.course_code, "semester": record.semester}
