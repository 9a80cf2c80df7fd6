"""Signing full EDC credentials (JSON-LD, eddsa-rdfc-2022): the service against plain pyld.

    python bench/sign.py [-n 300] [--kind individual|interdisciplinary|expertise|all]

Baseline: the straightforward pyld pipeline, ``jsonld.normalize`` (expansion and URDNA2015) of
the proof options and of the document on every call, SHA-256, Ed25519. Service:
``EddsaRdfc2022().add_proof(..., copy_values=False)``, as the service calls it for documents (both
return the signed document sharing the input's values). Also shown: the service's own path before
the speed-ups (safety checks, two expansions, URDNA2015), which is slower than the baseline. All
run on one core over the same documents, taking turns 25 documents at a time (so that they meet
the same moments of a shared machine), after a warm-up on other documents (the service's compiled
plans then cover the shapes of credential it meets: the steady state of a running service; the
first document's cost is shown apart). Then, for every document of the run, the
service's canonical N-Quads (``canonicalize``, what ``add_proof`` hashes) must equal pyld's,
byte for byte, and its signature must hold over pyld's hash data; the script exits 1 otherwise.

Individual certificates are issued from course templates (``jsonld_text.individual_text``, then
``proof_for_canonical``): that path is timed too, from the award to the proof (the JSON text and
canonical N-Quads are made, not just hashed), after a first pass that makes the templates (shown
apart: a running service makes them once per course), against the baseline signing the documents
``build_credential`` makes from the same awards with the same ids. Its canonical N-Quads must equal
pyld's and its JSON text the document's, for every certificate of the run.
"""
from __future__ import annotations

import argparse
import sys
import time

from common import (
    ISSUED_AT,
    KINDS,
    baseline_add_proof,
    baseline_hash_data,
    documents,
    individual_inputs,
    previous_canonical,
    report,
    signer_for,
    timed_together,
)

from issuer.credentials.jsonld import build_credential
from issuer.credentials.jsonld_text import individual_text
from issuer.services.documents import new_urn, serialize
from issuer.signing import multibase
from issuer.signing.canonical import canonicalize
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022


WARM_UP = 200  # documents (of another seed) processed before timing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="documents per kind (default 300)")
    parser.add_argument("--kind", choices=(*KINDS, "all"), default="individual")
    args = parser.parse_args()
    kinds = KINDS if args.kind == "all" else (args.kind,)
    suite, signer = EddsaRdfc2022(), signer_for("AUA")
    public_key = signer.public_key()

    start = time.perf_counter()
    suite.add_proof(documents(1, kinds[0], seed=1)[0], signer=signer, created=ISSUED_AT)
    cold_ms = (time.perf_counter() - start) * 1000
    ok = True
    for kind in kinds:
        docs = documents(args.n, kind)
        for index, warm in enumerate(documents(WARM_UP, kind, seed=2)):
            suite.add_proof(warm, signer=signer, created=ISSUED_AT, copy_values=False)
            if index < 5:
                baseline_add_proof(warm, signer=signer, created=ISSUED_AT)
        (baseline_s, baseline), (fast_s, signed), (previous_s, _) = timed_together([
            lambda d: baseline_add_proof(d, signer=signer, created=ISSUED_AT),
            lambda d: suite.add_proof(d, signer=signer, created=ISSUED_AT, copy_values=False),
            lambda d: baseline_add_proof(d, signer=signer, created=ISSUED_AT, canonical=previous_canonical),
        ], docs)

        identical = 0
        for doc, (_, pyld_canon), secured in zip(docs, baseline, signed):
            same = canonicalize(doc) == pyld_canon
            data, _ = baseline_hash_data(doc, secured["proof"])
            public_key.verify(multibase.decode(secured["proof"]["proofValue"]), data)  # raises
            identical += same
        size = sum(len(str(d)) for d in docs) // len(docs) // 1024
        ok &= report(f"sign: {kind} certificates, JSON-LD about {size} KB each", len(docs),
                     baseline_s, fast_s, identical, target=20, previous_s=previous_s,
                     extra=f"  first document of the process (contexts compiled): {cold_ms:.1f} ms")
        if kind == "individual":
            ok &= templated(args.n, suite, signer)
    return 0 if ok else 1


def templated(n: int, suite: EddsaRdfc2022, signer) -> bool:
    """The issuance path of individual certificates against the baseline on the same documents."""
    def sign(award, kwargs, new_id):
        text = individual_text(award, new_id=new_id, **kwargs)
        return text, suite.proof_for_canonical(text.canonical, text.context, signer=signer, created=ISSUED_AT)

    inputs = individual_inputs(n)
    drawn: list[list[str]] = []
    start = time.process_time()
    for award, kwargs in inputs:  # every course's templates made first, as in a running service
        drawn.append([])
        sign(award, kwargs, lambda: drawn[-1].append(new_urn()) or drawn[-1][-1])
    first_s = time.process_time() - start
    # the timed run draws the same ids again, so that the documents below are the same certificates
    items = [(award, kwargs, ids, build_credential(award, new_id=iter(ids).__next__, **kwargs))
             for (award, kwargs), ids in zip(inputs, drawn)]
    (fast_s, made), (baseline_s, baseline) = timed_together([
        lambda item: sign(item[0], item[1], iter(item[2]).__next__),
        lambda item: baseline_add_proof(item[3], signer=signer, created=ISSUED_AT),
    ], items)
    identical = 0
    for (_, _, _, doc), (_, pyld_canon), (text, proof) in zip(items, baseline, made):
        data, _ = baseline_hash_data(doc, proof)
        signer.public_key().verify(multibase.decode(proof["proofValue"]), data)  # raises
        identical += text.canonical == pyld_canon.encode("utf-8") and text.json == serialize(doc)
    return report("sign: individual certificates from course templates, as issued (the service also makes "
                  "the JSON text and canonical N-Quads; the baseline signs ready documents)", n, baseline_s,
                  fast_s, identical, target=None,
                  extra=f"  first pass, templates made ({len(_template_keys(inputs))} courses and shapes): "
                        f"{first_s / n * 1000:.3f} ms/document")


def _template_keys(inputs) -> set:
    return {(a.course.code, a.course.semester, a.learner.date_of_birth is None, not a.learner.email,
             a.assessed_on is None) for a, _ in inputs}


if __name__ == "__main__":
    sys.exit(main())
