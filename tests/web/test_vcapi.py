"""W3C VC API ``POST /credentials/issue``: what it signs verifies here and independently; refusals."""
from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from issuer.credentials.contexts import DATA_INTEGRITY_V2, VC_V1, VC_V2
from issuer.errors import InvalidProof
from issuer.signing.did import resolve_verification_method
from issuer.signing.suites import suite_for
from issuer.store import db as store_db
from issuer.store.models import CredentialRow
from issuer.store.repositories import AuditRepository
from tests.unit.signing import node_verifier as nv

KU_DID = "did:web:issuer.test:institutions:KU"
UNIZD_DID = "did:web:issuer.test:institutions:UNIZD"
SUBJECT = {"id": "did:example:learner-1"}
CREDENTIALS = {
    "vc-1.1": {"@context": [VC_V1], "type": ["VerifiableCredential"], "issuer": KU_DID,
               "credentialSubject": SUBJECT},
    "vc-2.0": {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": {"id": KU_DID},
               "name": "Blue economy workshop", "credentialSubject": SUBJECT},
}
DATE_FIELD = {"vc-1.1": "issuanceDate", "vc-2.0": "validFrom"}


def issue(client, credential, headers, **options):
    body = {"credential": credential, **({"options": options} if options else {})}
    return client.post("/credentials/issue", json=body, headers=headers)


def verify_locally(client, secured: dict) -> dict:
    """Check the proof with the key the served DID document lists; returns the proof."""
    did_document = client.get("/institutions/KU/did.json").get_json()
    proof = secured["proof"]
    public_key = resolve_verification_method(did_document, proof["verificationMethod"])
    return suite_for(proof["cryptosuite"]).verify(secured, public_key=public_key)


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    return body


@pytest.fixture(scope="module")
def node_verifier(tmp_path_factory) -> nv.NodeVerifier:
    reason = nv.missing_reason()
    if reason:
        pytest.skip(reason)
    try:
        return nv.install(tmp_path_factory.mktemp("node-verifier"))
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.mark.parametrize("version", sorted(CREDENTIALS))
def test_credential_is_signed_with_the_callers_key_and_completed(client, token_for, version):
    response = issue(client, copy.deepcopy(CREDENTIALS[version]), token_for("KU"))

    assert response.status_code == 201, response.get_json()
    secured = response.get_json()["verifiableCredential"]
    assert secured["id"].startswith("urn:uuid:")
    assert secured[DATE_FIELD[version]].endswith("Z")
    expected_contexts = [VC_V1, DATA_INTEGRITY_V2] if version == "vc-1.1" else [VC_V2]
    assert secured["@context"] == expected_contexts
    proof = verify_locally(client, secured)
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith(KU_DID + "#ed25519-")


def test_supplied_id_and_dates_are_kept(client, token_for):
    credential = {**CREDENTIALS["vc-2.0"], "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
                  "validFrom": "2025-01-31T09:00:00Z", "validUntil": "2030-01-31T09:00:00Z"}
    secured = issue(client, credential, token_for("KU")).get_json()["verifiableCredential"]
    assert {k: secured[k] for k in ("id", "validFrom", "validUntil")} == \
        {k: credential[k] for k in ("id", "validFrom", "validUntil")}
    verify_locally(client, secured)


def test_ecdsa_option_signs_with_the_p256_key(client, token_for):
    response = issue(client, CREDENTIALS["vc-2.0"], token_for("KU"), cryptosuite="ecdsa-rdfc-2019")
    assert response.status_code == 201
    secured = response.get_json()["verifiableCredential"]
    proof = verify_locally(client, secured)
    assert proof["cryptosuite"] == "ecdsa-rdfc-2019"
    assert proof["verificationMethod"].startswith(KU_DID + "#p256-")


def test_tampered_result_no_longer_verifies(client, token_for):
    secured = issue(client, CREDENTIALS["vc-1.1"], token_for("KU")).get_json()["verifiableCredential"]
    secured["credentialSubject"]["id"] = "did:example:someone-else"
    with pytest.raises(InvalidProof, match="signature does not match"):
        verify_locally(client, secured)


@pytest.mark.parametrize("version, cryptosuite", [("vc-1.1", "eddsa-rdfc-2022"),
                                                  ("vc-2.0", "eddsa-rdfc-2022"),
                                                  ("vc-2.0", "ecdsa-rdfc-2019")])
def test_independent_verifier_accepts_the_result(client, token_for, node_verifier, tmp_path,
                                                 version, cryptosuite):
    response = issue(client, CREDENTIALS[version], token_for("KU"), cryptosuite=cryptosuite)
    answer = tmp_path / "answer.json"
    answer.write_text(json.dumps(response.get_json()), encoding="utf-8")
    did_doc = tmp_path / "did.json"
    did_doc.write_text(client.get("/institutions/KU/did.json").get_data(as_text=True),
                       encoding="utf-8")

    result = node_verifier.run(answer, "--strict-contexts", "--did-doc", str(did_doc))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["verified"] is True


def test_only_an_audit_entry_is_kept(app, client, token_for):
    secured = issue(client, CREDENTIALS["vc-2.0"], token_for("KU")).get_json()["verifiableCredential"]
    with app.app_context():
        session = store_db.session()
        entries = AuditRepository(session).entries("credential.sign")
        stored = session.scalar(select(func.count()).select_from(CredentialRow))
    assert [(e["actor"], e["subject"], e["detail"]) for e in entries] == \
        [("KU", secured["id"], {"cryptosuite": "eddsa-rdfc-2022"})]
    assert stored == 0


@pytest.mark.parametrize("issuer", [UNIZD_DID, {"id": UNIZD_DID}, None, 42, "did:web:elsewhere"])
def test_issuer_other_than_the_caller_is_refused(client, token_for, issuer):
    credential = {key: value for key, value in CREDENTIALS["vc-2.0"].items() if key != "issuer"}
    if issuer is not None:
        credential["issuer"] = issuer
    body = problem(issue(client, credential, token_for("KU")), 400, "ISSUER_MISMATCH")
    assert body["expected"] == KU_DID


@pytest.mark.parametrize("change, code", [
    ({"nickname": "Ada"}, "INVALID_DOCUMENT"),  # a term neither context defines
    ({"type": ["VerifiableCredential", "MadeUpCredential"]}, "INVALID_DOCUMENT"),
    ({"id": "relative/credential-1"}, "INVALID_DOCUMENT"),
    ({"credentialSubject": {"id": "learner-1"}}, "INVALID_DOCUMENT"),
    ({"@context": [VC_V2, "https://example.org/contexts/unbundled.jsonld"]}, "UNKNOWN_CONTEXT"),
    ({"@context": ["https://example.org/contexts/unbundled.jsonld"]}, "INVALID_CREDENTIAL"),
    ({"@context": [VC_V1]}, "INVALID_DOCUMENT"),  # validFrom and name are VC 2.0 terms
    ({"@context": [[VC_V2]]}, "INVALID_CREDENTIAL"),
    ({"@context": [{"@vocab": "https://example.org/"}, VC_V2]}, "INVALID_CREDENTIAL"),
    ({"type": ["MadeUpCredential"]}, "INVALID_CREDENTIAL"),
    ({"type": 7}, "INVALID_CREDENTIAL"),
    ({"credentialSubject": []}, "INVALID_CREDENTIAL"),
    ({"credentialSubject": "did:example:learner-1"}, "INVALID_CREDENTIAL"),
    ({"validFrom": "31/01/2025"}, "INVALID_CREDENTIAL"),
    ({"proof": {"type": "DataIntegrityProof"}}, "INVALID_CREDENTIAL"),
])
def test_credential_that_cannot_be_signed_safely_is_a_400_problem(client, token_for, change, code):
    credential = {**CREDENTIALS["vc-2.0"], "validFrom": "2025-01-31T09:00:00Z", **change}
    problem(issue(client, credential, token_for("KU")), 400, code)


@pytest.mark.parametrize("data, content_type, code", [
    (b'{"credential": {', "application/json", "INVALID_JSON"),
    (b"[]", "application/json", "INVALID_JSON"),
    (b"credential=1", "application/x-www-form-urlencoded", "INVALID_JSON"),
    (b"{}", "application/json", "CREDENTIAL_REQUIRED"),
    (b'{"credential": []}', "application/json", "CREDENTIAL_REQUIRED"),
    (b'{"credential": {}, "options": []}', "application/json", "INVALID_OPTIONS"),
    (b'{"credential": {}, "options": {"cryptosuite": "rsa-2048"}}', "application/json",
     "UNSUPPORTED_CRYPTOSUITE"),
    (b'{"credential": {}, "options": {"challenge": "x"}}', "application/json",
     "UNSUPPORTED_OPTION"),
    (b'{"credential": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json", "INVALID_JSON"),
    (b'{"credential": {"a": ' + b'{"a": ' * 100 + b"1" + b"}" * 101 + b"}", "application/json",
     "INVALID_CREDENTIAL"),
])
def test_malformed_request_is_a_400_problem(client, token_for, data, content_type, code):
    response = client.post("/credentials/issue", data=data, content_type=content_type,
                           headers=token_for("KU"))
    problem(response, 400, code)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}])
def test_without_a_valid_token_nothing_is_signed(client, headers):
    problem(issue(client, CREDENTIALS["vc-2.0"], headers), 401, "UNAUTHORIZED")
