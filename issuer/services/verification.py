"""Verifying a presented credential (JSON-LD or XML): every input is hostile until proven signed.

Nothing is fetched: contexts are the bundled ones, keys and certificates are the institutions'
public keys mirrored in the database (current and retired), status lists are the database's.
Fields shown to people come only from verified content: the JSON-LD document whose proof holds
(with the exact expected contexts, so its JSON reads as its signed graph) or the element the XML
signature covers, never from the raw input.

Checks, always all six and in this order, each ``ok`` or with a stable code:

``format``
    ``MALFORMED`` (not a JSON object, a JSON syntax error, duplicate keys, NaN, too large or too
    deep, missing fields, keywords where they do not belong, blank node identifiers or more than
    ``canonical.MAX_BLANK_NODES`` nodes without an id: RDF canonicalization is exponential over look-alike
    blank nodes, and this endpoint is public), ``UNEXPECTED_CONTEXT`` (an EDC credential
    whose ``@context`` is not exactly the three EDC contexts in order, or a nested ``@context``),
    ``UNKNOWN_CONTEXT`` (a plain VC 1.1/2.0 credential naming a context outside the bundled set),
    ``INVALID_DOCUMENT`` (JSON-LD processing would drop or rewrite something: an undefined term,
    a relative IRI), ``INVALID_XML`` (malformed or hostile XML: DTD, entities...),
    ``SCHEMA_INVALID`` (not valid against genericschema_1.2.xsd).
``proof``
    ``PROOF_MISSING``, ``PROOF_INVALID`` (not exactly one proof, a field outside ``PROOF_FIELDS``
    or not a string, a wrong value, a signature that does not match; for XML anything
    ``xmldsig.verify_xml`` refuses), ``UNSUPPORTED_CRYPTOSUITE`` (only eddsa-rdfc-2022 and
    ecdsa-rdfc-2019), ``UNKNOWN_VERIFICATION_METHOD`` (the key is not one of our institutions').
``issuer``
    ``UNKNOWN_ISSUER`` (the issuer is not one of our institutions' DIDs), ``ISSUER_KEY_MISMATCH``
    (signed with one institution's key, naming another as issuer), ``KEY_NOT_VALID_AT_CREATION``
    (the key was not in use when the proof says it was made).
``validity``
    ``NOT_YET_VALID``, ``EXPIRED`` (validUntil/expirationDate, or the proof's expires),
    ``CREATED_IN_FUTURE`` (proof created, or XML issued, later than now plus ``CLOCK_SKEW``),
    ``INVALID_DATE``.
``status``
    ``REVOKED``, ``STATUS_UNKNOWN`` (no status entry where one is required, a list that is not
    the issuer's list in our database, an index outside it).
``components`` (itineraries; ``OK`` for a credential without parts)
    ``COMPONENT_UNKNOWN`` (not a credential we issued), ``COMPONENT_DIGEST_MISMATCH`` (its SRI
    digest does not match the stored component), ``COMPONENT_REVOKED``, ``COMPONENT_INVALID``
    (malformed reference, another learner's, or it does not verify itself).

Any check may also say ``NOT_CHECKED`` (``ok: false``): format, proof and issuer form a chain;
once one fails, the checks after it that would read the content are not run, because that
content is not trusted. ``verified`` is true only when every check is ok. The ``credential``
summary is given only when format, proof and issuer hold. ``problemDetails`` in ``to_dict`` has
one entry per check that failed (NOT_CHECKED ones are listed in ``checks`` only).
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from itertools import accumulate
from typing import Any, Callable

from cryptography import x509
from lxml import etree
from sqlalchemy.orm import Session

from issuer.credentials.contexts import EDC_AP, EDC_CONTEXTS, VC_V1, VC_V2, known_context_urls
from issuer.credentials.jsonld import BITSTRING_STATUS_LIST_ENTRY, STATUS_NS, read_status
from issuer.credentials import summary as read
from issuer.credentials.statuslist import get_bit
from issuer.credentials.xml import CRED, SNB, parse_xml, validate_xsd
from issuer.domain.model import Institution
from issuer.errors import (
    InvalidDocument,
    InvalidProof,
    InvalidXml,
    IssuerError,
    KeyMaterialError,
    NotFound,
    UnknownContext,
)
from issuer.services.documents import sri_digest
from issuer.services.keystore import KeyStore, PublicKeyInfo, all_public_keys
from issuer.services.status import StatusService
from issuer.signing.canonical import canonicalize
from issuer.signing.did import DID_KEY_PREFIX, did_web
from issuer.signing.multibase import public_key_from_multikey
from issuer.signing.suites import suite_for
from issuer.signing.xmldsig import verify_xml as verify_xml_signature
from issuer.store.credentials import CredentialRepository, IssuedRecord
from issuer.store.repositories import CatalogueRepository

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
# the fields a DataIntegrityProof may have here, all strings: nothing nested reaches canonicalization
PROOF_FIELDS = frozenset({"type", "cryptosuite", "created", "verificationMethod", "proofPurpose", "proofValue",
                          "expires", "domain", "challenge", "nonce", "id"})
CLOCK_SKEW = timedelta(minutes=5)
CHECKS = ("format", "proof", "issuer", "validity", "status", "components")
OK = "OK"
NOT_CHECKED = "NOT_CHECKED"
PROBLEM_TYPE = "https://conexus-issuer.example/problems/"
EDC_TYPE = "EuropeanDigitalCredential"
ITINERARY_KINDS = ("interdisciplinary", "expertise")

TITLES = {
    "MALFORMED": "Malformed credential", "UNEXPECTED_CONTEXT": "Unexpected JSON-LD context",
    "UNKNOWN_CONTEXT": "Unknown JSON-LD context", "INVALID_DOCUMENT": "Invalid JSON-LD document",
    "INVALID_XML": "Invalid XML", "SCHEMA_INVALID": "XML not valid against the EDC schema",
    "PROOF_MISSING": "No proof", "PROOF_INVALID": "Proof invalid",
    "UNSUPPORTED_CRYPTOSUITE": "Unsupported cryptosuite",
    "UNKNOWN_VERIFICATION_METHOD": "Unknown verification method", "UNKNOWN_ISSUER": "Unknown issuer",
    "ISSUER_KEY_MISMATCH": "Signed by another institution's key",
    "KEY_NOT_VALID_AT_CREATION": "Key not in use when the proof was made",
    "NOT_YET_VALID": "Not yet valid", "EXPIRED": "Expired", "CREATED_IN_FUTURE": "Created in the future",
    "INVALID_DATE": "Invalid date", "REVOKED": "Revoked", "STATUS_UNKNOWN": "Status unknown",
    "COMPONENT_UNKNOWN": "Unknown component", "COMPONENT_DIGEST_MISMATCH": "Component digest mismatch",
    "COMPONENT_REVOKED": "Component revoked", "COMPONENT_INVALID": "Component invalid",
}

# JSON nesting, counted on the body's bytes (brackets, quotes and backslashes are ASCII, and no byte
# of a multi-byte UTF-8 character is): escapes dropped, then every byte but quotes and brackets,
# then the strings; what is left are the brackets outside strings (and the quote of a string not
# closed, which counts for nothing).
_JSON_ESCAPE = re.compile(rb"\\.", re.S)
_NOT_STRUCTURE = bytes(sorted(set(range(256)) - set(b'"[]{}')))
_JSON_STRING = re.compile(rb'"[^"]*"')
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1, ord('"'): 0}
_INDEX = re.compile(r"^[0-9]{1,9}$")


# --- results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Check:
    check: str  # one of CHECKS
    ok: bool
    code: str  # "OK" or a stable error code (see the module docstring)
    detail: str

    def to_dict(self) -> dict:
        return {"check": self.check, "ok": self.ok, "code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    checks: tuple[Check, ...]
    credential: dict | None  # summary of verified content only (see the module docstring)
    format: str  # "jsonld" | "xml"

    def to_dict(self) -> dict:
        """``{"verified", "checks", "problemDetails"}`` (one problem per check that failed; a
        check not run is listed in ``checks`` only), plus ``"credential"`` when it is known."""
        body = {"verified": self.verified, "checks": [c.to_dict() for c in self.checks],
                "problemDetails": [_problem(c) for c in self.checks if not c.ok and c.code != NOT_CHECKED]}
        if self.credential is not None:
            body["credential"] = self.credential
        return body


def _problem(check: Check) -> dict:
    return {"type": PROBLEM_TYPE + check.code.lower().replace("_", "-"), "code": check.code,
            "title": TITLES.get(check.code, check.code.replace("_", " ").capitalize()),
            "detail": check.detail}


class CheckFailed(IssuerError):
    """One check failed: ``check`` names it, ``code`` says why (never leaves this module)."""

    status = 400
    title = "Verification check failed"

    def __init__(self, check: str, code: str, detail: str):
        super().__init__(detail, code=code)
        self.check = check


class _Report:
    """The checks in order; a check never recorded is NOT_CHECKED."""

    def __init__(self, fmt: str):
        self.format = fmt
        self._checks: dict[str, Check] = {}

    def ok(self, check: str, detail: str) -> None:
        self._checks[check] = Check(check, True, OK, detail)

    def fail(self, exc: CheckFailed) -> None:
        self._checks[exc.check] = Check(exc.check, False, exc.code, exc.detail)

    def run(self, check: str, step: Callable[[], str]) -> bool:
        try:
            self.ok(check, step())
        except CheckFailed as exc:
            self.fail(exc)
        return self._checks[check].ok

    def passed(self, *names: str) -> bool:
        return all(name in self._checks and self._checks[name].ok for name in names)

    def result(self, summary: dict | None = None) -> VerificationResult:
        checks = tuple(self._checks.get(name) or Check(name, False, NOT_CHECKED, "not checked: an earlier "
                                                       "check failed, so the content is not trusted")
                       for name in CHECKS)
        trusted = self.passed("format", "proof", "issuer")
        return VerificationResult(verified=all(c.ok for c in checks), checks=checks,
                                  credential=summary if trusted else None, format=self.format)


# --- our institutions and their keys (from the database) -----------------------------------------

@dataclass(frozen=True)
class _Key:
    institution: str
    controller: str  # the DID the verification method belongs to (did:web, or the did:key itself)
    info: PublicKeyInfo


class _Directory:
    """Our institutions' DIDs and public keys, read once per verification service."""

    def __init__(self, session: Session, public_url: str):
        self.session = session
        self.public_url = public_url

    @cached_property
    def institutions(self) -> dict[str, Institution]:
        return CatalogueRepository(self.session).institutions()

    @cached_property
    def keys(self) -> dict[str, list[PublicKeyInfo]]:
        keys = all_public_keys(self.session)
        return {code: keys.get(code, []) for code in self.institutions}

    @cached_property
    def _web_dids(self) -> dict[str, str]:
        return {did_web(self.public_url, code): code for code in self.institutions}

    def _by_multikey(self, multikey: str) -> PublicKeyInfo | None:
        return next((k for keys in self.keys.values() for k in keys if k.public_key_multibase == multikey), None)

    def institution_of(self, did) -> str | None:
        """The institution whose DID ``did`` is (its did:web, or the did:key of one of its keys)."""
        if not isinstance(did, str):
            return None
        if did in self._web_dids:
            return self._web_dids[did]
        if did.startswith(DID_KEY_PREFIX):
            key = self._by_multikey(did[len(DID_KEY_PREFIX):])
            return key.institution if key is not None else None
        return None

    def resolve(self, vm_id) -> _Key:
        """The key behind a verification method URL (``<did:web>#<key id>`` or
        ``did:key:<mb>#<mb>``). :raise CheckFailed: not one of our institutions' keys."""
        did, _, fragment = vm_id.partition("#") if isinstance(vm_id, str) else ("", "", "")
        key = None
        if did in self._web_dids and fragment:
            key = next((k for k in self.keys[self._web_dids[did]] if k.key_id == fragment), None)
        elif did.startswith(DID_KEY_PREFIX) and fragment == did[len(DID_KEY_PREFIX):]:
            key = self._by_multikey(fragment)
        if key is None or not key.public_key_multibase:
            raise CheckFailed("proof", "UNKNOWN_VERIFICATION_METHOD",
                              f"verification method {str(vm_id)[:200]!r} is not a key of one of our institutions")
        return _Key(key.institution, did, key)

    def xml_certificates(self) -> list[x509.Certificate]:
        return [cert for _info, cert in self._xml_keys]

    def xml_key(self, certificate: x509.Certificate) -> _Key | None:
        for info, cert in self._xml_keys:
            if cert == certificate:
                return _Key(info.institution, did_web(self.public_url, info.institution), info)
        return None

    @cached_property
    def _xml_keys(self) -> list[tuple[PublicKeyInfo, x509.Certificate]]:
        return [(k, k.certificate()) for keys in self.keys.values() for k in keys if k.certificate_pem]


# --- the service ---------------------------------------------------------------------------------

class VerificationService:
    """Verifies JSON-LD (Data Integrity) and XML (XML Signature) credentials against our database."""

    def __init__(self, session: Session, *, keystore: KeyStore, public_url: str):
        self.session = session
        self.keystore = keystore  # only to build the status service: no private key is used here
        self.public_url = public_url.rstrip("/")
        self.directory = _Directory(session, self.public_url)
        self.credentials = CredentialRepository(session)

    # -- entry points --------------------------------------------------------------------------
    def verify_any(self, body: bytes, content_type: str, *, now: datetime) -> VerificationResult:
        """Verify a request body: XML by content type (``application/xml``, ``text/xml``,
        ``*+xml``) or by its first character, else JSON: ``{"verifiableCredential": {...}}`` or a
        bare credential."""
        if _is_xml(body, content_type):
            return self.verify_xml(body, now=now)
        report = _Report("jsonld")
        try:
            document = parse_json(body)
        except CheckFailed as exc:
            report.fail(exc)
            return report.result()
        if isinstance(document, dict) and "verifiableCredential" in document:
            document = document["verifiableCredential"]
        return self.verify_jsonld(document, now=now)

    def verify_jsonld(self, document: Any, *, now: datetime) -> VerificationResult:
        """Verify a parsed JSON-LD credential (see the module docstring for the checks)."""
        return self._verify_jsonld(document, now=_aware(now), nested=False)

    def verify_xml(self, data: bytes, *, now: datetime) -> VerificationResult:
        """Verify EDC XML bytes; everything after the signature check reads only the signed element."""
        now = _aware(now)
        report = _Report("xml")
        root = self._xml_format(report, data)
        if root is None:
            return report.result()
        try:
            verified_root, key = self._xml_proof(data, root)
            report.ok("proof", f"XML Signature by {key.institution} certificate {key.info.key_id}")
        except CheckFailed as exc:
            report.fail(exc)
            self._claimed_issuer(report, read.xml_issuer(root), None)
            return report.result()
        institution = self.directory.institution_of(read.xml_issuer(verified_root))
        # an XML certificate stands for its institution, whichever of its DIDs the credential names
        if not report.run("issuer", lambda: self._issuer(institution, read.xml_issuer(verified_root), key, None,
                                                         read.xml_datetime(verified_root, "issued"))):
            return report.result()
        issuer = self.directory.institutions[key.institution]
        summary = read.xml_summary(verified_root, issuer_code=issuer.code, issuer_name=issuer.name)
        report.run("validity", lambda: _xml_validity(verified_root, now))
        report.run("status", lambda: self._xml_status(verified_root, key.institution))
        report.run("components", lambda: self._components(read.xml_parts(verified_root),
                                                          summary.get("learner_id"), summary["kind"], now))
        return report.result(summary)

    # -- JSON-LD -------------------------------------------------------------------------------
    def _verify_jsonld(self, document: Any, *, now: datetime, nested: bool) -> VerificationResult:
        report = _Report("jsonld")
        try:
            doc, edc, canonical = _jsonld_format(document)
            report.ok("format", "EDC JSON-LD with the expected contexts" if edc
                      else "VC JSON-LD with bundled contexts")
        except CheckFailed as exc:
            report.fail(exc)
            return report.result()
        try:
            key, created = self._jsonld_proof(doc, canonical)
            report.ok("proof", f"{doc['proof']['cryptosuite']} proof by {doc['proof']['verificationMethod']}")
        except CheckFailed as exc:
            report.fail(exc)
            proof = doc.get("proof")
            vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
            self._claimed_issuer(report, read.issuer_id(doc), vm.partition("#")[0] if isinstance(vm, str) else None)
            return report.result()
        issuer_id = read.issuer_id(doc)
        institution = self.directory.institution_of(issuer_id)
        if not report.run("issuer", lambda: self._issuer(institution, issuer_id, key, key.controller, created)):
            return report.result()
        issuer = self.directory.institutions[key.institution]
        summary = read.jsonld_summary(doc, issuer_code=issuer.code, issuer_name=issuer.name, edc=edc)
        report.run("validity", lambda: _jsonld_validity(doc, created, now))
        report.run("status", lambda: self._jsonld_status(doc, edc, key.institution))
        if nested and read.jsonld_parts(doc):
            report.fail(CheckFailed("components", "COMPONENT_INVALID", "a component cannot have components"))
        else:
            report.run("components", lambda: self._components(read.jsonld_parts(doc), summary.get("learner_id"),
                                                              summary["kind"], now))
        return report.result(summary)

    def _jsonld_proof(self, doc: dict, canonical: str) -> tuple[_Key, datetime]:
        proof = doc.get("proof")
        if proof is None:
            raise CheckFailed("proof", "PROOF_MISSING", "the credential has no proof")
        if not isinstance(proof, dict):
            raise CheckFailed("proof", "PROOF_INVALID", "exactly one proof object is expected (no proof sets)")
        if not set(proof) <= PROOF_FIELDS or not all(isinstance(v, str) for v in proof.values()):
            raise CheckFailed("proof", "PROOF_INVALID", f"a proof has only the string fields {sorted(PROOF_FIELDS)}")
        try:
            suite = suite_for(proof.get("cryptosuite"))
        except InvalidProof as exc:
            raise CheckFailed("proof", "UNSUPPORTED_CRYPTOSUITE", exc.detail) from None
        created = read.parse_datetime(proof.get("created"))
        if created is None:
            raise CheckFailed("proof", "PROOF_INVALID", "the proof has no valid created time")
        key = self.directory.resolve(proof.get("verificationMethod"))
        if key.info.purpose != proof["cryptosuite"]:
            raise CheckFailed("proof", "UNKNOWN_VERIFICATION_METHOD",
                              f"key {key.info.key_id} is not a {proof['cryptosuite']} key")
        try:
            public_key = public_key_from_multikey(key.info.public_key_multibase)
            suite.verify(doc, public_key=public_key, canonical_document=canonical)
        except KeyMaterialError as exc:
            raise CheckFailed("proof", "UNKNOWN_VERIFICATION_METHOD", exc.detail) from None
        except InvalidProof as exc:
            raise CheckFailed("proof", "PROOF_INVALID", exc.detail) from None
        return key, created

    def _jsonld_status(self, doc: dict, edc: bool, institution: str) -> str:
        stored = self._stored(doc.get("id"), institution)
        entry = _status_entry(doc.get("credentialStatus"))
        if entry is None and stored is None:
            if edc:
                raise CheckFailed("status", "STATUS_UNKNOWN", "an EDC credential must have a status entry")
            return "no status entry: this credential cannot be revoked"
        where = self._list_entry(entry, institution) if entry is not None else None
        return self._status_of(where, stored, institution)

    # -- XML -----------------------------------------------------------------------------------
    def _xml_format(self, report: _Report, data: bytes) -> etree._Element | None:
        try:
            if not isinstance(data, bytes) or len(data) > MAX_BODY_BYTES:
                raise CheckFailed("format", "MALFORMED", f"the XML must be bytes, at most {MAX_BODY_BYTES}")
            try:
                root = parse_xml(data)
            except InvalidXml as exc:
                raise CheckFailed("format", "INVALID_XML", exc.detail) from None
            if root.tag != f"{{{SNB}}}europassCredential":
                raise CheckFailed("format", "INVALID_XML", "not a europassCredential document")
            try:
                validate_xsd(root)
            except InvalidXml as exc:
                raise CheckFailed("format", "SCHEMA_INVALID", exc.detail) from None
        except CheckFailed as exc:
            report.fail(exc)
            return None
        report.ok("format", "EDC XML, valid against genericschema_1.2.xsd")
        return root

    def _xml_proof(self, data: bytes, root: etree._Element) -> tuple[etree._Element, _Key]:
        # The issuance time (read before verifying) only selects the time for the certificate
        # check; the signed copy must carry the same one.
        issued = read.xml_datetime(root, "issued")
        if issued is None:
            raise CheckFailed("proof", "PROOF_INVALID", "the credential has no valid issued time")
        certificates = self.directory.xml_certificates()
        if not certificates:
            raise CheckFailed("proof", "UNKNOWN_VERIFICATION_METHOD", "no institution certificate is known")
        try:
            verified = verify_xml_signature(data, trusted_certificates=certificates, at=issued)
        except (InvalidProof, InvalidXml) as exc:
            raise CheckFailed("proof", "PROOF_INVALID", exc.detail) from None
        key = self.directory.xml_key(verified.certificate)
        if key is None or read.xml_datetime(verified.root, "issued") != issued:
            raise CheckFailed("proof", "PROOF_INVALID", "the signed content does not match the document")
        return verified.root, key

    def _xml_status(self, root: etree._Element, institution: str) -> str:
        stored = self._stored(root.get(f"{{{CRED}}}id"), institution)
        if stored is None:
            raise CheckFailed("status", "STATUS_UNKNOWN", "the XML carries no status and the credential "
                              "is not one this service issued")
        return self._status_of(None, stored, institution)

    # -- shared checks -------------------------------------------------------------------------
    def _claimed_issuer(self, report: _Report, issuer_id, vm_did: str | None) -> None:
        """After a failed proof: report what the unverified claims already rule out (failures only)."""
        if not report.passed("format"):
            return
        claimed = self.directory.institution_of(issuer_id)
        if claimed is None:
            report.fail(CheckFailed("issuer", "UNKNOWN_ISSUER",
                                    f"issuer {_shown(issuer_id)} is not one of our institutions"))
        elif vm_did is not None and vm_did != issuer_id:
            report.fail(CheckFailed("issuer", "ISSUER_KEY_MISMATCH",
                                    f"the proof's key belongs to {_shown(vm_did)}, not to the issuer"))

    def _issuer(self, institution: str | None, issuer_id, key: _Key, controller: str | None,
                created: datetime | None) -> str:
        """The issuer is ours, the key is the issuer's (its verification method's controller is
        the issuer's DID, when there is one) and the key was in use at ``created``."""
        if institution is None:
            raise CheckFailed("issuer", "UNKNOWN_ISSUER", f"issuer {_shown(issuer_id)} is not one of our institutions")
        if institution != key.institution or controller not in (None, issuer_id):
            raise CheckFailed("issuer", "ISSUER_KEY_MISMATCH",
                              f"signed with a key of {key.institution}, but the issuer is {_shown(issuer_id)}")
        if created is None or not _in_use(key.info, created):
            raise CheckFailed("issuer", "KEY_NOT_VALID_AT_CREATION",
                              f"key {key.info.key_id} was not in use at {_iso(created)}")
        return f"{institution} ({self.directory.institutions[institution].name}), key {key.info.key_id}"

    def _stored(self, uri, institution: str) -> IssuedRecord | None:
        stored = self.credentials.issued_by_uri(uri) if isinstance(uri, str) else None
        if stored is not None and stored.issuer != institution:
            raise CheckFailed("status", "STATUS_UNKNOWN", "the credential id belongs to another issuer's credential")
        return stored

    def _list_entry(self, entry: dict, institution: str) -> tuple[str, int]:
        prefix = f"{self.public_url}/status-lists/"
        url, index = entry["statusListCredential"], entry["statusListIndex"]
        if entry["statusPurpose"] != "revocation":
            raise CheckFailed("status", "STATUS_UNKNOWN", f"status purpose {entry['statusPurpose'][:50]!r} "
                              "is not revocation")
        list_id = url[len(prefix):] if url.startswith(prefix) else ""
        if not list_id or "/" in list_id or "#" in list_id or len(list_id) > 64 or not _INDEX.match(index):
            raise CheckFailed("status", "STATUS_UNKNOWN", "the status list is not one of ours")
        return list_id, int(index)

    def _status_of(self, where: tuple[str, int] | None, stored: IssuedRecord | None, institution: str) -> str:
        """Check the list entry (from the credential, else the stored record): REVOKED or OK."""
        if where is not None and stored is not None and where != (stored.status_list_id, stored.status_index):
            raise CheckFailed("status", "STATUS_UNKNOWN", "the status entry is not the one issued")
        list_id, index = where if where is not None else (stored.status_list_id, stored.status_index)
        try:
            owner, size, bits = StatusService(self.session, keystore=self.keystore,
                                              public_url=self.public_url).list_entry_data(list_id)
        except NotFound:
            raise CheckFailed("status", "STATUS_UNKNOWN", f"no status list {list_id}") from None
        if owner != institution or not 0 <= index < size:
            raise CheckFailed("status", "STATUS_UNKNOWN", f"status list {list_id} has no such entry of the issuer")
        if get_bit(bits, index) or (stored is not None and stored.revoked):
            raise CheckFailed("status", "REVOKED", "the credential has been revoked")
        return f"not revoked (list {list_id})"

    def _components(self, parts: list[tuple[str | None, str | None]] | None, learner_id, kind,
                    now: datetime) -> str:
        if not parts:
            if kind in ITINERARY_KINDS:
                raise CheckFailed("components", "COMPONENT_INVALID", "an itinerary certificate without components")
            return "not an itinerary: no components"
        for credential_id, sri in parts:
            self._component(credential_id, sri, learner_id, now)
        return f"{len(parts)} components issued, unchanged, not revoked and verified"

    def _component(self, credential_id, sri, learner_id, now: datetime) -> None:
        if not isinstance(credential_id, str) or not isinstance(sri, str):
            raise CheckFailed("components", "COMPONENT_INVALID", "a component lacks its credential id or digest")
        stored = self.credentials.issued_by_uri(credential_id)
        if stored is None or stored.kind in ITINERARY_KINDS:
            raise CheckFailed("components", "COMPONENT_UNKNOWN", f"component {credential_id[:100]} is not "
                              "an individual certificate issued here")
        actual = sri_digest(stored.jsonld.encode("utf-8"))
        if sri != actual or stored.digest_sri != actual:
            raise CheckFailed("components", "COMPONENT_DIGEST_MISMATCH",
                              f"the digest of component {credential_id} does not match the issued one")
        if stored.revoked:
            raise CheckFailed("components", "COMPONENT_REVOKED", f"component {credential_id} has been revoked")
        result = self._verify_jsonld(json.loads(stored.jsonld), now=now, nested=True)
        if any(c.code == "REVOKED" for c in result.checks):
            raise CheckFailed("components", "COMPONENT_REVOKED", f"component {credential_id} has been revoked")
        if not result.verified:
            failed = ", ".join(c.code for c in result.checks if not c.ok)
            raise CheckFailed("components", "COMPONENT_INVALID", f"component {credential_id} does not verify ({failed})")
        if learner_id is None or (result.credential or {}).get("learner_id") != learner_id:
            raise CheckFailed("components", "COMPONENT_INVALID", f"component {credential_id} is another learner's")


# --- JSON: parsing with limits -------------------------------------------------------------------

def parse_json(body: bytes) -> Any:
    """Parse a JSON body, refusing what a credential never needs: more than ``MAX_BODY_BYTES``,
    nesting deeper than ``MAX_DEPTH`` (checked before parsing), duplicate keys, NaN/Infinity.

    :raise CheckFailed: ``format`` / ``MALFORMED``.
    """
    if not isinstance(body, (bytes, bytearray)) or len(body) > MAX_BODY_BYTES:
        raise CheckFailed("format", "MALFORMED", f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        text = bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CheckFailed("format", "MALFORMED", "the body is not UTF-8") from None
    if json_depth(body) > MAX_DEPTH:
        raise CheckFailed("format", "MALFORMED", f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except ValueError as exc:  # json.JSONDecodeError, or an integer too long to convert
        raise CheckFailed("format", "MALFORMED", f"not JSON: {str(exc)[:200]}") from None
    except RecursionError:  # not reached past the depth check; kept as a second line
        raise CheckFailed("format", "MALFORMED", f"JSON nested deeper than {MAX_DEPTH} levels") from None


def json_depth(body: bytes) -> int:
    """How deep the brackets of a JSON text nest, strings left out (before parsing it). Bytes
    operations only: a regular expression over the text's characters took five times as long as
    parsing a credential."""
    brackets = _JSON_STRING.sub(b"", _JSON_ESCAPE.sub(b"", body).translate(None, _NOT_STRUCTURE))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets), initial=0))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise CheckFailed("format", "MALFORMED", "duplicate keys in a JSON object")
    return result


def _no_constant(name: str):
    raise CheckFailed("format", "MALFORMED", f"{name} is not a JSON number")


def _is_xml(body: bytes, content_type: str) -> bool:
    mimetype = (content_type or "").split(";")[0].strip().lower()
    if mimetype in ("application/xml", "text/xml") or mimetype.endswith("+xml"):
        return True
    if mimetype in ("application/json", "application/ld+json") or mimetype.endswith("+json"):
        return False
    return isinstance(body, (bytes, bytearray)) and bytes(body[:64]).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _shape(value: Any) -> None:
    """Only JSON values, at most MAX_DEPTH deep and MAX_NODES in all (walked without recursion)."""
    stack, nodes = [(value, 1)], 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            raise CheckFailed("format", "MALFORMED", f"the credential is deeper than {MAX_DEPTH} levels or too large")
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise CheckFailed("format", "MALFORMED", "object keys must be strings")
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif item is not None and not isinstance(item, (str, int, float, bool)):
            raise CheckFailed("format", "MALFORMED", "not a JSON value")


# --- JSON-LD: format, dates, status, summary -----------------------------------------------------

def _jsonld_format(document: Any) -> tuple[dict, bool, str]:
    """A private copy of the credential and whether it is an EDC credential. :raise CheckFailed:"""
    if not isinstance(document, dict):
        raise CheckFailed("format", "MALFORMED", "the credential must be a JSON object")
    _shape(document)
    doc = copy.deepcopy(document)
    types = doc.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types) \
            or "VerifiableCredential" not in types:
        raise CheckFailed("format", "MALFORMED", "type must include VerifiableCredential")
    contexts = doc.get("@context")
    edc = EDC_TYPE in types or contexts == EDC_AP or isinstance(contexts, list) and EDC_AP in contexts
    if edc:
        if contexts != list(EDC_CONTEXTS):
            raise CheckFailed("format", "UNEXPECTED_CONTEXT", f"an EDC credential's @context must be exactly "
                              f"{list(EDC_CONTEXTS)}")
        if EDC_TYPE not in types:
            raise CheckFailed("format", "MALFORMED", f"type must include {EDC_TYPE}")
    else:
        listed = [contexts] if isinstance(contexts, str) else contexts
        if not isinstance(listed, list) or not listed or listed[0] not in (VC_V1, VC_V2):
            raise CheckFailed("format", "UNKNOWN_CONTEXT", f"@context must start with {VC_V1} or {VC_V2}")
        unknown = [c for c in listed if not isinstance(c, str) or c not in known_context_urls()]
        if unknown:
            raise CheckFailed("format", "UNKNOWN_CONTEXT", f"context not bundled: {str(unknown[0])[:200]}")
    _no_inner_keywords(doc, edc)
    if read.issuer_id(doc) is None or not isinstance(doc.get("credentialSubject"), (dict, list)):
        raise CheckFailed("format", "MALFORMED", "the credential needs an issuer id and a credentialSubject")
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    try:
        canonical = canonicalize(unsecured)  # refuses blank-node bombs before RDFC-1.0 runs
    except InvalidDocument as exc:
        code = "MALFORMED" if exc.code in ("TOO_MANY_BLANK_NODES", "BLANK_NODE_ID") else "INVALID_DOCUMENT"
        raise CheckFailed("format", code, exc.detail) from None
    except UnknownContext as exc:
        raise CheckFailed("format", "UNKNOWN_CONTEXT", exc.detail) from None
    return doc, edc, canonical


def _no_inner_keywords(doc: dict, edc: bool) -> None:
    """No @context below the top (it could make the JSON say other than the graph); in an EDC
    credential no other keyword either (the EDC contexts alias what it needs); no blank node
    identifier anywhere (``_:``: they would let a small document make RDF canonicalization
    exponential, and nothing we sign has one)."""
    if edc and any(key.startswith("@") and key != "@context" for key in doc):
        raise CheckFailed("format", "MALFORMED", "keywords other than @context are not allowed at the top")
    stack = [value for key, value in doc.items() if key != "@context"]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and item.startswith("_:"):
            raise CheckFailed("format", "MALFORMED", "blank node identifiers (_:) are not allowed")
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@context":
                    raise CheckFailed("format", "UNEXPECTED_CONTEXT", "a nested @context is not allowed")
                if edc and key.startswith("@"):
                    raise CheckFailed("format", "MALFORMED", f"keyword {key[:50]!r} is not allowed here")
                stack.append(value)


def _jsonld_validity(doc: dict, created: datetime, now: datetime) -> str:
    contexts = doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]
    if contexts[0] == VC_V1 and "issuanceDate" not in doc:
        raise CheckFailed("validity", "INVALID_DATE", "a VC 1.1 credential needs issuanceDate")
    for name in ("validFrom", "issuanceDate"):
        start = _date_field(doc, name)
        if start is not None and start > now:
            raise CheckFailed("validity", "NOT_YET_VALID", f"valid only from {_iso(start)} ({name})")
    for name in ("validUntil", "expirationDate"):
        end = _date_field(doc, name)
        if end is not None and end <= now:
            raise CheckFailed("validity", "EXPIRED", f"expired at {_iso(end)} ({name})")
    if created > now + CLOCK_SKEW:
        raise CheckFailed("validity", "CREATED_IN_FUTURE", f"the proof was created in the future ({_iso(created)})")
    expires = doc["proof"].get("expires")
    if expires is not None and (read.parse_datetime(expires) or now) <= now:
        raise CheckFailed("validity", "EXPIRED", f"the proof expired at {expires[:40]}")
    return f"valid at {_iso(now)}"


def _date_field(doc: dict, name: str) -> datetime | None:
    if name not in doc:
        return None
    value = read.parse_datetime(doc[name])
    if value is None:
        raise CheckFailed("validity", "INVALID_DATE", f"{name} is not an XML Schema dateTime")
    return value


def _status_entry(entry) -> dict | None:
    """The status entry in compact form, or None; accepts the EDC form (`jsonld.read_status`)
    and the VC 2.0 compact form. :raise CheckFailed: STATUS_UNKNOWN for anything else."""
    if entry is None:
        return None
    unknown = CheckFailed("status", "STATUS_UNKNOWN", f"credentialStatus must be one {BITSTRING_STATUS_LIST_ENTRY}")
    if not isinstance(entry, dict):
        raise unknown
    types = entry.get("type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if STATUS_NS + BITSTRING_STATUS_LIST_ENTRY in types:
        ref = entry.get(STATUS_NS + "statusListCredential")
        fields = [entry.get("id"), entry.get(STATUS_NS + "statusPurpose"), entry.get(STATUS_NS + "statusListIndex"),
                  ref.get("id") if isinstance(ref, dict) else None]
        if not all(isinstance(f, str) for f in fields):
            raise unknown
        return read_status({"credentialStatus": entry})
    compact = {name: entry.get(name) for name in ("statusPurpose", "statusListIndex", "statusListCredential")}
    if types != [BITSTRING_STATUS_LIST_ENTRY] or not all(isinstance(v, str) for v in compact.values()):
        raise unknown
    return compact


# --- XML: dates (the signed element only) ------------------------------------------------------

def _xml_validity(root: etree._Element, now: datetime) -> str:
    values = {}
    for name in ("validFrom", "validUntil", "issued"):
        element = root.find(f"{{{CRED}}}{name}")
        if element is not None:
            values[name] = read.parse_datetime(element.text)
            if values[name] is None:
                raise CheckFailed("validity", "INVALID_DATE", f"{name} is not an XML Schema dateTime")
    if values.get("validFrom") and values["validFrom"] > now:
        raise CheckFailed("validity", "NOT_YET_VALID", f"valid only from {_iso(values['validFrom'])}")
    if values.get("validUntil") and values["validUntil"] <= now:
        raise CheckFailed("validity", "EXPIRED", f"expired at {_iso(values['validUntil'])}")
    if values.get("issued") and values["issued"] > now + CLOCK_SKEW:
        raise CheckFailed("validity", "CREATED_IN_FUTURE", f"issued in the future ({_iso(values['issued'])})")
    return f"valid at {_iso(now)}"


# --- small helpers -------------------------------------------------------------------------------

def _in_use(key: PublicKeyInfo, created: datetime) -> bool:
    """Whether ``key`` was in use at some instant of the whole second ``created`` names (proofs
    and XML dates carry whole seconds: a key made at 09:00:00.4 signs a proof "created 09:00:00")."""
    created = created.replace(microsecond=0)
    return key.created < created + timedelta(seconds=1) and (key.retired is None or created < key.retired)


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now


def _iso(moment: datetime | None) -> str:
    return read.iso(moment) or "an unknown time"


def _shown(value) -> str:
    return repr(value[:200]) if isinstance(value, str) else "none"
