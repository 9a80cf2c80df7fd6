"""Realistic full EDC credentials for the benchmarks and the canonicalization tests.

Awards come from the bundled catalogue and institutions (``issuer/data``), learners from a
seeded pool of names in the alliance's languages (accents, Greek, Cyrillic, apostrophes, quotes).
Everything is drawn from ``random.Random(seed)``: the same seed gives the same documents.
Certificate images are rendered once per (kind, course or sector) and reused: the rendered PNG
is what makes a credential big (its base64 is one long literal), and its exact pixels do not
matter for canonicalization.
"""
from __future__ import annotations

import random
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/<name>.py` from a checkout
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

from issuer.credentials.jsonld import build_credential  # noqa: E402
from issuer.credentials.render import certificate_view, render_png  # noqa: E402
from issuer.credentials.statuslist import status_entry  # noqa: E402
from issuer.domain.model import (  # noqa: E402
    Component,
    IndividualAward,
    ItineraryAward,
    ItineraryKind,
    Learner,
)
from issuer.services.reference import read_reference_files  # noqa: E402
from issuer.signing.base import Ed25519Signer  # noqa: E402

KINDS = ("individual", "interdisciplinary", "expertise")
PUBLIC_URL = "https://credentials.eu-conexus.eu"
ISSUED_AT = datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)

GIVEN_NAMES = ("Ana María", "Γιώργος", "Žydrūnė", "François", "Łucja", "Ștefan", "Ingrid", "Niamh",
               "Jürgen", "Χαρά", "Иван", "Zoë", "D'Arcy", "Mary-Jane", "Ìñigo", "Sofía", "Đorđe",
               "Eleni", "Laura", "Aoife", "Mathéo", "Chloé", "Emma", "Lukas", "Marija", "Nikolaos")
FAMILY_NAMES = ("Pérez-Žukauskaitė", "Παπαδόπουλος", "Kazlauskienė", "Lefèvre", "Ó Súilleabháin",
                "Müller", "Dumitrescu-Ţurcanu", "Petrović", "Иванова", "O'Brien", "García Márquez",
                "van der Berg", "Šimić", "Κωνσταντινίδου", "Dupont \"Le Marin\"", "Kowalski",
                "Jonaitis", "Schäfer", "Rossi", "Nguyễn", "Ölmez", "Håkansson", "Back\\slash")
UNIVERSITIES = ("AUA", "FredU", "KU", "LRUniv", "UCV", "UNIZD", "UROS", "UTCB", "SETU")


@lru_cache(maxsize=1)
def reference():
    """The catalogue and institutions shipped with the service."""
    data = ROOT / "issuer" / "data"
    return read_reference_files(data / "institutions.json", data / "catalogue.json")


def institutions() -> dict:
    return {inst.code: inst for inst in reference().institutions}


def sector_names() -> dict[str, str]:
    return {s.code: s.name for s in reference().sectors}


def area_names() -> dict[str, str]:
    return {a.code: a.name for s in reference().sectors for a in s.thematic_areas}


def random_urn(rng: random.Random) -> str:
    return f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def random_learner(rng: random.Random) -> Learner:
    given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
    student = f"S-{rng.randrange(10_000, 99_999)}"
    birth = date(1975, 1, 1) + timedelta(days=rng.randrange(0, 30 * 365)) if rng.random() < 0.8 else None
    email = f"student{rng.randrange(1, 10**6)}@example.org" if rng.random() < 0.9 else ""
    return Learner(home_university=rng.choice(UNIVERSITIES), student_id=student, given_name=given,
                   family_name=family, email=email, date_of_birth=birth)


def individual_award(rng: random.Random) -> IndividualAward:
    course = rng.choice(reference().courses)
    grading = course.grading
    grade = round(rng.uniform(grading.pass_mark, grading.maximum) * 2) / 2
    completed = course.end_date + timedelta(days=rng.randrange(0, 20))
    return IndividualAward(learner=random_learner(rng), course=course, host=institutions()[course.host],
                           sector_name=sector_names()[course.sector],
                           thematic_area_name=area_names()[course.thematic_area], grade=grade,
                           assessed_on=course.end_date if rng.random() < 0.7 else None,
                           grade_announced_on=completed, completed_on=completed)


def _component(rng: random.Random, course) -> Component:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    digest = "sha384-" + "".join(rng.choice(alphabet) for _ in range(64))
    return Component(credential_id=random_urn(rng), course_code=course.code, semester=course.semester,
                     title=course.title, sector=course.sector, sector_name=sector_names()[course.sector],
                     host=course.host, digest_sri=digest)


def itinerary_award(rng: random.Random, kind: ItineraryKind) -> ItineraryAward:
    courses = reference().courses
    aisbl = next(i for i in reference().institutions if i.issues_itineraries)
    if kind is ItineraryKind.EXPERTISE:
        sector = rng.choice(sorted({c.sector for c in courses}))
        picked = rng.sample([c for c in courses if c.sector == sector], 6)
        sector_name = sector_names()[sector]
    else:
        by_sector: dict[str, list] = {}
        for course in courses:
            by_sector.setdefault(course.sector, []).append(course)
        picked = [rng.choice(by_sector[s]) for s in sorted(by_sector)][:6]
        sector = sector_name = None
    return ItineraryAward(kind=kind, sector=sector, sector_name=sector_name, learner=random_learner(rng),
                          issuer=aisbl, semester=picked[0].semester,
                          components=tuple(_component(rng, c) for c in picked),
                          ects=sum(c.ects for c in picked))


def random_award(rng: random.Random, kind: str) -> IndividualAward | ItineraryAward:
    if kind == "individual":
        return individual_award(rng)
    return itinerary_award(rng, ItineraryKind(kind))


def did_of(code: str) -> str:
    return f"did:web:credentials.eu-conexus.eu:institutions:{code}"


def issuer_code(award) -> str:
    return award.host.code if isinstance(award, IndividualAward) else award.issuer.code


_rendered: dict[tuple[str, str], bytes] = {}


def certificate_png(award, *, credential_id: str, verify_url: str) -> bytes:
    """The rendered certificate of the first award of its course (individual) or kind and sector."""
    key = (("individual", award.course.code) if isinstance(award, IndividualAward)
           else (str(award.kind), award.sector or ""))
    if key not in _rendered:
        view = certificate_view(award, credential_id=credential_id, issued_at=ISSUED_AT,
                                verify_url=verify_url, issuer=institutions()[issuer_code(award)],
                                institutions=institutions())
        _rendered[key] = render_png(view)
    return _rendered[key]


def build_document(rng: random.Random, kind: str, *, with_status: bool = True) -> dict:
    """One unsigned full EDC credential of ``kind``, as ``documents.sign_award`` builds it."""
    award = random_award(rng, kind)
    credential_id = random_urn(rng)
    verify_url = f"{PUBLIC_URL}/credentials/{credential_id.removeprefix('urn:uuid:')}/verify"
    status = None
    if with_status:
        list_url = f"{PUBLIC_URL}/status-lists/{issuer_code(award)}-{rng.randrange(1, 4)}"
        status = status_entry(list_url=list_url, index=rng.randrange(0, 131_072))
    issued_at = ISSUED_AT + timedelta(seconds=rng.randrange(0, 90 * 86_400))
    return build_credential(award, credential_id=credential_id, issuer_did=did_of(issuer_code(award)),
                            issued_at=issued_at, verify_url=verify_url, status=status,
                            display_png=certificate_png(award, credential_id=credential_id,
                                                        verify_url=verify_url),
                            new_id=lambda: random_urn(rng), institutions=institutions(),
                            valid_until=issued_at + timedelta(days=3650) if rng.random() < 0.2 else None)


def individual_inputs(n: int, *, seed: int = 2025) -> list[tuple[IndividualAward, dict]]:
    """``n`` individual certificates as issuance gives them to ``build_credential`` and
    ``jsonld_text.individual_text``: (award, keyword arguments but ``new_id``), with status entries."""
    rng = random.Random(f"{seed}/inputs")
    inputs = []
    for _ in range(n):
        award = individual_award(rng)
        credential_id = random_urn(rng)
        verify_url = f"{PUBLIC_URL}/credentials/{credential_id.removeprefix('urn:uuid:')}/verify"
        list_url = f"{PUBLIC_URL}/status-lists/{issuer_code(award)}-{rng.randrange(1, 4)}"
        inputs.append((award, dict(
            credential_id=credential_id, issuer_did=did_of(issuer_code(award)),
            issued_at=ISSUED_AT + timedelta(seconds=rng.randrange(0, 90 * 86_400)), verify_url=verify_url,
            status=status_entry(list_url=list_url, index=rng.randrange(0, 131_072)),
            display_png=certificate_png(award, credential_id=credential_id, verify_url=verify_url))))
    return inputs


def documents(n: int, kind: str = "individual", *, seed: int = 2025) -> list[dict]:
    rng = random.Random(f"{seed}/{kind}")
    return [build_document(rng, kind) for _ in range(n)]


def signer_for(code: str = "AUA", *, seed: int = 7) -> Ed25519Signer:
    """A throwaway Ed25519 signer whose verification method sits under ``did_of(code)``."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(random.Random(f"{seed}/{code}").randbytes(32))
    return Ed25519Signer(key, f"{did_of(code)}#key-1")


# -- the straightforward pyld pipeline: expand and URDNA2015 on every call ------------------------
def pyld_canonical(doc: dict) -> str:
    """pyld's RDFC-1.0 (URDNA2015) N-Quads of ``doc`` with the bundled contexts: the reference."""
    from pyld import jsonld

    from issuer.credentials.contexts import load_document

    return jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                  "documentLoader": load_document})


def previous_canonical(doc: dict) -> str:
    """What ``canonical.canonicalize`` did before the speed-ups (commit 243ccfa): the checks,
    pyld expansion with the dropped-term handler, ``jsonld.to_rdf`` (which expands again) and
    URDNA2015, contexts resolved on every call. For the record; not the baseline."""
    from pyld import jsonld
    from pyld.canon import URDNA2015

    from issuer.credentials.contexts import load_document
    from issuer.signing.canonical import _check_expanded, _check_json, _refuse_dropped

    _check_json(doc, "")
    expanded = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped).expand(
        doc, {"documentLoader": load_document, "base": None})
    _check_expanded(expanded)
    dataset = jsonld.to_rdf(expanded, {"base": None, "documentLoader": load_document})
    return URDNA2015().main(dataset, {"format": "application/n-quads"})


def _proof_config(doc: dict, proof: dict) -> dict:
    return {**{k: v for k, v in proof.items() if k != "proofValue"}, "@context": doc["@context"]}


def baseline_hash_data(doc: dict, proof: dict, canonical=pyld_canonical) -> tuple[bytes, str]:
    """``sha256(canon(proofConfig)) || sha256(canon(doc))`` and canon(doc), the pyld way."""
    import hashlib

    doc_canon = canonical(doc)
    proof_canon = canonical(_proof_config(doc, proof))
    return (hashlib.sha256(proof_canon.encode()).digest()
            + hashlib.sha256(doc_canon.encode()).digest()), doc_canon


def baseline_add_proof(doc: dict, *, signer: Ed25519Signer, created: datetime,
                       canonical=pyld_canonical) -> tuple[dict, str]:
    """eddsa-rdfc-2022 signing as a plain pyld pipeline would do it; also returns canon(doc).
    The signed document shares ``doc``'s values, as the service's ``add_proof(copy_values=False)``."""
    from issuer.signing import multibase
    from issuer.signing.data_integrity import format_created

    proof = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
             "created": format_created(created), "verificationMethod": signer.key_id,
             "proofPurpose": "assertionMethod"}
    data, doc_canon = baseline_hash_data(doc, proof, canonical)
    proof["proofValue"] = multibase.encode(signer.sign(data))
    return {**doc, "proof": proof}, doc_canon


def baseline_verify(doc: dict, *, public_key, canonical=pyld_canonical) -> str:
    """eddsa-rdfc-2022 verification as a plain pyld pipeline would do it; returns canon(doc).

    :raise cryptography.exceptions.InvalidSignature: the signature does not hold.
    """
    from issuer.signing import multibase

    proof = doc["proof"]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    data, doc_canon = baseline_hash_data(unsecured, proof, canonical)
    public_key.verify(multibase.decode(proof["proofValue"]), data)
    return doc_canon


def timed(function, items) -> tuple[float, list]:
    """CPU seconds of this process to apply ``function`` to every item, one after the other,
    and the results. CPU time, not wall time: the figure is per core, and other processes on
    the machine do not inflate it. The garbage collector is paused meanwhile, as ``timeit``
    does: otherwise the results kept for checking make its passes ever longer."""
    import gc
    import time

    gc.collect()
    gc.disable()
    try:
        start = time.process_time()
        results = [function(item) for item in items]
        return time.process_time() - start, results
    finally:
        gc.enable()


def timed_together(functions, items, *, chunk: int = 25) -> list[tuple[float, list]]:
    """``timed`` for several functions over the same items, taken in turns, ``chunk`` items at a
    time: each function's CPU seconds and results. Taking turns makes every function meet the
    same moments of a shared machine, whose speed changes from second to second: timed one after
    the other, a short run (the service's) can land in a slow spell the long one (the baseline's)
    averages out."""
    import gc
    import time

    seconds = [0.0] * len(functions)
    results: list[list] = [[] for _ in functions]
    gc.collect()
    gc.disable()
    try:
        for start in range(0, len(items), chunk):
            part = items[start:start + chunk]
            for index, function in enumerate(functions):
                began = time.process_time()
                done = [function(item) for item in part]
                seconds[index] += time.process_time() - began
                results[index] += done
    finally:
        gc.enable()
    return list(zip(seconds, results))


def report(title: str, n: int, baseline_s: float, fast_s: float, identical: int, *,
           target: float | None, previous_s: float | None = None, extra: str = "") -> bool:
    """Print the figures (the ratio against ``target``, if any); True when every document's
    canonical bytes were identical."""
    ratio = baseline_s / fast_s
    print(title)
    print(f"  documents              N = {n}")
    print(f"  baseline (pyld)        {baseline_s:8.3f} s CPU  {baseline_s / n * 1000:8.3f} ms/document")
    print(f"  service                {fast_s:8.3f} s CPU  {fast_s / n * 1000:8.3f} ms/document")
    if target is None:
        print(f"  ratio                  {ratio:8.1f}x")
    else:
        verdict = "met" if ratio >= target else "NOT met"
        print(f"  ratio                  {ratio:8.1f}x  (target {target:g}x: {verdict})")
    if previous_s is not None:
        print(f"  previous service path  {previous_s:8.3f} s CPU  {previous_s / n * 1000:8.3f} ms/document"
              f"  (ratio to it {previous_s / fast_s:.1f}x)")
    if extra:
        print(extra)
    print(f"  canonical bytes identical: {identical}/{n}")
    return identical == n
