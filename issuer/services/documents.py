"""One award in every format: render the image, build JSON-LD and XML, sign both.

No database here: the caller supplies the institution keys (a KeyStore), ids and time.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Mapping

from issuer.credentials.jsonld import build_credential
from issuer.credentials.jsonld_text import individual_text
from issuer.credentials.render import certificate_view, render_png
from issuer.credentials.xml import build_credential_xml, individual_c14n, to_bytes
from issuer.domain.model import (
    Component,
    Course,
    Delivery,
    Grading,
    IndividualAward,
    Institution,
    ItineraryAward,
    ItineraryKind,
    LearningOutcome,
    Learner,
)
from issuer.services.keystore import KeyStore
from issuer.signing.keys import KeyPurpose
from issuer.signing.suites import suite_for
from issuer.signing.xmldsig import sign_c14n, sign_xml


@dataclass(frozen=True)
class SignedDocuments:
    jsonld_utf8: bytes  # the signed JSON-LD exactly as stored and served, in UTF-8
    xml: str
    digest_sri: str  # "sha384-..." of the JSON-LD bytes, what an itinerary binds its parts with


def new_urn() -> str:
    """A random UUID (version 4) URN, as ``f"urn:uuid:{uuid.uuid4()}"`` in a third of the time (a
    certificate needs about fifty: one per node of its JSON-LD and XML). The random bits come from
    ``os.urandom`` a batch at a time, kept per thread; a forked process starts a batch of its own."""
    urns = _drawn.urns
    if not urns:
        urns += _urn_batch()
    return urns.pop()


_URN_BATCH = 128  # UUIDs of one draw from the system's random source
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # RFC 9562 variant 10xx


def _urn_batch() -> list[str]:
    """``_URN_BATCH`` UUID URNs from one draw (made together: a third of the time one at a time takes)."""
    h = os.urandom(16 * _URN_BATCH).hex()
    return [f"urn:uuid:{h[i:i + 8]}-{h[i + 8:i + 12]}-4{h[i + 13:i + 16]}-{_VARIANT[h[i + 16]]}{h[i + 17:i + 20]}-"
            f"{h[i + 20:i + 32]}" for i in range(0, 32 * _URN_BATCH, 32)]


class _Drawn(threading.local):
    """This thread's URNs drawn and not used yet."""

    def __init__(self):
        self.urns: list[str] = []


def _draw_afresh() -> None:
    global _drawn
    _drawn = _Drawn()  # a forked child must not repeat the UUIDs its parent goes on to use


_drawn = _Drawn()
os.register_at_fork(after_in_child=_draw_afresh)


def sri_digest(data: bytes) -> str:
    """Subresource Integrity form of SHA-384 (``sha384-<base64>``)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def serialize(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


_IMAGE_MARK = "\x00"  # what no other text of a built credential holds (build_credential refuses it)


def _serialize_built(doc: dict) -> str:
    """``serialize(doc)`` for a credential ``build_credential`` made: its image's base64 content
    (three quarters of the text) is put in after ``json.dumps`` rather than scanned by it, since
    base64 needs no escaping in JSON."""
    image = doc
    for key in ("displayParameter", "individualDisplay", "displayDetail", "image"):
        image = image.get(key) if isinstance(image, dict) else None
    if not isinstance(image, dict) or not isinstance(image.get("content"), str):
        return serialize(doc)
    content = image["content"]
    image["content"] = _IMAGE_MARK
    try:
        text = serialize(doc)
    finally:
        image["content"] = content
    at = text.index('"\\u0000"')
    return f'{text[:at]}"{content}"{text[at + 8:]}'


def issuer_of(award: IndividualAward | ItineraryAward) -> Institution:
    return award.host if isinstance(award, IndividualAward) else award.issuer


def sign_award(award: IndividualAward | ItineraryAward, *, keystore: KeyStore,
               credential_uri: str, verify_url: str, status: dict, issued_at: datetime,
               institutions: Mapping[str, Institution]) -> SignedDocuments:
    """Render, build and sign the JSON-LD (eddsa-rdfc-2022) and XML (XML Signature) forms."""
    issuer = issuer_of(award)
    did = keystore.did(issuer.code)
    view = certificate_view(award, credential_id=credential_uri, issued_at=issued_at,
                            verify_url=verify_url, issuer=issuer, institutions=institutions)
    png = render_png(view)
    suite = suite_for(str(KeyPurpose.EDDSA))
    signer = keystore.signer(issuer.code, KeyPurpose.EDDSA)
    text = individual_text(award, credential_id=credential_uri, issuer_did=did, issued_at=issued_at,
                           verify_url=verify_url, status=status, display_png=png,
                           new_id=new_urn) if isinstance(award, IndividualAward) else None
    if text is not None:  # from the course's template, as text
        proof = suite.proof_for_canonical(text.canonical, text.context, signer=signer, created=issued_at)
        jsonld = text.signed_utf8(serialize(proof))
    else:
        doc = build_credential(award, credential_id=credential_uri, issuer_did=did, issued_at=issued_at,
                               verify_url=verify_url, status=status, display_png=png, new_id=new_urn,
                               institutions=institutions)
        signed = suite.add_proof(doc, signer=signer, created=issued_at,
                                 copy_values=False)  # serialized below, ``doc`` dropped
        jsonld = _serialize_built(signed).encode("utf-8")
    xml_key = keystore.ring(issuer.code).xml
    keys = dict(private_key=xml_key.private_key, certificate=xml_key.certificate, chain=xml_key.certificates[1:])
    unsigned = individual_c14n(award, credential_id=credential_uri, issuer_did=did, issued_at=issued_at,
                               verify_url=verify_url, new_id=new_urn) if isinstance(award, IndividualAward) else None
    if unsigned is not None:  # from the course's template, as text
        xml = sign_c14n(unsigned, **keys)
    else:
        root = build_credential_xml(award, credential_id=credential_uri, issuer_did=did, issued_at=issued_at,
                                    verify_url=verify_url, new_id=new_urn)
        xml = to_bytes(sign_xml(root, **keys, in_place=True)).decode("utf-8")
    return SignedDocuments(jsonld_utf8=jsonld, xml=xml, digest_sri=sri_digest(jsonld))


def award_from_json(kind: str, data: dict) -> IndividualAward | ItineraryAward:
    """Rebuild a stored award (the inverse of ``issuance.award_json``) for HTML and PDF views."""
    learner = Learner(**{**data["learner"], "date_of_birth": _date(data["learner"].get("date_of_birth"))})
    if kind == "individual":
        c = data["course"]
        course = Course(**{
            **c, "delivery": Delivery(c["delivery"]), "start_date": _date(c["start_date"]),
            "end_date": _date(c["end_date"]), "grading": Grading(**c["grading"]), "keywords": tuple(c["keywords"]),
            "learning_outcomes": tuple(LearningOutcome(**o) for o in c["learning_outcomes"])})
        return IndividualAward(
            learner=learner, course=course, host=Institution(**data["host"]), sector_name=data["sector_name"],
            thematic_area_name=data["thematic_area_name"], grade=data["grade"],
            assessed_on=_date(data.get("assessed_on")), grade_announced_on=_date(data.get("grade_announced_on")),
            completed_on=_date(data["completed_on"]))
    return ItineraryAward(
        kind=ItineraryKind(data["kind"]), sector=data.get("sector"), sector_name=data.get("sector_name"),
        learner=learner, issuer=Institution(**data["issuer"]), semester=data["semester"],
        components=tuple(Component(**c) for c in data["components"]), ects=data.get("ects", 6))


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
