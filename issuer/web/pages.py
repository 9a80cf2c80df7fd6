"""The human verification pages: paste or upload a credential, or follow a certificate's QR code.

Server-rendered, no JavaScript. Every response carries a strict Content-Security-Policy. The
paste/upload form is protected by a signed double-submit token: a random nonce in an HttpOnly,
SameSite=Strict cookie, and in the form the HMAC of that nonce under ``SECRET_KEY``. Content from
a credential is shown only when its proof holds, and as trustworthy only when it verified.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from issuer.errors import IssuerError, NotFound
from issuer.services.verification import Check, VerificationResult, VerificationService
from issuer.store import db
from issuer.web import deps

bp = Blueprint("pages", __name__)

MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024
NONCE_COOKIE = "verify_nonce"
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
DOWNLOADS = (("pdf", "PDF certificate"), ("html", "Web page"), ("jsonld", "JSON-LD credential"),
             ("xml", "Europass XML credential"))
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
KIND_HEADINGS = {"individual": "Micro-credential certificate", "interdisciplinary": "Interdisciplinary certificate",
                 "expertise": "Expertise certificate"}

_SECRET_LOCK = threading.Lock()
_TOKEN_CONTEXT = b"conexus-issuer verify form v1\x00"

# What each check means, in plain words: (when it passed, when it failed)
CHECK_WORDS = {
    "format": ("It is a well-formed European Digital Credential",
               "It is not a European Digital Credential that can be read"),
    "proof": ("The digital signature is intact",
              "The digital signature does not match: the certificate was changed after signing, "
              "or was not signed by its issuer"),
    "issuer": ("It was signed by a known EU-CONEXUS institution, with a key valid at that time",
               "It was not signed by a known EU-CONEXUS institution with a key valid at that time"),
    "validity": ("The certificate is within its validity period",
                 "The certificate is not within its validity period"),
    "status": ("The issuer has not revoked this certificate",
               "The revocation status of this certificate could not be confirmed"),
    "components": ("Every micro-credential this certificate is built on is genuine and valid",
                   "One or more of the micro-credentials this certificate is built on is not valid"),
}
# A failure's code, when it says more than the check's general failure sentence
CODE_WORDS = {
    "MALFORMED": "The content is not a well-formed credential",
    "UNEXPECTED_CONTEXT": "The credential does not use the European Digital Credential vocabulary as issued",
    "UNKNOWN_CONTEXT": "The credential refers to a vocabulary this service does not know",
    "INVALID_DOCUMENT": "The credential contains terms or values that are not allowed",
    "INVALID_XML": "The content is not valid Europass XML",
    "SCHEMA_INVALID": "The XML does not follow the European Digital Credential schema",
    "PROOF_MISSING": "The certificate carries no digital signature",
    "PROOF_INVALID": CHECK_WORDS["proof"][1],
    "UNSUPPORTED_CRYPTOSUITE": "The certificate is signed with a method this service does not accept",
    "UNKNOWN_VERIFICATION_METHOD": "The certificate was signed with a key that no EU-CONEXUS institution published",
    "UNKNOWN_ISSUER": "The issuer is not an EU-CONEXUS institution",
    "ISSUER_KEY_MISMATCH": "It was signed with one institution's key but names another institution as its issuer",
    "KEY_NOT_VALID_AT_CREATION": "The signing key was not in use on the date the certificate says it was signed",
    "NOT_YET_VALID": "The certificate is not valid yet",
    "EXPIRED": "The certificate has expired",
    "CREATED_IN_FUTURE": "The certificate claims to have been signed in the future",
    "INVALID_DATE": "The certificate's dates cannot be read",
    "REVOKED": "The issuer has revoked this certificate",
    "STATUS_UNKNOWN": "Whether the issuer has revoked this certificate cannot be confirmed",
    "COMPONENT_UNKNOWN": "A micro-credential it lists was not issued by EU-CONEXUS",
    "COMPONENT_DIGEST_MISMATCH": "A micro-credential it lists does not match the one that was issued",
    "COMPONENT_REVOKED": "The issuer has revoked one of the micro-credentials it is built on",
    "COMPONENT_INVALID": "One of the micro-credentials it is built on is not valid",
    "EMPTY": "Nothing was pasted or uploaded",
    "TOO_LARGE": "The file is larger than 2 MB",
}
NOT_CHECKED = "NOT_CHECKED"
CHECK_NAMES = {"format": "Format", "proof": "Digital signature", "issuer": "Issuer", "validity": "Validity dates",
               "status": "Revocation status", "components": "Component certificates"}
NO_COMPONENTS_WORDS = "A single micro-credential: there are no component certificates to check"


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(NotFound)
def _not_found(_exc: NotFound):
    return _error_page(404, "Certificate not found",
                       "There is no certificate at this address. Check the link or scan the QR code again.")


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    if exc.code == 413:
        return _error_page(413, "File too large", "Credentials up to 2 MB can be checked here.")
    return _error_page(exc.code or 500, exc.name, exc.description or exc.name)


@bp.get("/verify")
def verify_form():
    """The paste/upload form."""
    return _form_page(None, status=200)


@bp.post("/verify")
def verify_submitted():
    """Verify a pasted or uploaded credential; ``400`` page without a valid form token.

    :raise 413: the request is larger than the upload limit.
    """
    request.max_content_length = MAX_CREDENTIAL_BYTES + 64 * 1024  # the form fields around the file
    request.max_form_memory_size = MAX_CREDENTIAL_BYTES
    if not _token_is_valid(request.cookies.get(NONCE_COOKIE), request.form.get("csrf_token")):
        return _error_page(400, "The form has expired",
                           "Open the verification page again and resubmit the certificate.")
    body = _submitted_credential()
    if isinstance(body, VerificationResult):
        return _form_page(body, status=400)
    try:
        result = _verification().verify_any(body, _content_type(body), now=datetime.now(UTC))
    except IssuerError as exc:  # the verifier refused the input before checking anything
        result = _unreadable(exc.code, exc.detail)
    return _form_page(result, status=200)


@bp.get("/credentials/<credential_id>/verify")
def verify_stored(credential_id: str):
    """The page a certificate's QR code opens: verify the stored credential, offer downloads.

    :raise 404: unknown credential (an HTML page).
    """
    service = deps.credentials()
    stored = service.get(credential_id)
    result = _verification().verify_jsonld(json.loads(stored.jsonld), now=datetime.now(UTC))
    view = service.view(stored)
    verify_url = service.verify_url(stored)
    downloads = [(label, url_for("credentials.get_credential", credential_id=stored.id, format=fmt))
                 for fmt, label in DOWNLOADS]
    linkedin = linkedin_url(title=view.course_title, organisation=view.institution_name,
                            issued=stored.issued_at, cert_url=verify_url, cert_id=stored.id)
    return render_template("verify.html", result=result, words=_describe(result), content=_content(result),
                           stored=True, downloads=downloads, linkedin=linkedin, verify_url=verify_url,
                           credential_id=stored.id)


def linkedin_url(*, title: str, organisation: str, issued: datetime, cert_url: str, cert_id: str) -> str:
    """LinkedIn's "add licence or certification" link, pre-filled."""
    params = {"startTask": "CERTIFICATION_NAME", "name": title, "organizationName": organisation,
              "issueYear": str(issued.year), "issueMonth": str(issued.month), "certUrl": cert_url,
              "certId": cert_id}
    return f"{LINKEDIN_ADD}?{urlencode(params, quote_via=quote)}"


def _verification() -> VerificationService:
    return VerificationService(db.session(), keystore=deps.keystore(), public_url=current_app.config["PUBLIC_URL"])


def _unreadable(code: str, detail: str) -> VerificationResult:
    """The result shown when the input could not be handed to the verifier as a credential."""
    return VerificationResult(verified=False, checks=(Check("format", False, code, detail),), credential=None,
                              format="unknown")


def _submitted_credential() -> bytes | VerificationResult:
    upload = request.files.get("credential_file")
    body = upload.read(MAX_CREDENTIAL_BYTES + 1) if upload is not None and upload.filename else b""
    if not body.strip():
        body = request.form.get("credential", "").encode("utf-8")
    if len(body) > MAX_CREDENTIAL_BYTES:
        return _unreadable("TOO_LARGE", "larger than 2 MB")
    if not body.strip():
        return _unreadable("EMPTY", "paste a credential or choose a file")
    return body


def _content_type(body: bytes) -> str:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return "application/xml" if start == b"<" else "application/ld+json"


def _describe(result) -> list[dict]:
    """Each check of ``result`` as {state: ok|fail|skipped, sentence, code, detail}, in order."""
    parts = (result.credential or {}).get("components")
    words = []
    for check in result.checks:
        passed, failed = CHECK_WORDS.get(check.check, (f"Check “{check.check}” passed",
                                                       f"Check “{check.check}” failed"))
        if check.ok:
            sentence = NO_COMPONENTS_WORDS if check.check == "components" and not parts else passed
            words.append({"state": "ok", "sentence": sentence, "code": "", "detail": ""})
        elif check.code == NOT_CHECKED:
            name = CHECK_NAMES.get(check.check, check.check)
            words.append({"state": "skipped", "sentence": f"{name}: not checked, because an earlier check failed",
                          "code": "", "detail": ""})
        else:
            words.append({"state": "fail", "sentence": CODE_WORDS.get(check.code, failed), "code": check.code,
                          "detail": check.detail})
    return words


def _content(result) -> dict | None:
    """The credential summary as display strings, or None unless the proof held."""
    summary = result.credential
    if not summary or not any(c.check == "proof" and c.ok for c in result.checks):
        return None
    issuer = summary.get("issuer") or {}
    facts = [("Course code", summary.get("course_code")), ("ECTS credits", summary.get("ects")),
             ("Grade", summary.get("grade")), ("Issued on", _display_date(summary.get("issued")))]
    return {"kind": KIND_HEADINGS.get(summary.get("kind"), "Certificate"), "learner": summary.get("learner") or "",
            "title": summary.get("title") or "", "institution": issuer.get("name") or issuer.get("code") or "",
            "facts": [(label, _display(value)) for label, value in facts if value not in (None, "")],
            "outcomes": list(summary.get("learning_outcomes") or ()),
            "components": [_component(c) for c in summary.get("components") or ()]}


def _component(component: dict) -> dict:
    credential = str(component.get("credential") or "")
    uuid_ = credential.removeprefix("urn:uuid:")
    link = url_for("pages.verify_stored", credential_id=uuid_) if credential.startswith("urn:uuid:") else None
    details = [component.get(k) for k in ("course_code", "sector", "semester")]
    return {"title": component.get("title") or "", "details": " · ".join(str(d) for d in details if d),
            "link": link}


def _display(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _display_date(value) -> str:
    if not value:
        return ""
    try:
        day = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%B} {day.year}"


def _form_page(result, *, status: int) -> Response:
    nonce = _nonce(request.cookies.get(NONCE_COOKIE))
    html = render_template("verify.html", result=result, words=_describe(result) if result else [],
                           content=_content(result) if result else None, stored=False,
                           csrf_token=_token(nonce), max_mb=MAX_CREDENTIAL_BYTES // 2**20)
    response = Response(html, status=status, mimetype="text/html")
    response.set_cookie(NONCE_COOKIE, nonce, httponly=True, samesite="Strict", secure=request.is_secure,
                        path=url_for("pages.verify_form"))
    return response


def _error_page(status: int, title: str, message: str) -> Response:
    html = render_template("page_error.html", status=status, title=title, message=message)
    return Response(html, status=status, mimetype="text/html")


# --- form token ------------------------------------------------------------------------------

def _secret() -> bytes:
    # No SECRET_KEY configured: one random key per process (forms then do not survive a restart,
    # and several worker processes need ISSUER_SECRET_KEY set to agree)
    with _SECRET_LOCK:
        if not current_app.config.get("SECRET_KEY"):
            current_app.config["SECRET_KEY"] = secrets.token_hex(32)
        key = current_app.config["SECRET_KEY"]
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def _nonce(existing: str | None) -> str:
    if existing and len(existing) == 43 and existing.replace("-", "").replace("_", "").isalnum():
        return existing
    return secrets.token_urlsafe(32)


def _token(nonce: str) -> str:
    return hmac.new(_secret(), _TOKEN_CONTEXT + nonce.encode("ascii"), hashlib.sha256).hexdigest()


def _token_is_valid(nonce: str | None, token: str | None) -> bool:
    if not nonce or not token or _nonce(nonce) != nonce:
        return False
    return hmac.compare_digest(_token(nonce).encode("ascii"), token.encode("utf-8"))
