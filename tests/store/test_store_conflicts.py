"""A batch of certificates meets what another worker stored meanwhile (``IssuanceService.store_many``).

Worker A checks its batch's status indexes against the database and starts signing; before it
inserts, worker B stores a certificate with one of those indexes, or with one of A's awards. A's
certificates must then all be stored, the one in conflict with B's credential (same award) or
signed again with another index, each certificate once, with one audit record, verifiable.
"""
from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from issuer.credentials.jsonld import read_status
from issuer.services import issuance as issuance_module
from issuer.services import status as status_module
from issuer.store import db
from issuer.store.models import AuditRow, CredentialRow
from issuer.web import deps
from tests.web.helpers import record

AS_OF = date(2025, 1, 15)
STUDENTS = ["S-1", "S-2", "S-3"]
RECORDS = [{"home_university": "UNIZD", "student_id": s, "course_code": "SMUCS-SMART-05A",
            "semester": "2024-autumn"} for s in STUDENTS]


@pytest.fixture
def uploaded(app, token_for):
    response = app.test_client().post("/api/completions", data=json.dumps([record(s) for s in [*STUDENTS, "S-4"]]),
                                      headers=token_for("KU"), content_type="application/json")
    assert response.status_code == 200, response.get_json()
    return app


class _Picks:
    """Status indexes 0, 1, 2, ... for each worker in turn (``secrets.randbelow`` of the status
    service), so that both workers pick the same ones."""

    def __init__(self):
        self.next = {"A": 0, "B": 0}
        self.worker = "A"

    def randbelow(self, _n: int) -> int:
        index = self.next[self.worker]
        self.next[self.worker] += 1
        return index


def _race(app, monkeypatch, worker_b_records: list[dict]) -> dict:
    """Worker A issues ``RECORDS``; while it signs its first certificate, worker B (another session)
    issues ``worker_b_records`` and commits. Returns A's report."""
    picks = _Picks()
    monkeypatch.setattr(status_module.secrets, "randbelow", picks.randbelow)
    sign_award = issuance_module.sign_award
    raced = []

    def sign_after_b(*args, **kwargs):
        if not raced:
            raced.append(True)
            picks.worker = "B"
            with app.app_context():  # a session of its own, committed before A inserts
                deps.issuance().issue_individual("KU", as_of=AS_OF, now=datetime.now(UTC), only=worker_b_records)
            picks.worker = "A"
        return sign_award(*args, **kwargs)

    monkeypatch.setattr(issuance_module, "sign_award", sign_after_b)
    with app.app_context():
        report = deps.issuance().issue_individual("KU", as_of=AS_OF, now=datetime.now(UTC), only=RECORDS)
    assert raced
    return report


def _stored(app) -> tuple[list, int]:
    with app.app_context():
        session = db.session()
        rows = session.execute(select(CredentialRow.id, CredentialRow.award_key, CredentialRow.status_index,
                                      CredentialRow.jsonld)).all()
        audits = session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.action == "credential.issue"))
    return rows, audits


def _assert_stored_once_and_verifiable(app, rows, audits: int, expected: int) -> None:
    assert len(rows) == expected and audits == expected
    assert len({r.award_key for r in rows}) == expected
    assert len({r.status_index for r in rows}) == expected
    client = app.test_client()
    for row in rows:
        document = json.loads(row.jsonld)
        assert int(read_status(document)["statusListIndex"]) == row.status_index  # signed with its index
        answer = client.post("/credentials/verify", json={"verifiableCredential": document}).get_json()
        assert answer["verified"] is True, answer


def test_a_status_index_taken_meanwhile_is_signed_again_and_the_rest_of_the_batch_kept(uploaded, monkeypatch):
    other = [{**RECORDS[0], "student_id": "S-4"}]
    report = _race(uploaded, monkeypatch, other)  # B takes index 0, which A picked for S-1
    rows, audits = _stored(uploaded)
    _assert_stored_once_and_verifiable(uploaded, rows, audits, 4)
    issued = {e["student_id"]: e["credential"] for e in report["issued"]}
    assert sorted(issued) == STUDENTS and set(issued.values()) <= {r.id for r in rows}
    index_of = {r.id: r.status_index for r in rows}
    # S-1 signed again (B took its index 0) with the next free one; S-2 and S-3 stored as signed
    assert {s: index_of[issued[s]] for s in STUDENTS} == {"S-1": 3, "S-2": 1, "S-3": 2}


def test_an_award_issued_meanwhile_is_answered_with_that_credential(uploaded, monkeypatch):
    report = _race(uploaded, monkeypatch, [RECORDS[1]])  # B issues S-2, in A's batch, with index 0
    rows, audits = _stored(uploaded)
    _assert_stored_once_and_verifiable(uploaded, rows, audits, 3)
    issued = {e["student_id"]: e["credential"] for e in report["issued"]}
    assert sorted(issued) == STUDENTS and set(issued.values()) == {r.id for r in rows}
    b_credential = next(r for r in rows if r.award_key.endswith(":S-2:SMUCS-SMART-05A:2024-autumn"))
    assert issued["S-2"] == b_credential.id and b_credential.status_index == 0
    index_of = {r.id: r.status_index for r in rows}
    # A's S-1 signed again (its index 0 taken) with the next free one, 3; S-3 stored as signed, with 2
    assert {s: index_of[issued[s]] for s in STUDENTS} == {"S-1": 3, "S-2": 0, "S-3": 2}
