"""Each kind of credential passes the EDC "generic-full" SHACL shapes, validated offline."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import rdflib
from pyld import jsonld
from pyshacl import validate
from rdflib.namespace import RDF, SH

from issuer.credentials.contexts import SCHEMAS_DIR, load_document

SHAPES = ("EDC-generic-full.ttl", "EDC-generic-no-cv.ttl")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    # the full shapes owl:import the no-cv ones: both are loaded here, and imports are not followed
    graph = rdflib.Graph()
    for name in SHAPES:
        graph.parse(SCHEMAS_DIR / "shacl" / name, format="turtle")
    return graph


def to_graph(doc: dict) -> rdflib.Graph:
    """RDF of a credential through pyld and the bundled contexts (rdflib's JSON-LD parser may fetch)."""
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": load_document})
    graph = rdflib.Graph()
    graph.parse(data=nquads, format="nquads")
    return graph


@pytest.mark.parametrize("kind, with_status, valid_until", [
    ("individual", True, None),
    ("interdisciplinary", False, None),
    ("expertise", True, datetime(2030, 3, 1, tzinfo=UTC)),
])
def test_credential_conforms_to_edc_generic_full(request, build, status_entry, shapes, kind, with_status,
                                                  valid_until):
    doc = build(request.getfixturevalue(f"{kind}_award"), status=status_entry if with_status else None,
                valid_until=valid_until)
    data = to_graph(doc)

    conforms, report, text = validate(data, shacl_graph=shapes, inference="none", do_owl_imports=False,
                                      allow_warnings=False)

    results = list(report.subjects(RDF.type, SH.ValidationResult))
    violations = [r for r in results if report.value(r, SH.resultSeverity) == SH.Violation]
    assert conforms, text
    assert violations == [], text
    assert results == [], text  # no warnings or infos either


def test_the_shapes_do_check_something(build, individual_award, shapes):
    doc = build(individual_award)
    del doc["issuer"]["eIDASIdentifier"]
    doc["credentialSubject"]["hasClaim"]["specifiedBy"]["eqfLevel"]["inScheme"]["id"] = "http://example.org/eqf"

    conforms, report, text = validate(to_graph(doc), shacl_graph=shapes, inference="none", do_owl_imports=False)

    assert not conforms
    assert "elm:eidasLegalIdentifier" in text or "eidasLegalIdentifier" in text
    assert "EQFLevelRestriction" in text
