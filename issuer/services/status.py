"""Revocation with W3C Bitstring Status Lists: index allocation, revoking, the signed list."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.credentials.statuslist import MIN_ENTRIES, build_status_list_credential, empty_bits, set_bit
from issuer.errors import Conflict, InvalidRequest, NotFound
from issuer.services.keystore import KeyStore
from issuer.signing.keys import KeyPurpose
from issuer.signing.suites import suite_for
from issuer.store.models import CredentialComponentRow, CredentialRow, StatusListRow
from issuer.store.repositories import AuditRepository

LIST_FILL_LIMIT = 0.5  # start a new list once half the indexes are taken: random picks stay cheap


def status_list_url(public_url: str, list_id: str) -> str:
    return f"{public_url}/status-lists/{list_id}"


class StatusService:
    def __init__(self, session: Session, *, keystore: KeyStore, public_url: str):
        self.session = session
        self.keystore = keystore
        self.public_url = public_url
        self._taken_cache: dict[str, set[int]] = {}
        self._current: dict[str, StatusListRow] = {}

    # -- allocation ---------------------------------------------------------------------------
    def current_list(self, institution: str, *, now: datetime) -> StatusListRow:
        """The institution's list with room for new entries (created and committed when needed, so
        that it exists for everyone before a credential points to it; a list created meanwhile by
        another worker is used instead). The list in use is remembered until it is half full."""
        row = self._current.get(institution)
        if row is not None and len(self._taken(row.id)) < row.size * LIST_FILL_LIMIT:
            return row
        lists = self.session.scalars(select(StatusListRow).where(StatusListRow.institution == institution)
                                     .order_by(StatusListRow.created_at, StatusListRow.id)).all()
        for row in lists:
            if len(self._taken(row.id)) < row.size * LIST_FILL_LIMIT:
                self._current[institution] = row
                return row
        list_id = f"{institution}-{len(lists) + 1}"
        try:
            with self.session.begin_nested():
                self.session.add(StatusListRow(id=list_id, institution=institution, purpose="revocation",
                                               size=MIN_ENTRIES, bits=empty_bits(MIN_ENTRIES),
                                               created_at=now, updated_at=now))
        except IntegrityError:
            pass  # a concurrent worker created it first
        self.session.commit()
        row = self.session.get(StatusListRow, list_id)
        self._current[institution] = row
        return row

    def pick_index(self, row: StatusListRow) -> int:
        """A random index not used by any credential in the list. The database's unique constraint
        settles a race with another worker; call ``forget_taken`` and pick again after one."""
        taken = self._taken(row.id)
        while True:
            index = secrets.randbelow(row.size)
            if index not in taken:
                taken.add(index)
                return index

    def allocate(self, institutions: list[str], *, now: datetime) -> list[tuple[StatusListRow, int]]:
        """A free (list, index) for each of ``institutions``, checked against the database in one
        query per list, so that indexes other workers took since this one last looked are picked
        again before anything is signed (the unique constraint still settles a later race)."""
        slots = []
        for institution in institutions:
            row = self.current_list(institution, now=now)
            slots.append((row, self.pick_index(row)))
        for _round in range(10):
            taken = self._taken_in_database(slots)
            if not taken:
                break
            slots = [(row, self.pick_index(row)) if (row.id, index) in taken else (row, index)
                     for row, index in slots]
        return slots

    def _taken_in_database(self, slots: list[tuple[StatusListRow, int]]) -> set[tuple[str, int]]:
        wanted: dict[str, list[int]] = {}
        for row, index in slots:
            wanted.setdefault(row.id, []).append(index)
        taken = set()
        for list_id, indexes in wanted.items():
            taken.update((list_id, index) for index in self.session.scalars(
                select(CredentialRow.status_index).where(CredentialRow.status_list_id == list_id,
                                                         CredentialRow.status_index.in_(indexes))))
        return taken

    def forget_taken(self) -> None:
        """Drop what is known of taken indexes and lists in use (after a conflict or a rollback)."""
        self._taken_cache.clear()
        self._current.clear()

    def _taken(self, list_id: str) -> set[int]:
        if list_id not in self._taken_cache:
            self._taken_cache[list_id] = set(self.session.scalars(
                select(CredentialRow.status_index).where(CredentialRow.status_list_id == list_id)))
        return self._taken_cache[list_id]

    # -- revocation ---------------------------------------------------------------------------
    def revoke(self, credential_id: str, *, by: str, reason: str, now: datetime) -> list[str]:
        """Revoke a credential of ``by`` and every itinerary built on it; returns the revoked ids.

        Revocation is permanent. The award key is released so that a corrected record can be
        issued again (and a revoked itinerary re-evaluated at the next close).

        :raise NotFound: unknown id, or a credential another institution issued (same answer).
        :raise Conflict: already revoked.
        :raise InvalidRequest: no reason given.
        """
        reason = (reason or "").strip()
        if not reason or len(reason) > 500:
            raise InvalidRequest("a reason (1 to 500 characters) is required", code="REASON_REQUIRED")
        row = self.session.get(CredentialRow, credential_id)
        if row is None or row.issuer != by:
            raise NotFound(f"no credential {credential_id}")
        if row.revoked_at is not None:
            raise Conflict(f"credential {credential_id} is already revoked", code="ALREADY_REVOKED")
        revoked = [self._revoke_row(row, reason, now)]
        for itinerary in self._itineraries_using(row.id):
            if itinerary.revoked_at is None:
                revoked.append(self._revoke_row(itinerary, f"component {row.id} revoked: {reason}", now))
        AuditRepository(self.session).record(actor=by, action="credential.revoke", subject=row.id,
                                             detail={"reason": reason, "revoked": revoked}, now=now)
        self.session.commit()
        return revoked

    def _itineraries_using(self, component_id: str) -> list[CredentialRow]:
        ids = select(CredentialComponentRow.itinerary_id).where(
            CredentialComponentRow.component_id == component_id)
        return list(self.session.scalars(select(CredentialRow).where(CredentialRow.id.in_(ids))))

    def _revoke_row(self, row: CredentialRow, reason: str, now: datetime) -> str:
        status_list = self.session.scalar(select(StatusListRow).where(StatusListRow.id == row.status_list_id)
                                          .with_for_update())
        status_list.bits = set_bit(status_list.bits, row.status_index)
        status_list.updated_at = now
        row.revoked_at, row.revocation_reason = now, reason
        row.award_key = f"{row.award_key}#revoked:{row.id}"
        self.session.flush()
        return row.id

    # -- reading ------------------------------------------------------------------------------
    def list_entry_data(self, list_id: str) -> tuple[str, int, bytes]:
        """(institution, size, bits) of a list, read as columns (what checking an entry needs).
        :raise NotFound: no such list."""
        row = self.session.execute(select(StatusListRow.institution, StatusListRow.size, StatusListRow.bits)
                                   .where(StatusListRow.id == list_id)).first()
        if row is None:
            raise NotFound(f"no status list {list_id}")
        return row.institution, row.size, row.bits

    def list_row(self, list_id: str) -> StatusListRow:
        row = self.session.get(StatusListRow, list_id)
        if row is None:
            raise NotFound(f"no status list {list_id}")
        return row

    def status_list_credential(self, list_id: str, *, now: datetime) -> dict:
        """The list as a ``BitstringStatusListCredential`` signed by its institution (eddsa-rdfc-2022)."""
        row = self.list_row(list_id)
        did = self.keystore.did(row.institution)
        unsigned = build_status_list_credential(list_url=status_list_url(self.public_url, row.id),
                                                issuer_did=did, bits=row.bits, valid_from=row.created_at)
        suite = suite_for(str(KeyPurpose.EDDSA))
        return suite.add_proof(unsigned, signer=self.keystore.signer(row.institution, KeyPurpose.EDDSA),
                               created=now)


