"""Credentials over HTTP: issuance and revocation (institutions), retrieval, DIDs, status lists."""
from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, Response, request

from issuer.errors import InvalidRequest, NotFound
from issuer.web import deps
from issuer.web.api import parse_as_of

bp = Blueprint("credentials", __name__)

FORMATS = {"jsonld": "application/ld+json", "xml": "application/xml", "pdf": "application/pdf",
           "html": "text/html"}
_ACCEPT = {"application/ld+json": "jsonld", "application/json": "jsonld", "application/vc+ld+json": "jsonld",
           "application/xml": "xml", "text/xml": "xml", "application/pdf": "pdf", "text/html": "html"}


@bp.post("/api/credentials/issue")
def issue_individual():
    """Issue the caller's due individual certificates (all, or ``records``); idempotent."""
    host = deps.caller()
    body = _json_object(required=False)
    records = body.get("records")
    if records is not None and not (isinstance(records, list) and all(isinstance(r, dict) for r in records)):
        raise InvalidRequest("records must be a list of {home_university, student_id, course_code, semester}")
    return deps.issuance().issue_individual(host, as_of=parse_as_of(body.get("as_of")),
                                            now=datetime.now(UTC), only=records)


@bp.post("/api/semesters/<semester>/close")
def close_semester(semester: str):
    """AISBL closes a semester: evaluate every student, issue due itineraries, report."""
    caller = deps.caller()
    if not deps.institution(caller).issues_itineraries:
        raise NotFound(f"no semester close for {caller}")  # another's resource: 404, not 403
    return deps.close_semester(semester, now=datetime.now(UTC))


@bp.post("/api/credentials/<credential_id>/revoke")
def revoke(credential_id: str):
    by = deps.caller()
    reason = _json_object(required=True).get("reason")
    if not isinstance(reason, str):
        raise InvalidRequest("reason must be a string", code="REASON_REQUIRED")
    revoked = deps.status().revoke(credential_id, by=by, reason=reason, now=datetime.now(UTC))
    return {"revoked": revoked}


@bp.get("/credentials/<credential_id>")
def get_credential(credential_id: str):
    """The credential as JSON-LD (default), XML, PDF or HTML (``?format=`` or ``Accept``)."""
    service = deps.credentials()
    credential = service.get(credential_id)
    fmt = _format()
    if fmt == "xml":
        body: str | bytes = credential.xml
    elif fmt == "pdf":
        body = service.pdf(credential)
    elif fmt == "html":
        body = service.html(credential)
    else:
        body = credential.jsonld
    response = Response(body, mimetype=FORMATS[fmt])
    if fmt in ("jsonld", "xml", "pdf"):
        extension = {"jsonld": "jsonld", "xml": "xml", "pdf": "pdf"}[fmt]
        response.headers["Content-Disposition"] = f'inline; filename="credential-{credential.id}.{extension}"'
    response.vary.add("Accept")
    return response


@bp.get("/institutions/<code>/did.json")
def did_document(code: str):
    return Response(_dumps(deps.did_document(code)), mimetype="application/did+json")


@bp.get("/status-lists/<list_id>")
def status_list(list_id: str):
    document = deps.status().status_list_credential(list_id, now=datetime.now(UTC))
    response = Response(_dumps(document), mimetype="application/vc+ld+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _format() -> str:
    requested = request.args.get("format")
    if requested:
        if requested not in FORMATS:
            raise InvalidRequest(f"format must be one of {', '.join(FORMATS)}", code="UNKNOWN_FORMAT")
        return requested
    best = request.accept_mimetypes.best_match(list(_ACCEPT), default="application/ld+json")
    return _ACCEPT.get(best, "jsonld")


def _json_object(*, required: bool) -> dict:
    if not request.data and not required:
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object", code="INVALID_JSON")
    return body


def _dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False)
