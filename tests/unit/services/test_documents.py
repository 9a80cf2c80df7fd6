"""Ids made for the nodes of each certificate, and the signed JSON-LD's text."""
import json
import re
import uuid

import pytest

from issuer.services.documents import _serialize_built, new_urn, serialize
from issuer.signing.suites import suite_for
from tests.generators import common as generators


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


@pytest.mark.parametrize("kind", generators.KINDS)
def test_a_built_credential_is_serialized_as_json_dumps_would(kind):
    signer = generators.signer_for("AUA")
    suite = suite_for("eddsa-rdfc-2022")
    for doc in generators.documents(12, kind, seed=31):
        signed = suite.add_proof(doc, signer=signer, created=generators.ISSUED_AT)
        text = _serialize_built(signed)
        assert text == serialize(signed)
        assert signed == json.loads(text)  # the document itself is left as it was


def test_serializing_a_credential_without_an_image_or_with_another_one():
    doc = generators.documents(1, "individual", seed=32)[0]
    image = doc["displayParameter"]["individualDisplay"]["displayDetail"]["image"]
    for changed in ({**doc, "displayParameter": None}, {**doc, "displayParameter": {"individualDisplay": []}}):
        assert _serialize_built(changed) == serialize(changed)
    image["content"] = "QUJD"
    assert _serialize_built(doc) == serialize(doc)
