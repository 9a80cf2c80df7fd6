"""RDFC-1.0 canonical N-Quads of JSON-LD, refusing anything JSON-LD would drop or rewrite.

pyld 3.3 has no ``safe`` mode (jsonld.js's option): the checks here play its part. Expansion
runs with an ``on_property_dropped`` handler and no base IRI, so a term the contexts do not
define, an undefined type and a relative IRI all stay visible in the expanded form, where they
are refused before pyld's RDF conversion would silently skip them.

``canonicalize`` (signing and verification alike) first tries ``fastcanon``, a walk from compact
JSON-LD straight to sorted N-Quads for the subset of JSON-LD our credentials use; it proves a
document is inside that subset or steps aside, and then ``canonicalize_full`` decides: pyld's
expansion with the checks above. Either way the bytes are those of
``jsonld.normalize(..., algorithm=URDNA2015)`` and the errors those of ``canonicalize_full``.

Two shortcuts of the full path keep its bytes identical too: the bundled contexts are resolved
once per process (they are pinned files), and a dataset without blank nodes is canonicalized by
sorting its N-Quads, which is all RDFC-1.0 does to such a dataset.
"""
from __future__ import annotations

import copy
import hashlib
import math
import re
from urllib.parse import urlsplit

from cachetools import LRUCache
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from issuer.credentials.contexts import load_document
from issuer.errors import InvalidDocument, IssuerError
from issuer.signing import fastcanon
from issuer.signing.expanded import canonical_nquads as expanded_nquads
from issuer.signing.processor import CachingProcessor

# Controls that pyld writes raw into N-Quads while RDFC-1.0 implementations escape them (so the
# signature would not verify elsewhere), C1 controls, and lone surrogates (not encodable as UTF-8).
# TAB, LF and CR are allowed: pyld escapes them as \t, \n, \r exactly as RDFC-1.0 requires.
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# An absolute IRI: a scheme, then no character that IRIs (and N-Quads IRIREF) exclude
_ABSOLUTE_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|\\^`\x7f-\x9f]*$')
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def canonicalize(doc: dict, *, hash_name: str = "sha256") -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of ``doc``, using bundled contexts only.

    ``hash_name`` is RDFC-1.0's hash function parameter: ``sha256`` (the default, every suite
    but one) or ``sha384`` (ecdsa-rdfc-2019 with P-384 keys). It only affects blank node labels.
    ``doc`` may be hostile: ``fastcanon`` answers only for documents it proves are inside its
    subset (at most one blank node, so no label depends on the hash); the rest goes to
    ``canonicalize_full``, which gives the same bytes, and raises every error.

    :raise InvalidDocument: no ``@context``; text with control characters; a term or type the
        contexts do not define; a relative or malformed IRI; any other JSON-LD error.
    :raise UnknownContext: a context URL outside the bundled set (nothing is fetched).
    """
    _canonicalizer(hash_name)
    try:
        return fastcanon.canonical_nquads(doc)
    except fastcanon.Unsupported:
        return canonicalize_full(doc, hash_name=hash_name)


def canonicalize_utf8(doc: dict, *, hash_name: str = "sha256") -> bytes:
    """``canonicalize(doc).encode("utf-8")``, quicker: the bytes a proof hashes."""
    _canonicalizer(hash_name)
    try:
        return fastcanon.canonical_nquads_utf8(doc)
    except fastcanon.Unsupported:
        return canonicalize_full(doc, hash_name=hash_name).encode("utf-8")


def canonicalize_full(doc: dict, *, hash_name: str = "sha256") -> str:
    """``canonicalize`` without the fast walk: pyld's expansion, the checks, then RDFC-1.0.

    :raise InvalidDocument, UnknownContext: as ``canonicalize`` (whose errors these are).
    """
    canonicalizer = _canonicalizer(hash_name)
    if not isinstance(doc, dict):
        raise InvalidDocument("a JSON-LD document must be a JSON object")
    if not doc.get("@context"):
        raise InvalidDocument("the document has no @context")
    _check_json(doc, "")
    resolver = ContextResolver({}, _load_copy) if _imports(doc) else \
        ContextResolver(_RESOLVED_CONTEXTS, _load_pinned)
    expanded = _run(lambda: CachingProcessor(on_property_dropped=_refuse_dropped).expand(
        doc, {"documentLoader": load_document, "base": None, "contextResolver": resolver}))
    _check_expanded(expanded)
    try:
        return expanded_nquads(expanded)  # every node named: pyld's conversion and sort, quicker
    except fastcanon.Unsupported:
        pass
    _limit_node_map(expanded)
    dataset = _run(lambda: _to_dataset(expanded))
    if not _has_blank_nodes(dataset):
        # RDFC-1.0 relabels blank nodes and sorts; without blank nodes only the sort is left
        return "".join(sorted(jsonld.JsonLdProcessor.to_nquad(quad) for quad in dataset["@default"]))
    return canonicalizer().main(dataset, {"format": "application/n-quads"})


# RDFC-1.0 is exponential in the worst case over blank nodes that look alike, and pyld has no
# work limit: a 2x8 tree of id-less nodes, or a 7-node clique of labelled ones, takes seconds.
# Credentials need neither: documents that do are refused before canonicalization.
MAX_BLANK_NODES = 12
# pyld's node map compares each value of a node's property with all those already there (800
# distinct values of one property take a third of a second, 20,000 minutes): the sum over a
# node's properties (merged across the node's occurrences) of their value counts squared is
# bounded. A credential's largest lists hold tens of values; this allows one of 300.
MAX_MERGE_WORK = 100_000


def _limit_node_map(expanded) -> None:
    """:raise InvalidDocument: a blank node identifier (``_:``), more than MAX_BLANK_NODES nodes
    without an id, or more than MAX_MERGE_WORK value comparisons for the node map."""
    stack, blank = [expanded], 0
    counts: dict[tuple, int] = {}  # (node, property) -> values the node map will merge there
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict) and "@value" not in item:
            node_id = item.get("@id")
            if isinstance(node_id, str) and node_id.startswith("_:"):
                raise InvalidDocument(f"blank node identifier {node_id[:40]!r} not accepted: give the node an IRI",
                                      code="BLANK_NODE_ID")
            blank += node_id is None and "@list" not in item and "@set" not in item
            node = node_id if isinstance(node_id, str) else id(item)
            for key, value in item.items():
                if key == "@reverse" and isinstance(value, dict):
                    for prop, referrers in value.items():
                        for referrer in referrers if isinstance(referrers, list) else (referrers,):
                            other = referrer.get("@id") if isinstance(referrer, dict) else None
                            slot = (other if isinstance(other, str) else id(referrer), prop)
                            counts[slot] = counts.get(slot, 0) + 1
                elif key == "@type" or not key.startswith("@"):
                    counts[(node, key)] = counts.get((node, key), 0) + (len(value) if isinstance(value, list) else 1)
            stack.extend(v if k != "@reverse" else list(v.values()) for k, v in item.items()
                         if k not in ("@id", "@type") and isinstance(v, (list, dict)))
    if blank > MAX_BLANK_NODES:
        raise InvalidDocument(f"more than {MAX_BLANK_NODES} nodes without an id", code="TOO_MANY_BLANK_NODES")
    if sum(n * n for n in counts.values()) > MAX_MERGE_WORK:
        raise InvalidDocument("too many values of one property of a node (more than a few hundred)",
                              code="TOO_MANY_VALUES")


def _canonicalizer(hash_name: str):
    try:
        return _CANONICALIZERS[hash_name]
    except KeyError:
        raise ValueError(f"RDFC-1.0 hash must be sha256 or sha384, not {hash_name!r}") from None


# Resolved contexts, shared by every expansion: pyld caches a resolved remote context only when
# its loader tags it "static", which is what a pinned, bundled file is. Bounded, because inline
# contexts of untrusted documents are cached here too (as in pyld's own shared cache).
_RESOLVED_CONTEXTS = LRUCache(maxsize=256)


def _load_pinned(url: str, options: dict | None = None) -> dict:
    return {**load_document(url, options), "tag": "static"}


# pyld 3.3 processes ``@import`` by merging the importing context into the imported context
# document in place: given the bundled context objects (or cached ones), a single document would
# rewrite a bundled context for every later document of the process. A document with ``@import``
# anywhere gets copies of the contexts it loads, and a resolver of its own.
def _load_copy(url: str, options: dict | None = None) -> dict:
    return copy.deepcopy(load_document(url, options))


def _imports(doc) -> bool:
    """Whether ``@import`` is a key anywhere in ``doc``."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "@import" in item:
                return True
            stack.extend(value for value in item.values() if isinstance(value, dict | list))
        elif isinstance(item, list):
            stack.extend(value for value in item if isinstance(value, dict | list))
    return False


def _to_dataset(expanded: list) -> dict:
    """pyld's ``to_rdf`` after its expansion step (the input is already expanded)."""
    processor = jsonld.JsonLdProcessor()
    issuer = IdentifierIssuer("_:b")
    node_map = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    options = {"produceGeneralizedRdf": False, "processingMode": "json-ld-1.1"}
    return {name: processor._graph_to_rdf(graph, issuer, options)
            for name, graph in sorted(node_map.items())
            if name == "@default" or jsonld._is_absolute_iri(name)}


def _has_blank_nodes(dataset: dict) -> bool:
    if set(dataset) != {"@default"}:
        return True  # named graphs: leave them to the full algorithm
    return any(quad["subject"]["type"] == "blank node" or quad["object"]["type"] == "blank node"
               for quad in dataset["@default"])


class _Rdfc10Sha384(URDNA2015):
    """RDFC-1.0 with SHA-384 as its hash function (pyld's URDNA2015 is RDFC-1.0 with SHA-256)."""

    def create_hash(self):
        return hashlib.sha384()


_CANONICALIZERS = {"sha256": URDNA2015, "sha384": _Rdfc10Sha384}


def _run(step):
    """Run a pyld step, translating its errors: ours (raised in the loader or handler) come back."""
    try:
        return step()
    except jsonld.JsonLdError as exc:
        cause = exc
        while cause is not None:
            if isinstance(cause, IssuerError):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        code = getattr(exc, "code", None) or getattr(exc, "type", "error")
        raise InvalidDocument(f"JSON-LD processing failed ({code})") from exc


def _refuse_dropped(expanded_property) -> None:
    if expanded_property is None:
        raise InvalidDocument("a key that looks like a JSON-LD keyword is not one")
    raise InvalidDocument(f"term {expanded_property!r} is not defined by the document's contexts",
                          term=expanded_property)


def _check_json(value, where: str) -> None:
    """Refuse control characters and non-finite numbers anywhere, and nulls outside contexts."""
    if isinstance(value, str):
        if _FORBIDDEN_TEXT.search(value):
            raise InvalidDocument(f"control character in the text at {where or '/'}", path=where)
    elif isinstance(value, float) and not math.isfinite(value):
        raise InvalidDocument(f"number at {where} is not finite", path=where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, where)
            if item is None and key != "@context" and "/@context" not in where:
                raise InvalidDocument(f"null value for {key!r} would be dropped", term=key)
            _check_json(item, f"{where}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, f"{where}/{index}")


def _check_iri(iri, what: str, *, blank_ok: bool = True) -> None:
    if type(iri) is str and iri in _GOOD_IRIS:
        return
    if not isinstance(iri, str):
        raise InvalidDocument(f"{what} is not a string")
    if iri.startswith("_:"):
        if blank_ok:
            return
        raise InvalidDocument(f"{what} {iri!r} is a blank node")
    if not _ABSOLUTE_IRI.match(iri):
        raise InvalidDocument(f"{what} {iri!r} is not an absolute IRI", iri=iri)
    parts = urlsplit(iri)
    if parts.scheme.lower() in ("http", "https") and not (iri[len(parts.scheme):].startswith("://")
                                                          and parts.hostname):
        raise InvalidDocument(f"{what} {iri!r} is a malformed URL", iri=iri)
    if len(_GOOD_IRIS) < 8192 and len(iri) <= 256:
        _GOOD_IRIS.add(iri)  # predicates, types and vocabulary IRIs recur in every document


_GOOD_IRIS: set[str] = set()


def _check_expanded(element) -> None:
    """Walk expanded JSON-LD: every IRI absolute and well formed, every type defined."""
    if isinstance(element, list):
        for item in element:
            _check_expanded(item)
        return
    if not isinstance(element, dict):
        return
    if "@value" in element:
        _check_value(element)
        return
    for key, value in element.items():
        if key == "@id":
            _check_iri(value, "identifier")
        elif key == "@type":
            for type_ in value:
                if not (isinstance(type_, str) and (type_.startswith("_:")
                                                    or _ABSOLUTE_IRI.match(type_))):
                    raise InvalidDocument(f"type {type_!r} is not defined by the document's "
                                          f"contexts", term=type_)
                _check_iri(type_, "type")
        elif key in ("@list", "@graph", "@included", "@set"):
            _check_expanded(value)
        elif key == "@reverse":
            for prop, items in value.items():
                _check_iri(prop, "property", blank_ok=False)
                _check_expanded(items)
        elif not key.startswith("@"):
            _check_iri(key, "property", blank_ok=False)
            _check_expanded(value)


def _check_value(element: dict) -> None:
    datatype = element.get("@type")
    if datatype is not None and datatype != "@json":
        _check_iri(datatype, "datatype", blank_ok=False)
    language = element.get("@language")
    if language is not None and not _LANGUAGE_TAG.match(language):
        raise InvalidDocument(f"language tag {language!r} is not well formed")
