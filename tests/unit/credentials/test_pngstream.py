"""PNG pages from a cached background: a valid PNG with exactly the drawn pixels."""
from __future__ import annotations

import io
import random
import zlib

import pytest
from PIL import Image, ImageDraw

from issuer.credentials.pngstream import BackgroundEncoder, adler32_combine


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
    assert encoder.encode(page, rows) == data


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
        assert encoder.encode_patches(patches) == data  # from the kept stretches: the same bytes


def test_runs_are_merged_across_small_gaps_and_clipped():
    encoder = BackgroundEncoder(_background(), join_gap=4)
    assert encoder.runs([(50, 60), (64, 70), (75, 80), (-3, 2), (200, 300), (10, 10)]) == [
        (0, 2), (50, 70), (75, 80), (200, 203)]


def test_a_page_without_changes_is_the_background():
    background = _background()
    assert _decoded(BackgroundEncoder(background).encode_patches({})) == background.tobytes()
