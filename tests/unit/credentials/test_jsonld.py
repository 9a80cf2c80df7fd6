"""build_credential: the EDC JSON-LD of an award, lossless under JSON-LD processing."""
from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
import rdflib
from pyld import jsonld

from issuer.credentials import vocab
from issuer.credentials.contexts import EDC_CONTEXTS, load_document
from issuer.credentials.jsonld import STATUS_NS, build_credential, read_status
from issuer.errors import InvalidDocument
from tests.generators import common, counting_ids

KINDS = ("individual", "interdisciplinary", "expertise")
UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
# nodes whose id is not a fresh UUID URN: vocabulary concepts and schemes, the issuer (its DID),
# mailboxes (mailto:), the SHACL schema and the caller's status entry
NOT_UUID_TYPES = {"Concept", "ConceptScheme", "Mailbox", "ShaclValidator2017"}


@pytest.fixture(params=KINDS)
def award(request):
    return request.getfixturevalue(f"{request.param}_award")


def nodes(value, path=""):
    """(path, node) for every JSON object that is a node (has a type)."""
    if isinstance(value, dict):
        if "type" in value:
            yield path, value
        for key, item in value.items():
            yield from nodes(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nodes(item, f"{path}[{index}]")


def claim(doc):
    return doc["credentialSubject"]["hasClaim"]


def singletons_unwrapped(value):
    if isinstance(value, dict):
        return {k: singletons_unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return singletons_unwrapped(value[0]) if len(value) == 1 else [singletons_unwrapped(v) for v in value]
    return value


# --- envelope ---
def test_envelope(build, award, status_entry, sample):
    doc = build(award, status=status_entry)

    assert doc["@context"] == ["https://www.w3.org/2018/credentials/v1",
                               "http://data.europa.eu/snb/model/context/edc-ap",
                               "https://w3id.org/security/data-integrity/v2"]
    assert doc["id"] == sample.credential_id
    assert doc["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    assert doc["credentialProfiles"]["id"] == "http://data.europa.eu/snb/credential/e34929035b"
    assert doc["credentialProfiles"]["inScheme"]["id"] == "http://data.europa.eu/snb/credential/25831c2"
    assert doc["credentialSchema"] == {"id": "http://data.europa.eu/snb/model/ap/edc-generic-full",
                                       "type": "ShaclValidator2017"}
    assert doc["issued"] == doc["issuanceDate"] == doc["validFrom"] == "2025-03-01T10:00:00Z"
    assert "validUntil" not in doc and "proof" not in doc


def test_issuer_is_the_host_or_the_aisbl(build, individual_award, interdisciplinary_award, sample):
    host = build(individual_award)["issuer"]
    aisbl = build(interdisciplinary_award)["issuer"]

    assert host["id"] == sample.did_of(individual_award.host) and host["type"] == "Organisation"
    assert host["legalName"] == {"el": "Γεωπονικό Πανεπιστήμιο Αθηνών", "en": "Agricultural University of Athens"}
    assert host["eIDASIdentifier"]["type"] == "LegalIdentifier"
    assert host["eIDASIdentifier"]["notation"] == "EL090145420"
    assert host["eIDASIdentifier"]["spatial"]["id"] == "http://publications.europa.eu/resource/authority/country/GRC"
    country = host["location"]["address"]["countryCode"]
    assert country["inScheme"]["id"] == "http://publications.europa.eu/resource/authority/country"
    assert host["homepage"]["contentURL"] == "https://www.aua.gr"
    assert host["contactPoint"]["emailAddress"] == {"id": "mailto:info@aua.gr", "type": "Mailbox"}
    assert aisbl["id"] == sample.did_of(sample.aisbl) and aisbl["legalName"] == {"en": "EU-CONEXUS AISBL"}


def test_issuer_without_eidas_identifier_is_refused(build, individual_award):
    award = replace(individual_award, host=replace(individual_award.host, eidas_identifier=""))
    with pytest.raises(InvalidDocument, match="eIDAS"):
        build(award)


def test_subject(build, award):
    person = build(award)["credentialSubject"]

    assert person["type"] == "Person"
    assert person["givenName"] == {"en": "Ana María"}
    assert person["familyName"] == {"en": "Pérez-Žukauskaitė"}
    assert person["fullName"] == {"en": "Ana María Pérez-Žukauskaitė"}
    assert person["dateOfBirth"] == "2003-04-05T00:00:00Z"
    assert person["identifier"]["schemeName"] == "UCV" and person["identifier"]["notation"] == "S-1042"
    assert person["contactPoint"]["emailAddress"]["id"] == "mailto:ana.perez@example.org"


def test_subject_without_birth_date_or_email(build, individual_award):
    learner = replace(individual_award.learner, date_of_birth=None, email="")
    person = build(replace(individual_award, learner=learner))["credentialSubject"]
    assert "dateOfBirth" not in person and "contactPoint" not in person


# --- JSON-LD processing ---
def test_expansion_drops_nothing_and_round_trips(build, award, status_entry):
    doc = build(award, status=status_entry)
    dropped = []

    expanded = jsonld.expand(doc, {"documentLoader": load_document}, on_property_dropped=dropped.append)
    compacted = jsonld.compact(expanded, {"@context": list(EDC_CONTEXTS)}, {"documentLoader": load_document})

    assert dropped == []
    # compaction writes one-element arrays as their element; otherwise the document comes back whole
    assert singletons_unwrapped(compacted) == singletons_unwrapped(doc)


def test_every_iri_is_absolute_and_every_literal_well_typed(build, award, status_entry):
    doc = build(award, status=status_entry)
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": load_document})
    graph = rdflib.Graph()
    graph.parse(data=nquads, format="nquads")

    terms = [t for triple in graph for t in triple]
    assert all(ABSOLUTE_IRI.match(str(t)) for t in terms if isinstance(t, rdflib.URIRef))
    assert not any(isinstance(t, rdflib.BNode) for t in terms)
    literals = [t for t in terms if isinstance(t, rdflib.Literal)]
    assert literals and not [t for t in literals if t.ill_typed]
    # lexical forms as written (rdflib's str() of a parsed dateTime is normalised)
    datetimes = re.findall(r'"([^"]*)"\^\^<http://www.w3.org/2001/XMLSchema#dateTime>', nquads)
    assert datetimes and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in datetimes)
    durations = re.findall(r'"([^"]*)"\^\^<http://www.w3.org/2001/XMLSchema#duration>', nquads)
    assert durations and all(re.fullmatch(r"PT\d+H", t) for t in durations)


def test_every_node_has_its_own_uuid_urn(build, award, status_entry):
    doc = build(award, status=status_entry)
    ids = []
    for path, node in nodes(doc):
        types = set(node["type"]) if isinstance(node["type"], list) else {node["type"]}
        if types & NOT_UUID_TYPES or path in ("", ".issuer", ".credentialStatus"):
            assert ABSOLUTE_IRI.match(node["id"]), path
            continue
        assert UUID_URN.match(node.get("id", "")), path
        ids.append(node["id"])
    assert len(ids) == len(set(ids)) > 20


def test_output_is_deterministic_for_a_fixed_id_source(build, award):
    first = json.dumps(build(award), sort_keys=True)
    counter = iter(range(1, 10_000))
    again = build(award, new_id=lambda: f"urn:uuid:00000000-0000-4000-8000-{next(counter):012x}")
    assert json.dumps(again, sort_keys=True) == first


def test_default_ids_are_random_uuid4(individual_award, png, sample):
    kwargs = dict(credential_id=sample.credential_id, issuer_did=sample.did_of(individual_award.host),
                  issued_at=sample.issued_at, verify_url=sample.verify_url, status=None, display_png=png)
    one, two = build_credential(individual_award, **kwargs), build_credential(individual_award, **kwargs)
    assert UUID_URN.match(claim(one)["id"]) and claim(one)["id"] != claim(two)["id"]


# --- refusals ---
@pytest.mark.parametrize("text", ["Ana\x07", "Ana\tMaría", "Ana\x00", "Ana\x85", "Ana\u202eairaM"])
def test_control_characters_are_refused_naming_the_field(build, individual_award, text):
    award = replace(individual_award, learner=replace(individual_award.learner, given_name=text))
    with pytest.raises(InvalidDocument, match=r"credentialSubject\.givenName\.en") as caught:
        build(award)
    assert caught.value.extra["field"] == "credentialSubject.givenName.en"


def test_control_characters_in_a_component_are_refused(build, expertise_award):
    parts = list(expertise_award.components)
    parts[2] = replace(parts[2], title="Blue\x1bGrowth")
    with pytest.raises(InvalidDocument, match=r"hasPart\[2\]\.title\.en"):
        build(replace(expertise_award, components=tuple(parts)))


def test_line_breaks_in_a_description_are_kept(build, individual_award):
    course = replace(individual_award.course, description="First line.\nSecond line.")
    doc = build(replace(individual_award, course=course))
    assert claim(doc)["specifiedBy"]["description"] == {"en": "First line.\nSecond line."}


@pytest.mark.parametrize("override, field", [
    ({"credential_id": "https://example.org/credentials/1"}, "UUID URN"),
    ({"issuer_did": "not an iri"}, "issuer"),
    ({"verify_url": "javascript:alert(1)"}, "verify_url"),
    ({"issued_at": datetime(2025, 3, 1, 10, 0)}, "timezone-aware"),
    ({"new_id": lambda: "urn:uuid:1"}, "UUID URN"),
    ({"display_png": b"GIF89a..."}, "not a PNG"),
])
def test_malformed_inputs_are_refused(build, individual_award, override, field):
    with pytest.raises(InvalidDocument, match=field):
        build(individual_award, **override)


def test_malformed_email_is_refused(build, individual_award):
    award = replace(individual_award, learner=replace(individual_award.learner, email="ana perez@x.org"))
    with pytest.raises(InvalidDocument, match="e-mail"):
        build(award)


# --- dates ---
def test_dates_are_utc_whole_seconds(build, individual_award):
    athens = timezone(timedelta(hours=2))
    doc = build(individual_award, issued_at=datetime(2025, 3, 1, 12, 0, 0, 999_999, tzinfo=athens),
                valid_until=datetime(2030, 3, 1, tzinfo=UTC))

    assert doc["issued"] == "2025-03-01T10:00:00Z"
    assert doc["validUntil"] == doc["expirationDate"] == "2030-03-01T00:00:00Z"


# --- individual claim ---
def test_individual_claim(build, individual_award, sample):
    achievement = claim(build(individual_award))
    qualification = achievement["specifiedBy"]

    assert achievement["type"] == "LearningAchievement"
    assert achievement["title"] == {"en": "Digital Twins for Smart Coastal Ports"}
    assert achievement["awardedBy"]["awardingBody"] == sample.did_of(individual_award.host)
    assert achievement["awardedBy"]["awardingDate"] == "2024-12-02T00:00:00Z"
    assert achievement["supplementaryDocument"]["contentURL"] == sample.verify_url
    assert qualification["type"] == "Qualification"
    assert qualification["eqfLevel"] == vocab.eqf_level(6)
    assert qualification["creditPoint"]["framework"] == vocab.ects()
    assert qualification["creditPoint"]["point"] == "1"
    assert qualification["volumeOfLearning"] == "PT25H"
    assert qualification["thematicArea"]["id"] == "http://data.europa.eu/snb/isced-f/0712"
    assert qualification["language"]["id"] == "http://publications.europa.eu/resource/authority/language/ENG"
    assert qualification["mode"]["prefLabel"] == {"en": "Online"}
    assert qualification["identifier"]["notation"] == "AUA-SMART-03"
    notes = [n["noteLiteral"]["en"] for n in qualification["additionalNote"]]
    assert "Sector: Smart Cities" in notes and "Thematic area: Industry 4.0" in notes
    outcomes = qualification["learningOutcome"]
    assert [o["type"] for o in outcomes] == ["LearningOutcome"] * 2
    assert "relatedESCOSkill" not in outcomes[0]
    assert outcomes[1]["relatedESCOSkill"]["inScheme"]["id"] == "http://data.europa.eu/esco/concept-scheme/skills"


def test_individual_assessment_and_grade(build, individual_award):
    assessment = claim(build(individual_award))["provenBy"]

    assert assessment["type"] == "LearningAssessment"
    assert assessment["grade"]["type"] == "Note" and assessment["grade"]["noteLiteral"] == {"en": "8.5"}
    assert assessment["dateIssued"] == "2024-11-26T00:00:00Z"
    scheme = assessment["specifiedBy"]["gradingScheme"]
    assert scheme["title"] == {"en": "0-10 (Greek national scale)"}
    assert scheme["description"] == {"en": "Grades from 0 to 10; pass mark 5"}


def test_individual_without_isced_or_assessment_date(build, individual_award):
    award = replace(individual_award, course=replace(individual_award.course, isced_f=None), assessed_on=None)
    achievement = claim(build(award))
    assert "thematicArea" not in achievement["specifiedBy"]
    assert achievement["provenBy"]["dateIssued"] == "2024-12-02T00:00:00Z"  # completion date


# --- itineraries ---
@pytest.mark.parametrize("kind, title", [
    ("interdisciplinary", "Micro-credentials in Smart Urban Coastal Sustainability"),
    ("expertise", "Micro-credentials in Blue Growth"),
])
def test_itinerary_claim(request, build, kind, title, sample):
    award = request.getfixturevalue(f"{kind}_award")
    achievement = claim(build(award))
    qualification = achievement["specifiedBy"]

    assert achievement["title"] == qualification["title"] == {"en": title}
    assert achievement["awardedBy"]["awardingBody"] == sample.did_of(sample.aisbl)
    assert qualification["creditPoint"]["point"] == "6"
    assert qualification["volumeOfLearning"] == "PT150H"
    assert qualification["eqfLevel"]["id"] == "http://data.europa.eu/snb/eqf/6"
    assert len(achievement["hasPart"]) == 6
    for part, component in zip(achievement["hasPart"], award.components):
        assert part["type"] == "LearningAchievement" and part["title"] == {"en": component.title}
        ids = {i["schemeName"]: i["notation"] for i in part["identifier"]}
        assert ids["credential"] == component.credential_id
        assert ids["SRI"] == component.digest_sri
        assert ids["course code"] == component.course_code


def test_component_hosts_are_embedded_once(build, interdisciplinary_award, sample):
    parts = claim(build(interdisciplinary_award))["hasPart"]
    bodies = [part["awardedBy"]["awardingBody"] for part in parts]  # hosts AUA KU AUA UCV KU AUA

    assert bodies[0]["legalName"]["en"] == "Agricultural University of Athens"
    assert bodies[1]["legalName"] == {"lt": "Klaipėdos universitetas", "en": "Klaipėda University"}
    assert bodies[2] == bodies[5] == bodies[0]["id"] and bodies[4] == bodies[1]["id"]
    assert bodies[3] == sample.did_of(sample.aisbl)  # UCV is unknown: the issuer stands in, the note names the host
    assert {"en": "Host institution: UCV"} in [n["noteLiteral"] for n in parts[3]["additionalNote"]]


# --- status ---
def test_without_status(build, award):
    assert "credentialStatus" not in build(award, status=None)


def test_bitstring_status_entry(build, award, status_entry):
    entry = build(award, status=status_entry)["credentialStatus"]

    assert entry["id"] == status_entry["id"]
    assert entry["type"] == ["CredentialStatus", STATUS_NS + "BitstringStatusListEntry"]
    assert entry[STATUS_NS + "statusPurpose"] == "revocation"
    assert entry[STATUS_NS + "statusListIndex"] == "1234"
    assert entry[STATUS_NS + "statusListCredential"] == {"id": status_entry["statusListCredential"]}
    assert read_status({"credentialStatus": entry}) == status_entry


def test_status_as_rdf(build, individual_award, status_entry):
    doc = build(individual_award, status=status_entry)
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": load_document})
    status = f"<{status_entry['id']}>"
    assert f"{status} <{STATUS_NS}statusListIndex> \"1234\" ." in nquads
    assert f"{status} <{STATUS_NS}statusListCredential> <{status_entry['statusListCredential']}> ." in nquads
    assert f"{status} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{STATUS_NS}BitstringStatusListEntry> ." \
        in nquads


@pytest.mark.parametrize("change", [{"type": "StatusList2021Entry"}, {"statusSize": 1}, {"id": "relative#1"}])
def test_other_status_entries_are_refused(build, individual_award, status_entry, change):
    with pytest.raises(InvalidDocument, match="credentialStatus"):
        build(individual_award, status=status_entry | change)


# --- display ---
def test_display_parameter_holds_the_png(build, award, png):
    display = build(award)["displayParameter"]

    assert display["primaryLanguage"]["id"].endswith("/language/ENG")
    image = display["individualDisplay"]["displayDetail"]["image"]
    assert display["individualDisplay"]["displayDetail"]["page"] == 1
    assert image["contentType"]["id"] == "http://publications.europa.eu/resource/authority/file-type/PNG"
    assert image["contentEncoding"]["id"] == "http://data.europa.eu/snb/encoding/6146cde7dd"
    assert base64.b64decode(image["content"]) == png


def test_without_png_the_draft_has_no_display_parameter(build, individual_award):
    assert "displayParameter" not in build(individual_award, display_png=None)


# --- vocabularies ---
def test_vocabulary_lookups():
    assert vocab.language("el")["id"] == "http://publications.europa.eu/resource/authority/language/ELL"
    assert vocab.country("ltu")["prefLabel"] == {"en": "Lithuania"}
    assert vocab.isced_f("0521")["inScheme"] == {"id": "http://data.europa.eu/snb/isced-f/25831c2",
                                                 "type": "ConceptScheme"}
    assert vocab.learning_setting("formal")["id"] == "http://data.europa.eu/snb/learning-setting/6fd4685715"
    assert vocab.eqf_level(6) is not vocab.eqf_level(6)  # fresh nodes: callers may not share them


@pytest.mark.parametrize("lookup", [lambda: vocab.isced_f("0799x"), lambda: vocab.language("xx"),
                                    lambda: vocab.country("XYZ"), lambda: vocab.media_type("image/gif"),
                                    lambda: vocab.esco_skill("http://example.org/skill/1")],
                         ids=["isced-f", "language", "country", "media-type", "esco"])
def test_unknown_codes_are_refused(lookup):
    with pytest.raises(InvalidDocument):
        lookup()


# --- parts from templates ---
@pytest.mark.parametrize("kind", ["individual", "interdisciplinary", "expertise"])
def test_credentials_with_parts_from_templates_equal_the_direct_build(monkeypatch, png, kind):
    """Every course of the catalogue (and random awards of each kind), twice: the second build takes
    the course's and issuer's parts from the templates; with the same ids, the same JSON."""
    from issuer.credentials import jsonld as module

    rng = __import__("random").Random(7)
    awards = [common.random_award(rng, kind) for _ in range(60)]
    if kind == "individual":
        insts = common.institutions()
        awards += [replace(awards[n % 60], course=course, host=insts[course.host])
                   for n, course in enumerate(common.reference().courses)]

    def build(award, n):
        issuer = award.host if kind == "individual" else award.issuer
        return json.dumps(build_credential(
            award, credential_id=f"urn:uuid:{n:08d}-1111-4111-8111-111111111111", issuer_did=common.did_of(issuer.code),
            issued_at=datetime(2025, 3, 1, 10, tzinfo=UTC), verify_url=f"https://example.org/v/{n}",
            status=None, display_png=png, new_id=counting_ids(n), institutions=common.institutions()))

    for n, award in enumerate(awards):
        monkeypatch.setattr(module, "_USE_TEMPLATES", False)
        direct = build(award, n)
        monkeypatch.setattr(module, "_USE_TEMPLATES", True)
        assert build(award, n) == direct  # the template made, or taken
        assert build(award, n) == direct  # taken
    if kind == "individual":
        assert any(key[0] == "qualification" for key in module._templates)


def test_a_control_character_in_course_text_is_refused_with_or_without_template(build, individual_award):
    good = build(individual_award)  # the course's parts are now templates
    assert good["credentialSubject"]["hasClaim"]["specifiedBy"]["title"] == {"en": individual_award.course.title}
    course = replace(individual_award.course, description="Coastal\x1bMonitoring")
    with pytest.raises(InvalidDocument, match=r"credentialSubject\.hasClaim\.specifiedBy\.description\.en"):
        build(replace(individual_award, course=course))
    with pytest.raises(InvalidDocument, match=r"credentialSubject\.hasClaim\.specifiedBy\.description\.en"):
        build(replace(individual_award, course=course))  # not kept as a template: refused again


def test_template_placeholders_in_course_text_are_only_text(build, individual_award):
    from issuer.credentials import jsonld as module

    sneaky = f"{module._VALUE}process urn:uuid:{module._TOKEN[:8]}-0000-4000-8000-{module._TOKEN[8:]}"
    course = replace(individual_award.course, title="A title", description=sneaky)
    award = replace(individual_award, course=course)
    build(award)
    doc = build(award)
    assert doc["credentialSubject"]["hasClaim"]["specifiedBy"]["description"] == {"en": sneaky}
