"""Issued credentials and status lists: the queries other services need, as domain values."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.domain.model import ItineraryKind
from issuer.domain.rules import HeldCertificate
from issuer.store.models import CredentialRow, MicroCredentialRow, StudentRow

INDIVIDUAL = "individual"


@dataclass(frozen=True)
class IssuedRecord:
    """What the verifier needs to know about a credential this service issued."""

    id: str
    uri: str
    kind: str
    issuer: str
    jsonld: str  # the signed JSON-LD exactly as issued
    digest_sri: str
    status_list_id: str
    status_index: int
    revoked: bool


class CredentialRepository:
    def __init__(self, session: Session):
        self.session = session

    def _student_pk(self, home_university: str, student_id: str) -> int | None:
        return self.session.scalar(select(StudentRow.id).where(
            StudentRow.home_university == home_university, StudentRow.student_id == student_id))

    def issued_by_uri(self, uri: str) -> IssuedRecord | None:
        """The issued credential whose ``id`` is ``uri`` (e.g. ``urn:uuid:...``), or None."""
        if not isinstance(uri, str) or not 0 < len(uri) <= 100:
            return None
        row = self.session.execute(select(
            CredentialRow.id, CredentialRow.uri, CredentialRow.kind, CredentialRow.issuer, CredentialRow.jsonld,
            CredentialRow.digest_sri, CredentialRow.status_list_id, CredentialRow.status_index,
            CredentialRow.revoked_at).where(CredentialRow.uri == uri)).first()  # not its XML and award
        if row is None:
            return None
        return IssuedRecord(row.id, row.uri, row.kind, row.issuer, row.jsonld, row.digest_sri,
                            row.status_list_id, row.status_index, row.revoked_at is not None)

    def individual_for_student(self, home_university: str, student_id: str) -> dict[tuple[str, str], str]:
        """(course_code, semester) -> public id of every individual certificate issued (even revoked)."""
        rows = self.session.execute(
            select(CredentialRow.course_code, CredentialRow.semester_id, CredentialRow.id)
            .join(StudentRow, StudentRow.id == CredentialRow.student_pk)
            .where(StudentRow.home_university == home_university, StudentRow.student_id == student_id,
                   CredentialRow.kind == INDIVIDUAL))
        return {(code, semester): cid for code, semester, cid in rows}

    def held_certificates(self, home_university: str, student_id: str) -> list[HeldCertificate]:
        """The student's valid (issued, not revoked) individual certificates."""
        pk = self._student_pk(home_university, student_id)
        return [] if pk is None else self.held_by_student_pks([pk]).get(pk, [])

    def held_by_student_pks(self, pks: list[int]) -> dict[int, list[HeldCertificate]]:
        rows = self.session.execute(
            select(CredentialRow.student_pk, CredentialRow.id, CredentialRow.course_code,
                   CredentialRow.semester_id, MicroCredentialRow.sector_code, CredentialRow.completed_on)
            .join(MicroCredentialRow, (MicroCredentialRow.code == CredentialRow.course_code)
                  & (MicroCredentialRow.semester_id == CredentialRow.semester_id))
            .where(CredentialRow.student_pk.in_(pks), CredentialRow.kind == INDIVIDUAL,
                   CredentialRow.revoked_at.is_(None)))
        held: dict[int, list[HeldCertificate]] = {}
        for pk, cid, code, semester, sector, completed in rows:
            held.setdefault(pk, []).append(HeldCertificate(cid, code, semester, sector, completed))
        return held

    def itineraries_for_student(self, home_university: str, student_id: str
                                ) -> dict[tuple[ItineraryKind, str | None], str]:
        """(kind, sector) -> public id of the student's valid itinerary certificates."""
        rows = self.session.execute(
            select(CredentialRow.kind, CredentialRow.sector_code, CredentialRow.id)
            .join(StudentRow, StudentRow.id == CredentialRow.student_pk)
            .where(StudentRow.home_university == home_university, StudentRow.student_id == student_id,
                   CredentialRow.kind != INDIVIDUAL, CredentialRow.revoked_at.is_(None)))
        return {(ItineraryKind(kind), sector): cid for kind, sector, cid in rows}
