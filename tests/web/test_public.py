"""Public endpoints: health and catalogue, on both databases."""
from __future__ import annotations


def test_health_reports_database_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_catalogue_has_six_sectors_of_eight_areas_each_covered(client):
    body = client.get("/catalogue").get_json()
    assert [s["id"] for s in body["semesters"]] == ["2024-autumn", "2025-spring"]
    assert len(body["sectors"]) == 6
    assert all(len(s["thematic_areas"]) == 8 for s in body["sectors"])
    covered = {m["thematic_area"] for m in body["micro_credentials"]}
    assert covered == {a["code"] for s in body["sectors"] for a in s["thematic_areas"]}
    smart = next(s for s in body["sectors"] if s["code"] == "SMART")
    assert smart["name"] == "Smart" and "Industry 4.0" in {a["name"] for a in smart["thematic_areas"]}


def test_catalogue_entries_have_the_contract_fields(client):
    body = client.get("/catalogue").get_json()
    required = {"code", "title", "sector", "thematic_area", "host", "semester", "ects", "workload_hours",
                "delivery", "classes_total", "start_date", "end_date", "learning_outcomes", "grading"}
    for entry in body["micro_credentials"]:
        assert required <= entry.keys(), entry["code"]
        assert entry["ects"] == 1 and 25 <= entry["workload_hours"] <= 30
        assert entry["host"] != "AISBL"
    runs = {(m["code"], m["semester"]) for m in body["micro_credentials"]}
    assert len(runs) == len(body["micro_credentials"])
    both = {c for c, s in runs if s == "2024-autumn"} & {c for c, s in runs if s == "2025-spring"}
    assert both, "some courses run in both semesters under one code"


def test_unknown_path_is_a_problem_document(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "NOT_FOUND"
