"""The OpenAPI 3.1 description of the HTTP interface (SPEC section 4), as data.

``tests/web/test_openapi.py`` holds it to the app's routes in both directions and runs
schemathesis against it, so a route added without a description here fails the tests.
"""
from __future__ import annotations

import copy

PROBLEM = "application/problem+json"
_REF = "#/components/schemas/"


def document() -> dict:
    """A fresh copy of the OpenAPI document (callers may add ``servers``)."""
    return copy.deepcopy(_DOCUMENT)


def _ref(name: str) -> dict:
    return {"$ref": _REF + name}


def _json(schema: dict, description: str, media_type: str = "application/json") -> dict:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _problem(description: str, schema: str = "Problem") -> dict:
    return _json(_ref(schema), description, PROBLEM)


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _path_param(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", "minLength": 1, **schema}}


_AUTH = [{"bearerAuth": []}]
_UNAUTHORIZED = _problem("no bearer token, or one that is unknown or revoked")
_BAD_REQUEST = _problem("the request is malformed (see ``code``)")
_NOT_FOUND = _problem("no such resource, or one of another institution")
_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date"}
_DATETIME = {"type": "string", "format": "date-time"}
_NULLABLE_TEXT = {"type": ["string", "null"]}
_DID = {"type": "string", "pattern": "^did:[a-z0-9]+:"}
_COUNT = {"type": "integer", "minimum": 0}
# text a record field accepts: 1 to 200 characters, not blank, no control characters
_FIELD_TEXT = {"type": "string", "minLength": 1, "maxLength": 200,
               "pattern": r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f]"
                          r"[^\x00-\x1f\x7f-\x9f]*$"}

# A credential id as ``GET /credentials/{credential_id}`` takes it (an opaque string).
_CREDENTIAL_ID = _path_param("credential_id", "the credential's id (the last part of its URL)")

_SCHEMAS: dict[str, dict] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details with a stable ``code``; more fields may follow.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": _TEXT, "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": _TEXT, "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
        },
    },
    "UploadProblem": {
        "allOf": [_ref("Problem"), {
            "type": "object", "required": ["errors"],
            "properties": {"errors": {"type": "array", "items": _ref("UploadError")}},
        }],
    },
    "UploadError": {
        "type": "object", "required": ["row", "field", "reason"],
        "properties": {"row": {"type": ["integer", "null"], "minimum": 1,
                               "description": "data row from 1 (the header not counted); null for "
                                              "the whole file"},
                       "field": _NULLABLE_TEXT, "reason": _TEXT},
    },
    "Reason": {
        "type": "object", "required": ["code", "detail"],
        "description": "why something is (not) due; extra fields where useful (sectors, have, need)",
        "properties": {"code": _TEXT, "detail": _TEXT},
    },
    "Health": {
        "type": "object", "required": ["status", "database"],
        "properties": {"status": {"enum": ["ok", "degraded"]},
                       "database": {"enum": ["ok", "unreachable"]}},
    },
    "Catalogue": {
        "type": "object", "required": ["semesters", "sectors", "micro_credentials"],
        "properties": {
            "semesters": {"type": "array", "items": {
                "type": "object", "required": ["id", "start_date", "end_date"],
                "properties": {"id": _TEXT, "start_date": _DATE, "end_date": _DATE}}},
            "sectors": {"type": "array", "items": {
                "type": "object", "required": ["code", "name", "thematic_areas"],
                "properties": {"code": _TEXT, "name": _TEXT, "thematic_areas": {
                    "type": "array", "items": {"type": "object", "required": ["code", "name"],
                                               "properties": {"code": _TEXT, "name": _TEXT}}}}}},
            "micro_credentials": {"type": "array", "items": _ref("MicroCredential")},
        },
    },
    "MicroCredential": {
        "type": "object",
        "description": "one run of a course in a semester (a course run twice keeps its code)",
        "required": ["code", "title", "sector", "thematic_area", "host", "semester", "ects",
                     "workload_hours", "delivery", "classes_total", "start_date", "end_date",
                     "learning_outcomes", "grading"],
        "properties": {
            "code": _TEXT, "title": _TEXT, "sector": _TEXT, "thematic_area": _TEXT, "host": _TEXT,
            "semester": _TEXT, "ects": {"type": "integer"}, "workload_hours": {"type": "integer"},
            "delivery": _TEXT, "classes_total": {"type": ["integer", "null"]},
            "start_date": _DATE, "end_date": _DATE,
            "learning_outcomes": {"type": "array", "items": {
                "type": "object", "required": ["title"],
                "properties": {"title": _TEXT, "esco_uri": _NULLABLE_TEXT}}},
            "grading": {"type": "object",
                        "required": ["scale", "minimum", "maximum", "pass_mark"]},
        },
    },
    "CompletionRecord": {
        "type": "object",
        "description": "one completion as the host reports it; JSON values may be typed, CSV "
                       "cells are text (an empty cell is absent). The course run must be in the "
                       "catalogue and hosted by the caller; home_university an institution code",
        "required": ["student_id", "home_university", "given_name", "family_name", "email",
                     "study_level", "english_level", "course_code", "semester", "passed",
                     "applied_at"],
        "additionalProperties": False,
        "properties": {
            "student_id": {"oneOf": [_FIELD_TEXT, {"type": "integer", "minimum": 0}]},
            "home_university": _FIELD_TEXT, "given_name": _FIELD_TEXT, "family_name": _FIELD_TEXT,
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "study_level": _FIELD_TEXT,
            "english_level": {"enum": ["A1", "A2", "B1", "B2", "C1", "C2"]},
            "course_code": _FIELD_TEXT, "semester": _ref("SemesterId"),
            "classes_attended": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000},
            "classes_total": {"type": ["integer", "null"], "minimum": 0, "maximum": 1000},
            "grade": {"type": ["number", "null"], "minimum": 0,
                      "description": "required when passed is true"},
            "passed": {"oneOf": [{"type": "boolean"},
                                 {"enum": ["true", "false", "1", "0", "yes", "no"]}]},
            "assessed_on": {"type": ["string", "null"], "format": "date"},
            "grade_announced_on": {"type": ["string", "null"], "format": "date"},
            "objection": {"enum": ["none", "raised", "resolved", None]},
            "applied_at": {"type": "string", "format": "date-time"},
        },
    },
    "SemesterId": {"type": "string", "pattern": r"^[0-9]{4}-(autumn|spring)$",
                   "examples": ["2024-autumn", "2025-spring"]},
    "UploadResult": {
        "type": "object", "required": ["accepted", "created", "updated"],
        "properties": {"accepted": _COUNT, "created": _COUNT, "updated": _COUNT,
                       "dry_run": {"type": "boolean"}},
    },
    "Progress": {
        "type": "object", "required": ["student", "as_of", "completions", "itineraries"],
        "properties": {
            "student": {"type": "object", "required": ["home_university", "student_id"],
                        "properties": {"home_university": _TEXT, "student_id": _TEXT}},
            "as_of": _DATE,
            "completions": {"type": "array", "items": {
                "type": "object",
                "required": ["course_code", "semester", "due", "reasons", "credential"],
                "properties": {"course_code": _TEXT, "semester": _TEXT, "due": {"type": "boolean"},
                               "reasons": {"type": "array", "items": _ref("Reason")},
                               "credential": _NULLABLE_TEXT}}},
            "itineraries": {"type": "array", "items": {
                "type": "object",
                "required": ["kind", "sector", "due", "reasons", "components", "credential"],
                "properties": {"kind": _ref("ItineraryKind"), "sector": _NULLABLE_TEXT,
                               "due": {"type": "boolean"},
                               "reasons": {"type": "array", "items": _ref("Reason")},
                               "components": {"type": "array", "items": _ref("Component")},
                               "credential": _NULLABLE_TEXT}}},
        },
    },
    "ItineraryKind": {"enum": ["interdisciplinary", "expertise"]},
    "Component": {
        "type": "object", "required": ["course_code", "semester", "credential"],
        "properties": {"course_code": _TEXT, "semester": _TEXT, "credential": _NULLABLE_TEXT},
    },
    "RecordKey": {
        "type": "object", "required": ["home_university", "student_id", "course_code", "semester"],
        "properties": {"home_university": _TEXT, "student_id": _TEXT, "course_code": _TEXT,
                       "semester": _TEXT},
    },
    "IssueRequest": {
        "type": "object",
        "description": "empty (or no body): every due record; ``records``: only these",
        "properties": {"records": {"type": "array", "items": _ref("RecordKey")},
                       "as_of": {"anyOf": [_DATE, {"enum": ["", None]}],
                                 "description": "evaluate as of this day (empty: today, UTC)"}},
    },
    "IssueResult": {
        "type": "object", "required": ["issued", "not_issued"],
        "properties": {
            "issued": {"type": "array", "items": {"allOf": [_ref("RecordKey"), {
                "type": "object", "required": ["credential"], "properties": {"credential": _TEXT}}]}},
            "not_issued": {"type": "array", "items": {"allOf": [_ref("RecordKey"), {
                "type": "object", "required": ["reasons"],
                "properties": {"reasons": {"type": "array", "items": _ref("Reason")}}}]}},
        },
    },
    "CloseReport": {
        "type": "object", "required": ["semester", "as_of", "students_evaluated", "issued", "near"],
        "properties": {
            "semester": _TEXT, "as_of": _DATE, "students_evaluated": _COUNT,
            "issued": {"type": "array", "items": {
                "type": "object",
                "required": ["credential", "kind", "sector", "home_university", "student_id",
                             "components"],
                "properties": {"credential": _TEXT, "kind": _ref("ItineraryKind"),
                               "sector": _NULLABLE_TEXT, "home_university": _TEXT,
                               "student_id": _TEXT, "components": {"type": "array"}}}},
            "near": {"type": "array", "items": {
                "type": "object",
                "required": ["home_university", "student_id", "kind", "sector", "missing"],
                "properties": {"home_university": _TEXT, "student_id": _TEXT,
                               "kind": _ref("ItineraryKind"), "sector": _NULLABLE_TEXT,
                               "missing": {"type": "integer", "minimum": 1}}}},
        },
    },
    "RevokeRequest": {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500}},
    },
    "RevokeResult": {
        "type": "object", "required": ["revoked"],
        "description": "the credential and every itinerary certificate built on it",
        "properties": {"revoked": {"type": "array", "items": _TEXT, "minItems": 1}},
    },
    "Credential": {
        "type": "object", "required": ["@context", "type"],
        "description": "a W3C Verifiable Credential (JSON-LD), VC Data Model 1.1 or 2.0; every "
                       "property must be defined by its contexts, all of them bundled ones",
        "properties": {
            "@context": {"oneOf": [_ref("VcVersion"), {
                "type": "array", "minItems": 1, "prefixItems": [_ref("VcVersion")],
                "items": {"type": ["string", "object"]}}]},
            "id": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9+.-]*:"},
            "type": {"oneOf": [{"const": "VerifiableCredential"}, {
                "type": "array", "items": _TEXT, "contains": {"const": "VerifiableCredential"}}]},
            "issuer": {"oneOf": [_DID, {"type": "object", "required": ["id"],
                                        "properties": {"id": _DID}}]},
            "credentialSubject": {"oneOf": [{"type": "object", "minProperties": 1},
                                            {"type": "array", "minItems": 1,
                                             "items": {"type": "object", "minProperties": 1}}]},
        },
    },
    "VcVersion": {"enum": ["https://www.w3.org/2018/credentials/v1",
                           "https://www.w3.org/ns/credentials/v2"]},
    "VerifiableCredential": {
        "allOf": [_ref("Credential"), {"type": "object", "required": ["proof"],
                                       "properties": {"proof": _ref("DataIntegrityProof")}}],
    },
    "DataIntegrityProof": {
        "type": "object",
        "required": ["type", "cryptosuite", "created", "verificationMethod", "proofPurpose",
                     "proofValue"],
        "properties": {"type": {"const": "DataIntegrityProof"}, "cryptosuite": _ref("Cryptosuite"),
                       "created": _DATETIME, "verificationMethod": _TEXT,
                       "proofPurpose": {"const": "assertionMethod"}, "proofValue": _TEXT},
    },
    "Cryptosuite": {"enum": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"]},
    "VcIssueRequest": {
        "type": "object", "required": ["credential"],
        "properties": {
            "credential": {"allOf": [_ref("Credential"), {
                "type": "object", "required": ["issuer", "credentialSubject"],
                "description": "``issuer`` must be the caller's DID; ``id``, ``issuanceDate`` "
                               "(1.1) or ``validFrom`` (2.0) are added when absent"}]},
            "options": {"type": "object", "additionalProperties": False,
                        "properties": {"cryptosuite": _ref("Cryptosuite")}},
        },
    },
    "VcIssueResult": {
        "type": "object", "required": ["verifiableCredential"],
        "properties": {"verifiableCredential": _ref("VerifiableCredential")},
    },
    "VerifyRequest": {
        "type": "object", "required": ["verifiableCredential"],
        "properties": {"verifiableCredential": {"type": "object"}, "options": {"type": "object"}},
    },
    "VerifyResult": {
        "type": "object", "required": ["verified", "checks", "problemDetails"],
        "properties": {
            "verified": {"type": "boolean"},
            "checks": {"type": "array", "items": {
                "type": "object", "required": ["check", "ok"],
                "properties": {"check": {"enum": ["format", "proof", "issuer", "validity",
                                                  "status", "components"]},
                               "ok": {"type": "boolean"}, "code": _NULLABLE_TEXT,
                               "detail": _NULLABLE_TEXT}}},
            "problemDetails": {"type": "array", "items": {
                "type": "object", "required": ["type", "code", "title"],
                "properties": {"type": _TEXT, "code": _TEXT, "title": _TEXT, "detail": _TEXT}}},
            "credential": {
                "type": ["object", "null"],
                "description": "a summary for display, present when the proof holds",
                "properties": {"learner": {}, "title": {}, "issuer": {}, "ects": {}, "issued": {}}},
        },
    },
    "DidDocument": {
        "type": "object", "required": ["@context", "id", "verificationMethod", "assertionMethod"],
        "properties": {
            "@context": {"type": "array"}, "id": {"type": "string", "pattern": "^did:"},
            "verificationMethod": {"type": "array", "items": {
                "type": "object", "required": ["id", "type", "controller", "publicKeyMultibase"],
                "properties": {"id": _TEXT, "type": {"const": "Multikey"}, "controller": _TEXT,
                               "publicKeyMultibase": {"type": "string", "pattern": "^z"}}}},
            "assertionMethod": {"type": "array", "items": _TEXT},
        },
    },
    "StatusListCredential": {
        "allOf": [_ref("VerifiableCredential"), {
            "type": "object", "required": ["credentialSubject"],
            "properties": {"credentialSubject": {
                "type": "object", "required": ["type", "statusPurpose", "encodedList"],
                "properties": {"type": {"const": "BitstringStatusList"},
                               "statusPurpose": _TEXT, "encodedList": _TEXT}}}}],
    },
}

_CREDENTIAL_MEDIA = {
    "application/ld+json": {"schema": _ref("VerifiableCredential")},
    "application/xml": {"schema": {"type": "string",
                                   "description": "EDC XML with an enveloped XML Signature"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "text/html": {"schema": {"type": "string"}},
}

_PATHS: dict[str, dict] = {
    "/health": {"get": {
        "operationId": "health", "tags": ["public"], "summary": "Liveness and database reachability",
        "responses": {"200": _json(_ref("Health"), "up, database reachable"),
                      "503": _json(_ref("Health"), "up, database unreachable")}}},
    "/catalogue": {"get": {
        "operationId": "catalogue", "tags": ["public"],
        "summary": "Sectors, thematic areas and micro-credential runs",
        "responses": {"200": _json(_ref("Catalogue"), "the catalogue")}}},
    "/api/catalogue/micro-credentials/{semester}/{code}": {"put": {
        "operationId": "putMicroCredential", "tags": ["institution"], "security": _AUTH,
        "summary": "Create or replace one micro-credential run (its host university, or AISBL)",
        "parameters": [_path_param("semester", "the semester, e.g. 2025-spring"),
                       _path_param("code", "the course code")],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("MicroCredential")}}},
        "responses": {"200": _json(_ref("MicroCredential"), "the run, replaced"),
                      "201": _json(_ref("MicroCredential"), "the run, created"),
                      "400": _BAD_REQUEST, "401": _UNAUTHORIZED,
                      "404": _problem("a run of another institution (as if it did not exist)")}}},
    "/api/completions": {"post": {
        "operationId": "uploadCompletions", "tags": ["institution"], "security": _AUTH,
        "summary": "Upload completion records (the host university); all or nothing",
        "parameters": [{"name": "dry_run", "in": "query", "required": False,
                        "description": "validate only; store nothing",
                        "schema": {"type": "string", "enum": ["true", "false", "1", "0", "yes", "no"]}}],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"oneOf": [
                {"type": "array", "items": _ref("CompletionRecord"), "minItems": 1},
                {"type": "object", "required": ["records"],
                 "properties": {"records": {"type": "array", "items": _ref("CompletionRecord"),
                                            "minItems": 1}}}]}},
            "text/csv": {"schema": {"type": "string",
                                    "description": "a header row naming the fields, then one row "
                                                   "per record (UTF-8, optional BOM)"}}}},
        "responses": {"200": _json(_ref("UploadResult"), "every record stored (or checked)"),
                      "401": _UNAUTHORIZED,
                      "422": _problem("nothing stored; ``errors`` lists every problem",
                                      "UploadProblem")}}},
    "/api/students/{home_university}/{student_id}/progress": {"get": {
        "operationId": "studentProgress", "tags": ["institution"], "security": _AUTH,
        "summary": "Decisions with reasons and itinerary progress of one student",
        "parameters": [_path_param("home_university", "the student's home institution code"),
                       _path_param("student_id", "the student's id at the home institution"),
                       {"name": "as_of", "in": "query", "required": False,
                        "schema": {"anyOf": [_DATE, {"const": ""}]},
                        "description": "evaluate as of this day (absent or empty: today, UTC)"}],
        "responses": {"200": _json(_ref("Progress"), "the student's progress"),
                      "400": _BAD_REQUEST, "401": _UNAUTHORIZED,
                      "404": _problem("no such student known to the caller")}}},
    "/api/credentials/issue": {"post": {
        "operationId": "issueIndividual", "tags": ["institution"], "security": _AUTH,
        "summary": "Issue the caller's due individual certificates; idempotent",
        "requestBody": {"required": False,
                        "content": {"application/json": {"schema": _ref("IssueRequest")}}},
        "responses": {"200": _json(_ref("IssueResult"), "issued (new or existing) and not issued"),
                      "400": _BAD_REQUEST, "401": _UNAUTHORIZED}}},
    "/api/semesters/{semester}/close": {"post": {
        "operationId": "closeSemester", "tags": ["institution"], "security": _AUTH,
        "summary": "AISBL: evaluate every student, issue due itinerary certificates, report",
        "parameters": [_path_param("semester", "e.g. 2024-autumn", pattern=r"^[0-9]{4}-(autumn|spring)$")],
        "responses": {"200": _json(_ref("CloseReport"), "the close report"),
                      "400": _BAD_REQUEST, "401": _UNAUTHORIZED,
                      "404": _problem("unknown semester, or a caller that is not AISBL"),
                      "409": _problem("the semester is being closed by another run")}}},
    "/api/credentials/{credential_id}/revoke": {"post": {
        "operationId": "revokeCredential", "tags": ["institution"], "security": _AUTH,
        "summary": "Revoke a credential of the caller (and itineraries built on it)",
        "parameters": [_CREDENTIAL_ID],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": _ref("RevokeRequest")}}},
        "responses": {"200": _json(_ref("RevokeResult"), "revoked"),
                      "400": _BAD_REQUEST, "401": _UNAUTHORIZED, "404": _NOT_FOUND,
                      "409": _problem("already revoked")}}},
    "/credentials/{credential_id}": {"get": {
        "operationId": "getCredential", "tags": ["public"],
        "summary": "The credential as JSON-LD, XML, PDF or HTML (``format`` or ``Accept``)",
        "parameters": [_CREDENTIAL_ID,
                       {"name": "format", "in": "query", "required": False,
                        "description": "overrides ``Accept`` (JSON-LD by default); an empty "
                                       "value counts as absent",
                        "schema": {"enum": ["jsonld", "xml", "pdf", "html", ""]}}],
        "responses": {"200": {"description": "the credential", "content": _CREDENTIAL_MEDIA},
                      "400": _problem("unknown format"), "404": _NOT_FOUND}}},
    "/credentials/issue": {"post": {
        "operationId": "issueCredential", "tags": ["vc-api"], "security": _AUTH,
        "summary": "W3C VC API: sign a supplied VC 1.1 or 2.0 credential whose issuer is the "
                   "caller (nothing stored but an audit entry)",
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": _ref("VcIssueRequest")}}},
        "responses": {"201": _json(_ref("VcIssueResult"), "the signed credential"),
                      "400": _problem("not signable: ISSUER_MISMATCH, INVALID_CREDENTIAL, "
                                      "INVALID_DOCUMENT, UNKNOWN_CONTEXT, INVALID_JSON, ..."),
                      "401": _UNAUTHORIZED}}},
    "/credentials/verify": {"post": {
        "operationId": "verifyCredential", "tags": ["vc-api"],
        "summary": "W3C VC API: verify a JSON-LD credential, or an XML one sent as the body",
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": _ref("VerifyRequest")},
            "application/xml": {"schema": {"type": "string"}}}},
        "responses": {"200": _json(_ref("VerifyResult"), "verified"),
                      "400": _json(_ref("VerifyResult"), "not verified, or not readable")}}},
    "/institutions/{code}/did.json": {"get": {
        "operationId": "didDocument", "tags": ["public"],
        "summary": "did:web DID document with current and retired public keys",
        "parameters": [_path_param("code", "institution code, e.g. KU")],
        "responses": {"200": _json(_ref("DidDocument"), "the DID document", "application/did+json"),
                      "404": _NOT_FOUND}}},
    "/status-lists/{list_id}": {"get": {
        "operationId": "statusList", "tags": ["public"],
        "summary": "Signed Bitstring Status List credential",
        "parameters": [_path_param("list_id", "e.g. KU-1")],
        "responses": {"200": _json(_ref("StatusListCredential"), "the status list credential",
                                   "application/vc+ld+json"),
                      "404": _NOT_FOUND}}},
    "/verify": {
        "get": {"operationId": "verifyPage", "tags": ["pages"],
                "summary": "The human verification page: paste or upload a credential",
                "responses": {"200": _html("the form")}},
        "post": {"operationId": "verifyPageSubmit", "tags": ["pages"],
                 "summary": "Verify a pasted or uploaded credential (form with its token)",
                 "requestBody": {"required": True, "content": {
                     "multipart/form-data": {"schema": _ref("VerifyForm")},
                     "application/x-www-form-urlencoded": {"schema": _ref("VerifyForm")}}},
                 "responses": {"200": _html("the result"),
                               "400": _html("expired form or unreadable credential"),
                               "413": _html("larger than the upload limit")}},
    },
    "/credentials/{credential_id}/verify": {"get": {
        "operationId": "verifyStoredPage", "tags": ["pages"],
        "summary": "The page a certificate's QR code opens: verification and downloads",
        "parameters": [_CREDENTIAL_ID],
        "responses": {"200": _html("the verification result"), "404": _html("no such credential")}}},
    "/openapi.json": {"get": {
        "operationId": "openapi", "tags": ["public"], "summary": "This document",
        "responses": {"200": _json({"type": "object", "required": ["openapi", "paths"]},
                                   "OpenAPI 3.1")}}},
}

_SCHEMAS["VerifyForm"] = {
    "type": "object", "required": ["csrf_token"],
    "properties": {"csrf_token": {"type": "string", "description": "from the form page"},
                   "credential": {"type": "string", "description": "pasted JSON-LD or XML"},
                   "credential_file": {"type": "string", "format": "binary"}},
}

_DOCUMENT: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "conexus-issuer",
        "version": "0.1.0",
        "description": "Issues and verifies the signed certificates (European Digital "
                       "Credentials) of the EU-CONEXUS SmUCS micro-credentials programme. Errors "
                       "are RFC 9457 problem details with a stable ``code``. Write endpoints take "
                       "a bearer token of one institution, which acts only for that institution "
                       "(another's resources answer 404).",
        "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    },
    "tags": [{"name": "public"}, {"name": "institution"}, {"name": "vc-api"}, {"name": "pages"}],
    "paths": _PATHS,
    "components": {
        "schemas": _SCHEMAS,
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                           "description": "issued with ``issuer tokens create CODE``"}},
    },
}
