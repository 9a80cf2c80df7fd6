"""Semester close: itinerary certificates issued by AISBL, idempotent, revocation cascades."""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from tests.web.helpers import to_csv
from tests.web.itinerary_plan import expertise_courses, interdisciplinary_courses, records_for

HOSTS = ("LRUniv", "UCV")
ANNA = {"student_id": "KU-0001", "home_university": "KU", "given_name": "Ona", "family_name": "Kazlauskienė",
        "email": "ona@example.org", "date_of_birth": ""}
BEN = {"student_id": "AUA-0002", "home_university": "AUA", "given_name": "Νίκος", "family_name": "Παππάς",
       "email": "nikos@example.org", "date_of_birth": "2002-02-02"}


def _upload_and_issue(client, token_for, rows):
    by_host = defaultdict(list)
    for row in rows:
        by_host[row.pop("_host")].append(row)
    issued = []
    for host, host_rows in sorted(by_host.items()):
        headers = token_for(host)
        response = client.post("/api/completions", data=to_csv(host_rows), headers=headers, content_type="text/csv")
        assert response.status_code == 200, response.get_json()
        result = client.post("/api/credentials/issue", json={"as_of": "2025-07-31"}, headers=headers).get_json()
        assert result["not_issued"] == [], result["not_issued"]
        issued += result["issued"]
    return issued


def _plan():
    rows = []
    for student, runs in ((ANNA, interdisciplinary_courses(HOSTS)), (BEN, expertise_courses(HOSTS, "SOCIETY"))):
        for run, row in zip(runs, records_for(student, runs)):
            rows.append({**row, "_host": run["host"]})
    return rows


def test_close_issues_interdisciplinary_and_expertise_once(client, token_for):
    issued = _upload_and_issue(client, token_for, _plan())
    assert len(issued) == 12
    aisbl = token_for("AISBL")
    autumn = client.post("/api/semesters/2024-autumn/close", headers=aisbl).get_json()
    assert autumn["issued"] == [] and autumn["students_evaluated"] == 2
    report = client.post("/api/semesters/2025-spring/close", headers=aisbl).get_json()
    kinds = sorted((i["kind"], i["sector"], i["student_id"]) for i in report["issued"])
    assert kinds == [("expertise", "SOCIETY", "AUA-0002"), ("interdisciplinary", None, "KU-0001")]
    assert all(len(i["components"]) == 6 for i in report["issued"])
    again = client.post("/api/semesters/2025-spring/close", headers=aisbl).get_json()
    assert again["issued"] == [] and again["students_evaluated"] == 2

    itinerary = next(i for i in report["issued"] if i["kind"] == "interdisciplinary")
    doc = client.get(f"/credentials/{itinerary['credential']}").get_json()
    assert doc["issuer"]["id"].endswith(":institutions:AISBL")
    progress = client.get("/api/students/KU/KU-0001/progress?as_of=2025-07-31", headers=aisbl).get_json()
    inter = next(i for i in progress["itineraries"] if i["kind"] == "interdisciplinary")
    assert inter["credential"] == itinerary["credential"] and inter["due"] is False


def test_a_close_keeps_results_only_for_students_with_something_to_report(app, client, token_for):
    """A student with nothing issued and nothing near is counted, and stores no result (the report
    reads only the others: most students of a close, all of them in a semester without itineraries)."""
    from sqlalchemy import select

    from issuer.store import db
    from issuer.store.models import CloseClaimRow, CloseRunRow

    _upload_and_issue(client, token_for, _plan())
    aisbl = token_for("AISBL")
    autumn = client.post("/api/semesters/2024-autumn/close", headers=aisbl).get_json()
    spring = client.post("/api/semesters/2025-spring/close", headers=aisbl).get_json()
    assert autumn["students_evaluated"] == spring["students_evaluated"] == 2
    assert autumn["issued"] == autumn["near"] == [] and len(spring["issued"]) == 2
    with app.app_context():
        stored = db.session().execute(select(CloseRunRow.semester_id, CloseClaimRow.done, CloseClaimRow.result)
                                      .join(CloseRunRow, CloseRunRow.id == CloseClaimRow.run_id)).all()
    assert sorted((semester, done, result is None) for semester, done, result in stored) == [
        ("2024-autumn", True, True), ("2024-autumn", True, True), ("2025-spring", True, False),
        ("2025-spring", True, False)]


def _verify(client, credential_id: str):
    document = client.get(f"/credentials/{credential_id}").get_json()
    return client.post("/credentials/verify", json={"verifiableCredential": document})


def test_end_to_end_csv_issue_close_verify_revoke(client, token_for):
    """Two hosts upload CSV and issue; AISBL closes; every credential verifies; a revoked component
    makes its itinerary report revoked."""
    individual = _upload_and_issue(client, token_for, _plan())
    aisbl = token_for("AISBL")
    report = client.post("/api/semesters/2025-spring/close", headers=aisbl).get_json()
    assert sorted(i["kind"] for i in report["issued"]) == ["expertise", "interdisciplinary"]
    for credential in [i["credential"] for i in individual + report["issued"]]:
        response = _verify(client, credential)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["verified"] is True
    itinerary = next(i for i in report["issued"] if i["kind"] == "interdisciplinary")
    checks = {c["check"]: c for c in _verify(client, itinerary["credential"]).get_json()["checks"]}
    assert checks["components"]["ok"] is True
    component = itinerary["components"][0]
    host = next(h for h in HOSTS if client.post(
        f"/api/credentials/{component['credential']}/revoke", json={"reason": "grade corrected"},
        headers=token_for(h)).status_code == 200)
    assert host in HOSTS
    for credential in (component["credential"], itinerary["credential"]):
        response = _verify(client, credential)
        assert response.status_code == 400
        body = response.get_json()
        assert body["verified"] is False
        status = next(c for c in body["checks"] if c["check"] == "status")
        assert status["ok"] is False and status["code"] == "REVOKED"
    other = next(i for i in report["issued"] if i["kind"] == "expertise")
    assert _verify(client, other["credential"]).get_json()["verified"] is True


def test_revoking_a_component_revokes_the_itinerary_and_the_next_close_re_evaluates(client, token_for):
    _upload_and_issue(client, token_for, _plan())
    aisbl = token_for("AISBL")
    report = client.post("/api/semesters/2025-spring/close", headers=aisbl).get_json()
    itinerary = next(i for i in report["issued"] if i["kind"] == "interdisciplinary")
    component = itinerary["components"][0]
    host = next(h for h in HOSTS if client.post(
        f"/api/credentials/{component['credential']}/revoke", json={"reason": "grade corrected"},
        headers=token_for(h)).status_code == 200)
    assert host in HOSTS
    progress = client.get("/api/students/KU/KU-0001/progress?as_of=2025-07-31", headers=aisbl).get_json()
    inter = next(i for i in progress["itineraries"] if i["kind"] == "interdisciplinary")
    assert inter["credential"] is None and inter["due"] is False
    assert any(r["code"] == "MISSING_SECTORS" for r in inter["reasons"])
    later = client.post("/api/semesters/2025-spring/close", headers=aisbl).get_json()
    assert later["issued"] == []
    near = [n for n in later["near"] if n["student_id"] == "KU-0001"]
    assert near == [{"home_university": "KU", "student_id": "KU-0001", "kind": "interdisciplinary",
                     "sector": None, "missing": 1}]


def test_only_aisbl_may_close(client, token_for):
    assert client.post("/api/semesters/2025-spring/close", headers=token_for("KU")).status_code == 404
    assert client.post("/api/semesters/2025-spring/close").status_code == 401
    assert client.post("/api/semesters/2031-winter/close", headers=token_for("AISBL")).status_code == 404


def test_a_close_commits_its_batches_without_waiting_for_the_disk_and_its_report_durably(app, client, token_for,
                                                                                        backend):
    """On PostgreSQL the claim batches commit with synchronous_commit off (a rerun redoes a lost
    one); the commit that finishes the run is an ordinary one, which makes the earlier ones durable."""
    from sqlalchemy import event

    from issuer.store import db

    _upload_and_issue(client, token_for, _plan())
    with app.app_context():
        engine = db.engine()
    statements: dict[int, list[str]] = defaultdict(list)
    commits: list[tuple[str, str]] = []

    def before_execute(conn, _cursor, statement, *_args):
        statements[id(conn.connection.dbapi_connection)].append(statement)

    def on_commit(conn):
        raw = conn.connection.dbapi_connection
        sql = " ".join(statements.pop(id(raw), []))
        kind = ("finish" if "UPDATE close_runs" in sql else "claims" if "UPDATE close_claims" in sql
                else "issue" if "INSERT INTO credentials" in sql else "")
        if kind and backend == "postgres":
            with raw.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                commits.append((kind, cursor.fetchone()[0]))
        elif kind:
            commits.append((kind, "deferred" if "SET LOCAL" in sql else "not deferred"))

    event.listen(engine, "before_cursor_execute", before_execute)
    event.listen(engine, "commit", on_commit)
    try:
        reports = [client.post(f"/api/semesters/{semester}/close", headers=token_for("AISBL")).get_json()
                   for semester in ("2024-autumn", "2025-spring")]  # nothing issued, then two itineraries
    finally:
        event.remove(engine, "before_cursor_execute", before_execute)
        event.remove(engine, "commit", on_commit)
    assert [len(report["issued"]) for report in reports] == [0, 2]
    deferred, ordinary = ("off", "on") if backend == "postgres" else ("not deferred", "not deferred")
    assert commits == [("claims", deferred), ("finish", ordinary),  # autumn
                       ("issue", deferred), ("claims", deferred), ("finish", ordinary)]  # spring


def _open_spring_run(app, client, token_for):
    from issuer.services.closing import CloseService
    from issuer.store import db
    from issuer.web import deps

    _upload_and_issue(client, token_for, _plan())
    with app.app_context():
        service = CloseService(db.session(), issuance=deps.issuance())
        return service.open_run("2025-spring", now=datetime.now(UTC))


def test_a_worker_waits_for_claims_another_holds_and_takes_over_those_left_pending(app, client, token_for, backend):
    """The other worker (here a second connection) holds both claims; it finishes one and dies
    with the other: the waiting worker resumes when the locks go, not at its next poll, and
    evaluates the claim left pending."""
    if backend != "postgres":
        pytest.skip("row locks: PostgreSQL")
    from sqlalchemy import text

    from issuer.services.closing import CloseService
    from issuer.store import db
    from issuer.web import deps

    run_id = _open_spring_run(app, client, token_for)
    with app.app_context():
        other = app.extensions["issuer.sessions"]()
        held = other.execute(text("SELECT student_pk FROM close_claims WHERE run_id = :r ORDER BY student_pk "
                                  "FOR UPDATE"), {"r": run_id}).scalars().all()
        assert len(held) == 2

        def finish_one_then_die():
            time.sleep(0.4)
            other.execute(text("UPDATE close_claims SET done = true WHERE run_id = :r AND student_pk = :s"),
                          {"r": run_id, "s": held[0]})
            other.commit()

        thread = threading.Thread(target=finish_one_then_die)
        claim_session = app.extensions["issuer.sessions"]()
        service = CloseService(db.session(), issuance=deps.issuance())
        naps: list[float] = []
        start = time.monotonic()
        thread.start()
        evaluated = service.complete(run_id, now=datetime.now(UTC), claim_session=claim_session, sleep=naps.append)
        waited = time.monotonic() - start
        thread.join()
        report = service.finish(run_id, now=datetime.now(UTC))
        claim_session.close()
        other.close()
    assert evaluated == 1 and naps == []
    assert 0.4 <= waited < 3
    assert report["students_evaluated"] == 2 and len(report["issued"]) == 1


def test_a_worker_gives_up_on_claims_held_past_its_timeout(app, client, token_for, backend):
    if backend != "postgres":
        pytest.skip("row locks: PostgreSQL")
    from sqlalchemy import text

    from issuer.errors import Conflict
    from issuer.services.closing import CloseService
    from issuer.store import db
    from issuer.web import deps

    run_id = _open_spring_run(app, client, token_for)
    with app.app_context():
        other = app.extensions["issuer.sessions"]()
        other.execute(text("SELECT 1 FROM close_claims WHERE run_id = :r FOR UPDATE"), {"r": run_id}).all()
        claim_session = app.extensions["issuer.sessions"]()
        service = CloseService(db.session(), issuance=deps.issuance())
        start = time.monotonic()
        with pytest.raises(Conflict) as raised:
            service.complete(run_id, now=datetime.now(UTC), claim_session=claim_session, timeout_seconds=0.5)
        waited = time.monotonic() - start
        other.rollback()
        assert service.pending(run_id) == 2
        claim_session.close()
        other.close()
    assert raised.value.code == "CLOSE_IN_PROGRESS" and 0.4 <= waited < 3
