"""Individual certificates from course text templates: the JSON text and canonical N-Quads of the
document path, byte for byte; awards the document path refuses are left to it."""
from __future__ import annotations

import base64
import json
import random
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from issuer.credentials import jsonld_text
from issuer.credentials.jsonld import build_credential
from issuer.credentials.jsonld_text import individual_text
from issuer.credentials.statuslist import status_entry
from issuer.errors import InvalidDocument
from issuer.services.documents import _serialize_built, serialize
from issuer.signing.canonical import canonicalize_utf8
from issuer.signing.suites import suite_for
from tests.generators import common, counting_ids

ISSUED = datetime(2025, 3, 1, 10, 0, 7, tzinfo=timezone.utc)
NAMES = [("Ana María", "Pérez-Žukauskaitė"), ("D'Arcy & \"Sons\"", "<O'Brien>\\"), ("Γιώργος", "Ó Súilleabháin"),
         ("a\nb", "c\r\nd"), ("{x}", "{{0}} }"), ("x" * 300, "🙂 Zoë \u202f")]


def _kwargs(n: int, award) -> dict:
    credential_id = f"urn:uuid:{n:08d}-1111-4111-8111-111111111111"
    verify_url = f"https://example.org/credentials/{n}/verify?a=1&b=2"
    png = common.certificate_png(award, credential_id=credential_id, verify_url=verify_url)
    status = status_entry(list_url=f"https://example.org/status-lists/{award.host.code}-{n % 3}", index=n * 7)
    return dict(credential_id=credential_id, issuer_did=common.did_of(award.host.code), issued_at=ISSUED,
                verify_url=verify_url, status=status, display_png=png)


def _awards(count: int, seed: int) -> list:
    """Generated awards, then one for every course of the catalogue, with names that need escaping
    and every shape: with and without birth date, e-mail and assessment date."""
    rng = random.Random(seed)
    awards = [common.individual_award(rng) for _ in range(count)]
    awards += [replace(awards[n % count], course=course, host=common.institutions()[course.host])
               for n, course in enumerate(common.reference().courses)]
    out = []
    for n, award in enumerate(awards):
        given, family = NAMES[n % len(NAMES)]
        learner = replace(award.learner, given_name=given, family_name=family, student_id=f'S<{n}>&"\\',
                          email="" if n % 4 == 0 else f"l.{n}+x@example.org",
                          date_of_birth=None if n % 3 == 0 else award.learner.date_of_birth)
        out.append(replace(award, learner=learner, grade=[8.5, 10.0, 17.25, 6.0][n % 4],
                           assessed_on=None if n % 5 == 0 else award.assessed_on))
    return out


def test_text_and_canonical_n_quads_equal_the_document_path_for_every_course(monkeypatch):
    made = []
    template = jsonld_text._template
    monkeypatch.setattr(jsonld_text, "_template", lambda *key: made.append(key) or template(*key))
    monkeypatch.setattr(jsonld_text, "_by_identity", {})
    awards = _awards(40, seed=21)
    for _round in range(2):
        for n, award in enumerate(awards):
            kwargs = _kwargs(n, award)
            text = individual_text(award, new_id=counting_ids(n), **kwargs)
            assert text is not None, award.course.code
            doc = build_credential(award, new_id=counting_ids(n), **kwargs)
            assert text.json == serialize(doc), award.course.code
            assert text.canonical == canonicalize_utf8(doc), award.course.code
            assert text.context == doc["@context"]
    # a template per course and shape, looked up by the course's identity once made
    assert len(made) == len(set(made)) < len(awards)


def test_canonical_n_quads_equal_pyld_s_for_300_generated_certificates():
    """The benchmarks' generated certificates (every course, both semesters, names in the
    alliance's languages) and the awkward ones above: pyld's URDNA2015 bytes, every one."""
    inputs = common.individual_inputs(300, seed=22)
    inputs += [(award, _kwargs(n, award)) for n, award in enumerate(_awards(12, seed=22)[:24])]
    for n, (award, kwargs) in enumerate(inputs):
        text = individual_text(award, new_id=counting_ids(n), **kwargs)
        doc = build_credential(award, new_id=counting_ids(n), **kwargs)
        assert text.json == serialize(doc), award.course.code
        assert text.canonical == common.pyld_canonical(doc).encode("utf-8"), award.course.code


def test_the_signed_text_is_the_signed_document_and_verifies():
    suite = suite_for("eddsa-rdfc-2022")
    for n, award in enumerate(_awards(6, seed=23)[:8]):
        signer = common.signer_for(award.host.code)
        kwargs = _kwargs(n, award)
        text = individual_text(award, new_id=counting_ids(n), **kwargs)
        proof = suite.proof_for_canonical(text.canonical, text.context, signer=signer, created=ISSUED)
        signed_text = text.signed_utf8(serialize(proof)).decode("utf-8")
        assert text.image == base64.b64encode(kwargs["display_png"])  # kept apart, as bytes
        doc = build_credential(award, new_id=counting_ids(n), **kwargs)
        assert signed_text == _serialize_built(suite.add_proof(doc, signer=signer, created=ISSUED))
        suite.verify(json.loads(signed_text), public_key=signer.public_key())


REFUSED = {
    "control character in a name": lambda a, k: (replace(a, learner=replace(a.learner, given_name="Ana\x07")), k),
    "bidi override in a name": lambda a, k: (replace(a, learner=replace(a.learner, family_name="x\u202ey")), k),
    "credential id not a UUID URN": lambda a, k: (a, {**k, "credential_id": "urn:x:1"}),
    "verify URL not http": lambda a, k: (a, {**k, "verify_url": "ftp://example.org/v"}),
    "status of another type": lambda a, k: (a, {**k, "status": {**k["status"], "type": "StatusList2021Entry"}}),
    "status index a boolean": lambda a, k: (a, {**k, "status": {**k["status"], "statusListIndex": True}}),
    "status list not an IRI": lambda a, k: (a, {**k, "status": {**k["status"], "statusListCredential": "x y"}}),
    "e-mail with two @": lambda a, k: (replace(a, learner=replace(a.learner, email="a@b@example.org")), k),
    "image not a PNG": lambda a, k: (a, {**k, "display_png": b"GIF89a"}),
    "naive issue time": lambda a, k: (a, {**k, "issued_at": ISSUED.replace(tzinfo=None)}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_the_document_path_refuses_is_left_to_it(case):
    award = replace(_awards(1, seed=24)[0], learner=replace(_awards(1, seed=24)[0].learner, email="a@example.org"))
    award, kwargs = REFUSED[case](award, _kwargs(1, award))
    assert individual_text(award, new_id=counting_ids(1), **kwargs) is None
    with pytest.raises(InvalidDocument):
        build_credential(award, new_id=counting_ids(1), **kwargs)


def test_an_id_source_giving_no_uuid_urn_is_left_to_the_document_path():
    award = _awards(1, seed=25)[0]
    assert individual_text(award, new_id=lambda: "urn:x:1", **_kwargs(1, award)) is None


def test_a_course_text_that_looks_like_a_probe_value_gets_no_template():
    """The template is cut at the probe's values: a catalogue text holding one would be cut too,
    so the template's own check finds the difference and the document path is taken."""
    award = _awards(1, seed=26)[0]
    odd = replace(award, course=replace(award.course, description="Code 97531, due 1114-04-14T00:00:00Z"))
    assert individual_text(odd, new_id=counting_ids(2), **_kwargs(2, odd)) is None
    assert individual_text(award, new_id=counting_ids(2), **_kwargs(2, award)) is not None
