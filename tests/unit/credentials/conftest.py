"""Sample awards (individual, interdisciplinary, expertise) and the inputs of build_credential."""
from __future__ import annotations

import io
import itertools
import uuid
from types import SimpleNamespace
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from issuer.domain.model import (
    Component,
    Course,
    Delivery,
    Grading,
    IndividualAward,
    Institution,
    ItineraryAward,
    ItineraryKind,
    Learner,
    LearningOutcome,
)

CREDENTIAL_ID = "urn:uuid:0b6f7c1e-4d2a-4f4b-9c1d-2e3f4a5b6c7d"
ISSUER_HOST = "issuer.example.org"
ISSUED_AT = datetime(2025, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
SECTORS = {"BLUE": "Blue Growth", "CLIMATE": "Climate Change", "HEALTH": "Coastal Health",
           "SMART": "Smart Cities", "SOCIETY": "Coastal Society", "WATER": "Water Management"}

AUA = Institution(code="AUA", name="Agricultural University of Athens",
                  legal_name="Γεωπονικό Πανεπιστήμιο Αθηνών", country="GRC", city="Athens", member=True,
                  homepage="https://www.aua.gr", email="info@aua.gr", eidas_identifier="EL090145420")
KU = Institution(code="KU", name="Klaipėda University", legal_name="Klaipėdos universitetas", country="LTU",
                 city="Klaipėda", member=True, eidas_identifier="LT211951314")
AISBL = Institution(code="AISBL", name="EU-CONEXUS AISBL", legal_name="EU-CONEXUS AISBL", country="BEL",
                    city="Brussels", member=False, homepage="https://www.eu-conexus.eu",
                    email="contact@eu-conexus.eu", eidas_identifier="0745.521.316", issues_itineraries=True)


def did_of(inst: Institution) -> str:
    return f"did:web:{ISSUER_HOST}:institutions:{inst.code}"


def verify_url(credential_id: str = CREDENTIAL_ID) -> str:
    return f"https://{ISSUER_HOST}/credentials/{credential_id.removeprefix('urn:uuid:')}/verify"


@pytest.fixture
def new_id():
    """A deterministic id source: urn:uuid:00000000-0000-4000-8000-000000000001, ...002, ..."""
    counter = itertools.count(1)
    return lambda: f"urn:uuid:{uuid.UUID(int=(4 << 76) | (8 << 60) | next(counter))}"


@pytest.fixture(scope="session")
def png() -> bytes:
    image = Image.new("RGB", (64, 45), "#1d3557")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def learner() -> Learner:
    return Learner(home_university="UCV", student_id="S-1042", given_name="Ana María",
                   family_name="Pérez-Žukauskaitė", email="ana.perez@example.org",
                   date_of_birth=date(2003, 4, 5))


def make_course(**overrides) -> Course:
    base = dict(
        code="AUA-SMART-03", semester="2024-autumn", title="Digital Twins for Smart Coastal Ports",
        sector="SMART", thematic_area="SMART-IND40", host="AUA", ects=1, workload_hours=25,
        language="en", delivery=Delivery.ASYNCHRONOUS, classes_total=5,
        start_date=date(2024, 10, 22), end_date=date(2024, 11, 26),
        learning_outcomes=(
            LearningOutcome("Assess the vulnerability of coastal infrastructure to sea-level rise"),
            LearningOutcome("Apply digital twins to monitor port operations",
                            esco_uri="http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9"),
        ),
        keywords=("digital twin", "ports"),
        grading=Grading(scale="0-10 (Greek national scale)", minimum=0, maximum=10, pass_mark=5),
        isced_f="0712", description="How digital twins support the operation of coastal ports.",
    )
    return Course(**(base | overrides))


@pytest.fixture
def individual_award(learner) -> IndividualAward:
    return IndividualAward(learner=learner, course=make_course(), host=AUA, sector_name=SECTORS["SMART"],
                           thematic_area_name="Industry 4.0", grade=8.5, assessed_on=date(2024, 11, 26),
                           grade_announced_on=date(2024, 12, 2), completed_on=date(2024, 12, 2))


def make_component(index: int, sector: str, host: str) -> Component:
    return Component(credential_id=f"urn:uuid:{uuid.UUID(int=0xC0FFEE << 64 | index)}",
                     course_code=f"{host}-{sector}-{index:02d}", semester="2024-autumn",
                     title=f"{SECTORS[sector]} micro-credential {index}", sector=sector,
                     sector_name=SECTORS[sector], host=host,
                     digest_sri="sha384-" + "A" * 63 + str(index))


@pytest.fixture
def interdisciplinary_award(learner) -> ItineraryAward:
    hosts = ("AUA", "KU", "AUA", "UCV", "KU", "AUA")  # UCV is not among the known institutions
    components = tuple(make_component(i, s, h) for i, (s, h) in enumerate(zip(SECTORS, hosts), 1))
    return ItineraryAward(kind=ItineraryKind.INTERDISCIPLINARY, sector=None, sector_name=None,
                          learner=learner, issuer=AISBL, semester="2024-autumn", components=components)


@pytest.fixture
def expertise_award(learner) -> ItineraryAward:
    components = tuple(make_component(i, "BLUE", "KU" if i % 2 else "AUA") for i in range(1, 7))
    return ItineraryAward(kind=ItineraryKind.EXPERTISE, sector="BLUE", sector_name=SECTORS["BLUE"],
                          learner=learner, issuer=AISBL, semester="2024-autumn", components=components)


@pytest.fixture
def institutions() -> dict[str, Institution]:
    return {i.code: i for i in (AUA, KU, AISBL)}


@pytest.fixture
def status_entry() -> dict:
    base = f"https://{ISSUER_HOST}/status-lists/AUA-1"
    return {"id": f"{base}#1234", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": "1234", "statusListCredential": base}


@pytest.fixture
def build(new_id, png, institutions):
    """build(award, **overrides) -> the credential, with the defaults of these tests."""
    from issuer.credentials.jsonld import build_credential

    def _build(award, **overrides):
        issuer = award.host if isinstance(award, IndividualAward) else award.issuer
        kwargs = dict(credential_id=CREDENTIAL_ID, issuer_did=did_of(issuer), issued_at=ISSUED_AT,
                      verify_url=verify_url(), status=None, display_png=png, new_id=new_id,
                      institutions=institutions)
        return build_credential(award, **(kwargs | overrides))

    return _build


@pytest.fixture(scope="session")
def sample() -> SimpleNamespace:
    """The constants of these fixtures, for assertions."""
    return SimpleNamespace(credential_id=CREDENTIAL_ID, issued_at=ISSUED_AT, verify_url=verify_url(),
                           did_of=did_of, aisbl=AISBL)
