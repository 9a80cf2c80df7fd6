"""Ids made for the nodes of each certificate."""
import re
import uuid

from issuer.services.documents import new_urn


def test_new_urn_is_a_random_version_4_uuid_urn():
    urns = [new_urn() for _ in range(4000)]
    assert len(set(urns)) == len(urns)
    variants = set()
    for urn in urns:
        assert re.fullmatch(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", urn)
        parsed = uuid.UUID(urn.removeprefix("urn:uuid:"))
        assert (parsed.version, parsed.variant, parsed.urn) == (4, uuid.RFC_4122, urn)
        variants.add(urn[28])
    assert variants == set("89ab")  # all four variant nibbles occur: two random bits kept
