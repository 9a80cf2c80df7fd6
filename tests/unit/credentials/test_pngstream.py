"""PNG pages from a cached background: a valid PNG with exactly the drawn pixels."""
from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from issuer.credentials import pngstream
from issuer.credentials.pngstream import BackgroundEncoder, adler32_combine
from tests.unit.credentials.pngcheck import BadPng, strict_pixels


@pytest.mark.parametrize("seed", range(20))
def test_adler32_combine_equals_the_checksum_of_the_joined_bytes(seed):
    rng = random.Random(seed)
    a, b = rng.randbytes(rng.randrange(0, 5000)), rng.randbytes(rng.randrange(0, 200_000))
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


def _background() -> Image.Image:
    image = Image.new("P", (301, 203), 0)
    image.putpalette([v for i in range(256) for v in (i, 255 - i, (7 * i) % 256)])
    ImageDraw.Draw(image).rectangle((10, 10, 290, 40), fill=9)
    return image


@pytest.mark.parametrize("rows", [[], [(0, 1)], [(50, 90), (85, 120)], [(190, 400)], [(-5, 3), (100, 101)]])
def test_a_page_decodes_to_the_drawn_image(rows):
    background = _background()
    encoder = BackgroundEncoder(background, band_rows=16)
    page = background.copy()
    for top, bottom in rows:
        ImageDraw.Draw(page).rectangle((20, max(0, top), 200, min(202, bottom - 1)), fill=200)
    data = encoder.encode(page, rows)
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    assert decoded.mode == "P" and decoded.size == page.size
    assert decoded.tobytes() == page.tobytes()
    assert strict_pixels(data).rows == page.tobytes()
    assert strict_pixels(encoder.encode(page, rows)) == strict_pixels(data)


def test_only_palette_images_of_the_background_size_are_accepted():
    with pytest.raises(ValueError, match="palette"):
        BackgroundEncoder(Image.new("RGB", (4, 4)))
    encoder = BackgroundEncoder(_background())
    with pytest.raises(ValueError, match="does not match"):
        encoder.encode(Image.new("P", (4, 4)), [])


def _decoded(data: bytes) -> bytes:
    decoded = Image.open(io.BytesIO(data))
    decoded.load()
    return decoded.tobytes()


def _noisy_background(rng: random.Random) -> Image.Image:
    image = Image.new("P", (97, 131), 0)
    image.putpalette([v for i in range(256) for v in (i, 255 - i, (7 * i) % 256)])
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(97), rng.randrange(131)
        draw.rectangle((x, y, x + rng.randrange(30), y + rng.randrange(9)), fill=rng.randrange(256))
    return image


@pytest.mark.parametrize("seed", range(12))
def test_pages_with_random_changes_decode_to_the_drawn_image(seed, monkeypatch):
    rng = random.Random(seed)
    # small segments so that long runs are split: 1 to 20 rows of 98 bytes each
    monkeypatch.setattr("issuer.credentials.pngstream.SEGMENT_BYTES", rng.choice([1, 300, 1000, 2000, 64_000]))
    monkeypatch.setattr("issuer.credentials.pngstream.FAST_SEGMENT_BYTES", rng.choice([1, 300, 2000, 1 << 24]))
    background = _noisy_background(rng)
    encoder = BackgroundEncoder(background, band_rows=rng.choice([1, 5, 16, 40]), join_gap=rng.choice([0, 3, 16]),
                                stretch_cache=2)
    for _ in range(6):
        rows = [(top, top + rng.randrange(0, 25)) for top in (rng.randrange(-10, 140) for _ in range(rng.randrange(5)))]
        patches = encoder.patches(background, rows)
        for top, patch in patches.items():
            ImageDraw.Draw(patch).line((0, 0, 96, patch.size[1] - 1), fill=rng.randrange(256))
        page = background.copy()
        for top, patch in patches.items():
            page.paste(patch, (0, top))
        data = encoder.encode_patches(patches)
        assert _decoded(data) == page.tobytes()
        assert strict_pixels(data).rows == page.tobytes()
        assert strict_pixels(encoder.encode_patches(patches)) == strict_pixels(data)  # from the kept stretches


def test_runs_are_merged_across_small_gaps_and_clipped():
    encoder = BackgroundEncoder(_background(), join_gap=4)
    assert encoder.runs([(50, 60), (64, 70), (75, 80), (-3, 2), (200, 300), (10, 10)]) == [
        (0, 2), (50, 70), (75, 80), (200, 203)]


def test_a_page_without_changes_is_the_background():
    background = _background()
    assert _decoded(BackgroundEncoder(background).encode_patches({})) == background.tobytes()


@pytest.mark.parametrize("fast", [True, False], ids=["isal", "zlib"])
@pytest.mark.parametrize("seed", range(6))
def test_every_segment_decodes_on_its_own_to_its_scanlines(seed, fast):
    """Why other deflate bytes for the same rows cannot change a page: every segment is a complete
    deflate sequence that refers to nothing before it, so whatever valid bytes encode it, the page
    decodes the same."""
    rng = random.Random(seed)
    image = _noisy_background(rng)
    top = rng.randrange(0, 100)
    bottom = rng.randrange(top + 1, 131)
    segments = pngstream._encode_rows(image, top, bottom, 1 if fast else 6, fast=fast)
    rows = image.tobytes()[top * 97:bottom * 97]
    scanlines = b"".join(b"\0" + rows[i:i + 97] for i in range(0, len(rows), 97))
    decoded = []
    for segment in segments:
        inflater = zlib.decompressobj(-15)
        part = inflater.decompress(segment.data)
        assert not inflater.eof and not inflater.unused_data and segment.data.endswith(b"\x00\x00\xff\xff")
        assert (segment.adler, segment.length) == (zlib.adler32(part), len(part))
        decoded.append(part)
    assert b"".join(decoded) == scanlines


def test_the_strict_reader_refuses_a_page_that_does_not_add_up():
    background = _background()
    data = BackgroundEncoder(background).encode_patches({})
    assert strict_pixels(data).rows == background.tobytes()
    at = data.index(b"IDAT") + 4
    flipped = data[:at + 40] + bytes([data[at + 40] ^ 1]) + data[at + 41:]
    with pytest.raises(BadPng, match="CRC"):
        strict_pixels(flipped)
    with pytest.raises(BadPng, match="past the end|truncated"):
        strict_pixels(data[:-20])
    idat_end = data.index(b"IEND") - 8
    stream = data[at:idat_end]
    bad_adler = stream[:-1] + bytes([stream[-1] ^ 1])
    resealed = data[:at - 8] + struct.pack(">I", len(bad_adler)) + b"IDAT" + bad_adler + \
        struct.pack(">I", zlib.crc32(b"IDAT" + bad_adler)) + data[idat_end + 4:]
    with pytest.raises(BadPng, match="does not decode"):
        strict_pixels(resealed)
