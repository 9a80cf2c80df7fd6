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


# pyld's node map compares every new value of a node's property with those already there.
def _subject(**props) -> dict:
    return {"@context": CONTEXT, "id": "urn:uuid:1", "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:s", **props}}


@pytest.mark.parametrize("values", [
    list(range(2000)),  # numbers: left to pyld's node map
    [{"id": "did:example:same", "https://example.org/v": k} for k in range(2000)],  # one node, merged
    [{"https://example.org/v": k} for k in range(2000)],  # id-less nodes under one property
])
def test_many_values_of_one_property_are_refused_quickly(values):
    import time

    start = time.process_time()
    with pytest.raises(InvalidDocument) as caught:
        canonicalize(_subject(**{"https://example.org/many": values}))
    assert caught.value.code in ("TOO_MANY_VALUES", "TOO_MANY_BLANK_NODES")
    assert time.process_time() - start < 1.0  # unbounded, the first took minutes


def test_values_merged_from_reverse_properties_are_counted():
    from issuer.signing.canonical import canonicalize_full

    # 400 members in 20 lists of 20 (each list well under the limit) all point to one group,
    # which the node map gives 400 values of "member"
    lists = {f"https://example.org/list{n}": [{"id": f"did:example:{n}-{k}", "memberOf": {"id": "did:example:group"}}
                                              for k in range(20)] for n in range(20)}
    doc = {"@context": [*CONTEXT, {"memberOf": {"@reverse": "https://example.org/member"}}],
           "id": "urn:uuid:1", "type": ["VerifiableCredential"], "credentialSubject": {"id": "did:example:s", **lists}}
    with pytest.raises(InvalidDocument) as caught:
        canonicalize_full(doc)
    assert caught.value.code == "TOO_MANY_VALUES"


def test_a_few_hundred_values_are_still_fine():
    assert canonicalize(_subject(**{"https://example.org/many": list(range(250))})).count("example.org/many") == 250
