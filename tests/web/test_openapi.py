"""``GET /openapi.json``: a valid OpenAPI 3.1 document that describes exactly the app's routes,
and that the app keeps to (schemathesis, in process)."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from issuer.web.openapi_spec import PROBLEM, document

_IGNORED_METHODS = {"HEAD", "OPTIONS"}
_HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Operations anyone may call; every other one takes an institution's bearer token.
PUBLIC = {("/health", "get"), ("/catalogue", "get"), ("/credentials/{credential_id}", "get"),
          ("/credentials/verify", "post"), ("/institutions/{code}/did.json", "get"),
          ("/status-lists/{list_id}", "get"), ("/verify", "get"), ("/verify", "post"),
          ("/credentials/{credential_id}/verify", "get"), ("/openapi.json", "get")}
PAGES = {"/verify", "/credentials/{credential_id}/verify"}


def app_operations(app) -> set[tuple[str, str]]:
    """(path, method) of every route but ``static``, Flask's ``<x>`` written as ``{x}``."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        operations |= {(path, method.lower()) for method in rule.methods - _IGNORED_METHODS}
    return operations


def documented_operations(spec: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item
            if method in _HTTP_METHODS}


def test_document_is_valid_openapi_3_1():
    spec = document()
    validate(spec)
    assert spec["openapi"].startswith("3.1.")


def test_served_document_is_the_document_with_the_public_url(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {**document(), "servers": [{"url": "http://issuer.test"}]}


def test_document_describes_every_route_and_no_other(app):
    served, described = app_operations(app), documented_operations(document())
    assert sorted(served - described) == [], "routes missing from the OpenAPI document"
    assert sorted(described - served) == [], "described operations the app does not serve"


def test_write_operations_need_the_bearer_token_and_document_401():
    spec = document()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    for path, method in documented_operations(spec):
        operation = spec["paths"][path][method]
        if (path, method) in PUBLIC:
            assert "security" not in operation, (path, method)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            assert PROBLEM in operation["responses"]["401"]["content"], (path, method)


def test_json_api_errors_are_problem_documents_with_a_code():
    spec = document()
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "code"} <= set(problem["required"])
    upload = spec["components"]["schemas"]["UploadProblem"]["allOf"][1]
    assert upload["required"] == ["errors"]
    for path, method in documented_operations(spec):
        if path in PAGES or path == "/credentials/verify":
            continue  # HTML pages; the VC API verify answers 400 with its own shape
        for status, response in spec["paths"][path][method]["responses"].items():
            if status.startswith("4"):
                assert list(response["content"]) == [PROBLEM], (path, method, status)


def test_every_reference_resolves():
    spec = document()
    refs = set(re.findall(r"'\$ref': '#/components/schemas/([^']+)'", repr(spec)))
    assert refs and refs <= set(spec["components"]["schemas"])


# -- the app against its own document (schemathesis, in process) ------------------------------
@pytest.fixture
def api_schema(app, token_for):
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    schema.config.headers = token_for("KU")  # a real token: write operations reach their logic
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")
_FUZZ = settings(max_examples=20, deadline=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))


@schema.include(method="GET").exclude(path_regex=r"/verify$").parametrize()
@_FUZZ
def test_public_reads_keep_to_the_document(case):
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                   content_type_conformance, response_schema_conformance])


@schema.exclude(method="GET").parametrize()
@_FUZZ
def test_no_input_makes_a_write_operation_fail_with_a_server_error(case, api_schema):
    case.call_and_validate(headers=api_schema.config.headers, checks=[not_a_server_error])


@pytest.mark.parametrize("as_of", [[None, None], 20250101])
def test_individual_issue_refuses_a_non_string_as_of(client, token_for, as_of):
    response = client.post("/api/credentials/issue", json={"records": [], "as_of": as_of},
                           headers=token_for("KU"))
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["code"] == "INVALID_AS_OF"
