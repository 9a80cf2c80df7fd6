"""POST /credentials/verify and ``issuer verify``: issued credentials verify; every tampering,
forgery, revocation, unknown issuer or bad date fails with its own stable code."""
from __future__ import annotations

import copy
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from lxml import etree
from sqlalchemy import delete, select

from issuer import create_app
from issuer.credentials.contexts import VC_V2
from issuer.domain.model import Component, ItineraryAward, ItineraryKind
from issuer.errors import InvalidDocument
from issuer.services.credentials import CredentialService
from issuer.services.documents import award_from_json, sri_digest
from issuer.services.issuance import Catalogue, IssuanceService
from issuer.signing.base import Ed25519Signer
from issuer.signing.did import did_key
from issuer.signing.keys import KeyPurpose, load_public_keys
from issuer.signing.suites import suite_for
from issuer.store import db
from issuer.store.models import InstitutionKeyRow, StudentRow
from tests.conftest import DATA, _config
from tests.web.helpers import KU_AUTUMN, record

EDDSA = "eddsa-rdfc-2022"
SNB = "http://data.europa.eu/snb"
DS = "http://www.w3.org/2000/09/xmldsig#"
NOT_CHECKED = "NOT_CHECKED"


# --- helpers -------------------------------------------------------------------------------------

def issue(client, headers, *rows) -> list[str]:
    """Upload completion rows for the token's institution and issue them; the credential ids."""
    rows = rows or (record("S-1"),)
    response = client.post("/api/completions", json=list(rows), headers=headers)
    assert response.status_code == 200, response.get_json()
    response = client.post("/api/credentials/issue", json={"as_of": "2025-01-15"}, headers=headers)
    assert response.status_code == 200, response.get_json()
    issued = {(e["student_id"], e["course_code"]): e["credential"] for e in response.get_json()["issued"]}
    return [issued[(row["student_id"], row["course_code"])] for row in rows]


def verify(client, document=None, *, xml: bytes | None = None):
    if xml is not None:
        return client.post("/credentials/verify", data=xml, content_type="application/xml")
    return client.post("/credentials/verify", json={"verifiableCredential": document})


def codes(body: dict) -> dict[str, str]:
    return {c["check"]: c["code"] for c in body["checks"]}


def assert_fails(response, check: str, code: str) -> dict:
    body = response.get_json()
    assert response.status_code == 400, body
    assert body["verified"] is False
    assert codes(body)[check] == code, body["checks"]
    assert code in [p["code"] for p in body["problemDetails"]]
    return body


def assert_untrusted_after(body: dict, check: str) -> None:
    """The checks after ``check`` that read content were not run, and nothing is shown."""
    names = [c["check"] for c in body["checks"]]
    later = names[names.index(check) + 1:]
    assert all(not c["ok"] for c in body["checks"] if c["check"] in later)
    assert {codes(body)[n] for n in later if n != "issuer"} <= {NOT_CHECKED}
    assert "credential" not in body


def resign(app, doc: dict, *, code: str = "KU", created: datetime | None = None, signer=None) -> dict:
    """``doc`` signed again (its proof replaced) with ``code``'s current key or ``signer``."""
    unsigned = {k: v for k, v in copy.deepcopy(doc).items() if k != "proof"}
    signer = signer or app.extensions["issuer.keystore"].signer(code, EDDSA)
    return suite_for(EDDSA).add_proof(unsigned, signer=signer, created=created or datetime.now(UTC))


@pytest.fixture
def ku(token_for):
    return token_for("KU")


@pytest.fixture
def issued(client, ku) -> str:
    return issue(client, ku)[0]


@pytest.fixture
def jsonld(client, issued) -> dict:
    return client.get(f"/credentials/{issued}").get_json()


@pytest.fixture
def xml(client, issued) -> bytes:
    return client.get(f"/credentials/{issued}?format=xml").data


# --- issued credentials verify -------------------------------------------------------------------

def test_an_issued_jsonld_credential_verifies_with_its_summary(client, issued, jsonld):
    response = verify(client, jsonld)
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["verified"] is True and body["problemDetails"] == []
    assert [c["check"] for c in body["checks"]] == ["format", "proof", "issuer", "validity", "status", "components"]
    assert all(c["ok"] and c["code"] == "OK" for c in body["checks"])
    summary = body["credential"]
    assert summary["learner"] == "Gabrielė Žukauskaitė"
    assert summary["issuer"] == {"code": "KU", "name": "Klaipėda University"}
    assert (summary["kind"], summary["course_code"], summary["ects"], summary["grade"]) == \
        ("individual", "SMUCS-SMART-05A", 1, "8.5")
    assert summary["title"] and summary["learning_outcomes"] and summary["components"] == []
    assert summary["issued"] == jsonld["issued"] and summary["id"] == f"urn:uuid:{issued}"


def test_a_bare_credential_body_verifies_too(client, jsonld):
    response = client.post("/credentials/verify", json=jsonld)
    assert response.status_code == 200 and response.get_json()["verified"] is True


def test_an_issued_xml_credential_verifies_with_the_same_summary(client, jsonld, xml):
    response = verify(client, xml=xml)
    body = response.get_json()
    assert response.status_code == 200, body
    assert all(c["ok"] for c in body["checks"])
    from_json = verify(client, jsonld).get_json()["credential"]
    for field in ("id", "learner", "learner_id", "issuer", "kind", "course_code", "ects", "grade", "issued",
                  "learning_outcomes"):
        assert body["credential"][field] == from_json[field], field
    text_xml = client.post("/credentials/verify", data=xml, content_type="text/xml")
    assert text_xml.status_code == 200


# --- JSON-LD tampering ---------------------------------------------------------------------------

def _grade(doc):
    doc["credentialSubject"]["hasClaim"]["provenBy"]["grade"]["noteLiteral"]["en"] = "10"


def _proof_value(doc):
    value = doc["proof"]["proofValue"]
    middle = len(value) // 2
    doc["proof"]["proofValue"] = value[:middle] + ("2" if value[middle] != "2" else "3") + value[middle + 1:]


def _extra_context(doc):
    doc["@context"] = [*doc["@context"], "https://www.w3.org/ns/credentials/examples/v2"]


def _undefined_term(doc):
    doc["credentialSubject"]["hasClaim"]["favouriteColour"] = "blue"


def _nested_context(doc):
    doc["credentialSubject"]["@context"] = {"nickname": "http://xmlns.com/foaf/0.1/nick"}


def _foreign_context(doc):
    doc["@context"] = [doc["@context"][0], "https://example.org/my-context", doc["@context"][2]]


def _no_proof(doc):
    del doc["proof"]


def _proof_set(doc):
    doc["proof"] = [doc["proof"], doc["proof"]]


def _cryptosuite(doc):
    doc["proof"]["cryptosuite"] = "bbs-2023"


def _retyped(doc):
    doc["type"] = ["EuropeanDigitalCredential"]


@pytest.mark.parametrize("tamper, check, code", [
    (_grade, "proof", "PROOF_INVALID"),
    (_proof_value, "proof", "PROOF_INVALID"),
    (_extra_context, "format", "UNEXPECTED_CONTEXT"),
    (_foreign_context, "format", "UNEXPECTED_CONTEXT"),
    (_nested_context, "format", "UNEXPECTED_CONTEXT"),
    (_undefined_term, "format", "INVALID_DOCUMENT"),
    (_retyped, "format", "MALFORMED"),
    (_no_proof, "proof", "PROOF_MISSING"),
    (_proof_set, "proof", "PROOF_INVALID"),
    (_cryptosuite, "proof", "UNSUPPORTED_CRYPTOSUITE"),
], ids=lambda v: v.__name__.strip("_") if callable(v) else None)
def test_a_changed_credential_fails_with_its_code(client, jsonld, tamper, check, code):
    tampered = copy.deepcopy(jsonld)
    tamper(tampered)
    body = assert_fails(verify(client, tampered), check, code)
    assert_untrusted_after(body, check)


def test_an_undefined_term_fails_even_when_signed(app, client, jsonld):
    """The issuer's own key cannot make an undefined term acceptable (it would not be signed)."""
    doc = copy.deepcopy(jsonld)
    _undefined_term(doc)
    with pytest.raises(InvalidDocument, match="not defined"):
        resign(app, doc)
    doc = copy.deepcopy(jsonld)
    doc["@context"] = [*doc["@context"], VC_V2]  # graph-changing and not the EDC contexts
    assert_fails(verify(client, doc), "format", "UNEXPECTED_CONTEXT")


# --- forgery and unknown issuers -----------------------------------------------------------------

def test_signed_with_another_institutions_key_but_naming_ku_fails(app, client, jsonld):
    forged = resign(app, jsonld, code="UCV")
    assert forged["issuer"]["id"].endswith(":KU") and ":UCV#" in forged["proof"]["verificationMethod"]
    body = assert_fails(verify(client, forged), "issuer", "ISSUER_KEY_MISMATCH")
    assert codes(body)["proof"] == "OK"
    assert_untrusted_after(body, "issuer")


def _foreign_signer(did: str | None = None):
    key = ed25519.Ed25519PrivateKey.generate()
    if did is None:
        did = did_key(key.public_key())
        return Ed25519Signer(key, f"{did}#{did.removeprefix('did:key:')}"), did
    return Ed25519Signer(key, f"{did}#key-1"), did


@pytest.mark.parametrize("did", ["did:web:evil.example:institutions:KU", None], ids=["did-web", "did-key"])
def test_an_issuer_that_is_not_ours_fails(app, client, jsonld, did):
    signer, did = _foreign_signer(did)
    doc = copy.deepcopy(jsonld)
    doc["issuer"]["id"] = did
    forged = resign(app, doc, signer=signer)
    body = assert_fails(verify(client, forged), "issuer", "UNKNOWN_ISSUER")
    assert codes(body)["proof"] == "UNKNOWN_VERIFICATION_METHOD"
    assert_untrusted_after(body, "issuer")


def test_a_did_key_of_our_institution_verifies(app, client, jsonld):
    ring = app.extensions["issuer.keystore"].ring("KU")
    did = did_key(ring.current(KeyPurpose.EDDSA).public_key())
    doc = copy.deepcopy(jsonld)
    doc["issuer"]["id"] = did
    signed = resign(app, doc, signer=ring.signer(KeyPurpose.EDDSA, controller=did))
    response = verify(client, signed)
    assert response.status_code == 200, response.get_json()
    naming_web = resign(app, jsonld, signer=ring.signer(KeyPurpose.EDDSA, controller=did))
    assert_fails(verify(client, naming_web), "issuer", "ISSUER_KEY_MISMATCH")


def test_an_unknown_key_id_of_our_institution_fails(app, client, jsonld):
    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.generate(), f"{jsonld['issuer']['id']}#ed25519-0000")
    body = assert_fails(verify(client, resign(app, jsonld, signer=signer)), "proof", "UNKNOWN_VERIFICATION_METHOD")
    assert codes(body)["issuer"] == NOT_CHECKED


# --- dates ---------------------------------------------------------------------------------------

def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_expired_credential_fails(app, client, jsonld):
    doc = copy.deepcopy(jsonld)
    doc["validUntil"] = doc["expirationDate"] = _stamp(datetime.now(UTC) - timedelta(days=1))
    body = assert_fails(verify(client, resign(app, doc)), "validity", "EXPIRED")
    assert body["credential"]["learner"]  # the proof holds: what it says can be shown
    later = copy.deepcopy(jsonld)
    later["validUntil"] = later["expirationDate"] = _stamp(datetime.now(UTC) + timedelta(days=30))
    assert verify(client, resign(app, later)).status_code == 200


def test_a_credential_not_yet_valid_fails(app, client, jsonld):
    doc = copy.deepcopy(jsonld)
    doc["validFrom"] = doc["issuanceDate"] = _stamp(datetime.now(UTC) + timedelta(days=2))
    assert_fails(verify(client, resign(app, doc)), "validity", "NOT_YET_VALID")


def test_a_proof_created_in_the_future_fails(app, client, jsonld):
    future = resign(app, jsonld, created=datetime.now(UTC) + timedelta(hours=1))
    assert_fails(verify(client, future), "validity", "CREATED_IN_FUTURE")


def test_a_proof_created_before_the_key_existed_fails(app, client, jsonld):
    old = resign(app, jsonld, created=datetime(2001, 1, 1, tzinfo=UTC))
    assert_fails(verify(client, old), "issuer", "KEY_NOT_VALID_AT_CREATION")


# --- status --------------------------------------------------------------------------------------

def test_a_revoked_credential_fails_in_both_formats(client, ku, issued, jsonld, xml):
    response = client.post(f"/api/credentials/{issued}/revoke", json={"reason": "grade corrected"}, headers=ku)
    assert response.status_code == 200
    body = assert_fails(verify(client, jsonld), "status", "REVOKED")
    assert body["credential"]["course_code"] == "SMUCS-SMART-05A"
    assert_fails(verify(client, xml=xml), "status", "REVOKED")


def test_a_status_list_that_is_not_ours_fails(app, client, jsonld):
    doc = copy.deepcopy(jsonld)
    status = doc["credentialStatus"]
    list_key = "https://www.w3.org/ns/credentials/status#statusListCredential"
    status[list_key] = {"id": status[list_key]["id"].replace("KU-1", "KU-99")}
    assert_fails(verify(client, resign(app, doc)), "status", "STATUS_UNKNOWN")
    del doc["credentialStatus"]
    doc["id"] = f"urn:uuid:{uuid.uuid4()}"
    assert_fails(verify(client, resign(app, doc)), "status", "STATUS_UNKNOWN")


# --- XML -----------------------------------------------------------------------------------------

def test_an_xml_credential_with_one_changed_character_fails(client, xml):
    assert "Žukauskaitė".encode() in xml
    changed = xml.replace("Žukauskaitė".encode(), "Žukauskaite".encode(), 1)
    body = assert_fails(verify(client, xml=changed), "proof", "PROOF_INVALID")
    assert_untrusted_after(body, "proof")


def _signature(root):
    return root.find(f"{{{SNB}}}proof/{{{DS}}}Signature")


def test_an_xml_signature_moved_onto_a_forged_copy_fails(client, xml):
    original = etree.fromstring(xml)
    forged = copy.deepcopy(original)
    for text in forged.iter(f"{{{SNB}}}text"):
        if text.text == "Žukauskaitė":
            text.text = "Mallory"
    # the signature stays on the forged copy: it does not cover it
    body = assert_fails(verify(client, xml=etree.tostring(forged, xml_declaration=True, encoding="UTF-8")),
                        "proof", "PROOF_INVALID")
    assert_untrusted_after(body, "proof")
    # the signed original hidden inside the forged copy (signature wrapping): the schema's
    # identity constraints already refuse the second copy of every node; the signature check
    # refuses it too (tests/unit/signing/test_xmldsig.py)
    hidden = copy.deepcopy(original)
    hidden.find(f"{{{SNB}}}proof").remove(_signature(hidden))
    child = etree.SubElement(etree.SubElement(forged, f"{{{SNB}}}childCredentials"),
                             f"{{{SNB}}}childCredential", id="c1")
    child.append(hidden)
    body = assert_fails(verify(client, xml=etree.tostring(forged, xml_declaration=True, encoding="UTF-8")),
                        "format", "SCHEMA_INVALID")
    assert_untrusted_after(body, "format")


def test_xml_with_a_dtd_or_an_external_entity_fails(client, xml):
    declaration, _, rest = xml.partition(b"?>")
    with_dtd = declaration + b'?><!DOCTYPE europassCredential [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + rest
    assert_fails(verify(client, xml=with_dtd), "format", "INVALID_XML")


@pytest.mark.parametrize("path", sorted((DATA / "hostile_xml").glob("*.xml")), ids=lambda p: p.name)
def test_hostile_xml_fails_as_invalid_xml(client, path):
    body = assert_fails(verify(client, xml=path.read_bytes()), "format", "INVALID_XML")
    assert_untrusted_after(body, "format")


def test_xml_that_is_not_schema_valid_fails(client, xml):
    root = etree.fromstring(xml)
    etree.SubElement(root, f"{{{SNB}}}unexpected").text = "x"
    assert_fails(verify(client, xml=etree.tostring(root)), "format", "SCHEMA_INVALID")


# --- bodies --------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"not json at all", b"[1, 2, 3]", b'{"verifiableCredential": "text"}', b'{"a": 1, "a": 2}',
    b'{"verifiableCredential": {"x": NaN}}', b"[" * 100 + b"]" * 100, b'{"a":' * 70 + b"1" + b"}" * 70,
], ids=["text", "array", "string", "duplicate-keys", "nan", "deep-array", "deep-object"])
def test_malformed_bodies_fail(client, body):
    response = client.post("/credentials/verify", data=body, content_type="application/json")
    body = assert_fails(response, "format", "MALFORMED")
    assert_untrusted_after(body, "format")


def test_documents_that_would_make_canonicalization_explode_are_refused_at_once(client, jsonld):
    """RDFC-1.0 is exponential over look-alike blank nodes (an 8x2 tree takes pyld seconds, a
    7-clique more); the verifier is public, so such documents never reach canonicalization."""
    ex = "https://example.org/"
    plain = {"@context": [VC_V2], "type": ["VerifiableCredential"], "issuer": jsonld["issuer"]["id"],
             "proof": jsonld["proof"]}
    clique = [{"id": f"_:b{i}", ex + "knows": [{"id": f"_:b{j}"} for j in range(8) if j != i]} for i in range(8)]
    tree = [{ex + "member": [{ex + "name": "x"} for _ in range(8)]} for _ in range(2)]
    for nodes in (clique, tree):
        started = time.monotonic()
        body = assert_fails(verify(client, {**plain, "credentialSubject": {ex + "group": nodes}}), "format", "MALFORMED")
        assert time.monotonic() - started < 5, body
    poisoned_proof = copy.deepcopy(jsonld)
    poisoned_proof["proof"][ex + "extra"] = tree
    assert_fails(verify(client, poisoned_proof), "proof", "PROOF_INVALID")


def test_a_body_over_the_limit_is_413(client):
    response = client.post("/credentials/verify", data=b" " * (2 * 1024 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json" and response.get_json()["code"] == "BODY_TOO_LARGE"


def test_a_deep_credential_object_is_refused_before_processing(app):
    from issuer.services.verification import VerificationService

    deep: dict = {}
    node = deep
    for _ in range(200):
        node["x"] = {}
        node = node["x"]
    with app.app_context():
        service = VerificationService(db.session(), keystore=app.extensions["issuer.keystore"],
                                      public_url=app.config["PUBLIC_URL"])
        result = service.verify_jsonld({"@context": [VC_V2], "type": ["VerifiableCredential"], "deep": deep},
                                       now=datetime.now(UTC))
    assert not result.verified and result.checks[0].code == "MALFORMED"


# --- itineraries: components ---------------------------------------------------------------------

def _itinerary(app, component_ids: list[str], *, digest_of=None, unknown: bool = False) -> str:
    """Store an interdisciplinary certificate (signed by AISBL) over the given individual ones."""
    with app.app_context():
        session = db.session()
        catalogue = Catalogue.load(session)
        stored = [CredentialService(session, public_url=app.config["PUBLIC_URL"]).get(c) for c in component_ids]
        awards = [award_from_json(s.kind, s.award) for s in stored]
        components = tuple(
            Component(credential_id=f"urn:uuid:{uuid.uuid4()}" if unknown else s.uri, course_code=a.course.code,
                      semester=a.course.semester, title=a.course.title, sector=a.course.sector,
                      sector_name=a.sector_name, host=s.issuer,
                      digest_sri=digest_of(s) if digest_of else s.digest_sri)
            for s, a in zip(stored, awards))
        learner = awards[0].learner
        award = ItineraryAward(kind=ItineraryKind.INTERDISCIPLINARY, sector=None, sector_name=None, learner=learner,
                               issuer=catalogue.institutions["AISBL"], semester="2024-autumn", components=components)
        student_pk = session.scalar(select(StudentRow.id).where(
            StudentRow.home_university == learner.home_university, StudentRow.student_id == learner.student_id))
        service = IssuanceService(session, keystore=app.extensions["issuer.keystore"],
                                  public_url=app.config["PUBLIC_URL"], holidays=frozenset())
        return service.store(award, award_key=f"test-itinerary:{uuid.uuid4()}", student_pk=student_pk,
                             kind="interdisciplinary", course_code=None, semester="2024-autumn", sector=None,
                             completed_on=None, institutions=catalogue.institutions, now=datetime.now(UTC),
                             components=[] if unknown else [s.id for s in stored])


@pytest.fixture
def components(client, ku) -> list[str]:
    return issue(client, ku, *(record("S-7", code) for code in KU_AUTUMN[:3]))


def test_an_itinerary_verifies_its_components(app, client, components):
    itinerary = _itinerary(app, components)
    for fmt in ("jsonld", "xml"):
        response = client.post("/credentials/verify", data=client.get(f"/credentials/{itinerary}?format={fmt}").data,
                               content_type="application/xml" if fmt == "xml" else "application/json")
        body = response.get_json()
        assert response.status_code == 200, body
        assert body["credential"]["kind"] == "interdisciplinary"
        assert body["credential"]["issuer"]["code"] == "AISBL"
        assert [c["course_code"] for c in body["credential"]["components"]] == KU_AUTUMN[:3]
        assert all(c["credential"].startswith("urn:uuid:") and c["sector"] and c["semester"] == "2024-autumn"
                   for c in body["credential"]["components"])


def test_an_itinerary_with_a_wrong_component_digest_fails(app, client, components):
    itinerary = _itinerary(app, components, digest_of=lambda s: sri_digest(b"something else"))
    assert_fails(verify(client, client.get(f"/credentials/{itinerary}").get_json()),
                 "components", "COMPONENT_DIGEST_MISMATCH")
    assert_fails(verify(client, xml=client.get(f"/credentials/{itinerary}?format=xml").data),
                 "components", "COMPONENT_DIGEST_MISMATCH")


def test_an_itinerary_with_an_unknown_component_fails(app, client, components):
    itinerary = _itinerary(app, components, unknown=True)
    assert_fails(verify(client, client.get(f"/credentials/{itinerary}").get_json()), "components", "COMPONENT_UNKNOWN")


def test_an_itinerary_with_a_revoked_component_fails(app, client, ku, components):
    itinerary = _itinerary(app, components)
    document = client.get(f"/credentials/{itinerary}").get_json()
    response = client.post(f"/api/credentials/{components[1]}/revoke", json={"reason": "grade corrected"}, headers=ku)
    assert response.get_json()["revoked"] == [components[1], itinerary]  # the cascade
    body = assert_fails(verify(client, document), "components", "COMPONENT_REVOKED")
    assert codes(body)["status"] == "REVOKED"


def test_an_itinerary_over_another_learners_credential_fails(app, client, ku, components):
    other = issue(client, ku, record("S-8", KU_AUTUMN[3]))
    itinerary = _itinerary(app, [*components, *other])
    assert_fails(verify(client, client.get(f"/credentials/{itinerary}").get_json()), "components", "COMPONENT_INVALID")


def test_itineraries_from_a_semester_close_verify(client, token_for):
    from tests.web.test_closing import _plan, _upload_and_issue

    _upload_and_issue(client, token_for, _plan())
    report = client.post("/api/semesters/2025-spring/close", headers=token_for("AISBL")).get_json()
    assert len(report["issued"]) == 2
    for itinerary in report["issued"]:
        for fmt, content_type in (("jsonld", "application/json"), ("xml", "application/xml")):
            data = client.get(f"/credentials/{itinerary['credential']}?format={fmt}").data
            response = client.post("/credentials/verify", data=data, content_type=content_type)
            body = response.get_json()
            assert response.status_code == 200, body
            assert body["credential"]["kind"] == itinerary["kind"] and body["credential"]["ects"] == 6
            assert len(body["credential"]["components"]) == 6


# --- VC API credentials --------------------------------------------------------------------------

@pytest.mark.parametrize("context, cryptosuite", [
    ("https://www.w3.org/2018/credentials/v1", "eddsa-rdfc-2022"),
    (VC_V2, "eddsa-rdfc-2022"),
    (VC_V2, "ecdsa-rdfc-2019"),
])
def test_a_credential_signed_through_the_vc_api_verifies(client, ku, context, cryptosuite):
    credential = {"@context": [context], "type": ["VerifiableCredential"],
                  "issuer": "did:web:issuer.test:institutions:KU", "credentialSubject": {"id": "did:example:1"}}
    signed = client.post("/credentials/issue", json={"credential": credential, "options": {"cryptosuite": cryptosuite}},
                         headers=ku)
    assert signed.status_code == 201, signed.get_json()
    response = verify(client, signed.get_json()["verifiableCredential"])
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["credential"]["issuer"]["code"] == "KU" and body["credential"]["kind"] is None
    tampered = copy.deepcopy(signed.get_json()["verifiableCredential"])
    tampered["credentialSubject"]["id"] = "did:example:2"
    assert_fails(verify(client, tampered), "proof", "PROOF_INVALID")


def test_a_plain_credential_with_a_foreign_context_fails(app, client, jsonld):
    credential = {"@context": [VC_V2, "https://example.org/context"], "type": ["VerifiableCredential"],
                  "issuer": jsonld["issuer"]["id"], "credentialSubject": {"id": "did:example:1"}}
    assert_fails(verify(client, credential), "format", "UNKNOWN_CONTEXT")


# --- command line --------------------------------------------------------------------------------

def test_issuer_verify_exit_codes(runner, tmp_path, jsonld, xml):
    good, bad, xml_file = tmp_path / "good.jsonld", tmp_path / "bad.jsonld", tmp_path / "c.xml"
    good.write_text(json.dumps(jsonld), encoding="utf-8")
    tampered = copy.deepcopy(jsonld)
    _grade(tampered)
    bad.write_text(json.dumps({"verifiableCredential": tampered}), encoding="utf-8")
    xml_file.write_bytes(xml)

    result = runner.invoke(args=["verify", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "verified" and "proof" in result.output
    assert runner.invoke(args=["verify", str(xml_file)]).exit_code == 0
    result = runner.invoke(args=["verify", str(bad)])
    assert result.exit_code == 1 and "PROOF_INVALID" in result.output and "NOT verified" in result.output
    result = runner.invoke(args=["verify", "--json", str(bad)])
    assert result.exit_code == 1 and json.loads(result.output)["verified"] is False


def test_verify_and_keys_have_help(runner):
    for args in (["verify"], ["keys"], ["keys", "rotate"]):
        result = runner.invoke(args=[*args, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


# --- key rotation --------------------------------------------------------------------------------

@pytest.fixture
def rotating_app(app, tmp_path):
    """A second app on the same database with its own keys folder (the shared one stays unrotated);
    its key rows leave the database afterwards."""
    keys_dir = tmp_path / "keys"
    own = create_app(_config(app.config["DATABASE_URL"], keys_dir))
    result = own.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    yield own
    ids = {r.key_id for folder in (keys_dir / "institutions").iterdir()
           for r in load_public_keys(keys_dir, folder.name)}
    with own.app_context():
        db.session().execute(delete(InstitutionKeyRow).where(InstitutionKeyRow.key_id.in_(ids)))
        db.session().commit()
    own.extensions["issuer.engine"].dispose()


def test_keys_rotate_keeps_earlier_credentials_verifying(rotating_app, token_for):
    client = rotating_app.test_client()
    ku = token_for("KU")
    before = issue(client, ku, record("S-1"))[0]
    old_doc = client.get(f"/credentials/{before}").get_json()

    old_signer = rotating_app.extensions["issuer.keystore"].signer("KU", EDDSA)

    result = rotating_app.test_cli_runner().invoke(args=["keys", "rotate", "KU"])
    assert result.exit_code == 0, result.output
    new_ids = result.output.split()
    assert len(new_ids) == 2 and old_signer.key_id.split("#")[1] not in new_ids

    response = verify(client, old_doc)
    assert response.status_code == 200, response.get_json()
    assert verify(client, xml=client.get(f"/credentials/{before}?format=xml").data).status_code == 200

    after = issue(client, ku, record("S-2"))[0]
    new_doc = client.get(f"/credentials/{after}").get_json()
    new_vm = new_doc["proof"]["verificationMethod"]
    assert new_vm != old_doc["proof"]["verificationMethod"] and new_vm.split("#")[1] in new_ids
    assert verify(client, new_doc).status_code == 200
    did = client.get("/institutions/KU/did.json").get_json()
    assert {old_doc["proof"]["verificationMethod"], new_vm} <= set(did["assertionMethod"])

    # a retired key signs nothing dated after its retirement; a new key nothing dated before it
    late = resign(rotating_app, old_doc, signer=old_signer, created=datetime.now(UTC) + timedelta(seconds=2))
    assert_fails(verify(client, late), "issuer", "KEY_NOT_VALID_AT_CREATION")
    early = resign(rotating_app, old_doc, created=datetime(2020, 1, 1, tzinfo=UTC))
    assert_fails(verify(client, early), "issuer", "KEY_NOT_VALID_AT_CREATION")


def test_keys_rotate_refuses_an_unknown_institution(runner):
    result = runner.invoke(args=["keys", "rotate", "NOPE"])
    assert result.exit_code != 0 and "unknown institution" in result.output
