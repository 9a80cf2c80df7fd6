"""Canonicalization refuses inputs whose RDFC-1.0 cost explodes (blank nodes that look alike)."""
from __future__ import annotations

import pytest

from issuer.errors import InvalidDocument
from issuer.signing.canonical import MAX_BLANK_NODES, canonicalize

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def _tree(depth: int, width: int) -> dict:
    node: dict = {"label": "x"}
    for _ in range(depth):
        node = {"child": [dict(node) for _ in range(width)]}
    return node


def test_a_tree_of_id_less_nodes_is_refused():
    doc = {"@context": CONTEXT, "id": "urn:uuid:1", "type": ["VerifiableCredential"],
           "credentialSubject": _tree(2, 8)}
    with pytest.raises(InvalidDocument) as caught:
        canonicalize(doc)
    assert caught.value.code == "TOO_MANY_BLANK_NODES"


def test_labelled_blank_nodes_are_refused():
    clique = [{"id": f"_:n{i}", "knows": [{"id": f"_:n{j}"} for j in range(7) if j != i]} for i in range(7)]
    doc = {"@context": CONTEXT, "id": "urn:uuid:1", "type": ["VerifiableCredential"],
           "credentialSubject": {"id": "urn:uuid:2", "member": clique}}
    with pytest.raises(InvalidDocument) as caught:
        canonicalize(doc)
    assert caught.value.code == "BLANK_NODE_ID"


def test_a_few_id_less_nodes_are_still_fine():
    doc = {"@context": CONTEXT, "type": ["VerifiableCredential"],
           "credentialSubject": {"child": [{"label": str(i)} for i in range(MAX_BLANK_NODES - 2)]}}
    assert "_:c14n0" in canonicalize(doc)
