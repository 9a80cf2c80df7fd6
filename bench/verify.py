"""Verifying full EDC credentials (JSON-LD, eddsa-rdfc-2022): the service against plain pyld.

    python bench/verify.py [-n 150] [--kind individual|interdisciplinary|expertise|all]

The input of a verifier is untrusted. The service's ``canonicalize`` gives it to the fast walk
(``fastcanon``), which answers only for documents inside the JSON-LD subset it implements
exactly (with pyld's own context processing) and steps aside for anything else; then the full
path decides: pyld expansion with the dropped-term handler, the IRI and character checks,
pyld's RDF conversion (bundled contexts resolved once per process; a dataset without blank
nodes sorted rather than run through URDNA2015's hashing). Either way the bytes are pyld's, or
the error is the full path's. Baseline: ``jsonld.normalize`` (expansion and URDNA2015) of the proof
options and of the document on every call, SHA-256, Ed25519. Both run on one core over the same
signed documents, taking turns 25 documents at a time (so that both meet the same moments of a
shared machine). Also shown: the service's own path before the speed-ups. Every document must
verify both ways, and the service's canonical N-Quads (``canonicalize``, what ``verify``
hashes) must equal pyld's byte for byte; exit 1 otherwise.
"""
from __future__ import annotations

import argparse
import sys
import time

from common import (
    ISSUED_AT,
    KINDS,
    baseline_verify,
    documents,
    previous_canonical,
    report,
    signer_for,
    timed_together,
)

from issuer.errors import InvalidProof
from issuer.signing.canonical import canonicalize
from issuer.signing.eddsa_rdfc_2022 import EddsaRdfc2022


WARM_UP = 200  # documents (of another seed) processed before timing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=150, help="documents per kind (default 150)")
    parser.add_argument("--kind", choices=(*KINDS, "all"), default="individual")
    args = parser.parse_args()
    kinds = KINDS if args.kind == "all" else (args.kind,)
    suite, signer = EddsaRdfc2022(), signer_for("AUA")
    public_key = signer.public_key()

    start = time.perf_counter()
    first = suite.add_proof(documents(1, kinds[0], seed=1)[0], signer=signer, created=ISSUED_AT)
    suite.verify(first, public_key=public_key)
    cold_ms = (time.perf_counter() - start) * 1000
    ok = True
    for kind in kinds:
        signed = [suite.add_proof(d, signer=signer, created=ISSUED_AT) for d in documents(args.n, kind)]
        for index, warm in enumerate(documents(WARM_UP, kind, seed=2)):
            secured = suite.add_proof(warm, signer=signer, created=ISSUED_AT)
            suite.verify(secured, public_key=public_key)
            if index < 5:
                baseline_verify(secured, public_key=public_key)
        (baseline_s, baseline), (fast_s, _), (previous_s, _) = timed_together([
            lambda d: baseline_verify(d, public_key=public_key),
            lambda d: suite.verify(d, public_key=public_key),
            lambda d: baseline_verify(d, public_key=public_key, canonical=previous_canonical),
        ], signed)

        identical = sum(canonicalize({k: v for k, v in d.items() if k != "proof"}) == pyld_canon
                        for d, pyld_canon in zip(signed, baseline))
        tampered = dict(signed[0], issuanceDate="2030-01-01T00:00:00Z")
        try:
            suite.verify(tampered, public_key=public_key)
            print("  a tampered credential verified")
            ok = False
        except InvalidProof:
            pass
        size = sum(len(str(d)) for d in signed) // len(signed) // 1024
        ok &= report(f"verify: {kind} certificates, JSON-LD about {size} KB each", len(signed),
                     baseline_s, fast_s, identical, target=4, previous_s=previous_s,
                     extra=f"  first verification of the process (with signing): {cold_ms:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
