"""Ids made for the nodes of each certificate, the signed JSON-LD's text and the stored award."""
import dataclasses
import json
import os
import random
import re
import threading
import uuid
from datetime import date, datetime

import pytest

from issuer.services.documents import _serialize_built, new_urn, serialize
from issuer.services.issuance import award_json
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


def test_a_forked_process_and_another_thread_draw_their_own_urns():
    """URNs come from a batch of random bits drawn ahead: a worker forked mid-batch (close and
    issuance workers are) must not repeat the ones its parent goes on to make, nor must a thread."""
    new_urn()  # a batch drawn, most of it unused
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next URNs, to the parent
        try:
            os.write(write, " ".join(new_urn() for _ in range(64)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = [new_urn() for _ in range(64)]
    in_thread: list[str] = []
    thread = threading.Thread(target=lambda: in_thread.extend(new_urn() for _ in range(64)))
    thread.start()
    thread.join()
    assert len(child) == 64 and len(in_thread) == 64
    assert not set(child) & set(parent) and not set(in_thread) & set(parent) and not set(child) & set(in_thread)


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


def _asdict_json(value):
    def default(item):
        if isinstance(item, (date, datetime)):
            return item.isoformat()
        raise TypeError(type(item).__name__)
    return json.loads(json.dumps(dataclasses.asdict(value), default=default))


@pytest.mark.parametrize("kind", generators.KINDS)
def test_the_stored_award_is_its_dataclass_as_json(kind):
    rng = random.Random(f"award-json/{kind}")
    awards = [generators.random_award(rng, kind) for _ in range(40)]
    for award in awards:
        assert award_json(award) == _asdict_json(award)
    # a course (or institution) held by several awards is converted once and shared, unchanged
    key = "host" if kind == "individual" else "issuer"
    holders = [a for a in awards if getattr(a, key) is getattr(awards[0], key)]
    assert len(holders) > 1
    assert award_json(holders[0])[key] is award_json(holders[1])[key]
    first = holders[0]
    assert json.loads(json.dumps(award_json(first))) == _asdict_json(first)


def test_a_changed_catalogue_value_is_converted_anew():
    award = generators.random_award(random.Random("award-json/changed"), "individual")
    before = award_json(award)
    changed = dataclasses.replace(award, course=dataclasses.replace(award.course, title="Another title"))
    assert award_json(changed)["course"]["title"] == "Another title"
    assert award_json(award) == before
