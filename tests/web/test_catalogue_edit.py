"""Editing the catalogue through the API: a host maintains its own runs; others see 404."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, tuple_

from issuer.services.reference import read_reference_files, store_reference_data
from issuer.store import db
from issuer.store.models import MicroCredentialRow

URL = "/api/catalogue/micro-credentials/2025-spring/"


@pytest.fixture(autouse=True)
def restore_catalogue(app):
    """The catalogue is reference data shared by the run's tests: put the bundled one back."""
    yield
    data = read_reference_files(app.config["INSTITUTIONS_FILE"], app.config["CATALOGUE_FILE"])
    with app.app_context():
        session = db.session()
        keep = [(c.code, c.semester) for c in data.courses]
        session.execute(delete(MicroCredentialRow).where(
            tuple_(MicroCredentialRow.code, MicroCredentialRow.semester_id).not_in(keep)))
        store_reference_data(session, data)
        session.commit()


def _run(client, code: str, semester: str = "2025-spring") -> dict:
    runs = client.get("/catalogue").get_json()["micro_credentials"]
    return next(r for r in runs if (r["code"], r["semester"]) == (code, semester))


def test_host_updates_its_run_and_the_catalogue_shows_it(client, token_for):
    run = _run(client, "SMUCS-SMART-05A")  # hosted by KU
    changed = {**run, "title": "Cybersecurity for ports, cities and their people", "workload_hours": 30}
    response = client.put(URL + "SMUCS-SMART-05A", json=changed, headers=token_for("KU"))
    assert response.status_code == 200, response.get_json()
    assert _run(client, "SMUCS-SMART-05A")["title"] == changed["title"]
    assert _run(client, "SMUCS-SMART-05A")["workload_hours"] == 30


def test_host_creates_a_new_run(client, token_for):
    run = _run(client, "SMUCS-SMART-05A")
    new = {**run, "code": "SMUCS-SMART-99Z", "title": "Digital twins of harbours"}
    response = client.put(URL + "SMUCS-SMART-99Z", json=new, headers=token_for("KU"))
    assert response.status_code == 201, response.get_json()
    assert _run(client, "SMUCS-SMART-99Z")["host"] == "KU"


def test_another_institutions_run_is_404_and_bad_fields_are_named(client, token_for):
    run = _run(client, "SMUCS-SMART-05A")
    assert client.put(URL + "SMUCS-SMART-05A", json=run, headers=token_for("UCV")).status_code == 404
    bad = {**run, "ects": 3, "workload_hours": 80, "thematic_area": "BLUE-01", "end_date": "2025-01-01"}
    response = client.put(URL + "SMUCS-SMART-05A", json=bad, headers=token_for("KU"))
    assert response.status_code == 400
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"ects", "workload_hours", "thematic_area", "end_date"} <= fields
    assert _run(client, "SMUCS-SMART-05A")["ects"] == 1
    assert client.put(URL + "SMUCS-SMART-05A", json=run).status_code == 401
