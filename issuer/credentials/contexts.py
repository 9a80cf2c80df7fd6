"""The local JSON-LD document loader: bundled, hash-pinned contexts only; nothing is fetched."""
from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from issuer.errors import UnknownContext

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "credential_schemas"
CONTEXTS_DIR = SCHEMAS_DIR / "contexts"

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
EDC_AP = "http://data.europa.eu/snb/model/context/edc-ap"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

EDC_CONTEXTS = (VC_V1, EDC_AP, DATA_INTEGRITY_V2)


def _schemas_dir() -> Path:
    # Installed as a package the data sits beside it (issuer/../credential_schemas) in a source
    # checkout; a wheel carries a copy under issuer/credential_schemas.
    packaged = Path(__file__).resolve().parents[1] / "credential_schemas"
    return packaged if packaged.is_dir() else SCHEMAS_DIR


@lru_cache(maxsize=1)
def _contexts() -> dict[str, dict]:
    directory = _schemas_dir() / "contexts"
    index = json.loads((directory / "contexts.json").read_text(encoding="utf-8"))
    loaded = {}
    for url, entry in index.items():
        raw = (directory / entry["file"]).read_bytes()
        if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
            raise UnknownContext(f"bundled context for {url} does not match its pinned SHA-256")
        loaded[url] = json.loads(raw)
    return loaded


def known_context_urls() -> frozenset[str]:
    return frozenset(_contexts())


def get_context(url: str) -> dict:
    """The parsed context document for ``url`` (a deep copy).

    :raise UnknownContext: the URL is not one of the bundled contexts.
    """
    try:
        return copy.deepcopy(_contexts()[url])
    except KeyError:
        raise UnknownContext(f"context not bundled: {url}") from None


def load_document(url: str, options: dict | None = None) -> dict:
    """A pyld document loader that serves only bundled contexts.

    :raise UnknownContext: any URL outside the bundled set; nothing is ever fetched.
    """
    # pyld does not mutate loaded documents, so the cached object is shared (no copy: speed)
    try:
        document = _contexts()[url]
    except KeyError:
        raise UnknownContext(f"context not bundled: {url}") from None
    return {"contextUrl": None, "documentUrl": url, "document": document}
