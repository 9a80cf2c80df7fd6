"""IssuerError (and HTTP errors) as RFC 9457 problem details, one table for the whole app."""
from __future__ import annotations

import logging

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from issuer.errors import IssuerError

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://conexus-issuer.example/problems/"


def problem(status: int, code: str, title: str, detail: str, **extra) -> Response:
    body = {"type": PROBLEM_TYPE + code.lower().replace("_", "-"), "title": title, "status": status,
            "detail": detail, "code": code, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def register(app: Flask) -> None:
    @app.errorhandler(IssuerError)
    def _issuer_error(exc: IssuerError):
        if exc.status >= 500:
            log.error("request failed: %s (%s)", exc.code, type(exc).__name__)
        return problem(exc.status, exc.code, exc.title, exc.detail, **exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = (exc.name or "error").upper().replace(" ", "_")
        response = problem(exc.code or 500, code, exc.name, exc.description or exc.name)
        for header in ("Allow", "Retry-After"):  # e.g. 405 must say which methods are allowed
            value = exc.get_response().headers.get(header)
            if value:
                response.headers[header] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error")
        return problem(500, "INTERNAL_ERROR", "Internal error", "the server failed; see its log")
