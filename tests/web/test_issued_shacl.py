"""What the service actually issues (individual, interdisciplinary, expertise) passes the EDC
generic-full SHACL shapes, offline, checked without the proof."""
from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib.namespace import RDF, SH

from tests.unit.credentials.test_shacl import shapes, to_graph  # noqa: F401  (fixture and helper)
from tests.web.test_closing import _plan, _upload_and_issue


@pytest.fixture
def issued_kinds(client, token_for) -> dict[str, str]:
    individual = _upload_and_issue(client, token_for, _plan())
    report = client.post("/api/semesters/2025-spring/close", headers=token_for("AISBL")).get_json()
    kinds = {"individual": individual[0]["credential"]}
    kinds.update({i["kind"]: i["credential"] for i in report["issued"]})
    return kinds


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_kind_the_service_issues_conforms(client, issued_kinds, shapes):  # noqa: F811
    assert set(issued_kinds) == {"individual", "interdisciplinary", "expertise"}
    for kind, credential in issued_kinds.items():
        document = client.get(f"/credentials/{credential}").get_json()
        document.pop("proof")
        conforms, report, text = validate(to_graph(document), shacl_graph=shapes, inference="none",
                                          do_owl_imports=False, allow_warnings=False)
        violations = [r for r in report.subjects(RDF.type, SH.ValidationResult)
                      if report.value(r, SH.resultSeverity) == SH.Violation]
        assert conforms and violations == [], f"{kind}: {text}"
