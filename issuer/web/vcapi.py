"""W3C VC API issuing: ``POST /credentials/issue`` signs a credential an institution supplies.

The credential (VC Data Model 1.1 or 2.0) must name the caller's own DID as its issuer. The
service adds what the data model needs and the caller left out (``id``, ``issuanceDate`` or
``validFrom``, the Data Integrity context for a 1.1 credential), signs with the institution's
current key and returns it. Nothing is stored but an audit entry naming the credential id.
"""
from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from flask import Blueprint, request

from issuer.credentials.contexts import DATA_INTEGRITY_V2, VC_V1, VC_V2, get_context
from issuer.errors import InvalidRequest
from issuer.signing.data_integrity import format_created
from issuer.signing.suites import SUITES, suite_for
from issuer.store import db
from issuer.store.repositories import AuditRepository
from issuer.web import deps

bp = Blueprint("vcapi", __name__)

DEFAULT_CRYPTOSUITE = "eddsa-rdfc-2022"
MAX_BODY_BYTES = 256 * 1024
MAX_DEPTH = 32  # deeper JSON would exhaust the canonicalizer's recursion long before it is useful
_OPTIONS = frozenset({"cryptosuite"})
# xsd:dateTime as the VC data models use it (digitalbazaar/vc's dateRegex): a zone is optional
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", re.I)
_DATE_FIELDS = {VC_V1: ("issuanceDate", "expirationDate"), VC_V2: ("validFrom", "validUntil")}


@bp.post("/credentials/issue")
def issue_credential():
    """Sign the supplied credential for the caller; 201 ``{"verifiableCredential": ...}``.

    :raise 401: no valid bearer token. :raise 400: see ``prepare_credential`` and ``_options``;
        ``UNKNOWN_CONTEXT`` / ``INVALID_DOCUMENT`` when the credential cannot be canonicalized.
    """
    institution = deps.caller()
    credential, cryptosuite = _read_body()
    keystore = deps.keystore()
    now = datetime.now(UTC)
    prepared = prepare_credential(credential, issuer_did=keystore.did(institution), now=now,
                                  new_id=f"urn:uuid:{uuid.uuid4()}")
    secured = suite_for(cryptosuite).add_proof(
        prepared, signer=keystore.signer(institution, cryptosuite), created=now)
    session = db.session()
    AuditRepository(session).record(actor=institution, action="credential.sign",
                                     subject=secured["id"], detail={"cryptosuite": cryptosuite},
                                     now=now)
    session.commit()
    return {"verifiableCredential": secured}, 201


def prepare_credential(credential: dict, *, issuer_did: str, now: datetime, new_id: str) -> dict:
    """A copy of ``credential`` ready to sign for ``issuer_did``.

    Adds ``id`` (``new_id``) and ``issuanceDate`` (1.1) or ``validFrom`` (2.0) when absent, and
    appends the Data Integrity v2 context when no listed context defines ``DataIntegrityProof``.

    :raise InvalidRequest: ``INVALID_CREDENTIAL`` (not a VC 1.1/2.0 credential: first context,
        type, credentialSubject, dates, a proof already present) or ``ISSUER_MISMATCH``.
    :raise UnknownContext: a context URL outside the bundled set.
    """
    contexts = _contexts(credential)
    version = contexts[0]
    _check_shape(credential)
    _check_issuer(credential.get("issuer"), issuer_did)
    prepared = dict(credential)
    if not any(_defines_proof_terms(c) for c in contexts):
        contexts.append(DATA_INTEGRITY_V2)
    prepared["@context"] = contexts
    prepared.setdefault("id", new_id)
    start, end = _DATE_FIELDS[version]
    prepared.setdefault(start, format_created(now))
    for name in (start, end):
        if name in prepared and not _is_datetime(prepared[name]):
            raise _invalid(f"{name} must be an XML Schema dateTime, e.g. 2025-01-31T09:00:00Z")
    return prepared


def _read_body() -> tuple[dict, str]:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise InvalidRequest(f"the body is larger than {MAX_BODY_BYTES} bytes", code="BODY_TOO_LARGE")
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object {credential, options}",
                             code="INVALID_JSON")
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise _invalid("credential must be a JSON object", code="CREDENTIAL_REQUIRED")
    if _depth(credential) > MAX_DEPTH:
        raise _invalid(f"the credential nests deeper than {MAX_DEPTH} levels")
    return credential, _options(body.get("options", {}))


def _options(options) -> str:
    """The cryptosuite named by ``options`` (the default when none is named)."""
    if not isinstance(options, dict):
        raise InvalidRequest("options must be a JSON object", code="INVALID_OPTIONS")
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise InvalidRequest(f"unsupported option(s): {', '.join(unknown)}",
                             code="UNSUPPORTED_OPTION", options=unknown)
    cryptosuite = options.get("cryptosuite", DEFAULT_CRYPTOSUITE)
    if not isinstance(cryptosuite, str) or cryptosuite not in SUITES:
        raise InvalidRequest(f"cryptosuite must be one of {', '.join(sorted(SUITES))}",
                             code="UNSUPPORTED_CRYPTOSUITE")
    return cryptosuite


def _contexts(credential: dict) -> list:
    contexts = credential.get("@context")
    if isinstance(contexts, str):
        contexts = [contexts]
    if not isinstance(contexts, list) or not contexts or not isinstance(contexts[0], str) \
            or contexts[0] not in _DATE_FIELDS:
        raise _invalid(f"@context must start with {VC_V1} or {VC_V2}")
    return list(contexts)


def _check_shape(credential: dict) -> None:
    if "proof" in credential:
        raise _invalid("the credential already has a proof")
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "VerifiableCredential" not in types \
            or not all(isinstance(t, str) for t in types):
        raise _invalid("type must include VerifiableCredential")
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise _invalid("credentialSubject must be a non-empty object (or a list of them)")


def _check_issuer(issuer, issuer_did: str) -> None:
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != issuer_did:
        shown = issuer_id if isinstance(issuer_id, str) else "none"
        raise InvalidRequest(f"the credential's issuer ({shown}) is not the caller ({issuer_did})",
                             code="ISSUER_MISMATCH", expected=issuer_did)


def _defines_proof_terms(context) -> bool:
    """Whether one ``@context`` entry defines ``DataIntegrityProof`` (embedded or bundled)."""
    if isinstance(context, str):
        context = get_context(context).get("@context", {})
    return isinstance(context, dict) and "DataIntegrityProof" in context


def _is_datetime(value) -> bool:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _depth(value, level: int = 1) -> int:
    if level > MAX_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_depth(child, level + 1) for child in children), default=level)


def _invalid(detail: str, *, code: str = "INVALID_CREDENTIAL") -> InvalidRequest:
    return InvalidRequest(detail, code=code)
