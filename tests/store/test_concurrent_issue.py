"""Twenty concurrent issue requests for one record: exactly one credential, one status index."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from issuer.store import db
from issuer.store.models import AuditRow, CredentialRow
from tests.web.helpers import record

REQUESTS = 20


@pytest.mark.parametrize("backend", ["postgres"], indirect=False)
def test_twenty_concurrent_issue_requests_make_one_credential(app, token_for):
    headers = token_for("KU")
    client = app.test_client()
    response = client.post("/api/completions", data=json.dumps([record("S-1")]), headers=headers,
                           content_type="application/json")
    assert response.status_code == 200
    barrier = threading.Barrier(REQUESTS)
    answers: list = [None] * REQUESTS

    def issue(n: int) -> None:
        local = app.test_client()
        barrier.wait()
        answers[n] = local.post("/api/credentials/issue", json={"as_of": "2025-01-15"}, headers=headers)

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(a is not None and a.status_code == 200 for a in answers), [a and a.get_json() for a in answers]
    ids = {a.get_json()["issued"][0]["credential"] for a in answers}
    assert len(ids) == 1
    with app.app_context():
        session = db.session()
        rows = session.execute(select(CredentialRow.id, CredentialRow.status_list_id,
                                      CredentialRow.status_index)).all()
        issued_audits = session.scalar(select(func.count()).select_from(AuditRow)
                                       .where(AuditRow.action == "credential.issue"))
    assert len(rows) == 1 and rows[0].id in ids
    assert issued_audits == 1
