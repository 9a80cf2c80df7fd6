"""``GET /openapi.json``: the OpenAPI 3.1 description of the HTTP interface."""
from __future__ import annotations

from flask import Blueprint, current_app

from issuer.web.openapi_spec import document

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI document, with the configured public URL as its server."""
    spec = document()
    spec["servers"] = [{"url": current_app.config["PUBLIC_URL"]}]
    return spec
