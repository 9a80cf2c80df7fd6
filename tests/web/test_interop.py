"""Interoperability: the independent JavaScript verifier (../shared/tools/node-verifier) agrees with
ours on issued EDC credentials and status lists, given only what the service publishes."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from issuer.credentials.contexts import CONTEXTS_DIR, EDC_AP
from tests.unit.signing import node_verifier as nv
from tests.web.test_verification import issue, verify

EDC_CONTEXT_FILE = CONTEXTS_DIR / "edc-ap-context.elm-3.2.jsonld"
STATUS_LIST = "http://issuer.test/status-lists/KU-1"


@pytest.fixture(scope="session")
def node(request, tmp_path_factory) -> nv.NodeVerifier:
    """The independent verifier; skipped only when node is not installed (as in tests/unit/signing)."""
    reason = nv.missing_reason()
    if reason:
        pytest.skip(reason)
    cache = getattr(request.config, "cache", None)
    cache_dir = cache.mkdir("node-verifier") if cache is not None else tmp_path_factory.mktemp("node-verifier")
    try:
        return nv.install(cache_dir)
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def published(client, token_for, tmp_path) -> dict[str, Path]:
    """An issued KU credential, KU's DID document and status list, as files (what a verifier gets)."""
    credential = issue(client, token_for("KU"))[0]
    files = {"credential": client.get(f"/credentials/{credential}").data,
             "did": client.get("/institutions/KU/did.json").data,
             "status": client.get(STATUS_LIST.removeprefix("http://issuer.test")).data}
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_bytes(data)
    return paths


def _edc_args(published) -> list[str]:
    return ["--strict-contexts", "--doc", f"{EDC_AP}={EDC_CONTEXT_FILE}", "--did-doc", str(published["did"])]


def _rewrite(path: Path, change) -> Path:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    out = path.with_name(f"changed-{path.name}")
    out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return out


def test_node_verifies_an_issued_edc_credential(node, published):
    result = node.run(published["credential"], *_edc_args(published))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verified"] is True and report["proofs"][0]["cryptosuite"] == "eddsa-rdfc-2022"


def test_node_rejects_a_tampered_edc_credential(node, client, published):
    def grade(doc):
        doc["credentialSubject"]["hasClaim"]["provenBy"]["grade"]["noteLiteral"]["en"] = "10"

    tampered = _rewrite(published["credential"], grade)
    result = node.run(tampered, *_edc_args(published))
    assert result.returncode == 1, result.stdout + result.stderr
    assert verify(client, json.loads(tampered.read_text(encoding="utf-8"))).status_code == 400


def test_node_verifies_the_status_list_credential(node, published):
    result = node.run(published["status"], "--strict-contexts", "--did-doc", str(published["did"]))
    assert result.returncode == 0, result.stdout + result.stderr

    def flip(doc):
        encoded = doc["credentialSubject"]["encodedList"]
        doc["credentialSubject"]["encodedList"] = encoded[:-2] + ("AA" if encoded[-2:] != "AA" else "AB")

    result = node.run(_rewrite(published["status"], flip), "--strict-contexts", "--did-doc", str(published["did"]))
    assert result.returncode == 1, result.stdout + result.stderr


def test_an_extended_context_passes_node_but_not_our_verifier(node, client, published):
    """Node checks the graph; a context added after signing leaves it unchanged. We insist on the
    exact EDC contexts, because our summary reads the JSON, and a new context could rename terms."""
    def extend(doc):
        doc["@context"] = [*doc["@context"], "https://www.w3.org/ns/credentials/examples/v2"]

    extended = _rewrite(published["credential"], extend)
    assert node.run(extended, *_edc_args(published)).returncode == 0
    response = verify(client, json.loads(extended.read_text(encoding="utf-8")))
    assert response.status_code == 400
    assert response.get_json()["checks"][0]["code"] == "UNEXPECTED_CONTEXT"


def test_node_status_check_does_not_read_the_edc_status_entry(node, published):
    """A known gap, pinned so that a change shows: the EDC contexts do not define the Bitstring
    Status List terms, so the entry is written with absolute IRIs and typed
    ``["CredentialStatus", "https://www.w3.org/ns/credentials/status#BitstringStatusListEntry"]``.
    The RDF is right, but @digitalbazaar/vc-bitstring-status-list compares the compacted JSON
    ``credentialStatus.type`` with ``"BitstringStatusListEntry"`` and refuses it (the proof itself
    verifies). Our verifier reads the entry with ``jsonld.read_status``."""
    credential = json.loads(published["credential"].read_text(encoding="utf-8"))
    assert credential["credentialStatus"]["type"][1].endswith("#BitstringStatusListEntry")
    result = node.run(published["credential"], *_edc_args(published), "--check-status",
                      "--doc", f"{STATUS_LIST}={published['status']}")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and all(p["verified"] for p in report["proofs"])
    assert report["errors"] == ['"credentialStatus.type" must be "BitstringStatusListEntry".']


def test_our_verifier_agrees_on_the_same_files(client, published):
    document = json.loads(published["credential"].read_text(encoding="utf-8"))
    assert verify(client, copy.deepcopy(document)).status_code == 200
