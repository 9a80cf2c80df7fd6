"""The human-readable certificate: one view of an award, drawn as HTML, PDF and PNG.

`certificate_view` turns an award into a `CertificateView` (display strings only). HTML comes
from a Jinja2 template; PDF and PNG are drawn from one page layout (a tuple of drawing
operations in A4-landscape points), so both show the same thing in the same place. Fonts are the
bundled DejaVu Sans TTFs; nothing is fetched. Output is deterministic for a given view.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import accumulate, groupby, repeat
from math import isqrt
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import jinja2
from markupsafe import Markup
from PIL import Image, ImageColor, ImageDraw, ImageFont, ImageOps
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from issuer.credentials.pngstream import BackgroundEncoder
from issuer.credentials.qr import qr_matrix, qr_module_bytes
from issuer.domain.model import IndividualAward, Institution, ItineraryAward, ItineraryKind
from issuer.errors import ConfigurationError

if TYPE_CHECKING:
    from PIL._imaging import ImagingCore

PROGRAMME = "Micro-credentials in Smart Urban Coastal Sustainability (SmUCS)"
ALLIANCE = "EU-CONEXUS European University for Smart Urban Coastal Sustainability"
EQF_LEVEL = 6
_COUNTRIES = {"BEL": "Belgium", "CYP": "Cyprus", "DEU": "Germany", "ESP": "Spain", "FRA": "France",
              "GRC": "Greece", "HRV": "Croatia", "IRL": "Ireland", "LTU": "Lithuania", "ROU": "Romania"}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_HEADINGS = {"individual": "Micro-credential Certificate",
             "interdisciplinary": "Interdisciplinary Certificate",
             "expertise": "Expertise Certificate"}

_PACKAGE = Path(__file__).resolve().parent.parent
_FONTS = {False: _PACKAGE / "static" / "fonts" / "DejaVuSans.ttf",
          True: _PACKAGE / "static" / "fonts" / "DejaVuSans-Bold.ttf"}
_PDF_FONT = {False: "DejaVuSans", True: "DejaVuSans-Bold"}

PAGE_W, PAGE_H = 842.0, 595.0  # A4 landscape, points
PNG_SIZE = (1240, 877)
_SCALE = PNG_SIZE[0] / PAGE_W
_SHADES, _PNG_LEVEL = 16, 6
_TEXT_W = 720.0  # width of the centred lines, points
NAVY, TEAL, INK, GREY, PALE, WHITE = "#1d3557", "#0f7c8c", "#222222", "#5f6b76", "#cfe3e8", "#ffffff"


@dataclass(frozen=True)
class ComponentLine:
    title: str
    code: str
    semester: str
    sector: str
    host: str


@dataclass(frozen=True)
class CertificateView:
    """What a certificate shows, as display strings; every renderer draws exactly this."""

    kind: str  # "individual" | "interdisciplinary" | "expertise"
    heading: str
    statement: str  # the sentence between the learner's name and the title
    learner_name: str
    course_title: str
    course_code: str
    sector_name: str
    thematic_area_name: str
    institution_name: str
    institution_legal_name: str
    institution_country: str
    ects: int
    workload: str  # "25 hours"; "" for itineraries
    eqf_level: int
    learning_outcomes: tuple[str, ...]
    grade: str  # "8.5 / 10 (pass mark 5)"; "" for itineraries
    grade_scale: str
    assessed_on: str
    issued_on: str
    semester: str
    components: tuple[ComponentLine, ...]
    credential_id: str
    verify_url: str
    programme: str = PROGRAMME

    @property
    def subtitle(self) -> str:
        """Course code, sector and thematic area, as one line."""
        parts = [self.course_code, self.sector_name and f"Sector: {self.sector_name}",
                 self.thematic_area_name and f"Thematic area: {self.thematic_area_name}"]
        return " · ".join(p for p in parts if p)

    @property
    def institution_line(self) -> str:
        legal = "" if self.institution_legal_name == self.institution_name else self.institution_legal_name
        return " · ".join(p for p in (legal, self.institution_country) if p)

    def facts(self) -> tuple[tuple[str, str, bool], ...]:
        """(label, value, personal) rows of the facts table; empty values are left out."""
        rows = (("ECTS credits", str(self.ects), False), ("Workload", self.workload, False),
                ("EQF level", str(self.eqf_level), False), ("Semester", self.semester, False),
                ("Grade", self.grade, True), ("Grading scale", self.grade_scale, False),
                ("Assessed on", self.assessed_on, True), ("Issued on", self.issued_on, True))
        return tuple(row for row in rows if row[1])


def certificate_view(award: IndividualAward | ItineraryAward, *, credential_id: str, issued_at: datetime,
                     verify_url: str, issuer: Institution,
                     institutions: Mapping[str, Institution] | None = None) -> CertificateView:
    """Build the display model of `award`; `institutions` (by code) names the component hosts.

    :raise ConfigurationError: `verify_url` is not an http(s) URL (it becomes a link and a QR code).
    """
    if not verify_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"verify_url must be an http(s) URL, got {verify_url[:40]!r}")
    fields = _individual_fields(award) if isinstance(award, IndividualAward) else _itinerary_fields(
        award, institutions or {})
    return CertificateView(
        credential_id=credential_id, verify_url=verify_url, issued_on=_fmt_date(_utc_date(issued_at)),
        learner_name=award.learner.full_name, institution_name=issuer.name, institution_legal_name=issuer.legal_name,
        institution_country=_COUNTRIES.get(issuer.country, issuer.country), eqf_level=EQF_LEVEL, **fields)


def _individual_fields(award: IndividualAward) -> dict:
    course, grading = award.course, award.course.grading
    return dict(
        kind="individual", heading=_HEADINGS["individual"], statement="has successfully completed the micro-credential",
        course_title=course.title, course_code=course.code, sector_name=award.sector_name,
        thematic_area_name=award.thematic_area_name, ects=course.ects, workload=f"{course.workload_hours} hours",
        learning_outcomes=tuple(o.title for o in course.learning_outcomes),
        grade=f"{_num(award.grade)} / {_num(grading.maximum)} (pass mark {_num(grading.pass_mark)})",
        grade_scale=grading.scale, assessed_on=_fmt_date(award.assessed_on), semester=course.semester, components=())


def _itinerary_fields(award: ItineraryAward, institutions: Mapping[str, Institution]) -> dict:
    components = tuple(
        ComponentLine(title=c.title, code=c.course_code, semester=c.semester, sector=c.sector_name,
                      host=institutions[c.host].name if c.host in institutions else c.host)
        for c in award.components)
    if award.kind is ItineraryKind.EXPERTISE:
        title = f"Micro-credentials in {award.sector_name}"
        statement = "has completed six micro-credentials in one sector"
    else:
        title = "Micro-credentials in Smart Urban Coastal Sustainability"
        statement = "has completed six micro-credentials, one in each sector of the programme"
    return dict(
        kind=str(award.kind), heading=_HEADINGS[str(award.kind)], statement=statement, course_title=title,
        course_code="", sector_name=award.sector_name or "", thematic_area_name="", ects=award.ects, workload="",
        learning_outcomes=(), grade="", grade_scale="", assessed_on="", semester=award.semester,
        components=components)


def _utc_date(moment: datetime) -> date:
    return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


def _fmt_date(day: date | None) -> str:
    return "" if day is None else f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _num(value: float) -> str:
    return f"{value:g}"


# --- QR code ---------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    # Byte mode, level M, mask pattern 0 (any mask is a valid symbol; choosing the "best" of the
    # eight builds and scores all eight), 4-module quiet zone.
    return qr_matrix(url.encode("utf-8"), border=4)


_LIGHT_DARK = bytes([255, 0]) + bytes(254)  # module value (0 light, 1 dark) -> grey level
QR_BORDER = 4  # modules of quiet zone


@lru_cache(maxsize=64)
def _qr_modules(url: str) -> bytes:
    """The symbol's modules row after row, without quiet zone (1 dark, 0 light)."""
    return qr_module_bytes(url.encode("utf-8"))


def _qr_image(url: str, module_px: int) -> Image.Image:
    """Dark modules black on white, with the quiet zone, ``module_px`` pixels a module."""
    modules = _qr_modules(url)
    n = isqrt(len(modules))
    small = Image.frombytes("L", (n, n), modules.translate(_LIGHT_DARK))
    small = ImageOps.expand(small, border=QR_BORDER, fill=255)
    size = (n + 2 * QR_BORDER) * module_px
    return small.resize((size, size), Image.Resampling.NEAREST)


def qr_png(url: str) -> bytes:
    """A PNG QR code (error correction M, 4-module quiet zone) encoding `url`."""
    out = io.BytesIO()
    _qr_image(url, 8).convert("1").save(out, format="PNG", optimize=True)
    return out.getvalue()


def qr_svg(url: str, *, standalone: bool = True) -> str:
    """An SVG QR code encoding `url`; without `standalone`, fit to inline in HTML (no xmlns)."""
    matrix = _qr_matrix(url)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        for dark, run in groupby(row):
            width = len(list(run))
            if dark:  # one rectangle per horizontal run of dark modules
                runs.append(f"M{x} {y}h{width}v1h-{width}z")
            x += width
    xmlns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    n = len(matrix)
    return (f'<svg{xmlns} viewBox="0 0 {n} {n}" shape-rendering="crispEdges" role="img" '
            f'aria-label="QR code"><rect width="{n}" height="{n}" fill="#fff"/>'
            f'<path fill="#000" d="{"".join(runs)}"/></svg>')


# --- HTML ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_PACKAGE / "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(view: CertificateView) -> str:
    """A standalone printable HTML page: inline CSS and SVG, no scripts, no external resources."""
    return _jinja().get_template("certificate.html").render(
        view=view, qr=Markup(qr_svg(view.verify_url, standalone=False)))


# --- page layout shared by PDF and PNG -------------------------------------------------------

@dataclass(frozen=True)
class _Text:
    x: float
    y: float  # baseline
    text: str
    size: float
    bold: bool = False
    color: str = INK
    align: str = "left"  # left | centre | right
    once: bool = False  # the text is one certificate's own (name, ID): not worth keeping drawn


@dataclass(frozen=True)
class _Box:
    x: float
    y: float  # top edge
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = None
    width: float = 0.0


@dataclass(frozen=True)
class _Qr:
    x: float
    y: float  # top edge
    size: float
    url: str


_Op = _Text | _Box | _Qr


@lru_cache(maxsize=1)
def _register_pdf_fonts() -> None:
    for bold, path in _FONTS.items():
        pdfmetrics.registerFont(TTFont(_PDF_FONT[bold], str(path)))


@lru_cache(maxsize=2)
def _advances(bold: bool):
    """(advance of a code point in thousandths of the size, given a default; the default)."""
    _register_pdf_fonts()
    face = pdfmetrics.getFont(_PDF_FONT[bold]).face
    return face.charWidths.get, face.defaultWidth


def _units(text: str, bold: bool) -> float:
    get, default = _advances(bold)
    return sum(map(get, map(ord, text), repeat(default)))


def _width(text: str, size: float, bold: bool) -> float:
    """``pdfmetrics.stringWidth`` (the same sum of the same advances, in the same order), without
    its per-call font lookup and generator."""
    return 0.001 * size * _units(text, bold)


@lru_cache(maxsize=4096)
def _clip(text: str, size: float, bold: bool, width: float) -> str:
    """`text`, cut at the end with an ellipsis so it fits `width`."""
    if _width(text, size, bold) <= width:
        return text
    # the longest prefix that fits with the ellipsis (a longer prefix is never narrower)
    fits, too_long = 0, len(text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if _width(text[:middle] + "…", size, bold) <= width:
            fits = middle
        else:
            too_long = middle
    return text[:fits].rstrip() + "…"


def _fit(text: str, size: float, bold: bool, width: float, smallest: float) -> float:
    """The largest font size from `size` down to `smallest` at which `text` fits `width`."""
    units = _units(text, bold)
    while size > smallest and 0.001 * size * units > width:
        size -= 0.5
    return size


def _wrap(text: str, size: float, bold: bool, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and _width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += " …"
    return [_clip(line, size, bold, width) for line in lines]


def _layout(view: CertificateView) -> tuple[tuple[_Op, ...], tuple[_Op, ...]]:
    """The page as (fixed, personal) drawing operations: fixed ones depend only on the course
    or itinerary and the issuer, so a renderer may cache them as a background."""
    return _fixed_ops(_without_personal(view)), _personal_ops(view)


_NO_COMPONENT = ComponentLine("", "", "", "", "")


def _without_personal(view: CertificateView) -> CertificateView:
    """``view`` with what differs between learners blanked out: all the fixed operations depend
    on (personal facts only by being shown or not), so they are computed once per course."""
    return replace(view, learner_name="", credential_id="", verify_url="",
                   components=(_NO_COMPONENT,) if view.components else (),
                   grade="x" if view.grade else "", assessed_on="x" if view.assessed_on else "",
                   issued_on="x" if view.issued_on else "")


@lru_cache(maxsize=64)
def _fixed_ops(view: CertificateView) -> tuple[_Op, ...]:
    mid = PAGE_W / 2
    fixed: list[_Op] = [
        _Box(14, 14, PAGE_W - 28, PAGE_H - 28, stroke=NAVY, width=2),
        _Box(20, 20, PAGE_W - 40, PAGE_H - 40, stroke=TEAL, width=0.6),
        _Box(20, 20, PAGE_W - 40, 58, fill=NAVY),
        _Text(40, 57, "EU-CONEXUS", 22, bold=True, color=WHITE),
        _Text(PAGE_W - 40, 45, view.programme, 10, bold=True, color=WHITE, align="right"),
        _Text(PAGE_W - 40, 61, ALLIANCE, 8, color=PALE, align="right"),
        _Text(mid, 108, _clip(view.institution_name, 14, True, _TEXT_W), 14, bold=True, color=NAVY, align="centre"),
        _Text(mid, 124, _clip(view.institution_line, 9, False, _TEXT_W), 9, color=GREY, align="centre"),
        _Text(mid, 160, view.heading.upper(), 22, bold=True, color=TEAL, align="centre"),
        _Text(mid, 186, "This is to certify that", 11, color=GREY, align="centre"),
        _Text(mid, 252, view.statement, 11, color=GREY, align="centre"),
    ]
    title = _lines(view.course_title, (282,), (280, 298), big=17, small=15)
    fixed += [_Text(mid, y, line, size, bold=True, color=INK, align="centre") for y, line, size in title]
    fixed.append(_Text(mid, title[-1][0] + 18, _clip(view.subtitle, 9.5, False, _TEXT_W), 9.5, color=GREY,
                       align="centre"))
    fixed.append(_Box(40, 328, PAGE_W - 80, 0.8, fill=PALE))
    if view.components:
        fixed.append(_Text(40, 348, "Micro-credentials", 10, bold=True, color=TEAL))
    else:
        fixed.append(_Text(40, 348, "Learning outcomes", 10, bold=True, color=TEAL))
        fixed += _outcomes(view, top=366)
    fixed += [op for op, is_personal in _facts(view, top=348) if not is_personal]
    fixed.append(_Text(750, 540, "Scan to verify", 8, color=GREY, align="centre"))
    return tuple(fixed)


def _personal_ops(view: CertificateView) -> tuple[_Op, ...]:
    mid = PAGE_W / 2
    personal: list[_Op] = [_Text(mid, y, line, size, bold=True, color=NAVY, align="centre", once=True)
                           for y, line, size in _lines(view.learner_name, (226,), (210, 233), big=30, small=18)]
    if view.components:
        personal += _components(view, top=366)
    personal += [op for op, is_personal in _facts(view, top=348, only_personal=True) if is_personal]
    personal += [
        _Qr(690, 408, 120, view.verify_url),
        _Text(40, 550, _clip(f"Credential ID: {view.credential_id}", 7.5, False, 620), 7.5, color=GREY, once=True),
        _Text(40, 562, _clip(f"Verify at: {view.verify_url}", 7.5, False, 620), 7.5, color=GREY, once=True),
    ]
    return tuple(personal)


def _lines(text: str, one: tuple[float], two: tuple[float, float], *, big: float,
           small: float) -> list[tuple[float, str, float]]:
    """(baseline, line, size) for centred `text`: one line shrunk from `big` towards `small`,
    else two lines at `small` (cut short only if even that is not enough)."""
    size = _fit(text, big, True, _TEXT_W, small)
    if _width(text, size, True) <= _TEXT_W or len(text.split()) == 1:
        return [(one[0], _clip(text, size, True, _TEXT_W), size)]
    return [(y, line, small) for y, line in zip(two, _wrap(text, small, True, _TEXT_W, 2))]


def _outcomes(view: CertificateView, *, top: float) -> list[_Op]:
    ops: list[_Op] = []
    y = top
    for outcome in view.learning_outcomes:
        lines = _wrap(outcome, 9.5, False, 360, 2)
        if y + 13 * (len(lines) - 1) > 519:  # keep clear of the footer; "…" says there is more
            ops.append(_Text(52, y, "…", 9.5))
            break
        ops.append(_Text(42, y, "•", 9.5, color=TEAL))
        for line in lines:
            ops.append(_Text(54, y, line, 9.5))
            y += 13
        y += 3
    return ops


def _components(view: CertificateView, *, top: float) -> list[_Op]:
    ops: list[_Op] = []
    for i, c in enumerate(view.components[:7]):
        y = top + 24 * i
        ops.append(_Text(40, y, _clip(f"{i + 1}. {c.title}", 9.5, True, 375), 9.5, bold=True))
        detail = " · ".join(p for p in (c.code, c.sector, c.semester, c.host) if p)
        ops.append(_Text(54, y + 11, _clip(detail, 8, False, 361), 8, color=GREY))
    return ops


def _facts(view: CertificateView, *, top: float, only_personal: bool = False) -> list[tuple[_Op, bool]]:
    ops: list[tuple[_Op, bool]] = []
    for i, (label, value, personal) in enumerate(view.facts()):
        if only_personal and not personal:
            continue
        y = top + 20 * i
        size = _fit(value, 10, True, 160, 7)
        ops.append((_Text(440, y, label, 8.5, color=GREY), False))
        ops.append((_Text(520, y, _clip(value, size, True, 160), size, bold=True), personal))
    return ops


# --- PDF -------------------------------------------------------------------------------------

def render_pdf(view: CertificateView, *, compress: bool = True) -> bytes:
    """An A4-landscape PDF of the certificate; the same view gives the same bytes."""
    _register_pdf_fonts()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=int(compress))
    pdf.setTitle(f"{view.heading}: {view.learner_name}")
    pdf.setAuthor(view.institution_name)
    pdf.setSubject(view.course_title)
    fixed, personal = _layout(view)
    for op in fixed + personal:
        _draw_pdf(pdf, op)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _draw_pdf(pdf: canvas.Canvas, op: _Op) -> None:
    if isinstance(op, _Text):
        pdf.setFont(_PDF_FONT[op.bold], op.size)
        pdf.setFillColor(HexColor(op.color))
        draw = {"left": pdf.drawString, "centre": pdf.drawCentredString, "right": pdf.drawRightString}[op.align]
        draw(op.x, PAGE_H - op.y, op.text)
    elif isinstance(op, _Box):
        pdf.setLineWidth(op.width)
        if op.stroke:
            pdf.setStrokeColor(HexColor(op.stroke))
        if op.fill:
            pdf.setFillColor(HexColor(op.fill))
        pdf.rect(op.x, PAGE_H - op.y - op.h, op.w, op.h, stroke=int(bool(op.stroke)), fill=int(bool(op.fill)))
    else:
        image = ImageReader(_qr_image(op.url, 8))
        pdf.drawImage(image, op.x, PAGE_H - op.y - op.size, op.size, op.size)


# --- PNG -------------------------------------------------------------------------------------
# The fixed part of a page is drawn once per course (or itinerary kind) and issuer, in RGB, and
# mapped to a fixed palette; its PNG bands are compressed once (see pngstream). A certificate
# draws its personal lines straight into copies of the rows of that palette image they touch (each
# text is one colour on the white page: its anti-aliased coverage picks a shade of that colour's
# ramp) and compresses only those rows. Texts that recur between certificates (dates, grades,
# component lines) are kept ready to paste; a certificate's own (name, ID, URL) are set per call.

@lru_cache(maxsize=32)
def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    # BASIC layout: same glyph placement whether or not libraqm is installed
    return ImageFont.truetype(str(_FONTS[bold]), px, layout_engine=ImageFont.Layout.BASIC)


@dataclass(frozen=True)
class _Page:
    image: Image.Image  # the background, mode P with _palette()
    encoder: BackgroundEncoder


@lru_cache(maxsize=32)  # a page holds ~1.5 MB (its palette image, compressed bands and stretches)
def _page_of(blank: CertificateView) -> _Page:
    """The fixed part of a page, drawn and compressed once per course (or itinerary kind) and
    issuer: the page of a view without its personal facts (``_without_personal``)."""
    image = Image.new("RGB", PNG_SIZE, WHITE)
    draw = ImageDraw.Draw(image)
    for op in _fixed_ops(blank):
        _draw_png(image, draw, op)
    background = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    return _Page(background, BackgroundEncoder(background, level=_PNG_LEVEL))


def render_png(view: CertificateView) -> bytes:
    """A ~1240×877 PNG of the certificate (for displayParameter): the same view gives the same
    pixels (the deflate bytes may differ, see ``pngstream``)."""
    page = _page_of(_without_personal(view))
    personal = _personal_ops(view)
    marks = [mark for op in personal if (mark := _mark(op)) is not None]
    patches = page.encoder.patches(page.image, [(m.box[1], m.box[3]) for m in marks])
    for m in marks:  # a mark's rows lie in one patch
        top = max((t for t in patches if t <= m.y), default=0)
        left, upper, right, lower = m.box
        patches[top].im.paste(m.ink, (left, upper - top, right, lower - top), m.mask)
    return page.encoder.encode_patches(patches)


_RAMPS = ((WHITE, NAVY), (WHITE, TEAL), (WHITE, INK), (WHITE, GREY), (WHITE, PALE), (WHITE, "#000000"),
          (NAVY, PALE))


@lru_cache(maxsize=1)
def _palette() -> Image.Image:
    """A fixed palette: every colour the page uses, blended in steps into its backgrounds.
    Mapping to a known palette takes ~1 ms, where computing one per image takes ~9 ms."""
    colours: list[int] = []
    for start, end in _RAMPS:
        (r0, g0, b0), (r1, g1, b1) = ImageColor.getrgb(start), ImageColor.getrgb(end)
        for k in range(_SHADES):
            t = k / (_SHADES - 1)
            colours += [round(r0 + (r1 - r0) * t), round(g0 + (g1 - g0) * t), round(b0 + (b1 - b0) * t)]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + colours[:3] * (256 - len(colours) // 3))
    return palette


@lru_cache(maxsize=8)
def _shades(color: str) -> tuple[list[int], int]:
    """(coverage -> palette index of ``color`` over white, index of the full colour)."""
    base = _RAMPS.index((WHITE, color)) * _SHADES
    lut = [base + round(c * (_SHADES - 1) / 255) for c in range(256)]
    return lut, lut[255]


_MASK_LUT = [0] + [255] * 255
_BLACK = "#000000"
_QR_DARK = bytes([0, 255]) + bytes(254)  # module value (0 light, 1 dark) -> mask


@dataclass(frozen=True)
class _Mark:
    """A personal operation ready to paste on the palette page: ``ink`` (palette indices, or one
    index) where ``mask`` is set, its top-left corner at (x, y). Both are Pillow's core images
    (``Image.im``): pasting them skips the checks and conversions of ``Image.paste``."""

    ink: ImagingCore | int
    mask: ImagingCore
    x: int
    y: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        width, height = self.mask.size
        return self.x, self.y, self.x + width, self.y + height


def _mark(op: _Op) -> _Mark | None:
    s = _SCALE
    if isinstance(op, _Text):
        px = round(op.size * s)
        if op.once:
            text = _text_mark.__wrapped__(op.text, op.bold, px, op.align, op.color, _head_length(op.text))
        else:
            text = _text_mark(op.text, op.bold, px, op.align, op.color)
        if text is None:
            return None
        ink, mask, dx, dy = text
        return _Mark(ink, mask, round(op.x * s) + dx, round(op.y * s) + dy)
    if isinstance(op, _Qr):  # dark modules only: the quiet zone is the white page
        modules = _qr_modules(op.url)
        n = isqrt(len(modules))
        size, total = round(op.size * s), n + 2 * QR_BORDER
        module = max(1, round(size / total))
        offset = (size - module * total) // 2 + QR_BORDER * module
        return _Mark(_shades(_BLACK)[1], _qr_dark(modules, n, module), round(op.x * s) + offset,
                     round(op.y * s) + offset)
    raise TypeError(f"not a personal drawing operation: {type(op).__name__}")


def _qr_dark(modules: bytes, n: int, module: int) -> ImagingCore:
    """The dark modules of a symbol as a mask, ``module`` pixels a module (no quiet zone)."""
    small = Image.frombytes("L", (n, n), modules.translate(_QR_DARK))
    return small.im.resize((n * module, n * module), Image.Resampling.NEAREST)


@lru_cache(maxsize=1024)
def _text_mark(text: str, bold: bool, px: int, align: str, color: str,
               head: int = 0) -> tuple[ImagingCore, ImagingCore, int, int] | None:
    """(shades of ``color``, mask, offset from the anchor) of a text: the marks of texts that recur
    from one certificate to the next (dates, grades, component lines) are made once. The first
    ``head`` characters are set from a cached setting (see ``_head_length``)."""
    setting = _set(text[head:], bold, px, _set_head(text[:head], bold, px) if head else None)
    if setting.coverage is None:
        return None
    x0, y0 = setting.box[:2]
    shift = {"left": 0, "centre": -setting.pen / 2, "right": -setting.pen}[align]
    coverage = setting.coverage
    return coverage.point(_shades(color)[0], None), coverage.point(_MASK_LUT, None), x0 + round(shift), y0


def _head_length(text: str) -> int:
    """How much of a certificate's own text to set from a cached setting: up to its last ':' or
    '/' that 16 or more characters follow, e.g. "Credential ID: urn:uuid:" or "Verify at:
    https://host/credentials/" before a UUID. (Any length gives the same pixels.)"""
    return max(text.rfind(":", 0, len(text) - 16), text.rfind("/", 0, len(text) - 16)) + 1


@dataclass(frozen=True)
class _Setting:
    """Glyphs set on the baseline from pen position 0: their anti-aliased coverage (None if no
    glyph has ink), its box relative to the pen's start (left, top, right, bottom), the pen after."""

    coverage: ImagingCore | None
    box: tuple[int, int, int, int]
    pen: float


def _set(text: str, bold: bool, px: int, after: _Setting | None = None) -> _Setting:
    """``text`` set from cached glyphs, advances summed in floats and rounded to whole pixels where
    a glyph is placed (FreeType renders each glyph once per size instead of every string anew),
    following ``after`` if given: the same as setting the two texts as one."""
    glyphs = list(map(_glyph, repeat(bold), repeat(px), text))
    pens = list(accumulate(map(itemgetter(3), glyphs), initial=after.pen if after else 0.0))
    inked = [(round(pen), glyph) for pen, glyph in zip(pens, glyphs) if glyph[0] is not None]
    before = after is not None and after.coverage is not None
    if not inked and not before:
        return _Setting(None, (0, 0, 0, 0), pens[-1])
    # the box of the ink (and of ``after``'s): glyph boxes are (x + left, top, x + right, bottom)
    lefts = [x + glyph[1] for x, glyph in inked]
    rights = [x + glyph[4] for x, glyph in inked]
    tops = [glyph[2] for _, glyph in inked]
    bottoms = [glyph[5] for _, glyph in inked]
    if before:
        lefts.append(after.box[0])
        tops.append(after.box[1])
        rights.append(after.box[2])
        bottoms.append(after.box[3])
    x0, y0, x1, y1 = min(lefts), min(tops), max(rights), max(bottoms)
    coverage = Image.core.fill("L", (x1 - x0, y1 - y0), 0)
    if before:
        left, top, right, bottom = after.box
        coverage.paste(after.coverage, (left - x0, top - y0, right - x0, bottom - y0))
    paste = coverage.paste
    for (x, (mask, left, top, _, right, bottom)) in inked:
        # as ImageDraw.bitmap: coverage adds up where neighbouring glyphs touch
        paste(255, (x + left - x0, top - y0, x + right - x0, bottom - y0), mask)
    return _Setting(coverage, (x0, y0, x1, y1), pens[-1])


@lru_cache(maxsize=64)
def _set_head(text: str, bold: bool, px: int) -> _Setting:
    return _set(text, bold, px)


@lru_cache(maxsize=4096)
def _glyph(bold: bool, px: int, char: str) -> tuple[ImagingCore | None, int, int, float, int, int]:
    """(coverage, left and top of its box from the pen on the baseline, advance, right and bottom
    of its box) of one glyph."""
    font = _font(bold, px)
    left, top, right, bottom = font.getbbox(char, anchor="ls")
    advance = font.getlength(char)
    if right <= left or bottom <= top:
        return None, 0, 0, advance, 0, 0
    mask = Image.new("L", (right - left, bottom - top), 0)
    ImageDraw.Draw(mask).text((-left, -top), char, font=font, fill=255, anchor="ls")
    return mask.im, left, top, advance, right, bottom


def _draw_png(image: Image.Image, draw: ImageDraw.ImageDraw, op: _Op) -> None:
    s = _SCALE
    if isinstance(op, _Text):
        anchor = {"left": "ls", "centre": "ms", "right": "rs"}[op.align]
        draw.text((op.x * s, op.y * s), op.text, font=_font(op.bold, round(op.size * s)), fill=op.color,
                  anchor=anchor)
    elif isinstance(op, _Box):
        box = (round(op.x * s), round(op.y * s), round((op.x + op.w) * s) - 1, round((op.y + op.h) * s) - 1)
        draw.rectangle(box, fill=op.fill, outline=op.stroke, width=max(1, round(op.width * s)) if op.stroke else 0)
    else:  # only the dark modules are drawn: the quiet zone is the white page, whatever the rounding
        n, size = len(_qr_matrix(op.url)), round(op.size * s)
        module = max(1, round(size / n))
        offset = (size - module * n) // 2
        dark = ImageOps.invert(_qr_image(op.url, module))
        image.paste((0, 0, 0), (round(op.x * s) + offset, round(op.y * s) + offset), mask=dark)
