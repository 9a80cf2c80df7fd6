"""A pyld processor that remembers processed contexts, for expanding many similar documents.

pyld processes the contexts of every document again: the type-scoped contexts of the VC and
Data Integrity contexts are cloned and re-processed for each node that uses them, and every term
is expanded anew. Both results depend only on the active context and their arguments, and pyld
never changes an active context once made, so they are kept:

* ``_process_context`` results, for contexts named by URL or given as objects of the bundled
  context documents (whose identity is stable); inline contexts of a document are not kept;
* ``_expand_iri`` results in vocabulary mode (terms, types), per active context.

The expanded output is the same as pyld's own (tests compare it byte for byte).
"""
from __future__ import annotations

import threading
from functools import lru_cache

from cachetools import LRUCache
from pyld import jsonld

from issuer.credentials.contexts import known_context_urls, load_document

_MAX_TERMS = 4096  # vocabulary expansions kept per active context
_processed = LRUCache(maxsize=1024)  # key -> (active context, local context, result)
_terms: dict[int, tuple] = {}  # id(active context) -> (active context, {(value, base): iri})
_MAX_CONTEXTS = 256
_lock = threading.Lock()


class CachingProcessor(jsonld.JsonLdProcessor):
    """``JsonLdProcessor`` with memoized context processing and term expansion."""

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False,
                         propagate=True, validate_scoped=True, cycles=None):
        key = _context_key(active_ctx, local_ctx, options, override_protected, propagate,
                           validate_scoped, cycles)
        if key is not None:
            hit = _processed.get(key)
            if hit is not None and hit[0] is active_ctx and (hit[1] is local_ctx or key[1] == hit[1]):
                return hit[2]
        result = super()._process_context(active_ctx, local_ctx, options, override_protected,
                                          propagate, validate_scoped, cycles)
        if key is not None:
            with _lock:  # the entry keeps both contexts alive, so their ids stay theirs
                _processed[key] = (active_ctx, local_ctx if isinstance(local_ctx, dict) else key[1],
                                   result)
        return result

    def _expand_iri(self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None):
        if not vocab or local_ctx is not None or type(value) is not str:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        entry = _terms.get(id(active_ctx))
        if entry is None or entry[0] is not active_ctx:
            entry = (active_ctx, {})
            with _lock:  # the entry keeps the context alive, so its id stays its own
                if len(_terms) >= _MAX_CONTEXTS:
                    _terms.clear()
                _terms[id(active_ctx)] = entry
        known = entry[1]
        try:
            return known[(value, base)]
        except KeyError:
            result = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
            if len(known) < _MAX_TERMS and len(value) <= 256:  # keys of documents: bounded
                known[(value, base)] = result
            return result


def _context_key(active_ctx, local_ctx, options, override_protected, propagate, validate_scoped,
                 cycles):
    if cycles:  # nested processing of imports and scoped contexts: leave to pyld
        return None
    if isinstance(local_ctx, str):
        local = local_ctx
    elif isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
        local = tuple(local_ctx)
    elif isinstance(local_ctx, dict) and id(local_ctx) in _bundled_objects():
        local = id(local_ctx)
    else:
        return None  # an inline context of the document
    return (id(active_ctx), local, options.get("base"), options.get("processingMode"),
            override_protected, propagate, validate_scoped)


@lru_cache(maxsize=1)
def _bundled_objects() -> frozenset[int]:
    """Identities of the objects inside the bundled context documents (cached, never copied)."""
    found: set[int] = set()

    def walk(value):
        if isinstance(value, dict):
            found.add(id(value))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for url in known_context_urls():
        walk(load_document(url)["document"])
    return frozenset(found)
