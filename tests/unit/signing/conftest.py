"""Fixtures for the signing tests: W3C vectors, keys directories, the independent verifier."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from . import node_verifier as nv

VECTORS = Path(__file__).resolve().parents[2] / "data" / "vectors"
EDDSA_DIR = VECTORS / "vc-di-eddsa" / "TestVectors"
ECDSA_DIR = VECTORS / "vc-di-ecdsa" / "TestVectors"
PASSPHRASE = "correct horse battery staple"
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture(scope="session")
def node_verifier(request, tmp_path_factory) -> nv.NodeVerifier:
    """The independent JavaScript verifier; skips only when node is not installed."""
    reason = nv.missing_reason()
    if reason:
        pytest.skip(reason)
    cache = getattr(request.config, "cache", None)
    cache_dir = cache.mkdir("node-verifier") if cache is not None \
        else tmp_path_factory.mktemp("node-verifier")
    try:
        return nv.install(cache_dir)
    except RuntimeError as exc:
        pytest.fail(str(exc))
