"""The human-readable certificate: HTML, PDF and PNG drawn from one CertificateView."""
from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from PIL import Image

from issuer.credentials.render import (
    PNG_SIZE,
    CertificateView,
    certificate_view,
    qr_png,
    qr_svg,
    render_html,
    render_pdf,
    render_png,
)
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
from issuer.errors import ConfigurationError
from tests.unit.credentials.pngcheck import strict_pixels

CREDENTIAL_ID = "urn:uuid:3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f8a9b0c"
VERIFY_URL = "https://issuer.example.org/credentials/3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f8a9b0c/verify"
ISSUED_AT = datetime(2025, 2, 14, 9, 30, tzinfo=UTC)
KU = Institution(code="KU", name="Klaipėda University", legal_name="Klaipėdos universitetas", country="LTU",
                 city="Klaipėda", member=True)
AISBL = Institution(code="AISBL", name="EU-CONEXUS AISBL", legal_name="EU-CONEXUS AISBL", country="BEL",
                    city="Brussels", member=False, issues_itineraries=True)
HOSTS = {"KU": KU, "AUA": Institution(code="AUA", name="Agricultural University of Athens",
                                      legal_name="Γεωπονικό Πανεπιστήμιο Αθηνών", country="GRC",
                                      city="Athens", member=True)}


def make_learner(given: str = "Gabrielė", family: str = "Žukauskaitė") -> Learner:
    return Learner(home_university="KU", student_id="S-1042", given_name=given, family_name=family,
                   email="student@example.org")


def make_course() -> Course:
    outcomes = ("Assess the vulnerability of coastal infrastructure to sea-level rise",
                "Apply Industry 4.0 sensing to monitor port operations",
                "Explain the circular-economy principles behind blue growth strategies")
    return Course(code="KU-SMART-03", semester="2024-autumn", title="Digital Twins for Smart Coastal Ports",
                  sector="SMART", thematic_area="SMART-IND40", host="KU", ects=1, workload_hours=25,
                  language="en", delivery=Delivery.SYNCHRONOUS, classes_total=10, start_date=date(2024, 10, 1),
                  end_date=date(2024, 12, 10), learning_outcomes=tuple(LearningOutcome(t) for t in outcomes),
                  keywords=("digital twin",), grading=Grading(scale="0-10 (Lithuanian national scale)",
                                                              minimum=0, maximum=10, pass_mark=5))


def make_individual(learner: Learner | None = None) -> IndividualAward:
    return IndividualAward(learner=learner or make_learner(), course=make_course(), host=KU, sector_name="Smart",
                           thematic_area_name="Industry 4.0", grade=8.5, assessed_on=date(2025, 1, 20),
                           grade_announced_on=date(2025, 1, 27), completed_on=date(2025, 1, 29))


def make_itinerary(kind: ItineraryKind = ItineraryKind.INTERDISCIPLINARY) -> ItineraryAward:
    sectors = ("Smart", "Blue Economy", "Coastal Environment", "Urban Planning", "Energy", "Society")
    components = tuple(
        Component(credential_id=f"urn:uuid:00000000-0000-4000-8000-00000000000{i}", course_code=f"C-{i}",
                  semester="2024-autumn", title=f"Course {i} on {sector}", sector=sector.upper(),
                  sector_name=sector, host="KU" if i % 2 else "AUA", digest_sri="sha384-AAAA")
        for i, sector in enumerate(sectors, start=1))
    sector, sector_name = ("BLUE", "Blue Economy") if kind is ItineraryKind.EXPERTISE else (None, None)
    return ItineraryAward(kind=kind, sector=sector, sector_name=sector_name, learner=make_learner(), issuer=AISBL,
                          semester="2024-autumn", components=components)


def individual_view(learner: Learner | None = None) -> CertificateView:
    return certificate_view(make_individual(learner), credential_id=CREDENTIAL_ID, issued_at=ISSUED_AT,
                            verify_url=VERIFY_URL, issuer=KU)


def itinerary_view(kind: ItineraryKind = ItineraryKind.INTERDISCIPLINARY) -> CertificateView:
    return certificate_view(make_itinerary(kind), credential_id=CREDENTIAL_ID, issued_at=ISSUED_AT,
                            verify_url=VERIFY_URL, issuer=AISBL, institutions=HOSTS)


def test_view_of_an_individual_award_holds_what_is_shown():
    view = individual_view()
    assert (view.kind, view.learner_name, view.course_code) == ("individual", "Gabrielė Žukauskaitė", "KU-SMART-03")
    assert (view.ects, view.workload, view.eqf_level) == (1, "25 hours", 6)
    assert view.grade == "8.5 / 10 (pass mark 5)"
    assert (view.assessed_on, view.issued_on) == ("20 January 2025", "14 February 2025")
    assert (view.sector_name, view.thematic_area_name, view.institution_country) == ("Smart", "Industry 4.0",
                                                                                     "Lithuania")
    assert len(view.learning_outcomes) == 3 and view.components == ()


def test_view_of_an_itinerary_lists_six_components_with_host_names():
    view = itinerary_view()
    assert (view.kind, view.ects, view.grade, view.institution_name) == ("interdisciplinary", 6, "",
                                                                         "EU-CONEXUS AISBL")
    assert len(view.components) == 6
    assert view.components[1].host == "Agricultural University of Athens"
    assert view.components[0].code == "C-1" and view.components[0].semester == "2024-autumn"


def test_view_of_an_expertise_itinerary_names_its_sector():
    view = itinerary_view(ItineraryKind.EXPERTISE)
    assert (view.kind, view.heading) == ("expertise", "Expertise Certificate")
    assert (view.course_title, view.sector_name) == ("Micro-credentials in Blue Economy", "Blue Economy")


def test_view_refuses_a_verify_url_that_is_not_http():
    with pytest.raises(ConfigurationError, match="verify_url"):
        certificate_view(make_individual(), credential_id=CREDENTIAL_ID, issued_at=ISSUED_AT,
                         verify_url="javascript:alert(1)", issuer=KU)


def test_html_shows_the_certificate():
    html = render_html(individual_view())
    for text in ("Gabrielė Žukauskaitė", "Digital Twins for Smart Coastal Ports", "KU-SMART-03", "ECTS credits",
                 "Assess the vulnerability of coastal infrastructure", "8.5 / 10 (pass mark 5)", VERIFY_URL,
                 CREDENTIAL_ID, "Klaipėda University", "<svg"):
        assert text in html


def test_html_of_an_itinerary_lists_its_components():
    html = render_html(itinerary_view())
    assert html.count("<li>Course ") == 6 and "Agricultural University of Athens" in html


def test_html_escapes_user_text():
    html = render_html(individual_view(make_learner(given="<script>alert(1)</script>", family="O'Brien & Co")))
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "O&#39;Brien &amp; Co" in html


def test_html_fetches_nothing_and_runs_nothing():
    html = render_html(individual_view())
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {VERIFY_URL}
    assert not re.search(r"<script|\bsrc\s*=|@import|url\(|<link|<iframe|<object|\bon\w+\s*=", html, re.I)


def test_pdf_is_a_deterministic_pdf():
    view = individual_view()
    pdf = render_pdf(view)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert render_pdf(view) == pdf
    assert render_pdf(replace(view, learner_name="Someone Else")) != pdf


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("name", ["Gabrielė Žukauskaitė", "Νικόλαος Παπαδόπουλος", "Ștefan Țurcanu"])
def test_pdf_text_has_the_learner_name_in_any_alliance_script(name):
    given, family = name.split(" ")
    text = _pdf_text(render_pdf(individual_view(make_learner(given, family))))
    assert name in text
    assert "KU-SMART-03" in text and "8.5 / 10 (pass mark 5)" in text and CREDENTIAL_ID in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_pdf_of_an_itinerary_lists_its_components():
    text = _pdf_text(render_pdf(itinerary_view()))
    assert "INTERDISCIPLINARY CERTIFICATE" in text and "Course 6 on Society" in text


def test_png_is_a_deterministic_image_of_the_right_size():
    view = individual_view()
    png = render_png(view)
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", PNG_SIZE)
    assert len(png) < 150_000
    pixels = strict_pixels(png)
    assert pixels.size == PNG_SIZE
    assert strict_pixels(render_png(view)) == pixels
    assert strict_pixels(render_png(replace(view, learner_name="Someone Else"))).rows != pixels.rows


def test_png_of_an_itinerary_renders():
    image = Image.open(io.BytesIO(render_png(itinerary_view())))
    assert image.size == PNG_SIZE


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbarimg (zbar-tools) not installed")
@pytest.mark.parametrize("render", [render_png, lambda view: qr_png(view.verify_url)], ids=["certificate", "qr"])
def test_qr_in_png_decodes_to_the_verify_url(render, tmp_path):
    path = tmp_path / "certificate.png"
    path.write_bytes(render(individual_view()))
    result = subprocess.run(["zbarimg", "--quiet", "--raw", str(path)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == VERIFY_URL


def test_qr_svg_is_standalone_or_inline():
    assert qr_svg(VERIFY_URL).startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    inline = qr_svg(VERIFY_URL, standalone=False)
    assert "xmlns" not in inline and inline.count("<path") == 1


def _pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode("utf-8")
