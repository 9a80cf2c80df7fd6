"""POST /api/credentials/issue, retrieval in every format, revocation with status lists."""
from __future__ import annotations

import json

from issuer.credentials.jsonld import read_status
from issuer.credentials.statuslist import decode_list, get_bit
from tests.web.helpers import record


def _upload(client, headers, rows):
    response = client.post("/api/completions", data=json.dumps(rows), headers=headers,
                           content_type="application/json")
    assert response.status_code == 200, response.get_json()


def _issue(client, headers, **body):
    response = client.post("/api/credentials/issue", json={"as_of": "2025-01-15", **body}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_issue_due_records_and_explain_the_rest(client, token_for):
    ku = token_for("KU")
    _upload(client, ku, [record("S-1"), record("S-2", classes_attended=1)])
    result = _issue(client, ku)
    assert [(i["student_id"], i["course_code"]) for i in result["issued"]] == [("S-1", "SMUCS-SMART-05A")]
    assert result["not_issued"][0]["student_id"] == "S-2"
    assert [r["code"] for r in result["not_issued"][0]["reasons"]] == ["ATTENDANCE_BELOW_60"]


def test_issue_is_idempotent(client, token_for):
    ku = token_for("KU")
    _upload(client, ku, [record("S-1")])
    first = _issue(client, ku)["issued"][0]["credential"]
    again = _issue(client, ku)["issued"]
    assert [i["credential"] for i in again] == [first]


def test_credential_in_every_format(client, token_for):
    ku = token_for("KU")
    _upload(client, ku, [record("S-1")])
    cid = _issue(client, ku)["issued"][0]["credential"]
    jsonld = client.get(f"/credentials/{cid}")
    assert jsonld.status_code == 200 and jsonld.mimetype == "application/ld+json"
    doc = jsonld.get_json()
    assert doc["id"] == f"urn:uuid:{cid}" and doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert doc["issuer"]["id"] == "did:web:issuer.test:institutions:KU"
    xml = client.get(f"/credentials/{cid}?format=xml")
    assert xml.mimetype == "application/xml" and b"europassCredential" in xml.data and b"SignatureValue" in xml.data
    pdf = client.get(f"/credentials/{cid}", headers={"Accept": "application/pdf"})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    html = client.get(f"/credentials/{cid}?format=html")
    assert html.mimetype == "text/html" and "Žukauskaitė" in html.get_data(as_text=True)
    assert client.get(f"/credentials/{cid}?format=docx").status_code == 400
    assert client.get("/credentials/00000000-0000-4000-8000-000000000000").status_code == 404


def test_revocation_sets_the_status_bit_and_is_permanent(client, token_for):
    ku = token_for("KU")
    _upload(client, ku, [record("S-1")])
    cid = _issue(client, ku)["issued"][0]["credential"]
    doc = client.get(f"/credentials/{cid}").get_json()
    status = read_status(doc)
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    index, list_url = int(status["statusListIndex"]), status["statusListCredential"]
    list_path = list_url.removeprefix("http://issuer.test")

    assert client.post(f"/api/credentials/{cid}/revoke", json={"reason": "x"},
                       headers=token_for("UCV")).status_code == 404  # another's credential
    before = client.get(list_path).get_json()
    assert before["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert not get_bit(decode_list(before["credentialSubject"]["encodedList"]), index)
    response = client.post(f"/api/credentials/{cid}/revoke", json={"reason": "grade corrected"}, headers=ku)
    assert response.status_code == 200 and response.get_json()["revoked"] == [cid]
    after = client.get(list_path).get_json()
    assert get_bit(decode_list(after["credentialSubject"]["encodedList"]), index)
    again = client.post(f"/api/credentials/{cid}/revoke", json={"reason": "again"}, headers=ku)
    assert again.status_code == 409 and again.get_json()["code"] == "ALREADY_REVOKED"


def test_did_document_lists_the_institution_keys(client):
    doc = client.get("/institutions/KU/did.json").get_json()
    assert doc["id"] == "did:web:issuer.test:institutions:KU"
    assert doc["assertionMethod"] and all(m["type"] == "Multikey" for m in doc["verificationMethod"])
    assert client.get("/institutions/NOPE/did.json").status_code == 404
