"""Verification canonicalizes hostile input with the fast walk: pyld's bytes, or the old error.

``canonicalize`` (what ``verify`` hashes) tries ``fastcanon`` first. For thousands of seeded
hostile mutations of generated credentials of every kind, of their proof options and of VC 2.0
documents, it must give exactly ``canonicalize_full``'s outcome (the path verification used
before: pyld's expansion and the safety checks), the same error class, code and detail, or the
same bytes, and those bytes must be pyld's own ``jsonld.normalize`` (URDNA2015; with SHA-384 for
``hash_name="sha384"``). The caches the walk keeps must not carry one document's answers into
another's, must stay bounded, and must hold under threads.
"""
from __future__ import annotations

import copy
import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from issuer.credentials.contexts import DATA_INTEGRITY_V2, EDC_AP, EDC_CONTEXTS, VC_V1, VC_V2, load_document
from issuer.errors import IssuerError
from issuer.signing import canonical, fastcanon
from issuer.signing.canonical import canonicalize, canonicalize_full, canonicalize_utf8
from tests.generators import common as generators

from .conftest import ECDSA_DIR, EDDSA_DIR, read_json

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
XSD = "http://www.w3.org/2001/XMLSchema#"
CASES = 1500  # seeded mutated documents, 1 to 3 mutations each (about 25 s)


# -- the references -------------------------------------------------------------------------------
def pyld_reference(doc: dict, hash_name: str) -> str:
    """pyld's full pipeline: expansion, toRdf and URDNA2015 (RDFC-1.0 with ``hash_name``)."""
    # contexts copied for each call, and a resolver of its own: pyld's @import changes the context
    # documents it is given (see canonical._load_copy)
    options = {"documentLoader": _load_copy, "contextResolver": ContextResolver({}, _load_copy)}
    if hash_name == "sha256":
        return jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads", **options})
    dataset = jsonld.to_rdf(doc, options)
    return canonical._CANONICALIZERS[hash_name]().main(dataset, {"format": "application/n-quads"})


def _load_copy(url: str, options=None) -> dict:
    return copy.deepcopy(load_document(url, options))


def outcome(function, doc, hash_name: str):
    """("ok", bytes) or ("error", class, code, detail, extra) or ("crash", class name)."""
    try:
        return ("ok", function(doc, hash_name=hash_name))
    except IssuerError as exc:
        return ("error", type(exc), exc.code, exc.detail, exc.extra)
    except Exception as exc:  # noqa: BLE001 - recorded and compared, never hidden
        return ("crash", type(exc).__name__)


def old_outcomes(doc, hash_name: str) -> tuple:
    """What ``canonicalize`` may give: ``canonicalize_full``'s outcome, and where that is the
    node-map work limit (TOO_MANY_VALUES), the outcome without that limit too (the fast walk
    gives pyld's bytes for such documents in linear time, where pyld's node map is quadratic)."""
    old = outcome(canonicalize_full, doc, hash_name)
    if old[0] != "error" or old[2] != "TOO_MANY_VALUES":
        return (old,)
    limit, canonical.MAX_MERGE_WORK = canonical.MAX_MERGE_WORK, float("inf")
    try:
        return (old, outcome(canonicalize_full, doc, hash_name))
    finally:
        canonical.MAX_MERGE_WORK = limit


def fast_answer(doc) -> str | None:
    try:
        return fastcanon.canonical_nquads(doc)
    except fastcanon.Unsupported:
        return None


# -- documents ------------------------------------------------------------------------------------
def proof_config(doc: dict) -> dict:
    return {"@context": doc["@context"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "created": "2025-03-01T10:00:00Z", "verificationMethod": f"{generators.did_of('AUA')}#key-1",
            "proofPurpose": "assertionMethod"}


def vc2_document() -> dict:
    return {"@context": [VC_V2, EXAMPLES_V2], "id": "urn:uuid:9b1c7d0e-2f4a-4e8b-8c1d-3a5e7f9b0c2d",
            "type": ["VerifiableCredential", "ExampleAlumniCredential"], "issuer": "did:web:issuer.example",
            "validFrom": "2025-01-01T00:00:00Z", "name": "Alumni",
            "credentialSubject": {"id": "did:example:abcdef", "alumniOf": {
                "id": "did:example:c276e12ec21ebfeb1f712ebc6f1", "name": "Example U"}}}


def _nodes(value, found: list) -> list:
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            _nodes(item, found)
    elif isinstance(value, list):
        for item in value:
            _nodes(item, found)
    return found


def small_document(doc: dict, rng: random.Random) -> dict:
    """A node of ``doc`` (with what is below it) as a document of its own, under the contexts."""
    typed = [n for n in _nodes(doc, [])[1:] if "type" in n]
    if not typed:
        return copy.deepcopy(doc)
    return {"@context": doc["@context"], **copy.deepcopy(rng.choice(typed))}


def base_documents() -> list[dict]:
    docs = []
    for kind in generators.KINDS:
        built = generators.documents(3, kind, seed=901)
        docs.extend(built)
        docs.extend(proof_config(d) for d in built[:1])
    docs.append(vc2_document())
    docs.append(read_json(EDDSA_DIR / "unsigned.json"))
    docs.append(read_json(ECDSA_DIR / "employmentAuth.json"))
    return docs


# -- hostile mutations ----------------------------------------------------------------------------
INLINE_CONTEXTS = [
    {"x": "https://example.org/x"}, {"name": "https://example.org/name"}, {"@vocab": "https://example.org/"},
    {"myid": "@id", "mytype": "@type"}, {"@protected": True, "foo": "https://example.org/foo"},
    {"@base": "https://example.org/base/"}, {"@language": "en"}, {"@direction": "rtl"},
    {"title": {"@id": "https://example.org/t", "@container": "@list"}}, {"id": None}, {"type": "@id"},
    {"Note": {"@id": "https://example.org/Note", "@context": {"x": "https://example.org/x"}}},
    {"note": {"@id": "https://example.org/n", "@type": "@json"}}, {"@version": 1.1}, {"@import": VC_V2},
    {"rev": {"@reverse": "https://example.org/r"}}, {"nest": "@nest"}, {"@propagate": False},
    {"lm": {"@id": "https://example.org/lm", "@container": "@language"}}, None, VC_V2, DATA_INTEGRITY_V2,
]
CONTEXTS = [
    lambda c: list(reversed(c)) if isinstance(c, list) else c, lambda c: (c if isinstance(c, list) else [c]) * 2,
    lambda c: VC_V2, lambda c: [VC_V2, EXAMPLES_V2], lambda c: [VC_V1], lambda c: [VC_V1, "https://example.org/c"],
    lambda c: [], lambda c: None, lambda c: "", lambda c: 5, lambda c: [*EDC_CONTEXTS, DATA_INTEGRITY_V2],
    lambda c: [DATA_INTEGRITY_V2], lambda c: {"@context": VC_V2}, lambda c: [VC_V1, EDC_AP], lambda c: EDC_AP,
    lambda c: [VC_V2, [EXAMPLES_V2]], lambda c: [VC_V2] * 9,
]
IDS = ["rel", "_:b0", "", 5, ["urn:a:b"], {}, None, "urn:uuid:0b6f7c1e-4d2a-4f4b-9c1d-2e3f4a5b6c7d", "http:/x",
       "HTTP://EXAMPLE.ORG/x", "https://example.org/a b", "https://ex.org/\u00a0", "urn:x:\u202e", "urn:x:\ud800",
       "urn:x:\x01", "did:web:x", "#frag", "//host/path", "mailto:a@b", "@id", "https://example.org/" + "a" * 600,
       "https:example.org", "schema:x", "xsd:string", "_:", "urn:uuid:", "https://ex.org/\u2028", "a,b:c", "UR N:x",
       "https://ex.org/<x>", "https://ex.org/\u3000", "urn:x:" + "\U0001F393"]
TYPES = ["Note", ["A", "B"], {"@id": "x"}, 5, [], "", None, "_:b", "https://example.org/T", "schema:Thing",
         ["VerifiableCredential", "VerifiableCredential"], "@json", "@id", ["Note", 5], "Person", "Organisation",
         ["Person", "Organisation"], "LearningAchievement", "ExampleAlumniCredential", [["Note"]],
         "https://example.org/T\u00a0", "DataIntegrityProof", ["VerifiableCredential"] * 20, "relative/Type"]
KEYWORDS = ["@graph", "@included", "@nest", "@reverse", "@index", "@set", "@list", "@language", "@direction",
            "@value", "@json", "@none", "@vocab", "@base", "@protected", "@version", "@import", "@propagate",
            "@foo", "@", "@1", "@context", "@id", "@type", "@Type", "@ID"]
KEYS = ["https://example.org/p", "schema:name", "dc:title", "xsd:string", "_:p", "", " ", "urn:x", "http://x",
        "favouriteColour", "name", "title", "Type", "ID", "https://example.org/\u202e", "https://example.org/\x01",
        "id", "type", "description", "prefLabel", "https://example.org/" + "k" * 600, "cred:issuer", "sec:proof",
        "https://www.w3.org/2018/credentials#issuer", "http://purl.org/dc/terms/created", "proof", "@context"]
VALUES = [1, 1.5, 2.0, -0.0, 10**21, 10**22, -(10**20), True, False, None, [], {}, [[]], [None], [1, True], [1, "1"],
          "x", "", {"@value": "x"}, {"@value": "x", "@language": "en"}, {"@value": "x", "@type": "https://ex.org/dt"},
          {"@value": 5, "@type": XSD + "double"}, {"@value": {"a": 1}, "@type": "@json"},
          {"@value": "x", "@direction": "rtl"}, {"@list": ["a"]}, {"@set": ["a"]}, {"en": "x"}, {"en": 5},
          {"@none": "x"}, {"EN": "x", "en": "x"}, {"e n": "x"}, {"en": ["a", None]}, {"en": {"a": "b"}},
          {"id": "urn:a:b"}, {"id": "urn:a:b", "type": "Note"}, "urn:a:b", "rel", "_:b1", ["x", "x"], ["x", 1],
          {"type": "Note"}, {"@id": "urn:a:b", "@type": "Note"}, {"id": "urn:a:b", "@context": {}},
          {"@value": "1", "@type": XSD + "string"}, {"en": "x", "@none": "y"}, "2025-01-01T00:00:00Z",
          {"@graph": [{"id": "urn:a:b"}]}, {"@included": [{"id": "urn:a:b", "type": "Note"}]}, ["a", ["b"]],
          {"@reverse": {"https://example.org/r": {"id": "urn:a:b"}}}, {"@index": "i", "id": "urn:a:b"},
          {"@id": "urn:a:b", "@index": 5}, {"@value": True}, {"@value": None}, {"@language": "en"}]
CHARS = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\u202e", "\u200f", "\ud800", "\udfff",
         "\U0001F393", "\\", '"', "\n", "\t", "\r", "\u00a0", "\ufeff", "\u200b", "\\u0041", "\\n", "<", ">", " "]


def _random_node(doc, rng, *, with_top=False):
    nodes = _nodes(doc, [])
    return rng.choice(nodes if with_top or len(nodes) == 1 else nodes[1:])


def _pick_key(node, rng):
    return rng.choice(list(node)) if node else None


def m_inline_context(doc, rng):
    context = doc.get("@context")
    listed = context if isinstance(context, list) else [context]
    doc["@context"] = [*listed, copy.deepcopy(rng.choice(INLINE_CONTEXTS))]
    if rng.random() < 0.5:
        doc[rng.choice(["x", "foo", "note", "myid", "lm", "rev", "nest"])] = rng.choice(["v", {"en": "v"}, "urn:a:b"])


def m_nested_context(doc, rng):
    _random_node(doc, rng)["@context"] = copy.deepcopy(rng.choice(INLINE_CONTEXTS))


def m_context(doc, rng):
    doc["@context"] = rng.choice(CONTEXTS)(doc.get("@context"))


def m_alias(doc, rng):
    node = _random_node(doc, rng, with_top=True)
    renames = {"id": "@id", "@id": "id", "type": "@type", "@type": "type"}
    for key in [k for k in list(node) if k in renames]:
        if rng.random() < 0.7:
            node[renames[key]] = node.pop(key)


def m_type(doc, rng):
    _random_node(doc, rng, with_top=True)[rng.choice(["type", "@type"])] = copy.deepcopy(rng.choice(TYPES))


def m_id(doc, rng):
    _random_node(doc, rng, with_top=True)[rng.choice(["id", "id", "@id"])] = copy.deepcopy(rng.choice(IDS))


def m_drop_id(doc, rng):
    node = _random_node(doc, rng, with_top=True)
    node.pop("id", None)
    node.pop("@id", None)


def m_keyword(doc, rng):
    _random_node(doc, rng, with_top=True)[rng.choice(KEYWORDS)] = copy.deepcopy(rng.choice(VALUES + IDS))


def m_value(doc, rng):
    node = _random_node(doc, rng)
    key = _pick_key(node, rng)
    if key is not None:
        node[key] = copy.deepcopy(rng.choice(VALUES))


def m_new_key(doc, rng):
    _random_node(doc, rng, with_top=True)[rng.choice(KEYS)] = copy.deepcopy(rng.choice(VALUES))


def m_duplicate_node(doc, rng):
    """A node with an id repeated elsewhere, with conflicting data."""
    named = [n for n in _nodes(doc, [])[1:] if isinstance(n.get("id"), str)]
    if not named:
        return
    twin = copy.deepcopy(rng.choice(named))
    key = _pick_key(twin, rng)
    if key not in (None, "id"):
        twin[key] = copy.deepcopy(rng.choice(VALUES))
    _attach(doc, rng, twin)


def _attach(doc, rng, twin: dict) -> None:
    host = _random_node(doc, rng, with_top=True)
    prop = rng.choice([k for k in host if not k.startswith("@")] or ["https://example.org/p"])
    value = host.get(prop)
    host[prop] = [*value, twin] if isinstance(value, list) else ([value, twin] if value is not None else twin)


def m_twin_literal(doc, rng):
    """The same node twice, one value of a property written two ways (1 and "1", true and
    "true", text typed xsd:string and plain): pyld keeps both, as two equal lines."""
    holders = [(n, k) for n in _nodes(doc, [])[1:] if isinstance(n.get("id"), str)
               for k, v in n.items() if k not in ("id", "type") and isinstance(v, str)]
    if not holders:
        return
    node, key = rng.choice(holders)
    first, second = rng.choice([("7", 7), ("true", True), ("false", False), ("1", True), ("0", 0),
                                (node[key], {"@value": node[key], "@type": XSD + "string"}), (1, True)])
    node[key] = first
    _attach(doc, rng, {"id": node["id"], key: second})


def m_text(doc, rng):
    holders = [(n, k) for n in _nodes(doc, []) for k, v in n.items() if isinstance(v, str) and k != "@context"]
    if not holders:
        return
    node, key = rng.choice(holders)
    text, at = node[key], rng.randrange(len(node[key]) + 1)
    node[key] = text[:at] + rng.choice(CHARS) + text[at:]


def m_key_text(doc, rng):
    node = _random_node(doc, rng, with_top=True)
    key = _pick_key(node, rng)
    if key is not None and key != "@context":
        at = rng.randrange(len(key) + 1)
        node[key[:at] + rng.choice(CHARS) + key[at:]] = node.pop(key)


def m_language_key(doc, rng):
    maps = [v for n in _nodes(doc, []) for v in n.values()
            if isinstance(v, dict) and v and all(isinstance(x, str) and len(k) < 6 for k, x in v.items())]
    if maps:
        language_map = rng.choice(maps)
        key = _pick_key(language_map, rng)
        language_map[rng.choice(["EN", "en-GB", "e n", "@none", "none", "", "x" * 9, "en\x00", "zh-Hant-TW",
                                 "@foo", "und", "i-klingon", "en--x", key + "\u00e9"])] = language_map.pop(key)


def m_deep(doc, rng):
    depth = rng.choice([5, 20, 31, 33, 40, 70, 300])
    chain: dict = {"id": "urn:x:leaf", "https://example.org/v": "leaf"}
    for level in range(depth):
        chain = {"id": f"urn:x:{level}", "https://example.org/next": chain} if rng.random() < 0.9 \
            else {"id": f"urn:x:{level}", "https://example.org/next": [chain]}
    _random_node(doc, rng, with_top=True)["https://example.org/deep"] = chain


def m_deep_list(doc, rng):
    value: object = "x"
    for _ in range(rng.choice([3, 50, 400])):
        value = [value]
    _random_node(doc, rng, with_top=True)["https://example.org/deep"] = value


def m_huge_array(doc, rng):
    # pyld compares each new value with those before it: distinct values cost it n squared
    size, distinct = rng.choice([2000, 5000]), rng.choice([100, 400])
    value = rng.choice([["x"] * size, [f"v{i}" for i in range(distinct)], list(range(distinct)),
                        [{"id": f"urn:x:{i}"} for i in range(distinct)],
                        [{"id": "urn:x:same", "https://ex.org/n": i % 3} for i in range(distinct)]])
    _random_node(doc, rng, with_top=True)["https://example.org/many"] = value


def m_many_keys(doc, rng):
    node = _random_node(doc, rng, with_top=True)
    for index in range(rng.choice([60, 70, 300])):
        node[f"https://example.org/k{index}"] = "v"


def m_delete(doc, rng):
    node = _random_node(doc, rng)
    key = _pick_key(node, rng)
    if key is not None:
        del node[key]


def m_as_array(doc, rng):
    node = _random_node(doc, rng)
    key = _pick_key(node, rng)
    if key is not None:
        node[key] = rng.choice([[node[key], copy.deepcopy(node[key])], [node[key]], [[node[key]]]])


def m_upper_key(doc, rng):
    node = _random_node(doc, rng)
    key = _pick_key(node, rng)
    if key is not None:
        node[key.upper()] = node.pop(key)


def m_number(doc, rng):
    holders = [(n, k) for n in _nodes(doc, [])[1:] for k, v in n.items() if isinstance(v, str) and k != "id"]
    if holders:
        node, key = rng.choice(holders)
        node[key] = rng.choice([0, 1, -1, 7, True, False, 3.0, 1e-7, 10**21, 2**63, "7"])


MUTATIONS = [m_inline_context, m_nested_context, m_context, m_alias, m_type, m_id, m_drop_id, m_keyword,
             m_value, m_new_key, m_duplicate_node, m_twin_literal, m_text, m_key_text, m_language_key, m_deep,
             m_deep_list, m_huge_array, m_many_keys, m_delete, m_as_array, m_upper_key, m_number]
WEIGHTS = {m_text: 3, m_twin_literal: 2, m_duplicate_node: 2}  # the subtle ones, more often


def mutated_documents(count: int, seed: int):
    """(document, hash name, mutation names), seeded."""
    rng = random.Random(seed)
    bases = base_documents()
    for _ in range(count):
        base = rng.choice(bases)
        doc = small_document(base, rng) if rng.random() < 0.55 else copy.deepcopy(base)
        names = []
        for mutation in rng.sample(MUTATIONS, rng.choice([1, 1, 2, 3]), counts=[WEIGHTS.get(m, 1) for m in MUTATIONS]):
            mutation(doc, rng)
            names.append(mutation.__name__)
        yield doc, rng.choice(["sha256", "sha256", "sha384"]), names


# -- the tests ------------------------------------------------------------------------------------
def _differences(cases) -> tuple[list, int]:
    problems, fast_taken = [], 0
    for index, (doc, hash_name, names) in enumerate(cases):
        before = copy.deepcopy(doc)
        olds = old_outcomes(doc, hash_name)
        new = outcome(canonicalize, doc, hash_name)
        if doc != before:
            problems.append((index, names, "input changed"))
        if new not in olds:
            problems.append((index, names, "outcome differs", str(olds[0])[:300], str(new)[:300]))
        elif new[0] == "ok" and canonicalize_utf8(doc, hash_name=hash_name) != new[1].encode("utf-8"):
            problems.append((index, names, "utf-8 bytes differ"))
        elif new[0] == "ok":
            reference = outcome(lambda d, hash_name: pyld_reference(d, hash_name), doc, hash_name)
            if reference != new:
                problems.append((index, names, "not pyld's bytes", str(reference)[:300], str(new)[:300]))
        fast_taken += fast_answer(doc) is not None
    return problems, fast_taken


def _bundled_files() -> dict:
    directory = ROOT / "credential_schemas" / "contexts"
    index = json.loads((directory / "contexts.json").read_text(encoding="utf-8"))
    return {url: json.loads((directory / entry["file"]).read_text(encoding="utf-8")) for url, entry in index.items()}


def test_hostile_mutations_give_pyld_bytes_or_the_old_error():
    problems, fast_taken = _differences(mutated_documents(CASES, seed=2026))
    assert problems == [], f"{len(problems)} of {CASES}: {problems[:5]}"
    assert fast_taken > CASES // 5  # the walk does answer for many mutated documents
    assert {url: load_document(url)["document"] for url in _bundled_files()} == _bundled_files()


def test_an_import_does_not_rewrite_the_bundled_contexts():
    """pyld merges an @import-ing context into the imported document in place: with the shared
    bundled objects, one document would change what every later document means."""
    clean = {"@context": [VC_V2, EXAMPLES_V2], "id": "urn:x:clean", "type": ["VerifiableCredential"],
             "credentialSubject": {"id": "urn:x:subject", "alumniOf": "Example U"}}
    expected = pyld_reference(clean, "sha256")
    hostile = {"@context": [{"@import": EXAMPLES_V2, "alumniOf": "https://evil.example/alumniOf"}],
               "id": "urn:x:hostile", "alumniOf": "x"}
    assert "<https://evil.example/alumniOf>" in canonicalize(hostile)
    assert canonicalize_full(clean) == canonicalize(clean) == expected
    assert "evil" not in json.dumps(load_document(EXAMPLES_V2)["document"])


def test_every_mutation_kind_runs_and_some_reach_the_fast_path():
    """The fuzz exercises each mutation (none is a no-op on every document)."""
    counts = dict.fromkeys((m.__name__ for m in MUTATIONS), 0)
    for _, _, names in mutated_documents(CASES, seed=2026):
        for name in names:
            counts[name] += 1
    assert min(counts.values()) >= 40, counts


def test_unmutated_documents_take_the_fast_path_in_both_hashes():
    """Ours (and the proof options, with their one blank node) take it; the W3C vectors with
    several blank nodes do not, and get pyld's labels for either hash."""
    for doc in base_documents():
        several_blank = "_:c14n1" in pyld_reference(doc, "sha256")
        for hash_name in ("sha256", "sha384"):
            expected = pyld_reference(doc, hash_name)
            assert canonicalize(doc, hash_name=hash_name) == expected
            assert fast_answer(doc) == (None if several_blank else expected)


def test_tiny_cache_limits_are_reset_and_stay_correct(monkeypatch):
    """Hostile shapes fill the caches: they are dropped and rebuilt, the answers unchanged."""
    cases = list(mutated_documents(300, seed=2027))
    expected = [old_outcomes(doc, hash_name) for doc, hash_name, _ in cases]
    monkeypatch.setattr(fastcanon, "_LIMITS", {"states": 6, "answers": 120, "seen": 20_000})
    roots = set()
    for (doc, hash_name, names), wanted in zip(cases, expected):
        assert outcome(canonicalize, doc, hash_name) in wanted, names
        roots.add(id(fastcanon._current_root()))
    assert len(roots) > 5  # the caches were dropped again and again
    assert all(fastcanon._spent[kind] <= limit * 2 + 40_000 for kind, limit in fastcanon._LIMITS.items())


def test_threads_with_cache_resets_get_the_old_outcomes(monkeypatch):
    cases = list(mutated_documents(240, seed=2028))
    expected = [old_outcomes(doc, hash_name) for doc, hash_name, _ in cases]
    monkeypatch.setattr(fastcanon, "_LIMITS", {"states": 10, "answers": 300, "seen": 50_000})
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda case: outcome(canonicalize, case[0], case[1]), cases))
    assert [i for i, (a, b) in enumerate(zip(got, expected)) if a not in b] == []


def test_hostile_shapes_do_not_grow_the_caches_past_their_limits():
    """Many distinct keys, types and recurring nodes: the counted size stays under the limits
    (they are reset past them), and the cache keys kept are short."""
    rng = random.Random(2029)
    doc = generators.documents(1, "individual", seed=903)[0]
    for index in range(400):
        hostile = copy.deepcopy(doc)
        subject = hostile["credentialSubject"]
        subject[f"https://example.org/{index}/" + "p" * rng.randrange(300)] = "v"
        subject["https://example.org/concept"] = {"id": f"https://example.org/c/{index}",
                                                  "https://example.org/label": "x" * 4000}
        canonicalize(hostile)
        for kind, limit in fastcanon._LIMITS.items():
            assert fastcanon._spent[kind] <= limit + 100_000
    assert len(fastcanon._http_hosts) <= fastcanon._MAX_ENTRIES
    assert all(len(iri) <= fastcanon._MAX_CACHED_TEXT for iri in fastcanon._http_hosts)


@pytest.mark.parametrize("kind", generators.KINDS)
def test_a_changed_node_after_the_original_is_converted_afresh(kind):
    """Recurring nodes (concepts, organisations) are reused only when the JSON is the same."""
    first, second = generators.documents(2, kind, seed=904)
    assert canonicalize(first) == pyld_reference(first, "sha256")
    rng = random.Random(kind)
    named = [n for n in _nodes(second, [])[1:] if isinstance(n.get("id"), str)
             and not n["id"].startswith("urn:uuid:")]
    for node in rng.sample(named, min(6, len(named))):
        changed = copy.deepcopy(second)
        target = next(n for n in _nodes(changed, [])[1:] if n.get("id") == node["id"])
        key = rng.choice([k for k in target if k != "id"])
        target[key] = rng.choice([1, True, "changed", {"en": "changed"}, ["changed", "again"]])
        assert outcome(canonicalize, changed, "sha256") == outcome(canonicalize_full, changed, "sha256")
