"""The IssuerError family: every failure the service reports has a class and a stable code."""
from __future__ import annotations


class IssuerError(Exception):
    """Base class. ``code`` is stable and shown to clients; ``status`` is the HTTP status."""

    code = "ISSUER_ERROR"
    status = 500
    title = "Internal error"

    def __init__(self, detail: str = "", *, code: str | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.extra = extra


class InvalidRequest(IssuerError):
    code = "INVALID_REQUEST"
    status = 400
    title = "Invalid request"


class InvalidUpload(IssuerError):
    """A completion upload was rejected whole; ``errors`` lists every {row, field, reason}."""

    code = "INVALID_UPLOAD"
    status = 422
    title = "Upload rejected"

    def __init__(self, errors: list[dict], detail: str = ""):
        super().__init__(detail or f"{len(errors)} error(s); nothing was stored", errors=errors)
        self.errors = errors


class Unauthorized(IssuerError):
    code = "UNAUTHORIZED"
    status = 401
    title = "Missing or invalid bearer token"


class NotFound(IssuerError):
    code = "NOT_FOUND"
    status = 404
    title = "Not found"


class Conflict(IssuerError):
    code = "CONFLICT"
    status = 409
    title = "Conflict"


class NotEligible(IssuerError):
    code = "NOT_ELIGIBLE"
    status = 422
    title = "Not eligible"

    def __init__(self, reasons, detail: str = ""):
        super().__init__(detail or "not eligible", reasons=[r.to_dict() for r in reasons])
        self.reasons = tuple(reasons)


class ConfigurationError(IssuerError):
    code = "CONFIGURATION_ERROR"
    title = "Configuration error"


class UnknownContext(IssuerError):
    """A JSON-LD context URL outside the bundled set (nothing is ever fetched)."""

    code = "UNKNOWN_CONTEXT"
    status = 400
    title = "Unknown JSON-LD context"


class InvalidDocument(IssuerError):
    """JSON-LD processing would drop or rewrite something: an undefined term, a bad IRI."""

    code = "INVALID_DOCUMENT"
    status = 400
    title = "Invalid JSON-LD document"


class InvalidXml(IssuerError):
    code = "INVALID_XML"
    status = 400
    title = "Invalid XML"


class InvalidProof(IssuerError):
    code = "PROOF_INVALID"
    status = 400
    title = "Proof invalid"


class KeyMaterialError(IssuerError):
    """Missing, unencrypted, world-readable or wrong key material (details never include the key)."""

    code = "KEY_ERROR"
    title = "Key material error"
