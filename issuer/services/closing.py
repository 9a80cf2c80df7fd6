"""Closing a semester: AISBL evaluates every student and issues the due itinerary certificates.

A close is a *run* of *claims*, one per student holding a valid individual certificate of that
semester or an earlier one. Workers (one, or several processes on one or many machines sharing a
PostgreSQL database) join the open run and claim students with ``SELECT ... FOR UPDATE SKIP
LOCKED``; a claim stays locked until its result is committed, so the claims of a crashed worker
return to the pool, and issuance is idempotent (award keys are unique), so rerunning finishes the
job with every due certificate issued exactly once. The outcome does not depend on the number of
workers: the rules choose components deterministically.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from sqlalchemy import Select, false, func, insert, literal, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from issuer.domain.calendar import is_semester_id, semester_order
from issuer.domain.model import Component, ItineraryAward, ItineraryKind, Learner
from issuer.domain.rules import (
    HeldCertificate,
    choose_expertise,
    choose_interdisciplinary,
    counted_at_close,
    near_itineraries,
)
from issuer.errors import Conflict, NotFound
from issuer.services.issuance import Catalogue, IssuanceService, PendingAward, itinerary_award_key
from issuer.store.credentials import CredentialRepository
from issuer.store.db import defer_flush
from issuer.store.models import CloseClaimRow, CloseRunRow, CredentialRow, SemesterRow, StudentRow
from issuer.store.repositories import AuditRepository

CLAIM_BATCH = 200  # most students per claim batch: their reads and writes are batched too (at 50, a
# two-worker close took 10 % longer: a claim scan and two commits every 50 students)
MIN_CLAIM_BATCH = 10
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
ISSUER = "AISBL"


def claim_batch(students: int) -> int:
    """Students per claim batch in a run of ``students``: a 64th of them, from ``MIN_CLAIM_BATCH``
    to ``CLAIM_BATCH``, so that a small close still comes in many batches for its workers to share."""
    return max(MIN_CLAIM_BATCH, min(CLAIM_BATCH, students // 64))


def claim_statement(run_id: int, batch: int = CLAIM_BATCH) -> Select:
    """The next ``batch`` of the run's pending claims, locked, skipping those other workers hold
    (its ``NOT done`` matches the partial index of pending claims, ``ix_close_claims_pending``)."""
    return (select(CloseClaimRow).where(CloseClaimRow.run_id == run_id, ~CloseClaimRow.done)
            .order_by(CloseClaimRow.student_pk).limit(batch).with_for_update(skip_locked=True))


def _claims_still_held() -> Conflict:
    return Conflict("other workers still hold claims of this close", code="CLOSE_IN_PROGRESS")


@dataclass(frozen=True)
class StudentOutcome:
    issued: list[dict]
    near: list[dict]


class CloseService:
    def __init__(self, session: Session, *, issuance: IssuanceService, issuer: str = ISSUER):
        self.session = session
        self.issuance = issuance
        self.issuer = issuer

    # -- run lifecycle ----------------------------------------------------------------------
    def open_run(self, semester: str, *, now: datetime, join_only: bool = False) -> int:
        """Join the open run of ``semester`` or start one (claims for every eligible student).

        :raise NotFound: unknown semester; with ``join_only``, no open run to join.
        """
        if not is_semester_id(semester) or self.session.get(SemesterRow, semester) is None:
            raise NotFound(f"no semester {semester}")
        # serialise run creation across workers and machines (a no-op lock on SQLite)
        self.session.scalar(select(SemesterRow.id).where(SemesterRow.id == semester).with_for_update())
        run = self.session.scalar(select(CloseRunRow).where(CloseRunRow.semester_id == semester,
                                                            CloseRunRow.finished_at.is_(None)))
        if run is None and join_only:
            self.session.rollback()
            raise NotFound(f"no close of {semester} is in progress", code="NO_OPEN_CLOSE")
        if run is None:
            run = CloseRunRow(semester_id=semester, started_at=now)
            self.session.add(run)
            self.session.flush()
            # one statement, in the database (a semester's students: tens of thousands of rows)
            self.session.execute(insert(CloseClaimRow.__table__).from_select(
                ["run_id", "student_pk", "done"], self._students_to_evaluate(run.id, semester)))
        self.session.commit()
        return run.id

    def _students_to_evaluate(self, run_id: int, semester: str) -> Select:
        """(run, student, not done) for each student with a valid individual certificate of
        ``semester`` or an earlier one."""
        limit = semester_order(semester)
        semesters = [s for s in self.session.scalars(select(SemesterRow.id)) if semester_order(s) <= limit]
        return (select(literal(run_id), CredentialRow.student_pk, false())
                .where(CredentialRow.kind == "individual", CredentialRow.revoked_at.is_(None),
                       CredentialRow.semester_id.in_(semesters))
                .distinct())

    def pending(self, run_id: int) -> int:
        """Claims of the run not done yet."""
        return self.session.scalar(select(func.count()).select_from(CloseClaimRow).where(
            CloseClaimRow.run_id == run_id, ~CloseClaimRow.done)) or 0

    def work(self, run_id: int, *, now: datetime, claim_session: Session,
             progress: Callable[[int], None] | None = None) -> int:
        """Claim and evaluate students of the run until none is left to claim; returns how many.

        ``claim_session`` is a second session whose open transaction holds the claims' row locks.
        """
        run = self.session.get(CloseRunRow, run_id)
        context = _CloseContext.load(self.session, run.semester_id)
        batch = claim_batch(self.session.scalar(select(func.count()).select_from(CloseClaimRow).where(
            CloseClaimRow.run_id == run_id)) or 0)
        evaluated = 0
        while True:
            claims = claim_session.scalars(claim_statement(run_id, batch)).all()
            if not claims:
                claim_session.rollback()
                return evaluated
            # a rerun redoes a lost batch; ``finish`` commits durably after the last (see defer_flush)
            defer_flush(claim_session)
            outcomes = self.evaluate_many([claim.student_pk for claim in claims], context, now=now, durable=False)
            for claim in claims:
                outcome = outcomes[claim.student_pk]
                # nothing to report (most students, and every one in a semester without itineraries):
                # no result, so that the report reads only those that have one
                reported = outcome.issued or outcome.near
                claim.result = {"issued": outcome.issued, "near": outcome.near} if reported else None
                claim.done = True
            evaluated += len(claims)
            claim_session.commit()
            if progress:
                progress(len(claims))

    def complete(self, run_id: int, *, now: datetime, claim_session: Session,
                 progress: Callable[[int], None] | None = None, poll_seconds: float = 0.1,
                 timeout_seconds: float = 3600, sleep: Callable[[float], None] = time.sleep) -> int:
        """Work until no claim of the run is pending: claims other workers hold are waited for, and
        taken over if their worker dies (its row locks vanish with its connection). On PostgreSQL
        the wait is on their row locks, so it ends as soon as they commit; elsewhere a query every
        ``poll_seconds``.

        :raise Conflict: claims still pending after ``timeout_seconds``.
        """
        evaluated = self.work(run_id, now=now, claim_session=claim_session, progress=progress)
        if claim_session.get_bind().dialect.name == "postgresql":
            deadline = time.monotonic() + timeout_seconds
            while self._held_claims_freed(run_id, claim_session, deadline):
                evaluated += self.work(run_id, now=now, claim_session=claim_session, progress=progress)
            return evaluated
        waited = 0.0
        while self.pending(run_id):
            if waited >= timeout_seconds:
                raise _claims_still_held()
            self.session.rollback()  # see the others' commits
            sleep(poll_seconds)
            waited += poll_seconds
            evaluated += self.work(run_id, now=now, claim_session=claim_session, progress=progress)
        return evaluated

    def _held_claims_freed(self, run_id: int, claim_session: Session, deadline: float) -> bool:
        """Wait for the run's pending claims, all held by other workers, to be released; whether
        some are still pending (their worker died: claim them anew). Locking them waits for each
        holder's commit, after which PostgreSQL reads the row again: a claim done meanwhile no
        longer matches ``NOT done``."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _claims_still_held()
        claim_session.execute(text(f"SET LOCAL lock_timeout = {max(1, int(remaining * 1000))}"))
        try:
            freed = claim_session.scalars(select(CloseClaimRow.student_pk).where(
                CloseClaimRow.run_id == run_id, ~CloseClaimRow.done).with_for_update()).first()
        except OperationalError as error:
            claim_session.rollback()
            if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            raise _claims_still_held() from error
        claim_session.rollback()  # let ``work`` claim them (SKIP LOCKED) in its batches
        self.session.rollback()  # and see the others' commits
        return freed is not None

    def finish(self, run_id: int, *, now: datetime) -> dict:
        """The run's report once every claim is done (finishing the run).

        :raise Conflict: claims remain (a worker is still busy, or crashed: run the close again).
        """
        run = self.session.get(CloseRunRow, run_id)
        remaining = self.pending(run_id)
        if remaining:
            raise Conflict(f"{remaining} students of the close of {run.semester_id} are not evaluated yet",
                           code="CLOSE_IN_PROGRESS")
        students = self.session.scalar(select(func.count()).select_from(CloseClaimRow).where(
            CloseClaimRow.run_id == run_id))
        claims = self.session.execute(select(CloseClaimRow.result).where(
            CloseClaimRow.run_id == run_id, CloseClaimRow.result.is_not(None))
            .order_by(CloseClaimRow.student_pk)).all()  # rows with .result
        if run.finished_at is None:  # an ordinary commit: it makes the batches' deferred ones durable
            run.finished_at = now
            AuditRepository(self.session).record(
                actor=self.issuer, action="semester.close", subject=run.semester_id,
                detail={"run": run_id, "students": students,
                        "issued": sum(len(c.result["issued"]) for c in claims)}, now=now)
            self.session.commit()
        return {
            "semester": run.semester_id, "as_of": now.date().isoformat(), "students_evaluated": students,
            "issued": sorted((i for c in claims for i in c.result["issued"]),
                             key=lambda i: (i["home_university"], i["student_id"], i["kind"], i["sector"] or "")),
            "near": sorted((n for c in claims for n in c.result["near"]),
                           key=lambda n: (n["home_university"], n["student_id"], n["kind"], n["sector"] or "")),
        }

    # -- students ---------------------------------------------------------------------------
    def evaluate(self, student_pk: int, context: "_CloseContext", *, now: datetime) -> StudentOutcome:
        """Issue the student's due itinerary certificates (at most one of each)."""
        return self.evaluate_many([student_pk], context, now=now)[student_pk]

    def evaluate_many(self, student_pks: Sequence[int], context: "_CloseContext", *,
                      now: datetime, durable: bool = True) -> dict[int, StudentOutcome]:
        """``evaluate`` for several students: their data read in a few queries, their certificates
        stored in one transaction while nothing conflicts (``IssuanceService.store_many``, whose
        ``durable`` this passes on)."""
        students = {s.id: s for s in self.session.scalars(select(StudentRow).where(StudentRow.id.in_(student_pks)))}
        held_by = CredentialRepository(self.session).held_by_student_pks(list(student_pks))
        issued_by = self._itineraries_of(student_pks)
        plans: list[tuple[StudentRow, ItineraryKind, str | None, tuple[HeldCertificate, ...]]] = []
        held_of: dict[int, tuple[HeldCertificate, ...]] = {}
        for pk in student_pks:
            held_of[pk] = held = counted_at_close(held_by.get(pk, []), context.semester)
            choices = [(ItineraryKind.INTERDISCIPLINARY, None, choose_interdisciplinary(held, context.sector_codes))]
            for sector in context.sector_codes:
                choices.append((ItineraryKind.EXPERTISE, sector, choose_expertise(held, sector)))
            already = issued_by.setdefault(pk, set())
            for kind, sector, chosen in choices:
                if chosen is not None and (kind, sector) not in already:
                    plans.append((students[pk], kind, sector, chosen))
        parts = self._component_rows({h.credential_id for *_, chosen in plans for h in chosen})
        ids = self.issuance.store_many([self._pending(student, kind, sector, chosen, context, parts)
                                        for student, kind, sector, chosen in plans],
                                       institutions=context.catalogue.institutions, now=now, durable=durable)
        issued: dict[int, list[dict]] = {pk: [] for pk in student_pks}
        for (student, kind, sector, chosen), credential in zip(plans, ids):
            issued_by[student.id].add((kind, sector))
            issued[student.id].append({
                "credential": credential, "kind": str(kind), "sector": sector,
                "home_university": student.home_university, "student_id": student.student_id,
                "components": [{"course_code": h.course_code, "semester": h.semester,
                                "credential": h.credential_id} for h in chosen]})
        return {pk: StudentOutcome(issued[pk], self._near(students[pk], held_of[pk], issued_by[pk], context))
                for pk in student_pks}

    def _near(self, student: StudentRow, held, issued_keys, context: "_CloseContext") -> list[dict]:
        return [{"home_university": student.home_university, "student_id": student.student_id,
                 "kind": str(n.kind), "sector": n.sector, "missing": n.missing}
                for n in near_itineraries(held, context.sector_codes, issued=frozenset(issued_keys))]

    def _itineraries_of(self, student_pks: Sequence[int]) -> dict[int, set[tuple[ItineraryKind, str | None]]]:
        """(kind, sector) of each student's valid itinerary certificates."""
        rows = self.session.execute(select(CredentialRow.student_pk, CredentialRow.kind, CredentialRow.sector_code)
                                    .where(CredentialRow.student_pk.in_(student_pks),
                                           CredentialRow.kind != "individual", CredentialRow.revoked_at.is_(None)))
        found: dict[int, set[tuple[ItineraryKind, str | None]]] = {}
        for pk, kind, sector in rows:
            found.setdefault(pk, set()).add((ItineraryKind(kind), sector))
        return found

    def _component_rows(self, credential_ids: set[str]) -> dict[str, tuple[str, str]]:
        """public id -> (uri, digest_sri) of the component credentials."""
        if not credential_ids:
            return {}
        rows = self.session.execute(select(CredentialRow.id, CredentialRow.uri, CredentialRow.digest_sri)
                                    .where(CredentialRow.id.in_(sorted(credential_ids))))
        return {cid: (uri, digest) for cid, uri, digest in rows}

    def _pending(self, student: StudentRow, kind: ItineraryKind, sector: str | None,
                 chosen: tuple[HeldCertificate, ...], context: "_CloseContext",
                 parts: dict[str, tuple[str, str]]) -> PendingAward:
        components = tuple(self._component(h, context, parts) for h in chosen)
        award = ItineraryAward(
            kind=kind, sector=sector, sector_name=context.catalogue.sectors[sector].name if sector else None,
            learner=Learner(student.home_university, student.student_id, student.given_name,
                            student.family_name, student.email, student.date_of_birth),
            issuer=context.catalogue.institutions[self.issuer], semester=context.semester, components=components)
        return PendingAward(
            award, award_key=itinerary_award_key(student.home_university, student.student_id, str(kind), sector),
            student_pk=student.id, kind=str(kind), course_code=None, semester=context.semester, sector=sector,
            completed_on=None, components=tuple(c.credential_id.removeprefix("urn:uuid:") for c in components))

    def _component(self, held: HeldCertificate, context: "_CloseContext",
                   parts: dict[str, tuple[str, str]]) -> Component:
        uri, digest_sri = parts[held.credential_id]
        course = context.catalogue.courses[(held.course_code, held.semester)]
        return Component(credential_id=uri, course_code=held.course_code, semester=held.semester,
                         title=course.title, sector=course.sector,
                         sector_name=context.catalogue.sectors[course.sector].name, host=course.host,
                         digest_sri=digest_sri)


@dataclass(frozen=True)
class _CloseContext:
    semester: str
    catalogue: Catalogue
    sector_codes: tuple[str, ...]

    @classmethod
    def load(cls, session: Session, semester: str) -> "_CloseContext":
        catalogue = Catalogue.load(session)
        return cls(semester, catalogue, tuple(catalogue.sectors))


def close_semester(session: Session, claim_session: Session, *, issuance: IssuanceService, semester: str,
                   now: datetime, progress=None) -> dict:
    """Open (or join) the run, evaluate every student with this one worker, return the report."""
    service = CloseService(session, issuance=issuance)
    run_id = service.open_run(semester, now=now)
    service.complete(run_id, now=now, claim_session=claim_session, progress=progress)
    return service.finish(run_id, now=now)


