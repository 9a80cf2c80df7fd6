"""EDC XML: built from awards, valid against genericschema_1.2.xsd, parsed hardened."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from issuer.credentials.xml import (
    CRED,
    MAX_XML_BYTES,
    SNB,
    build_credential_xml,
    individual_c14n,
    parse_xml,
    to_bytes,
    validate_xsd,
)
from issuer.domain.model import ItineraryKind
from issuer.errors import InvalidXml
from tests.generators import common, counting_ids
from tests.unit.credentials.xml_fixtures import (
    AISBL_DID,
    AUA_DID,
    build_kwargs,
    individual_award,
    itinerary_award,
)

DATA = Path(__file__).resolve().parents[2] / "data"
NS = {"e": SNB, "cred": CRED}


def _one(root, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, (path, found)
    return found[0]


def _text(root, path: str) -> str:
    node = _one(root, path)
    return node if isinstance(node, str) else node.text


@pytest.fixture
def individual_xml():
    kwargs = build_kwargs()
    return build_credential_xml(individual_award(), **kwargs), kwargs


def test_individual_certificate_is_xsd_valid(individual_xml):
    root, _ = individual_xml
    validate_xsd(root)


def test_individual_certificate_states_what_credit_transfer_needs(individual_xml):
    root, kwargs = individual_xml
    assert root.tag == f"{{{SNB}}}europassCredential"
    assert root.get(f"{{{CRED}}}id") == kwargs["credential_id"]
    assert _text(root, "cred:issuer/@idref") == AUA_DID
    assert _text(root, "cred:issued") == "2025-02-03T10:30:00+00:00"
    assert _text(root, "e:identifier[@schemeName='verification page']") == kwargs["verify_url"]
    assert _text(root, "e:credentialSubject/e:fullName/e:text") == "Lucía Martínez"
    achievement = _one(root, "e:credentialSubject/e:achievements/e:learningAchievement")
    assert _text(achievement, "e:wasDerivedFrom/e:grade") == "8.5"
    spec = _one(root, "e:learningSpecificationReferences/e:qualification")
    assert _text(achievement, "e:specifiedBy/@idref") == spec.get("id")
    assert _text(spec, "e:identifier[@schemeName='course code']") == "SMA-IND40-01"
    assert _text(spec, "e:hasECTSCreditPoints") == "1"
    assert _text(spec, "e:volumeOfLearning") == "PT25H"
    assert _text(spec, "e:eqfLevel/@uri") == "http://data.europa.eu/snb/eqf/6"
    assert _text(spec, "e:hasISCED-FCode/@uri") == "http://data.europa.eu/snb/isced-f/0712"
    assert _text(spec, "e:language/@uri").endswith("/language/ENG")
    notes = [t.text for t in spec.iterfind("e:additionalNote/e:text", NS)]
    assert "Sector: Smart" in notes and "Thematic area: Industry 4.0" in notes
    assert len(root.findall("e:learningOutcomeReferences/e:learningOutcome", NS)) == 2
    assert _text(root, "e:scoringSchemeReferences/e:scoringScheme/e:title/e:text") == "0-10 (Greek national scale)"
    assert _text(root, "e:agentReferences/e:organization/@id") == AUA_DID


def test_every_node_id_is_a_uuid_urn_and_unique(individual_xml):
    root, _ = individual_xml
    ids = [el.get("id") for el in root.iter() if el.get("id") is not None]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("urn:uuid:") or i == AUA_DID for i in ids)


@pytest.mark.parametrize("kind", list(ItineraryKind))
def test_itinerary_with_six_components_is_xsd_valid(kind):
    award = itinerary_award(kind)
    root = build_credential_xml(award, **build_kwargs(AISBL_DID))
    validate_xsd(root)
    parts = root.findall("e:credentialSubject/e:achievements/e:learningAchievement/e:hasPart/e:learningAchievement", NS)
    assert len(parts) == 6
    for part, component in zip(parts, award.components):
        assert _text(part, "e:identifier[@schemeName='credential']") == component.credential_id
        sri = _one(part, "e:identifier[@schemeName='SRI']")
        assert (sri.text, sri.get("schemeID")) == (component.digest_sri, component.credential_id)
    assert _text(root, "e:learningSpecificationReferences/e:qualification/e:hasECTSCreditPoints") == "6"


def test_expertise_title_names_the_sector():
    root = build_credential_xml(itinerary_award(ItineraryKind.EXPERTISE), **build_kwargs(AISBL_DID))
    assert "Expertise certificate in Smart" in _text(root, "e:title/e:text")


def test_naive_issue_time_is_refused():
    kwargs = build_kwargs() | {"issued_at": datetime(2025, 2, 3, 10, 30)}
    with pytest.raises(ValueError, match="timezone"):
        build_credential_xml(individual_award(), **kwargs)


def test_to_bytes_round_trips_through_the_hardened_parser(individual_xml):
    root, _ = individual_xml
    data = to_bytes(root)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert etree.tostring(parse_xml(data), method="c14n") == etree.tostring(root, method="c14n")


def test_schema_errors_are_reported(individual_xml):
    root, _ = individual_xml
    root.remove(root.find("e:title", NS))
    with pytest.raises(InvalidXml, match="title") as info:
        validate_xsd(root)
    assert info.value.extra["errors"]


def test_a_foreign_document_is_not_schema_valid():
    with pytest.raises(InvalidXml, match="schema"):
        validate_xsd(parse_xml(b"<credential xmlns='urn:example'/>"))


@pytest.mark.parametrize("path", sorted((DATA / "hostile_xml").glob("*.xml")), ids=lambda p: p.name)
def test_hostile_xml_is_rejected(path):
    with pytest.raises(InvalidXml):
        parse_xml(path.read_bytes())


def test_input_over_the_size_cap_is_rejected():
    data = b"<a>" + b"x" * MAX_XML_BYTES + b"</a>"
    with pytest.raises(InvalidXml, match="larger than"):
        parse_xml(data)


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE r SYSTEM "file://{secret}">',
    '<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>',
    '<!DOCTYPE r [<!ENTITY e SYSTEM "file://{secret}">]>',
])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_local_file_is_never_read(tmp_path, doctype, encoding):
    # The byte scan cannot see a UTF-16 DOCTYPE; the resolver and the docinfo check must.
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE")
    text = f'<?xml version="1.0" encoding="{encoding.upper()}"?>' + doctype.format(secret=secret) + "<r>&e;</r>"
    with pytest.raises(InvalidXml) as info:
        parse_xml(text.encode(encoding))
    assert "TOP-SECRET" not in str(info.value)


def test_parse_xml_needs_bytes():
    with pytest.raises(InvalidXml, match="bytes"):
        parse_xml("<a/>")  # type: ignore[arg-type]


# --- course templates ---
def test_individual_certificates_from_course_templates_equal_the_direct_build():
    """Every course of the bundled catalogue, each several times (the template then comes from the
    cache): with the same ids, the templated XML has the bytes of the element-by-element build."""
    import random
    from dataclasses import replace

    from issuer.credentials import xml

    rng = random.Random(11)
    issued = datetime.fromisoformat("2025-03-01T10:00:00+00:00")
    courses = {(c.code, c.semester): c for c in common.reference().courses}
    awards = [common.individual_award(rng) for _ in range(150)]
    awards += [replace(awards[n % len(awards)], course=course, host=common.institutions()[course.host])
               for n, course in enumerate(courses.values())]
    for n, award in enumerate(awards):
        direct = xml._Builder(counting_ids(n)).individual(award, f"urn:uuid:{n:08d}-1111-4111-8111-111111111111",
                                                AUA_DID, issued, f"https://example.org/v/{n}")
        templated = xml._Builder(counting_ids(n)).individual_from_template(
            award, f"urn:uuid:{n:08d}-1111-4111-8111-111111111111", AUA_DID, issued, f"https://example.org/v/{n}")
        assert to_bytes(templated) == to_bytes(direct), award.course.code
    assert xml._individual_template.cache_info().hits > 0


# --- canonical text from course templates ---
def _tree_c14n(award, n: int, issued: datetime) -> bytes:
    from issuer.credentials import xml

    root = xml._Builder(counting_ids(n)).individual(award, f"urn:uuid:{n:08d}-1111-4111-8111-111111111111",
                                                    AUA_DID, issued, f"https://example.org/v/{n}?a=1&b=<2>")
    etree.SubElement(root, f"{{{SNB}}}proof")  # where sign_xml puts the signature
    return etree.tostring(root, method="c14n", exclusive=True)


def _text_c14n(award, n: int, issued: datetime) -> str | None:
    return individual_c14n(award, credential_id=f"urn:uuid:{n:08d}-1111-4111-8111-111111111111",
                           issuer_did=AUA_DID, issued_at=issued, verify_url=f"https://example.org/v/{n}?a=1&b=<2>",
                           new_id=counting_ids(n))


NAMES = [("Ana María", "Pérez-Žukauskaitė"), ("D'Arcy & \"Sons\"", "<O'Brien>"), ("Γιώργος", "Ó Súilleabháin"),
         ("a\tb", "c\r\nd"), ("]]>", "&amp; &#x41;"), ("x" * 300, "🙂 Zoë")]


def test_individual_text_from_course_templates_equals_the_canonical_tree():
    """Every course of the bundled catalogue with learners whose names need escaping, with and
    without birth date and assessment date: the text is the tree's exclusive c14n, byte for byte."""
    import random

    from issuer.credentials import xml

    rng = random.Random(12)
    courses = {(c.code, c.semester): c for c in common.reference().courses}
    awards = [common.individual_award(rng) for _ in range(60)]
    awards += [replace(awards[n % 60], course=course, host=common.institutions()[course.host])
               for n, course in enumerate(courses.values())]
    for n, award in enumerate(awards):
        given, family = NAMES[n % len(NAMES)]
        learner = replace(award.learner, given_name=given, family_name=family, student_id=f"S<{n}>&\"",
                          home_university=("UCV", 'H"1\t<&>\n\r')[n % 2],
                          date_of_birth=None if n % 3 == 0 else award.learner.date_of_birth)
        award = replace(award, learner=learner, grade=[8.5, 10.0, 17.25, 6.0][n % 4],
                        assessed_on=None if n % 5 == 0 else award.assessed_on)
        issued = datetime.fromisoformat(f"2025-03-{n % 28 + 1:02d}T10:{n % 60:02d}:07+02:00")
        text = _text_c14n(award, n, issued)
        assert text is not None, award.course.code
        assert text.encode("utf-8") == _tree_c14n(award, n, issued), award.course.code
    assert xml._individual_text_template.cache_info().hits > 0


def test_values_no_xml_document_may_hold_take_the_tree_path_which_refuses_them():
    issued = datetime.fromisoformat("2025-03-01T10:00:00+00:00")
    award = individual_award()
    for bad in ("Ana\x00", "Ana\x0b", "Ana\ud800", "Ana\uffff"):
        named = replace(award, learner=replace(award.learner, given_name=bad))
        assert _text_c14n(named, 1, issued) is None
        with pytest.raises(ValueError):
            _tree_c14n(named, 1, issued)


def test_a_course_text_that_looks_like_a_probe_value_gets_no_template():
    """The template is cut at the probe's values; a catalogue text holding one of them would be cut
    too, so the template's own check finds the difference and the tree path is taken."""
    from issuer.credentials import xml

    issued = datetime.fromisoformat("2025-03-01T10:00:00+00:00")
    award = individual_award()
    odd = replace(award, course=replace(award.course, description="Code 97531 and 1111-11-11T11:11:11+00:00"))
    assert _text_c14n(odd, 2, issued) is None
    assert _text_c14n(award, 2, issued).encode("utf-8") == _tree_c14n(award, 2, issued)
    assert xml._individual_text_template.cache_info().currsize > 0
