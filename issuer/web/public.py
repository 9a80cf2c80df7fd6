"""Public endpoints: health and the catalogue."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from issuer.services.reference import catalogue_document
from issuer.store import db

bp = Blueprint("public", __name__)


@bp.get("/health")
def health():
    """Liveness and database reachability (503 when the database does not answer)."""
    try:
        db.session().execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any driver error means "unreachable"; details go nowhere public
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return {"status": "ok" if status == 200 else "degraded", "database": database}, status


@bp.get("/catalogue")
def catalogue():
    return catalogue_document(db.session())
