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
