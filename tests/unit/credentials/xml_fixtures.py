"""Builders for the EDC XML tests: sample awards and a throwaway PKI (a CA, P-256 and RSA certs).

Plain functions (no pytest fixtures) so both tests/unit/credentials/test_xml.py and
tests/unit/signing/test_xmldsig.py can use them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

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

ISSUED_AT = datetime(2025, 2, 3, 10, 30, tzinfo=UTC)
AUA_DID = "did:web:issuer.example.org:institutions:AUA"
AISBL_DID = "did:web:issuer.example.org:institutions:AISBL"
SECTORS = (("BLUE", "Blue Economy"), ("CLIMATE", "Climate Resilience"), ("HEALTH", "Coastal Health"),
           ("SMART", "Smart"), ("SOCIETY", "Coastal Societies"), ("WATER", "Water Management"))

AUA = Institution(
    code="AUA", name="Agricultural University of Athens", legal_name="Agricultural University of Athens",
    country="GRC", city="Athens", member=True, homepage="https://www.aua.gr",
    email="microcredentials@aua.gr", eidas_identifier="EL090145420",
)
AISBL = Institution(
    code="AISBL", name="EU-CONEXUS AISBL", legal_name="EU-CONEXUS AISBL", country="BEL", city="Brussels",
    member=False, homepage="https://www.eu-conexus.eu", issues_itineraries=True,
)
LEARNER = Learner(home_university="UCV", student_id="S-20231", given_name="Lucía", family_name="Martínez",
                  email="lucia@example.org", date_of_birth=date(2003, 4, 9))


def new_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def course(**overrides) -> Course:
    values = dict(
        code="SMA-IND40-01", semester="2024-autumn", title="Digital twins for smart ports",
        sector="SMART", thematic_area="IND40", host="AUA", ects=1, workload_hours=25, language="en",
        delivery=Delivery.SYNCHRONOUS, classes_total=10, start_date=date(2024, 10, 7),
        end_date=date(2024, 11, 29),
        learning_outcomes=(
            LearningOutcome("Model port logistics as a digital twin",
                            "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"),
            LearningOutcome("Assess sensor data quality for coastal infrastructure"),
        ),
        keywords=("digital twin", "ports", "Industry 4.0"),
        grading=Grading(scale="0-10 (Greek national scale)", minimum=0, maximum=10, pass_mark=5),
        isced_f="0712", description="Sensors, data and models for port operations.",
    )
    values.update(overrides)
    return Course(**values)


def individual_award(**overrides) -> IndividualAward:
    values = dict(
        learner=LEARNER, course=course(), host=AUA, sector_name="Smart", thematic_area_name="Industry 4.0",
        grade=8.5, assessed_on=date(2024, 12, 9), grade_announced_on=date(2024, 12, 12),
        completed_on=date(2024, 12, 16),
    )
    values.update(overrides)
    return IndividualAward(**values)


def components(kind: ItineraryKind) -> tuple[Component, ...]:
    if kind is ItineraryKind.INTERDISCIPLINARY:
        sectors = SECTORS
    else:
        sectors = (SECTORS[3],) * 6
    return tuple(
        Component(
            credential_id=new_id(), course_code=f"{code[:3]}-{i:02d}", semester="2024-autumn",
            title=f"{name} module {i}", sector=code, sector_name=name, host="AUA",
            digest_sri="sha384-" + "A" * 63 + str(i),
        )
        for i, (code, name) in enumerate(sectors, start=1)
    )


def itinerary_award(kind: ItineraryKind = ItineraryKind.INTERDISCIPLINARY) -> ItineraryAward:
    expertise = kind is ItineraryKind.EXPERTISE
    return ItineraryAward(
        kind=kind, sector="SMART" if expertise else None, sector_name="Smart" if expertise else None,
        learner=LEARNER, issuer=AISBL, semester="2024-autumn", components=components(kind),
    )


def build_kwargs(issuer_did: str = AUA_DID) -> dict:
    credential_id = new_id()
    return dict(credential_id=credential_id, issuer_did=issuer_did, issued_at=ISSUED_AT,
                verify_url=f"https://issuer.example.org/credentials/{credential_id}/verify", new_id=new_id)


# --- a throwaway PKI -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pki:
    ca_key: ec.EllipticCurvePrivateKey
    ca: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "EU-CONEXUS test")])


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing, content_commitment=signing, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=not signing, crl_sign=not signing, encipher_only=False,
        decipher_only=False,
    )


def make_ca(common_name: str = "EU-CONEXUS Test CA") -> Pki:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(_name(common_name))
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signing=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Pki(ca_key=key, ca=cert)


def make_leaf(pki: Pki, key, common_name: str = "AUA", *, not_before: datetime | None = None,
              not_after: datetime | None = None) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(pki.ca.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=True), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.ca_key.public_key()),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(pki.ca_key, hashes.SHA256())
    )


def new_key(kind: str):
    if kind == "p256":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "rsa2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(kind)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
