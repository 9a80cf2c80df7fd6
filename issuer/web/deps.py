"""Builds services from the app and the request; views call these, never the store directly."""
from __future__ import annotations

from flask import current_app, g, request

from issuer.services.completions import CompletionService
from issuer.services.progress import ProgressService
from issuer.services.tokens import TokenService
from issuer.store import db


def completions() -> CompletionService:
    return CompletionService(db.session())


def progress() -> ProgressService:
    return ProgressService(db.session(), holidays=current_app.config["HOLIDAY_DATES"])


def tokens() -> TokenService:
    return TokenService(db.session())


def caller() -> str:
    """The institution the request's bearer token acts for (401 otherwise), cached per request."""
    if "institution" not in g:
        g.institution = tokens().authenticate(request.headers.get("Authorization"))
    return g.institution
