"""The fast canonicalization path gives pyld's URDNA2015 bytes, or steps aside.

``canonicalize`` (what ``add_proof`` hashes) must equal ``jsonld.normalize(..., URDNA2015)``
byte for byte: for hundreds of generated credentials of every kind (which must take the fast
path), and for edge cases, whichever path they take. Errors must be those of ``canonicalize_full``.
"""
from __future__ import annotations

import copy
import json
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from pyld import jsonld

from issuer.credentials.contexts import DATA_INTEGRITY_V2, EDC_CONTEXTS, VC_V1, VC_V2, load_document
from issuer.errors import InvalidDocument, UnknownContext
from issuer.signing import fastcanon
from issuer.signing.canonical import canonicalize, canonicalize_full, canonicalize_utf8
from issuer.signing.processor import CachingProcessor
from tests.generators import common as generators

from .conftest import ECDSA_DIR, EDDSA_DIR, read_json

PER_KIND = 100
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
XSD = "http://www.w3.org/2001/XMLSchema#"
ELM = "http://data.europa.eu/snb/model/elm/"
STATUS = "https://www.w3.org/ns/credentials/status#"
SUBJECT = "urn:uuid:5f0e0d1a-8c5b-4f1e-9a43-2f6c1d7e9b10"


def pyld(doc: dict) -> str:
    return jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                  "documentLoader": load_document})


def fast(doc: dict) -> str | None:
    """The fast path's own answer, None when it steps aside."""
    try:
        return fastcanon.canonical_nquads(doc)
    except fastcanon.Unsupported:
        return None


def proof_config(doc: dict, created: str = "2025-03-01T10:00:00Z") -> dict:
    return {"@context": doc["@context"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
            "created": created, "verificationMethod": f"{generators.did_of('AUA')}#key-1",
            "proofPurpose": "assertionMethod"}


# -- generated credentials --------------------------------------------------------------------
@pytest.mark.parametrize("kind", generators.KINDS)
def test_generated_credentials_take_the_fast_path_with_pyld_bytes(kind):
    differing = []
    for index, doc in enumerate(generators.documents(PER_KIND, kind, seed=77)):
        expected = pyld(doc)
        if fast(doc) != expected or canonicalize(doc) != expected \
                or canonicalize_utf8(doc) != expected.encode("utf-8"):
            differing.append(index)
    assert differing == [], f"{len(differing)} of {PER_KIND} {kind} credentials differ"


@pytest.mark.parametrize("kind", generators.KINDS)
def test_safe_path_agrees_on_generated_credentials(kind):
    for doc in generators.documents(30, kind, seed=78):
        assert canonicalize_full(doc) == pyld(doc)


def test_caching_processor_expands_as_pyld():
    options = {"documentLoader": load_document, "base": None}
    inline = {"@context": [VC_V2, {"nickname": "https://example.org/nickname",
                                   "Badge": {"@id": "https://example.org/Badge",
                                             "@context": {"level": "https://example.org/level"}}}],
              "type": ["VerifiableCredential", "Badge"], "nickname": "Jo", "level": "3",
              "credentialSubject": {"id": SUBJECT}}
    docs = [*(d for kind in generators.KINDS for d in generators.documents(4, kind, seed=86)),
            read_json(EDDSA_DIR / "unsigned.json"), read_json(ECDSA_DIR / "employmentAuth.json"),
            inline, inline]
    for doc in docs:
        assert CachingProcessor().expand(doc, options) == jsonld.JsonLdProcessor().expand(doc, options)


@pytest.mark.parametrize("created", ["2025-03-01T10:00:00Z", "2031-12-31T23:59:59Z"])
def test_proof_options_have_one_blank_node_labelled_c14n0(created):
    doc = generators.documents(1, "individual", seed=79)[0]
    config = proof_config(doc, created)
    assert fast(config) == pyld(config) == canonicalize_full(config)
    assert "_:c14n0 <http://purl.org/dc/terms/created>" in fast(config)


def test_no_blank_nodes_in_built_credentials():
    for kind in generators.KINDS:
        for doc in generators.documents(5, kind, seed=80):
            assert "_:" not in pyld(doc)


def test_fast_path_leaves_its_input_alone():
    doc = generators.documents(1, "expertise", seed=81)[0]
    before = copy.deepcopy(doc)
    fastcanon.canonical_nquads(doc)
    assert doc == before


def test_threads_get_the_same_bytes():
    docs = generators.documents(24, "interdisciplinary", seed=82)
    expected = [pyld(doc) for doc in docs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(canonicalize, docs)) == expected


# -- recurring nodes are reused only when they are the same JSON -------------------------------
def test_a_changed_concept_is_not_taken_from_an_earlier_document():
    first, second = generators.documents(2, "individual", seed=83)
    assert fast(first) == pyld(first)
    concept = second["credentialSubject"]["hasClaim"]["specifiedBy"]["eqfLevel"]
    concept["prefLabel"] = {"en": "Level six, relabelled"}
    concept["inScheme"]["type"] = ["ConceptScheme"]
    assert fast(second) == pyld(second)
    assert '"Level six, relabelled"@en' in fast(second)


@pytest.mark.parametrize("value", [6, True, "Level 6", ["Level 6"], {"en": ["Level 6", "L6"]}])
def test_a_concept_with_other_value_types_is_converted_afresh(value):
    docs = generators.documents(2, "individual", seed=84)
    assert fast(docs[0]) == pyld(docs[0])
    docs[1]["credentialSubject"]["hasClaim"]["specifiedBy"]["eqfLevel"]["prefLabel"] = value
    assert canonicalize(docs[1]) == pyld(docs[1])


# -- edge cases: text, language maps, typed literals, numbers, booleans -------------------------
def edc(**claim) -> dict:
    """A small EDC credential with ``claim`` merged into a LearningAchievement."""
    return {"@context": list(EDC_CONTEXTS), "id": "urn:uuid:9b1c7d0e-2f4a-4e8b-8c1d-3a5e7f9b0c2d",
            "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
            "issuer": {"id": "did:web:issuer.example:institutions:KU", "type": "Organisation",
                       "legalName": {"lt": "Klaipėdos universitetas", "en": "Klaipėda University"}},
            "issuanceDate": "2025-03-01T10:00:00Z",
            "credentialSubject": {"id": SUBJECT, "type": "Person", "hasClaim": {
                "id": "urn:uuid:00000000-0000-4000-8000-000000000001", "type": "LearningAchievement",
                **claim}}}


TEXTS = ['say "hi"', "back\\slash", "two\nlines", "crlf\r\nline", "tab\tseparated", "ä € 𝄞 Ω",
         "Ελληνικά", "ends with backslash\\", '"', "", " leading and trailing ", "\u2028 line sep",
         "\u00a0nbsp", "emoji 🎓", "zero\u200bwidth", "a" * 300 + '"' + "b" * 300]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_text_in_language_maps_and_typed_literals(text):
    doc = edc(title={"en": text}, additionalNote=[{"id": "urn:uuid:00000000-0000-4000-8000-000000000002",
                                                   "type": "Note", "noteLiteral": {"en": text}}])
    doc["credentialSubject"]["hasClaim"]["identifier"] = {
        "id": "urn:uuid:00000000-0000-4000-8000-000000000003", "type": "Identifier", "notation": text}
    expected = pyld(doc)
    assert fast(doc) == expected == canonicalize(doc) == canonicalize_full(doc)
    assert canonicalize_utf8(doc) == expected.encode("utf-8")


@pytest.mark.parametrize("title", [
    {"en": "One"}, {"en": "One", "fr": "Un", "el": "Ένα"}, {"EN": "Upper-case tag"},
    {"en-GB": "Region subtag"}, {"en": ["Two", "values"]}, {"en": []}, {},
    {"@none": "No language"}, {"en": "Same", "EN": "Same"},
], ids=lambda v: json.dumps(v, ensure_ascii=True))
def test_language_maps(title):
    doc = edc(title=title)
    assert fast(doc) == pyld(doc) == canonicalize_full(doc)


@pytest.mark.parametrize("key, value", [
    ("awardingDate", "2024-12-02T00:00:00Z"),  # xsd:dateTime
    ("volumeOfLearning", "PT25H"),  # xsd:duration
    ("isPartialQualification", True), ("isPartialQualification", False),  # xsd:boolean
    ("isPartialQualification", "true"),  # a string typed xsd:boolean stays as written
    ("page", 1), ("page", 0), ("page", -3), ("page", 10**20),  # xsd:positiveInteger
    ("page", "007"), ("contentSize", 2048), ("content", "iVBORw0KGgo="),  # xsd:string typed
    ("contentURL", "https://example.org/a b"),  # xsd:anyURI literal: not checked as an IRI
], ids=lambda v: repr(v)[:30])
def test_typed_literals_and_native_values(key, value):
    doc = edc()
    doc["credentialSubject"]["hasClaim"]["supplementaryDocument"] = {
        "id": "urn:uuid:00000000-0000-4000-8000-000000000004", "type": "WebResource", key: value}
    assert fast(doc) == pyld(doc) == canonicalize_full(doc)


@pytest.mark.parametrize("value", [1.5, 2.0, 1e21, 10**21, float("nan"), [1, "1"], [1, True], [1, 2]],
                         ids=repr)
def test_values_the_fast_path_leaves_to_pyld(value):
    doc = edc()
    doc["credentialSubject"]["hasClaim"]["supplementaryDocument"] = {
        "id": "urn:uuid:00000000-0000-4000-8000-000000000004", "type": "WebResource", "page": value}
    assert fast(doc) is None
    try:
        expected = canonicalize_full(doc)
    except InvalidDocument as exc:
        with pytest.raises(InvalidDocument, match=exc.detail.split(" at ")[0]):
            canonicalize(doc)
    else:
        assert canonicalize(doc) == expected == pyld(doc)


def test_a_native_literal_next_to_an_equal_string_is_left_to_pyld():
    doc = edc()
    doc["credentialSubject"]["hasClaim"]["supplementaryDocument"] = [
        {"id": "urn:uuid:00000000-0000-4000-8000-000000000004", "type": "WebResource", "page": 1},
        {"id": "urn:uuid:00000000-0000-4000-8000-000000000004", "page": "1"}]
    assert fast(doc) is None
    assert canonicalize(doc) == pyld(doc)


@pytest.mark.parametrize("second", ["a", "b", 1, {"@value": "a"}])
def test_text_typed_xsd_string_next_to_other_text_of_the_same_predicate(second):
    doc = edc()
    doc["credentialSubject"]["hasClaim"]["supplementaryDocument"] = {
        "id": "urn:uuid:00000000-0000-4000-8000-000000000004", "type": "MediaObject", "content": "a",
        ELM + "content": second}  # pyld keeps "a"^^xsd:string and "a" apart: two equal lines
    assert canonicalize(doc) == pyld(doc) == canonicalize_full(doc)


def test_absolute_iri_keys_and_numbers_without_coercion():
    doc = edc()
    doc["credentialStatus"] = {"id": "https://issuer.example/status-lists/KU-1#42",
                               "type": ["CredentialStatus", STATUS + "BitstringStatusListEntry"],
                               STATUS + "statusPurpose": "revocation", STATUS + "statusListIndex": "42",
                               STATUS + "statusListCredential": {"id": "https://issuer.example/status-lists/KU-1"},
                               "https://example.org/count": 3, "https://example.org/flag": False}
    assert fast(doc) == pyld(doc) == canonicalize_full(doc)


# -- nodes and identifiers ------------------------------------------------------------------------
def test_keyword_forms_key_order_and_type_as_string():
    doc = edc(title={"en": "Keywords"})
    claim = doc["credentialSubject"]["hasClaim"]
    claim["@id"] = claim.pop("id")
    claim["@type"] = claim.pop("type")
    reordered = dict(reversed(list(doc.items())))
    assert fast(doc) == fast(reordered) == pyld(doc)
    assert fast(doc) == fast(edc(title={"en": "Keywords"}))


def test_a_node_used_twice_is_merged():
    org = {"id": "did:web:issuer.example:institutions:KU", "type": "Organisation"}
    doc = edc(awardedBy={"id": "urn:uuid:00000000-0000-4000-8000-000000000005", "type": "AwardingProcess",
                         "awardingBody": [org, {**org, "homepage": {
                             "id": "urn:uuid:00000000-0000-4000-8000-000000000006",
                             "type": "WebResource", "contentURL": "https://www.ku.lt"}}]})
    assert fast(doc) == pyld(doc)


def test_references_by_string_and_by_object():
    doc = edc(awardedBy={"id": "urn:uuid:00000000-0000-4000-8000-000000000005", "type": "AwardingProcess",
                         "awardingBody": ["did:web:issuer.example:institutions:KU",
                                          {"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}]})
    assert fast(doc) == pyld(doc)


@pytest.mark.parametrize("iri", ["mailto:ana@example.org", "urn:isbn:0451450523", "did:web:a.example",
                                 "https://example.org/a?b=c#d", "HTTPS://EXAMPLE.ORG/", "tag:x.org,2025:a",
                                 "urn:uuid:0B6F7C1E-4D2A-4F4B-9C1D-2E3F4A5B6C7D", "http://example.org/é"])
def test_absolute_iris(iri):
    doc = edc(awardedBy={"id": "urn:uuid:00000000-0000-4000-8000-000000000005", "type": "AwardingProcess",
                         "awardingBody": iri})
    assert fast(doc) == pyld(doc) == canonicalize_full(doc)


def test_vc_v2_with_examples_vocab_and_w3c_vectors():
    doc = {"@context": [VC_V2, EXAMPLES_V2], "id": "urn:uuid:9b1c7d0e-2f4a-4e8b-8c1d-3a5e7f9b0c2d",
           "type": ["VerifiableCredential", "ExampleAlumniCredential"],
           "issuer": "did:web:issuer.example", "validFrom": "2025-01-01T00:00:00Z",
           "name": {"@value": "ignored"} if False else "Alumni", "credentialSubject": {
               "id": SUBJECT, "alumniOf": {"id": "did:example:c276e12ec21ebfeb1f712ebc6f1", "name": "Example U"},
               "score": 7, "honours": True}}
    assert fast(doc) == pyld(doc) == canonicalize_full(doc)
    for source in (EDDSA_DIR / "unsigned.json", ECDSA_DIR / "employmentAuth.json"):
        vector = read_json(source)
        assert canonicalize(vector) == pyld(vector)


# -- what the fast path leaves to the safe path (same bytes, or the same error) -----------------
@pytest.mark.parametrize("change", [
    lambda d: d["credentialSubject"].pop("id"),  # a second blank node
    lambda d: d["credentialSubject"].update({"@context": {"x": "https://example.org/x"}}),
    lambda d: d["credentialSubject"]["hasClaim"].update({"title": {"@value": "Value object", "@language": "en"}}),
    lambda d: d.update({"@context": [*EDC_CONTEXTS, {"extra": "https://example.org/extra"}], "extra": "x"}),
    lambda d: d["credentialSubject"]["hasClaim"].update({"id": "_:b7"}),
    lambda d: d.update({"credentialSchema": {"@list": ["urn:a:b"]}}),
    lambda d: d.update({"@graph": []}),
    lambda d: d.update({"@included": [{"id": "urn:a:b", "type": "Note"}]}),
    lambda d: d["credentialSubject"]["hasClaim"].update({"type": 7}),
    lambda d: d["credentialSubject"]["hasClaim"].update({"type": ("LearningAchievement",)}),
], ids=["blank node", "embedded context", "value object", "inline context", "blank node id",
        "@list", "@graph", "@included", "type a number", "type a tuple"])
def test_outside_the_subset_the_safe_path_decides(change):
    doc = edc(title={"en": "Subset"})
    change(doc)
    assert fast(doc) is None
    try:
        expected = canonicalize_full(doc)
    except InvalidDocument as exc:
        with pytest.raises(InvalidDocument) as caught:
            canonicalize(doc)
        assert caught.value.detail == exc.detail
    else:
        assert canonicalize(doc) == expected == pyld(doc)


@pytest.mark.parametrize("change, error, match", [
    (lambda d: d.update({"favouriteColour": "blue"}), InvalidDocument, "favouriteColour"),
    (lambda d: d.update({"type": ["VerifiableCredential", "MicroCredential"]}), InvalidDocument, "MicroCredential"),
    (lambda d: d.update({"id": "credentials/42"}), InvalidDocument, "not an absolute IRI"),
    (lambda d: d["credentialSubject"].update({"id": "https:/broken"}), InvalidDocument, "malformed URL"),
    (lambda d: d["credentialSubject"]["hasClaim"].update({"title": {"en": "bell\x07"}}), InvalidDocument,
     "control character"),
    (lambda d: d["credentialSubject"]["hasClaim"].update({"title": {"en": "lone \ud800"}}), InvalidDocument,
     "control character"),
    (lambda d: d["credentialSubject"]["hasClaim"].update({"title": None}), InvalidDocument, "null"),
    (lambda d: d["credentialSubject"]["hasClaim"].update({"title": {"e n": "x"}}), InvalidDocument,
     "language tag"),
    (lambda d: d["credentialSubject"].update({"id": "urn:x:a b"}), InvalidDocument, "absolute IRI"),
    (lambda d: d["credentialSubject"].update({"id": "urn:x:a\u00a0b"}), None, None),
    (lambda d: d.update({"@context": [VC_V1, "https://example.org/ctx"]}), UnknownContext, "not bundled"),
    (lambda d: d.update({"@context": []}), InvalidDocument, "no @context"),
], ids=["undefined term", "undefined type", "relative id", "malformed URL", "control character",
        "lone surrogate", "null", "bad language tag", "space in IRI", "nbsp in IRI", "unknown context",
        "empty context"])
def test_refusals_are_those_of_the_safe_path(change, error, match):
    doc = edc(title={"en": "Refusals"})
    change(doc)
    assert fast(doc) is None
    if error is None:  # the safe path's own answer (pyld drops the triple), reproduced
        assert canonicalize(doc) == canonicalize_full(doc)
        return
    with pytest.raises(error, match=match):
        canonicalize_full(doc)
    with pytest.raises(error, match=match):
        canonicalize(doc)


def test_proof_options_with_data_integrity_context_only():
    config = {"@context": DATA_INTEGRITY_V2, "type": "DataIntegrityProof", "cryptosuite": "ecdsa-rdfc-2019",
              "created": "2025-03-01T10:00:00Z", "verificationMethod": "did:key:z6Mk#z6Mk",
              "proofPurpose": "authentication", "challenge": "abc\"def", "domain": "example.org"}
    assert fast(config) == pyld(config) == canonicalize_full(config)
    assert canonicalize(config, hash_name="sha384") == canonicalize_full(config, hash_name="sha384")


def test_unknown_hash_is_refused_on_both_paths():
    with pytest.raises(ValueError, match="sha256 or sha384"):
        canonicalize(edc(), hash_name="md5")


def test_random_structural_mutations_agree_with_pyld():
    """Delete, duplicate or retype random parts of built credentials: same bytes or same error."""
    rng = random.Random(85)
    for doc in generators.documents(12, "individual", seed=85):
        for _ in range(5):
            mutated = copy.deepcopy(doc)
            _mutate(mutated, rng)
            try:
                expected = canonicalize_full(mutated)
            except (InvalidDocument, UnknownContext) as exc:
                with pytest.raises(type(exc)):
                    canonicalize(mutated)
            else:
                assert canonicalize(mutated) == expected


def _mutate(doc: dict, rng: random.Random) -> None:
    nodes = []

    def collect(value):
        if isinstance(value, dict):
            nodes.append(value)
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(doc)
    node = rng.choice(nodes[1:])
    key = rng.choice(list(node))
    action = rng.randrange(5)
    if action == 0:
        del node[key]
    elif action == 1:
        node[key] = [node[key], copy.deepcopy(node[key])]
    elif action == 2:
        node[key] = rng.choice([1, True, "text", {"en": "text"}, [], {}, "urn:uuid:x"])
    elif action == 3:
        node["id" if key != "id" else "type"] = rng.choice(["urn:a:b", "Note", "relative", "_:b1"])
    else:
        node[key.upper()] = node.pop(key)
