"""POST /api/completions: JSON and CSV, all or nothing, updates in place, host-only, auth."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from issuer.store import db
from issuer.store.models import AuditRow, CompletionRow, StudentRow
from tests.web.helpers import record, to_csv


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def _post_json(client, headers, rows):
    return client.post("/api/completions", data=json.dumps(rows), headers=headers,
                       content_type="application/json")


def test_valid_json_upload_is_stored(app, client, token_for):
    rows = [record("S-1"), record("S-2", given_name="Νίκος", family_name="Παπαδόπουλος")]
    response = _post_json(client, token_for("KU"), rows)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"accepted": 2, "created": 2, "updated": 0}
    assert _count(app, CompletionRow) == 2 and _count(app, StudentRow) == 2
    assert _count(app, AuditRow) >= 1


def test_valid_csv_upload_with_bom_and_crlf(app, client, token_for):
    body = to_csv([record("S-1"), record("S-1", course_code="SMUCS-BLUE-02A")], bom=True, crlf=True)
    response = client.post("/api/completions", data=body, headers=token_for("KU"),
                           content_type="text/csv; charset=utf-8")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"accepted": 2, "created": 2, "updated": 0}
    with app.app_context():
        names = db.session().scalars(select(StudentRow.given_name)).all()
    assert names == ["Gabrielė"]


def test_several_bad_rows_give_one_422_naming_each_and_store_nothing(app, client, token_for):
    rows = [
        record("S-1"),
        record("S-2", english_level="Z9", email="not-an-email"),
        record("S-3", course_code="NO-SUCH-COURSE"),
        record("S-4", classes_attended=7),
        record("S-5", applied_at="yesterday"),
    ]
    response = client.post("/api/completions", data=to_csv(rows), headers=token_for("KU"),
                           content_type="text/csv")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "INVALID_UPLOAD"
    named = {(e["row"], e["field"]) for e in problem["errors"]}
    assert {(2, "english_level"), (2, "email"), (3, "course_code"), (4, "classes_attended"),
            (5, "applied_at")} <= named
    assert not any(e["row"] == 1 for e in problem["errors"])
    assert all(e["reason"] for e in problem["errors"])
    assert _count(app, CompletionRow) == 0 and _count(app, StudentRow) == 0


def test_resent_record_updates_in_place(app, client, token_for):
    headers = token_for("KU")
    assert _post_json(client, headers, [record("S-1", grade=4, passed=False)]).status_code == 200
    response = _post_json(client, headers, [record("S-1", grade=7.5, passed=True)])
    assert response.get_json() == {"accepted": 1, "created": 0, "updated": 1}
    with app.app_context():
        grades = db.session().scalars(select(CompletionRow.grade)).all()
    assert grades == [7.5]


def test_the_latest_upload_gives_the_student_personal_data(app, client, token_for):
    assert _post_json(client, token_for("KU"), [record("S-1", date_of_birth="2001-02-03")]).status_code == 200
    unchanged = [record("S-1", course_code="SMUCS-BLUE-02A", date_of_birth="2001-02-03")]
    assert _post_json(client, token_for("KU"), unchanged).status_code == 200
    renamed = [record("S-1", given_name="Gabija", email="gabija@example.org", date_of_birth="2001-02-04")]
    assert _post_json(client, token_for("KU"), renamed).status_code == 200
    with app.app_context():
        students = db.session().execute(select(StudentRow.given_name, StudentRow.email,
                                               StudentRow.date_of_birth)).all()
    assert [(given, email, str(born)) for given, email, born in students] == [
        ("Gabija", "gabija@example.org", "2001-02-04")]


def test_only_the_host_may_report_a_course(app, client, token_for):
    # SMUCS-SMART-01A is hosted by UTCB, not KU
    response = _post_json(client, token_for("KU"), [record("S-1", course_code="SMUCS-SMART-01A")])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors[0]["row"] == 1 and errors[0]["field"] == "course_code"
    assert "UTCB" in errors[0]["reason"]
    assert _count(app, CompletionRow) == 0


def test_duplicate_rows_in_one_upload_are_rejected(client, token_for):
    response = _post_json(client, token_for("KU"), [record("S-1"), record("S-1")])
    assert response.status_code == 422
    assert [e["row"] for e in response.get_json()["errors"]] == [2]


def test_dry_run_validates_and_stores_nothing(app, client, token_for):
    response = client.post("/api/completions?dry_run=true", data=json.dumps([record("S-1")]),
                           headers=token_for("KU"), content_type="application/json")
    assert response.status_code == 200 and response.get_json()["dry_run"] is True
    assert _count(app, CompletionRow) == 0


def test_missing_or_bad_token_is_401(client):
    assert client.post("/api/completions", json=[record()]).status_code == 401
    bad = client.post("/api/completions", json=[record()], headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.get_json()["code"] == "UNAUTHORIZED"


def test_unsupported_media_type_and_malformed_bodies(client, token_for):
    headers = token_for("KU")
    assert client.post("/api/completions", data=b"x", headers=headers,
                       content_type="text/plain").status_code == 422
    assert client.post("/api/completions", data=b"{not json", headers=headers,
                       content_type="application/json").status_code == 422
    assert client.post("/api/completions", data=b"\xff\xfe", headers=headers,
                       content_type="text/csv").status_code == 422
    assert client.post("/api/completions", data=b"[]", headers=headers,
                       content_type="application/json").status_code == 422
