"""Builds services from the app and the request; views call these, never the store directly."""
from __future__ import annotations

from flask import current_app, g, request

from issuer.services import closing
from issuer.services import credentials as credentials_service
from issuer.services.completions import CompletionService
from issuer.services.credentials import CredentialService
from issuer.services.issuance import IssuanceService
from issuer.services.keystore import KeyStore
from issuer.services.reference import CatalogueService
from issuer.services.status import StatusService
from issuer.services.progress import ProgressService
from issuer.services.tokens import TokenService
from issuer.domain.model import Institution
from issuer.store import db
from issuer.store.repositories import CatalogueRepository


def completions() -> CompletionService:
    return CompletionService(db.session())


def progress() -> ProgressService:
    return ProgressService(db.session(), holidays=current_app.config["HOLIDAY_DATES"])


def institution(code: str) -> Institution:
    return CatalogueRepository(db.session()).institutions()[code]


def catalogue() -> CatalogueService:
    return CatalogueService(db.session())


def keystore() -> KeyStore:
    return current_app.extensions["issuer.keystore"]


def issuance() -> IssuanceService:
    cfg = current_app.config
    return IssuanceService(db.session(), keystore=keystore(), public_url=cfg["PUBLIC_URL"],
                           holidays=cfg["HOLIDAY_DATES"])


def status() -> StatusService:
    return StatusService(db.session(), keystore=keystore(), public_url=current_app.config["PUBLIC_URL"])


def credentials() -> CredentialService:
    return CredentialService(db.session(), public_url=current_app.config["PUBLIC_URL"])


def did_document(code: str) -> dict:
    return credentials_service.did_document(db.session(), keystore(), code)


def close_semester(semester: str, *, now) -> dict:
    """Close ``semester`` with this one worker (see services.closing for parallel workers)."""
    claim_session = current_app.extensions["issuer.sessions"]()
    try:
        return closing.close_semester(db.session(), claim_session, issuance=issuance(), semester=semester,
                                      now=now)
    finally:
        claim_session.close()


def tokens() -> TokenService:
    return TokenService(db.session())


def caller() -> str:
    """The institution the request's bearer token acts for (401 otherwise), cached per request."""
    if "institution" not in g:
        g.institution = tokens().authenticate(request.headers.get("Authorization"))
    return g.institution
