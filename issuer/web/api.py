"""Institution API: completion uploads and student progress (bearer token required)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, request

from issuer.errors import InvalidRequest
from issuer.services.completions import rows_from_body
from issuer.web import deps

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.post("/completions")
def upload_completions():
    """Upload completion records (JSON array or CSV); all or nothing. ``?dry_run=true`` stores nothing."""
    reported_by = deps.caller()
    rows, source = rows_from_body(request.get_data(cache=False), request.content_type or "")
    result = deps.completions().upload(rows, source=source, reported_by=reported_by,
                                       now=datetime.now(UTC), dry_run=_flag("dry_run"))
    return result.to_dict()


@bp.put("/catalogue/micro-credentials/<semester>/<code>")
def put_micro_credential(semester: str, code: str):
    """Create or replace one run of a micro-credential (its host university, or AISBL)."""
    by = deps.caller()
    run, created = deps.catalogue().put_run(semester, code, request.get_json(silent=True),
                                            by=by, now=datetime.now(UTC))
    return run, 201 if created else 200


@bp.get("/students/<home_university>/<student_id>/progress")
def student_progress(home_university: str, student_id: str):
    viewer = deps.caller()
    as_of = parse_as_of(request.args.get("as_of"))
    return deps.progress().progress(home_university, student_id, as_of=as_of, viewer=viewer)


def parse_as_of(value) -> date:
    """``as_of`` (YYYY-MM-DD), today (UTC) when absent.

    :raise InvalidRequest: anything but a date string (code INVALID_AS_OF).
    """
    if value is None or value == "":
        return datetime.now(UTC).date()
    if not isinstance(value, str):
        raise InvalidRequest("as_of must be a date string YYYY-MM-DD", code="INVALID_AS_OF")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"as_of must be a date YYYY-MM-DD, got {value!r}", code="INVALID_AS_OF") from None


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in {"1", "true", "yes"}


