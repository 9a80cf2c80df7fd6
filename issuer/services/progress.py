"""A student's progress: every completion with its decision, every itinerary with what is missing."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from issuer.domain.model import CompletionRecord, Decision, ItineraryKind
from issuer.domain.rules import individual_due, itinerary_progress
from issuer.errors import NotFound
from issuer.store.repositories import CatalogueRepository, CompletionRepository
from issuer.store.credentials import CredentialRepository


class ProgressService:
    def __init__(self, session: Session, *, holidays: frozenset[date]):
        self.session = session
        self.holidays = holidays

    def can_view(self, viewer: str, home_university: str, student_id: str) -> bool:
        """The home university, AISBL and every host that reported the student may look."""
        viewer_institution = CatalogueRepository(self.session).institutions().get(viewer)
        if viewer == home_university or (viewer_institution and viewer_institution.issues_itineraries):
            return True
        return viewer in CompletionRepository(self.session).reporters_of(home_university, student_id)

    def progress(self, home_university: str, student_id: str, *, as_of: date, viewer: str) -> dict:
        """The progress document of SPEC 4.

        :raise NotFound: unknown student, or one the viewer may not see (the same answer).
        """
        records = CompletionRepository(self.session).for_student(home_university, student_id)
        if not records or not self.can_view(viewer, home_university, student_id):
            raise NotFound(f"no student {student_id} of {home_university}")
        catalogue = CatalogueRepository(self.session)
        courses, institutions = catalogue.courses(), catalogue.institutions()
        sectors = [s.code for s in catalogue.sectors()]
        issued = CredentialRepository(self.session).individual_for_student(home_university, student_id)
        completions = []
        for record in records:
            decision = individual_due(
                record, courses.get((record.course_code, record.semester)), institutions=institutions,
                semester_records=[r for r in records if r.semester == record.semester],
                as_of=as_of, holidays=self.holidays)
            credential = issued.get((record.course_code, record.semester))
            completions.append(_completion_entry(record, decision, credential))
        held = CredentialRepository(self.session).held_certificates(home_university, student_id)
        itineraries = CredentialRepository(self.session).itineraries_for_student(home_university, student_id)
        return {
            "student": {"home_university": home_university, "student_id": student_id},
            "as_of": as_of.isoformat(),
            "completions": completions,
            "itineraries": [_itinerary_entry(p, itineraries) for p in
                            itinerary_progress(held, sectors, issued=frozenset(itineraries))],
        }


def _completion_entry(record: CompletionRecord, decision: Decision, credential: str | None) -> dict:
    due = decision.due and credential is None
    reasons = [r.to_dict() for r in decision.reasons]
    if credential is not None:
        reasons = [{"code": "ALREADY_ISSUED", "detail": "the certificate has been issued"}]
    return {"course_code": record.course_code, "semester": record.semester, "due": due,
            "reasons": reasons, "credential": credential}


def _itinerary_entry(p, itineraries: dict[tuple[ItineraryKind, str | None], str]) -> dict:
    return {
        "kind": str(p.kind), "sector": p.sector, "due": p.decision.due,
        "reasons": [r.to_dict() for r in p.decision.reasons],
        "components": [{"course_code": h.course_code, "semester": h.semester, "credential": h.credential_id}
                       for h in p.components],
        "credential": itineraries.get((p.kind, p.sector)),
    }

