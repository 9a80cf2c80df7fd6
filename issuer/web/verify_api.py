"""W3C VC API verifying: ``POST /credentials/verify`` for a JSON-LD or an XML credential.

Anyone may call it. The body is ``{"verifiableCredential": {...}}`` (``options`` is ignored), a
bare credential, or EDC XML (``application/xml`` / ``text/xml``). The answer is the
verification result: 200 when verified, 400 otherwise; a body over the limit is a 413 problem.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, request

from issuer.services.verification import MAX_BODY_BYTES, VerificationService
from issuer.store import db
from issuer.web.errors import problem

bp = Blueprint("verify_api", __name__)


def verification() -> VerificationService:
    """The service, built from the app like the others in ``deps``."""
    return VerificationService(db.session(), keystore=current_app.extensions["issuer.keystore"],
                               public_url=current_app.config["PUBLIC_URL"])


@bp.post("/credentials/verify")
def verify_credential():
    """Verify the credential in the body; 200 ``{"verified": true, ...}``, 400 otherwise."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _too_large()
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        return _too_large()
    result = verification().verify_any(body, request.mimetype, now=datetime.now(UTC))
    return result.to_dict(), 200 if result.verified else 400


def _too_large():
    return problem(413, "BODY_TOO_LARGE", "Body too large", f"the body is larger than {MAX_BODY_BYTES} bytes")
