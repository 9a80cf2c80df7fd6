"""Certificate PNGs keep their exact pixels: decoded-pixel digests of seeded views of every kind,
recorded from the renderer before its speed-ups (glyph composition, LUTs, row encoding, QR, layout
widths), and the fast pieces against the straightforward code they replaced."""
from __future__ import annotations

import hashlib
import io
import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.pdfbase import pdfmetrics

from issuer.credentials import render
from issuer.credentials.render import CertificateView, certificate_view, render_png
from issuer.domain.model import Component, IndividualAward, ItineraryAward, ItineraryKind, Learner
from issuer.services.reference import read_reference_files
from tests.unit.credentials.pngcheck import strict_pixels

DATA = Path(__file__).resolve().parents[3] / "issuer" / "data"
GIVEN = ("Ana María", "Γιώργος", "Žydrūnė", "François", "Łucja", "Ștefan", "Иван", "Zoë", "D'Arcy", "Ìñigo",
         "Đorđe", "Mathéo", "Maximiliana Josefina Theodora")
FAMILY = ("Pérez-Žukauskaitė", "Παπαδόπουλος", "Ó Súilleabháin", "Dumitrescu-Ţurcanu", "Иванова", "O'Brien",
          "Nguyễn", "Back\\slash", "Dupont \"Le Marin\"", "Wolfeschlegelsteinhausenbergerdorff-Κωνσταντινίδου")
HOSTS = ("credentials.eu-conexus.eu", "issuer.example.org", "x.example", "verify." + "long-" * 12 + "example.eu")


def _reference():
    return read_reference_files(DATA / "institutions.json", DATA / "catalogue.json")


def _learner(rng: random.Random) -> Learner:
    return Learner(home_university="KU", student_id=f"S-{rng.randrange(10_000, 99_999)}",
                   given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY), email="")


def _award(rng: random.Random, ref, kind: str) -> IndividualAward | ItineraryAward:
    institutions = {i.code: i for i in ref.institutions}
    sectors = {s.code: s.name for s in ref.sectors}
    areas = {a.code: a.name for s in ref.sectors for a in s.thematic_areas}
    if kind == "individual":
        course = rng.choice(ref.courses)
        grading = course.grading
        done = course.end_date + timedelta(days=rng.randrange(0, 20))
        return IndividualAward(learner=_learner(rng), course=course, host=institutions[course.host],
                               sector_name=sectors[course.sector], thematic_area_name=areas[course.thematic_area],
                               grade=round(rng.uniform(grading.pass_mark, grading.maximum) * 2) / 2,
                               assessed_on=course.end_date if rng.random() < 0.7 else None,
                               grade_announced_on=done, completed_on=done)
    if kind == "expertise":
        sector = rng.choice(sorted({c.sector for c in ref.courses}))
        picked = rng.sample([c for c in ref.courses if c.sector == sector], 6)
    else:
        sector = None
        picked = [rng.choice([c for c in ref.courses if c.sector == s]) for s in sorted(sectors)][:6]
    components = tuple(Component(credential_id=f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                                 course_code=c.code, semester=c.semester, title=c.title, sector=c.sector,
                                 sector_name=sectors[c.sector], host=c.host, digest_sri="sha384-AAAA")
                       for c in picked)
    return ItineraryAward(kind=ItineraryKind(kind), sector=sector, sector_name=sector and sectors[sector],
                          learner=_learner(rng), issuer=next(i for i in ref.institutions if i.issues_itineraries),
                          semester=picked[0].semester, components=components, ects=sum(c.ects for c in picked))


def seeded_views(kind: str, count: int, seed: int = 0) -> list[CertificateView]:
    """``count`` views of ``kind`` drawn from the bundled catalogue by ``random.Random(seed)``."""
    rng, ref = random.Random(f"{kind}-{seed}"), _reference()
    institutions = {i.code: i for i in ref.institutions}
    views = []
    for _ in range(count):
        award = _award(rng, ref, kind)
        public_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        issuer = award.host if kind == "individual" else award.issuer
        issued = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(0, 24 * 400))
        views.append(certificate_view(award, credential_id=f"urn:uuid:{public_id}", issued_at=issued,
                                      verify_url=f"https://{rng.choice(HOSTS)}/credentials/{public_id}/verify",
                                      issuer=issuer, institutions=institutions))
    return views


def pixel_digest(png: bytes) -> str:
    image = Image.open(io.BytesIO(png))
    image.load()
    return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()[:16]


EXPECTED = {
    "individual": [
        "3f22f0a50e8f06c2", "b5733b1ec02575f1", "1200832cdab18dd2", "900a5a3c268931c5", "bd3ff9f19de9caa8",
        "af96abc0fecfa9e1", "058c1d0c606828f2", "714979c86484d9d5", "6b789d662b4d2c02", "2a39615f37844e7d",
        "20f307fc80f8ebc1", "223d123ad4d628ac", "7d0b6ac309551c77", "27a4827f6f89a58a", "001b17fd0bc6300a",
        "dceb8fd21800e122", "ddb4e7d79ae666c4", "7ef6a4816794747d", "30af13db155549fe", "e473b9039f9e1935",
        "5ef84c2105e37c8d", "78335356bb8ea21d", "7e39c52817ca9d11", "b7225e03c8dec5e3", "3c0343d8deaaf387",
        "107278f342442956", "64568f95a1ba44fc", "f9c6a7d71f6ab893", "78491ce29f0383eb", "1bf7853853defb77",
        "d6d8dbe24a3cd077", "d71798dedf436bf7", "e57eb12f99f04a40", "25c3e3bc01d6f31a", "a8e092a899b8f264",
        "0921a29b047779f2", "81899aabfa44cddf", "46a53dab37ee5f85", "3c37b6496498cb94", "78a6176721da7700",
    ],
    "interdisciplinary": [
        "14faf1e692dfe1cc", "08d3c23ea676c2d5", "fb5682cad415693d", "a1bfc14bb779cc22", "ad1e5cd70cd7a16e",
        "50a93ecd591e5ea9", "4dcb1a11413b0333", "cb927fe3c15f2233", "ebddd6219a68e4fa", "46e414b13566d076",
        "8e873fdb57a226d4", "c38a501261d6ab71",
    ],
    "expertise": [
        "0973e234e1265619", "665fc5b4b5a1584c", "8ace383d33b8d280", "22cb5323d8f989f4", "0cf9da3620b7c820",
        "d29da980376d0495", "45dea3289b023f2f", "74e19a1c6e62255e", "70498e63324d2ed0", "431d122287c469b3",
        "29082bb9cb864984", "3efd3600647f7f9a",
    ],
    "edge": [
        "bd443431e512298b", "bd443431e512298b", "8a759aa943bd8ef4", "aaf1abb148f6af2f", "5e5587cfd99bd728",
    ],
}


@pytest.mark.parametrize("kind", ["individual", "interdisciplinary", "expertise"])
def test_certificate_pixels_are_unchanged(kind):
    views = seeded_views(kind, len(EXPECTED[kind]))
    assert [pixel_digest(render_png(view)) for view in views] == EXPECTED[kind]


def test_edge_cases_keep_their_pixels():
    view = seeded_views("individual", 1, seed=7)[0]
    variants = [replace(view, learner_name=""), replace(view, learner_name="   "),
                replace(view, grade="10 / 10 (pass mark 5) with a rather long grade note that gets clipped"),
                replace(view, assessed_on="", issued_on="1 January 2000"),
                replace(view, credential_id="urn:uuid:" + "f" * 200, learner_name="W" * 90)]
    assert [pixel_digest(render_png(v)) for v in variants] == EXPECTED["edge"]


def test_pages_rendered_in_threads_are_the_pages_rendered_one_by_one():
    """The same image, every PNG strictly valid. (Not always the same bytes: ISA-L has encoded the
    same changed rows as other valid deflate bytes now and then, in threads and once after them, on
    one machine; each run of rows is a self-contained segment, so any valid encoding of it gives
    the same image, as test_pngstream checks.)"""
    views = [view for kind in ("individual", "expertise") for view in seeded_views(kind, 12, seed=3)]
    render._text_mark.cache_clear()
    render._page_of.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(render_png, views * 3))
    one_by_one = [strict_pixels(render_png(view)) for view in views]
    assert [strict_pixels(png) for png in concurrent] == one_by_one * 3


def test_a_view_renders_the_same_image_with_and_without_the_caches():
    views = [view for kind in ("individual", "expertise") for view in seeded_views(kind, 12, seed=3)]
    first = [strict_pixels(render_png(view)) for view in views]
    render._text_mark.cache_clear()
    render._page_of.cache_clear()
    assert [strict_pixels(render_png(view)) for view in views] == first
    assert len({pixels.rows for pixels in first}) == len(views)


# --- the pieces, against the straightforward code they replace -------------------------------------

TEXTS = ("Gabrielė Žukauskaitė", "Νικόλαος Παπαδόπουλος", "Ștefan Țurcanu", "Иван Иванова", "AVATAR fffi Wj",
         "Credential ID: urn:uuid:3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f8a9b0c", "8.5 / 10 (pass mark 5)", " . ",
         "Verify at: https://issuer.example.org/credentials/3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f8a9b0c/verify",
         "a\u0301e\u0308 ̃ combining", "°'^", "")


def _reference_coverage(text: str, bold: bool, px: int) -> tuple[bytes, tuple[int, int, int, int]] | None:
    """The coverage as drawn before: one ImageDraw.bitmap per glyph on an L image."""
    glyphs, pen, boxes = [], 0.0, []
    for char in text:
        font = render._font(bold, px)
        left, top, right, bottom = font.getbbox(char, anchor="ls")
        advance = font.getlength(char)
        if right > left and bottom > top:
            mask = Image.new("L", (right - left, bottom - top), 0)
            ImageDraw.Draw(mask).text((-left, -top), char, font=font, fill=255, anchor="ls")
            x = round(pen) + left
            glyphs.append((mask, x, top))
            boxes.append((x, top, x + mask.size[0], top + mask.size[1]))
        pen += advance
    if not glyphs:
        return None
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    coverage = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(coverage)
    for mask, x, top in glyphs:
        draw.bitmap((x - x0, top - y0), mask, fill=255)
    return coverage.tobytes(), (x0, y0, x1, y1)


def _pixels(core) -> bytes:
    image = Image.new(core.mode, core.size)
    image.im.paste(core, (0, 0, *core.size))
    return image.tobytes()


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("bold, px", [(False, 11), (True, 14), (True, 44)])
def test_text_is_set_as_one_imagedraw_bitmap_per_glyph(text, bold, px):
    expected = _reference_coverage(text, bold, px)
    for head in range(len(text) + 1):  # any head set on its own, then the rest after it
        setting = render._set(text[head:], bold, px, render._set(text[:head], bold, px) if head else None)
        assert (None if setting.coverage is None else (_pixels(setting.coverage), setting.box)) == expected


def test_head_of_a_certificate_text_ends_before_its_unique_part():
    assert render._head_length("Credential ID: urn:uuid:3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f8a9b0c") == 24
    url = "Verify at: https://x.example/credentials/3f1c2a4e-9b7d-4c1e-8a2f-5d6e7f8a9b0c/verify"
    assert url[:render._head_length(url)] == "Verify at: https://x.example/credentials/"
    assert render._head_length("Gabrielė Žukauskaitė") == 0


def _reference_clip(text: str, size: float, bold: bool, width: float) -> str:
    if pdfmetrics.stringWidth(text, render._PDF_FONT[bold], size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", render._PDF_FONT[bold], size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@pytest.mark.parametrize("seed", range(5))
def test_layout_measures_and_cuts_text_as_reportlab_does(seed):
    rng = random.Random(seed)
    words = [w for text in TEXTS for w in text.split()] + ["Ω", "—", "\u4e2d\u6587", "x" * 30]
    for _ in range(200):
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 12)))
        size, bold, width = rng.choice([7.5, 9.5, 10, 17, 30]), rng.random() < 0.5, rng.choice([3.0, 160, 361, 720])
        assert render._width(text, size, bold) == pdfmetrics.stringWidth(text, render._PDF_FONT[bold], size)
        assert render._clip(text, size, bold, width) == _reference_clip(text, size, bold, width)
        fitted = size
        while fitted > 7 and pdfmetrics.stringWidth(text, render._PDF_FONT[bold], fitted) > width:
            fitted -= 0.5
        assert render._fit(text, size, bold, width, 7) == fitted
