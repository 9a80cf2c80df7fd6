"""GET /api/students/<home>/<id>/progress: decisions with reasons, as of a date; who may look."""
from __future__ import annotations

import json

from tests.web.helpers import record

URL = "/api/students/UNIZD/S-1/progress"


def _upload(client, headers, rows):
    response = client.post("/api/completions", data=json.dumps(rows), headers=headers,
                           content_type="application/json")
    assert response.status_code == 200, response.get_json()


def _codes(entry) -> list[str]:
    return [r["code"] for r in entry["reasons"]]


def test_progress_gives_each_completion_a_decision_with_reasons(client, token_for):
    ku = token_for("KU")
    _upload(client, ku, [
        record("S-1", course_code="SMUCS-SMART-05A"),
        record("S-1", course_code="SMUCS-BLUE-02A", classes_attended=2, applied_at="2024-09-16T10:00:00Z"),
        record("S-1", course_code="SMUCS-BLUE-05A", grade=0, passed=False, applied_at="2024-09-17T10:00:00Z"),
        record("S-1", course_code="SMUCS-COAST-04A", applied_at="2024-09-18T10:00:00Z"),
    ])
    body = client.get(URL + "?as_of=2025-01-15", headers=ku).get_json()
    assert body["student"] == {"home_university": "UNIZD", "student_id": "S-1"}
    assert body["as_of"] == "2025-01-15"
    by_course = {c["course_code"]: c for c in body["completions"]}
    assert by_course["SMUCS-SMART-05A"]["due"] is True and by_course["SMUCS-SMART-05A"]["reasons"] == []
    assert _codes(by_course["SMUCS-BLUE-02A"]) == ["ATTENDANCE_BELOW_60"]
    assert _codes(by_course["SMUCS-BLUE-05A"]) == ["NOT_PASSED"]
    assert _codes(by_course["SMUCS-COAST-04A"]) == ["SEMESTER_LIMIT_EXCEEDED"]
    assert all(c["credential"] is None for c in body["completions"])


def test_as_of_makes_results_reproducible(client, token_for):
    ku = token_for("KU")
    # announced Friday 2024-11-22: the two working days are Mon 25 and Tue 26, final on Wed 27
    _upload(client, ku, [record("S-1", grade_announced_on="2024-11-22")])
    before = client.get(URL + "?as_of=2024-11-26", headers=ku).get_json()["completions"][0]
    after = client.get(URL + "?as_of=2024-11-27", headers=ku).get_json()["completions"][0]
    assert _codes(before) == ["GRADE_NOT_FINAL"] and before["reasons"][0]["final_on"] == "2024-11-27"
    assert after["due"] is True


def test_itineraries_say_what_is_missing(client, token_for):
    ku = token_for("KU")
    _upload(client, ku, [record("S-1")])
    body = client.get(URL + "?as_of=2025-01-15", headers=ku).get_json()
    inter = next(i for i in body["itineraries"] if i["kind"] == "interdisciplinary")
    assert inter["due"] is False and inter["sector"] is None and inter["credential"] is None
    missing = next(r for r in inter["reasons"] if r["code"] == "MISSING_SECTORS")
    assert len(missing["sectors"]) == 6 - missing["have"]


def test_other_institutions_get_404_and_bad_input_400(client, token_for):
    _upload(client, token_for("KU"), [record("S-1")])
    assert client.get(URL, headers=token_for("UNIZD")).status_code == 200  # home university
    assert client.get(URL, headers=token_for("AISBL")).status_code == 200  # issues itineraries
    other = client.get(URL, headers=token_for("UCV"))
    assert other.status_code == 404 and other.get_json()["code"] == "NOT_FOUND"
    unknown = client.get("/api/students/UNIZD/NOBODY/progress", headers=token_for("UCV"))
    assert unknown.status_code == 404 and unknown.get_json() == {**unknown.get_json(), "code": "NOT_FOUND"}
    assert client.get(URL).status_code == 401
    bad = client.get(URL + "?as_of=31-12-2024", headers=token_for("KU"))
    assert bad.status_code == 400 and bad.get_json()["code"] == "INVALID_AS_OF"
