"""RDFC-1.0 canonical N-Quads of credentials like ours, without pyld's expansion; hostile input too.

Same bytes as ``canonical.canonicalize_full``, for a subset of JSON-LD, about 20 times faster. Two
facts make it possible:

* Every node of our credentials has an IRI (vocabulary concepts theirs, the rest UUID URNs; the
  proof options' single node is the one blank node). RDFC-1.0 of a dataset without blank nodes
  is its set of N-Quads, each line serialized canonically, sorted by code point; a lone blank
  node is always labelled ``_:c14n0``. No hashing of blank nodes is needed.
* What a key or value means depends only on the active context at that point, and our
  documents reach few distinct contexts. Each context is computed once by pyld's own context
  processing (the same calls, in the same order, as its expansion algorithm makes) and kept as a
  ``_State`` with what pyld says about each term in it; later documents look terms up.

The walk converts JSON-LD straight to N-Quads for: node objects with an absolute ``@id`` (or
none, at the top only), ``@type``, terms with ``@id``/``@vocab``/datatype coercion, language
maps, plain and default-language strings, integers and booleans, ``@set`` containers, type- and
property-scoped contexts, ``@context`` as a list of bundled context URLs at the top. Anything
else (embedded contexts, ``@list``, ``@graph``, ``@reverse``, ``@json``, floats, nulls, blank node
identifiers, value objects, undefined terms, relative IRIs, ...) raises ``Unsupported``, and the
caller canonicalizes the document the safe way instead, which gives the same result or the same
error as before. The checks of the safe path hold here too: a term the contexts do not define, a
relative or malformed IRI or a forbidden character never makes it into the output.

Verification runs untrusted documents through this walk (``canonical.canonicalize``), so it never
guesses: besides whatever is outside the subset, any unforeseen exception and any shape past fixed
limits (nesting, keys per node, types, contexts, key length) make it step aside. What the caches hold is counted (states, answers, remembered
nodes, by size): past ``_LIMITS`` they are all dropped and the next document starts afresh, so
hostile shapes cost memory only up to a bound. A recurring node is replayed only for equal JSON.

tests/unit/signing/test_fastcanon.py compares the output with pyld's URDNA2015 byte for byte,
for hundreds of generated credentials of every kind and for the edge cases of each rule above;
test_verify_canon_fuzz.py, for thousands of hostile mutations of them (bytes or the same error).
"""
from __future__ import annotations

import re
import threading
from bisect import bisect_left
from urllib.parse import urlsplit

from pyld import jsonld
from pyld.context_resolver import ContextResolver

from issuer.credentials.contexts import known_context_urls, load_document

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_TYPE_PREDICATE = f"<{RDF}type>"
_XSD_STRING, _XSD_BOOLEAN, _XSD_INTEGER = XSD + "string", XSD + "boolean", XSD + "integer"
_XSD_DOUBLE = XSD + "double"

# canonical.py's character rule (tests keep the two in step): refused anywhere in the text
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# each looked for on its own: 29 searches of a long text (memchr) beat one pass over its bytes
_ASCII_CONTROLS = tuple(map(chr, [*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f]))
# An IRI canonical.py accepts (scheme, then no excluded character) that pyld also considers
# absolute (no Unicode white space, which pyld would drop silently) and with no surrogate.
_SPACES = "".join(chr(c) for c in range(0x80, 0x110000) if chr(c).isspace())
_IRI = re.compile(r'^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>"{}|\\^`\x7f-\x9f\ud800-\udfff'
                  + re.escape(_SPACES) + "]*$")
_UUID_URN = re.compile(r"urn:uuid:[0-9A-Fa-f-]{36}\Z")  # the usual identifier, checked quicker
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})
_MAX_ENTRIES = 4096  # per cache of a state: what our documents need, with a wide margin
# Nodes remembered per plan. Fresh UUID URNs name nodes of one document only; other IRIs
# (vocabulary concepts, DIDs) recur from one document to the next.
_MAX_SEEN = 512
_MAX_SEEN_CHARS = 16_384  # a remembered node's JSON, at most
# Shapes the walk takes on (larger ones go to the safe path): our credentials nest 10 deep, with
# at most 16 keys a node, 3 types and 3 contexts; cache keys stay small.
_MAX_DEPTH, _MAX_KEYS, _MAX_TYPES, _MAX_CONTEXTS, _MAX_KEY_CHARS = 32, 64, 16, 8, 512
_MAX_CACHED_TEXT = 256  # longer strings are looked up without being remembered
# What all caches together may hold (our documents need about 30 states, 1,000 answers and 2 MB
# of remembered nodes). Hostile input can make any number of distinct shapes: past a limit,
# every cache is dropped and filled again from the next document on.
_LIMITS = {"states": 256, "answers": 65_536, "seen": 16_000_000}

# how a scalar value of a term becomes RDF
_TO_IRI, _TO_VOCAB, _TO_TYPED, _TO_PLAIN = range(4)


class Unsupported(Exception):
    """The document uses JSON-LD the fast path does not implement (or is invalid); the caller
    must canonicalize it with ``canonical.canonicalize``, which decides."""


_OPTIONS = {"isFrame": False, "keepFreeFloatingNodes": False, "documentLoader": load_document,
            "contextResolver": ContextResolver({}, load_document), "extractAllScripts": False,
            "processingMode": "json-ld-1.1", "base": None}
_PROCESSOR = jsonld.JsonLdProcessor()
_get = jsonld.JsonLdProcessor.get_context_value
_lock = threading.RLock()  # guards pyld calls and cache writes (reads need none); re-entered
_http_hosts: dict[str, bool] = {}
_spent = dict.fromkeys(_LIMITS, 0)
_over_budget = False


def _spend(kind: str, amount: int) -> None:
    """Count ``amount`` more of ``kind`` in the caches (under ``_lock``)."""
    global _over_budget
    _spent[kind] += amount
    if _spent[kind] > _LIMITS[kind]:
        _over_budget = True  # the next document starts from empty caches


def _literal(text: str) -> str:
    """``"text"`` with N-Quads escapes, as pyld (and RDFC-1.0) write it; refuses what the safe
    path refuses."""
    if len(text) > 256 and text.isascii():  # long ASCII (images): the quicker test
        for control in _ASCII_CONTROLS:
            if control in text:
                raise Unsupported
    elif text.isprintable():  # no control character, surrogate, tab or line break at all
        return f'"{text}"' if "\\" not in text and '"' not in text else f'"{text.translate(_ESCAPES)}"'
    elif _FORBIDDEN_TEXT.search(text):
        raise Unsupported
    if "\\" in text or '"' in text or "\n" in text or "\r" in text or "\t" in text:
        text = text.translate(_ESCAPES)
    return f'"{text}"'


def _iri(iri) -> str:
    """``<iri>`` if both canonical.py and pyld take ``iri`` as absolute, else Unsupported."""
    if not isinstance(iri, str) or not _IRI.match(iri):
        raise Unsupported
    if iri[:5].lower() in ("http:", "https"):
        known = _http_hosts.get(iri)
        if known is None:
            parts = urlsplit(iri)
            known = bool(iri[len(parts.scheme):].startswith("://") and parts.hostname)
            if len(_http_hosts) < _MAX_ENTRIES and len(iri) <= _MAX_CACHED_TEXT:
                _http_hosts[iri] = known
        if not known:
            raise Unsupported
    return f"<{iri}>"


def _remember(cache: dict, key, compute):
    with _lock:
        if key not in cache:
            if len(cache) >= _MAX_ENTRIES:
                raise Unsupported
            try:
                cache[key] = compute()
            except jsonld.JsonLdError:
                raise Unsupported from None
            _spend("answers", 1 + _size(key) // 64)
        return cache[key]


def _size(key) -> int:
    """Characters in a cache key (a string, or a tuple of strings and tuples)."""
    if type(key) is tuple:
        return sum(_size(item) for item in key)
    return len(key) if type(key) is str else 1


class _Term:
    """What pyld makes of one property term in one state."""

    __slots__ = ("predicate", "state", "language_map", "mode", "text_literal", "suffix", "alone", "tags")

    def __init__(self, predicate: str, state: "_State", language_map: bool, mode: int, suffix: str = ""):
        self.predicate = predicate  # " <iri> "
        self.state = state  # the term's context (its property-scoped context applied)
        self.language_map = language_map
        self.mode = mode
        self.text_literal = mode in (_TO_TYPED, _TO_PLAIN)  # text becomes a literal
        self.suffix = suffix  # after a literal: "^^<datatype>", "@language" or ""
        # typed xsd:string: its literal reads like an untyped one, which pyld keeps apart
        self.alone = mode == _TO_TYPED and not suffix
        self.tags: dict[str, str] = {}  # language map key -> "@tag" (or "" for @none)

    def tag(self, language) -> str:
        """What follows a literal of this language map under key ``language``."""
        if type(language) is not str:
            raise Unsupported
        if self.state.vocab_iri(language) == "@none":
            return ""
        tag = language.lower()
        if not _LANGUAGE_TAG.match(tag):
            raise Unsupported
        if len(self.tags) < _MAX_ENTRIES and len(language) <= _MAX_CACHED_TEXT:
            with _lock:
                self.tags[language] = f"@{tag}"
                _spend("answers", 1)
        return f"@{tag}"


class _Plan:
    """How to convert a node object with given keys and types in a given state; and the
    conversions of recurring nodes (vocabulary concepts and the like) in that place."""

    __slots__ = ("id_key", "id_state", "uuid_subjects", "types", "terms", "seen")

    def __init__(self, id_key, id_state, types: tuple[str, ...], terms: tuple):
        self.id_key = id_key
        self.id_state = id_state
        # a UUID URN identifier is its own IRI (no "urn" prefix defined to rewrite it)
        self.uuid_subjects = id_state is not None and "urn" not in id_state.prefixes
        self.types = types  # " <rdf:type> <iri> .\n" per type
        self.terms = terms  # (key, predicate, text_literal, suffix, alone, _Term) per property key
        # identifier -> (a copy of the node, subject, its lines, its literal heads)
        self.seen: dict[str, tuple] = {}


class _Entry:
    """A node object's keys met in a state: the state its keys are read in, its @type key, and
    its plans by types."""

    __slots__ = ("outer", "keys", "type_key", "plans")

    def __init__(self, outer: "_State", keys: tuple, type_key):
        self.outer, self.keys, self.type_key = outer, keys, type_key
        self.plans: dict[tuple | str, _Plan] = {}  # by types, or by the type when it is one string

    def plan(self, key, types: tuple) -> _Plan:
        return _remember(self.plans, key, lambda: self.outer.plan(self.keys, types, self.type_key))


class _State:
    """One pyld active context, with memoized answers about its terms and its successors."""

    __slots__ = ("ctx", "prefixes", "vocab", "terms", "entries", "plans", "after")

    def __init__(self, ctx: dict):
        with _lock:
            _spend("states", 1)
        self.ctx = ctx
        self.prefixes = {t: m["@id"] for t, m in ctx["mappings"].items() if m and m.get("_prefix")}
        self.vocab: dict[str, object] = {}
        self.terms: dict[str, _Term] = {}
        self.entries: dict[tuple, _Entry] = {}
        self.plans: dict[tuple, _Plan] = {}
        self.after: dict[tuple, _State] = {}

    def vocab_iri(self, value: str):
        """pyld's ``_expand_iri(ctx, value, vocab=True)`` without base: IRI, keyword or None."""
        try:
            return self.vocab[value]
        except KeyError:
            pass
        except TypeError:  # unhashable: not a string
            raise Unsupported from None
        if type(value) is not str:
            raise Unsupported
        if len(value) > _MAX_CACHED_TEXT:
            with _lock:
                return _PROCESSOR._expand_iri(self.ctx, value, vocab=True, base=None)
        return _remember(self.vocab, value, lambda: _PROCESSOR._expand_iri(
            self.ctx, value, vocab=True, base=None))

    def document_iri(self, value) -> str:
        """pyld's ``_expand_iri(ctx, value)`` (identifiers, @id-coerced values), as ``<iri>``."""
        if type(value) is not str:
            raise Unsupported
        if value.startswith("urn:uuid:") and "urn" not in self.prefixes and _UUID_URN.match(value):
            return f"<{value}>"
        colon = value.find(":")
        if colon > 0 and value[0] != "@" and not value.startswith("//", colon + 1):
            prefix = self.prefixes.get(value[:colon])
            if prefix is not None:
                return _iri(prefix + value[colon + 1:])
        return _iri(value)  # relative IRIs, blank node labels and keywords are refused here

    # -- the context steps of pyld's _expand, in its order -------------------------------------
    def with_context(self, context: tuple) -> "_State":
        """The top-level ``@context`` (bundled URLs) applied."""
        return _remember(self.after, ("@context", context), lambda: self._successor(
            _PROCESSOR._process_context(self.ctx, list(context), _OPTIONS)))

    def _successor(self, ctx: dict) -> "_State":
        """The state of ``ctx``: this one if it is this state's context."""
        return self if ctx is self.ctx else _State(ctx)

    def entry(self, prop: str, keys: tuple) -> "_Entry":
        """(state, @type key) for a node object with ``keys`` under ``prop``: type-scoped terms
        reverted (unless a bare reference), ``prop``'s property-scoped context applied."""
        try:
            return self.entries[(prop, keys)]
        except KeyError:
            return _remember(self.entries, (prop, keys), lambda: self._entry(prop, keys))

    def _entry(self, prop, keys: tuple) -> tuple:
        state = self
        if prop is not None:
            if "@context" in keys:
                raise Unsupported  # an embedded context: only the top-level one is handled
            keep = False
            if self.ctx.get("previousContext") and len(keys) <= 2:
                for key in sorted(keys):
                    expanded = self.vocab_iri(key)
                    if expanded == "@value":
                        raise Unsupported
                    if expanded == "@id" and len(keys) == 1:
                        keep = True
                        break
            state = _remember(self.after, ("@nested", prop, keep), lambda: self._nested(prop, keep))
        type_keys = [key for key in sorted(keys) if state.vocab_iri(key) == "@type"]
        if len(type_keys) > 1:
            raise Unsupported
        return _Entry(state, keys, type_keys[0] if type_keys else None)

    def _nested(self, prop: str, keep: bool) -> "_State":
        """The state a node object under ``prop`` starts in (pyld's _expand, before types)."""
        ctx = self.ctx
        scoped = _get(ctx, prop, "@context")
        if not keep:
            ctx = _PROCESSOR._revert_to_previous_context(ctx)
        if scoped is not None:
            ctx = _PROCESSOR._process_context(ctx, scoped, _OPTIONS, override_protected=True)
        return self._successor(ctx)

    def plan(self, keys: tuple, types: tuple, type_key) -> _Plan:
        return _remember(self.plans, (keys, types), lambda: self._plan(keys, types, type_key))

    def _plan(self, keys: tuple, types: tuple, type_key) -> _Plan:
        """_prepare_nested_context's type-scoped contexts, then _expand_object's view of keys."""
        inner = _remember(self.after, ("@type", types), lambda: self._typed(types))
        type_lines = tuple(f" {_TYPE_PREDICATE} {_iri(self.vocab_iri(t))} .\n" for t in types)
        id_key, terms = None, []
        for key in keys:
            expanded = inner.vocab_iri(key)
            if expanded == "@id":
                if id_key is not None:
                    raise Unsupported  # colliding keywords
                id_key = key
            elif expanded == "@type":
                if key != type_key:
                    raise Unsupported  # a type-scoped context made another key mean @type
            elif expanded == "@context" and key == "@context":
                pass  # the top-level context, already applied
            else:
                terms.append((key, inner.term(key, expanded)))
        return _Plan(id_key, inner, type_lines,
                     tuple((key, t.predicate, t.text_literal, t.suffix, t.alone, t) for key, t in terms))

    def _typed(self, types: tuple) -> "_State":
        """_prepare_nested_context's type-scoped contexts (in the order pyld applies them)."""
        ctx = self.ctx
        for type_ in sorted(types):
            scoped = _get(self.ctx, type_, "@context")
            if scoped is not None and scoped is not False:
                ctx = _PROCESSOR._process_context(ctx, scoped, _OPTIONS, propagate=False)
        return self._successor(ctx)

    def term(self, key: str, expanded) -> _Term:
        return _remember(self.terms, key, lambda: self._term(key, expanded))

    def _term(self, key: str, expanded) -> _Term:
        if not isinstance(expanded, str) or expanded.startswith("@"):
            raise Unsupported  # dropped (the safe path refuses it) or a keyword not handled here
        mapping = self.ctx["mappings"].get(key)
        if mapping and mapping.get("reverse"):
            raise Unsupported
        predicate = f" {_iri(expanded)} "
        container = set(jsonld.JsonLdProcessor.arrayify(_get(self.ctx, key, "@container") or []))
        if container - {"@set", "@language"} or _get(self.ctx, key, "@direction") is not None:
            raise Unsupported
        scoped = _get(self.ctx, key, "@context")
        state = self if scoped is None else _State(_PROCESSOR._process_context(
            self.ctx, scoped, _OPTIONS, propagate=True, override_protected=True))
        if state is not self:
            # pyld reads the container and direction here, the rest in the term's own context
            # (_expand_value looks the term up again): they must agree
            if _PROCESSOR._expand_iri(state.ctx, key, vocab=True) != expanded:
                raise Unsupported
            for entry in ("@type", "@language", "@direction", "@container", "reverse"):
                if _get(state.ctx, key, entry) != _get(self.ctx, key, entry):
                    raise Unsupported
            mapping = state.ctx["mappings"].get(key)
            if mapping and mapping.get("reverse"):
                raise Unsupported
        language_map = "@language" in container
        coercion = _get(state.ctx, key, "@type")
        if coercion == "@id":
            return _Term(predicate, state, language_map, _TO_IRI)
        if coercion == "@vocab":
            return _Term(predicate, state, language_map, _TO_VOCAB)
        if coercion is not None and coercion != "@none":
            if coercion in ("@json", _XSD_DOUBLE):
                raise Unsupported
            suffix = "" if coercion == _XSD_STRING else f"^^{_iri(coercion)}"
            return _Term(predicate, state, language_map, _TO_TYPED, suffix)
        if _get(state.ctx, key, "@direction") is not None:
            raise Unsupported
        language = _get(state.ctx, key, "@language")
        if language is not None and not _LANGUAGE_TAG.match(language):
            raise Unsupported
        return _Term(predicate, state, language_map, _TO_PLAIN, "" if language is None else f"@{language}")


_BUNDLED = known_context_urls()
_root = _State(_PROCESSOR._get_initial_context(_OPTIONS))


def _current_root() -> _State:
    """The state every walk starts from; a fresh one (empty caches) once they hold too much.
    Walks under way keep the states they hold, which stay correct: states never change meaning."""
    global _root, _over_budget
    if _over_budget:
        with _lock:
            if _over_budget:
                for kind in _spent:
                    _spent[kind] = 0
                _http_hosts.clear()
                _over_budget = False
                _root = _State(_PROCESSOR._get_initial_context(_OPTIONS))
    return _root


class _Walk:
    """One document's conversion: its N-Quads lines, and the heads (subject and predicate) of
    the literals pyld compares otherwise than by their line: native values (numbers, booleans),
    and text typed xsd:string."""

    __slots__ = ("lines", "natives")

    def __init__(self):
        self.lines: list[str] = []
        self.natives: list[str] = []

    def top(self, doc: dict) -> None:
        context = doc.get("@context")
        context = [context] if type(context) is str else context
        if type(context) is not list or not 0 < len(context) <= _MAX_CONTEXTS \
                or not all(type(url) is str and url in _BUNDLED for url in context):
            raise Unsupported
        self.node(_current_root().with_context(tuple(context)), doc, None, 0)

    def node(self, state: _State, node: dict, prop: str | None, depth: int) -> str:
        """Emit the triples of ``node`` (under ``prop``, None at the top); return its subject."""
        keys = tuple(node)
        if depth > _MAX_DEPTH or len(keys) > _MAX_KEYS:
            raise Unsupported
        entry = state.entries.get((prop, keys))
        if entry is None:
            if not all(type(key) is str and len(key) <= _MAX_KEY_CHARS for key in keys):
                raise Unsupported
            entry = state.entry(prop, keys)
        type_key = entry.type_key
        if type_key is None:
            types = ()
        else:
            types = node[type_key]  # a single type string is its own key, spared a tuple
            if type(types) is list:
                types = tuple(types)
            elif type(types) is not str:
                raise Unsupported  # a number, an object, ... (or a tuple, which JSON does not make)
        plan = entry.plans.get(types)  # unhashable types: TypeError, which means Unsupported
        if plan is None:  # checked once, when the plan for these types is made
            listed = types if type(types) is tuple else (types,)
            if type_key is not None and (not 0 < len(listed) <= _MAX_TYPES or not all(
                    type(t) is str and len(t) <= _MAX_KEY_CHARS for t in listed)):
                raise Unsupported
            plan = entry.plan(types, listed)
        lines = self.lines
        recurring = None
        if plan.id_key is not None:
            name = node[plan.id_key]
            if type(name) is not str:
                raise Unsupported
            if name.startswith("urn:uuid:"):  # fresh in each document: never remembered
                subject = f"<{name}>" if plan.uuid_subjects and _UUID_URN.match(name) \
                    else plan.id_state.document_iri(name)
            else:
                seen = plan.seen.get(name)
                if seen is not None and seen[0] == node:
                    lines.extend(seen[2])
                    return seen[1]
                subject = plan.id_state.document_iri(name)
                if len(plan.seen) < _MAX_SEEN:
                    recurring = name, len(lines), len(self.natives)
        elif prop is None:
            subject = "_:c14n0"  # the dataset's only blank node: its canonical label
        else:
            raise Unsupported  # a second blank node would need RDFC-1.0's hashing
        append = lines.append
        for line in plan.types:
            append(subject + line)
        for key, predicate, text_literal, suffix, alone, term in plan.terms:
            value = node[key]
            kind = type(value)
            if kind is str:
                if text_literal:
                    append(f"{subject}{predicate}{_literal(value)}{suffix} .\n")
                    if alone:
                        self.natives.append(subject + predicate)
                elif term.mode == _TO_IRI:
                    append(f"{subject}{predicate}{term.state.document_iri(value)} .\n")
                else:
                    self.scalar(subject + predicate, term, value)
            elif kind is dict:
                if term.language_map:
                    if len(value) == 1:  # the usual {"en": "..."}
                        (language, text), = value.items()
                        tag = term.tags.get(language)
                        if tag is not None and type(text) is str:
                            if text.isprintable() and '"' not in text and "\\" not in text:
                                append(f'{subject}{predicate}"{text}"{tag} .\n')  # _literal's usual case
                            else:
                                append(f"{subject}{predicate}{_literal(text)}{tag} .\n")
                            continue
                    self.language_map(subject + predicate, term, value)
                else:
                    append(f"{subject}{predicate}{self.node(term.state, value, key, depth + 1)} .\n")
            elif kind is list:
                several = len(value) > 1
                for item in value:
                    if type(item) is dict:
                        append(f"{subject}{predicate}{self.node(term.state, item, key, depth + 1)} .\n")
                    elif several and type(item) is not str:
                        raise Unsupported  # pyld merges 1 and True; nested arrays
                    else:
                        self.scalar(subject + predicate, term, item)
            else:
                self.scalar(subject + predicate, term, value)
        if recurring is not None:
            name, first_line, natives = recurring
            # only text below: dict equality then means the same JSON (1 == True does not arise)
            if natives == len(self.natives) and name not in plan.seen:
                self.remember(plan, name, node, subject, tuple(lines[first_line:]))
        return subject

    @staticmethod
    def remember(plan: _Plan, name: str, node: dict, subject: str, lines: tuple) -> None:
        """Keep a small recurring node's conversion (a copy of its JSON decides when it is met
        again); the copy and its lines count against the budget."""
        size = sum(len(line) for line in lines)
        if size > _MAX_SEEN_CHARS:
            return
        copied, json_size = _copy_json(node)
        if json_size > _MAX_SEEN_CHARS:
            return
        with _lock:
            if len(plan.seen) < _MAX_SEEN and name not in plan.seen:
                plan.seen[name] = (copied, subject, lines)
                _spend("seen", size + json_size + 512)

    def scalar(self, head: str, term: _Term, value) -> None:
        mode = term.mode
        if type(value) is str:
            if mode == _TO_IRI:
                self.lines.append(f"{head}{term.state.document_iri(value)} .\n")
            elif mode == _TO_VOCAB:
                self.lines.append(f"{head}{_iri(term.state.vocab_iri(value))} .\n")
            else:
                self.lines.append(f"{head}{_literal(value)}{term.suffix} .\n")
                if term.alone:
                    self.natives.append(head)
            return
        if mode == _TO_IRI or mode == _TO_VOCAB:
            raise Unsupported
        if type(value) is bool:
            text, datatype = ("true" if value else "false"), _XSD_BOOLEAN
        elif type(value) is int and -10**21 < value < 10**21:
            text, datatype = str(value), _XSD_INTEGER
        else:
            raise Unsupported  # floats, huge integers, nulls, anything else
        suffix = term.suffix if mode == _TO_TYPED else f"^^<{datatype}>"
        self.natives.append(head)
        self.lines.append(f'{head}"{text}"{suffix} .\n')

    def language_map(self, head: str, term: _Term, value: dict) -> None:
        append = self.lines.append
        tags = term.tags
        for language, texts in value.items():
            suffix = tags.get(language)
            if suffix is None:
                suffix = term.tag(language)
            if type(texts) is str:
                append(f"{head}{_literal(texts)}{suffix} .\n")
                continue
            for text in texts if type(texts) is list else (texts,):
                if type(text) is not str:
                    raise Unsupported
                append(f"{head}{_literal(text)}{suffix} .\n")


def _copy_json(value) -> tuple[object, int]:
    """A copy of ``value`` (JSON: nested dicts and lists are copied) and its size in characters,
    more or less."""
    if type(value) is dict:
        copied, size = {}, 2
        for key, item in value.items():
            copied[key], item_size = _copy_json(item)
            size += len(key) + item_size + 4
        return copied, size
    if type(value) is list:
        copied, size = [], 2
        for item in value:
            item_copy, item_size = _copy_json(item)
            copied.append(item_copy)
            size += item_size + 1
        return copied, size
    return value, (len(value) if type(value) is str else 8) + 2


def canonical_nquads(doc) -> str:
    """The RDFC-1.0 canonical N-Quads of ``doc``, as ``canonical.canonicalize`` gives them.

    :raise Unsupported: the document is outside the subset handled here, or invalid.
    """
    return "".join(_sorted_lines(doc))


def canonical_nquads_utf8(doc) -> bytes:
    """``canonical_nquads(doc)`` encoded as UTF-8 (what is hashed), without the detour through
    one big string: a single non-ASCII character would make it two bytes per character.

    :raise Unsupported: as ``canonical_nquads``.
    """
    return unique_utf8(_sorted_walk(doc))


def unique_utf8(lines: list[str]) -> bytes:
    """Sorted ``lines`` joined in UTF-8, each once (a line made twice is beside its twin)."""
    return b"".join([line.encode("utf-8") for previous, line in zip([None, *lines], lines) if line != previous])


def _sorted_lines(doc) -> list[str]:
    """The canonical lines of ``doc``, sorted and unique."""
    lines = _sorted_walk(doc)
    return [line for previous, line in zip([None, *lines], lines) if line != previous]


def _sorted_walk(doc) -> list[str]:
    """The lines of ``doc``, sorted; a line met twice (a node that recurs) is there twice, side by
    side. Repeats are dropped by comparing neighbours: hashing every line for a set would read the
    image's long literal once more."""
    if type(doc) is not dict:
        raise Unsupported
    walk = _Walk()
    try:
        walk.top(doc)
    except Unsupported:
        raise
    except Exception:  # noqa: BLE001 - anything unforeseen (unhashable keys, recursion, ...)
        raise Unsupported from None  # the safe path decides
    lines = sorted(walk.lines)
    for head in walk.natives:
        # pyld keeps 1 and "1" apart (two equal lines), and "a" typed xsd:string and "a"; it
        # merges 1 with True: such a literal must be the only one of its subject and predicate
        first = bisect_left(lines, head + '"')
        if first + 1 < len(lines) and lines[first + 1].startswith(head + '"'):
            raise Unsupported
    return lines
