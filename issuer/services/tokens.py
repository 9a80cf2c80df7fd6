"""API tokens: created once and shown once, stored as digests, each bound to one institution."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from issuer.errors import NotFound, Unauthorized
from issuer.store.repositories import AuditRepository, CatalogueRepository, TokenRepository

TOKEN_PREFIX = "cxi_"


class TokenService:
    def __init__(self, session: Session):
        self.session = session

    def create(self, institution: str, *, label: str = "", now: datetime) -> str:
        """A new bearer token for ``institution``; the caller shows it once, only its digest is kept.

        :raise NotFound: unknown institution code.
        """
        if institution not in CatalogueRepository(self.session).institutions():
            raise NotFound(f"unknown institution {institution}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        TokenRepository(self.session).add(institution, token, label=label, now=now)
        AuditRepository(self.session).record(actor="cli", action="token.create", subject=institution,
                                             detail={"label": label}, now=now)
        self.session.commit()
        return token

    def authenticate(self, authorization: str | None) -> str:
        """The institution code a ``Bearer`` header acts for.

        :raise Unauthorized: missing, malformed, unknown or revoked token.
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("send Authorization: Bearer <token>")
        institution = TokenRepository(self.session).institution_for(token.strip())
        if institution is None:
            raise Unauthorized("unknown or revoked token")
        return institution
