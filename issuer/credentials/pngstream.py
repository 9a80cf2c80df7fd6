"""PNG encoding for palette images that differ from a shared background in a few rows.

Every certificate of a course has the same page with a few personal lines drawn on it. Encoding
the whole page each time costs far more than drawing those lines, so the background's rows are
compressed once, in fixed bands, each band as an independent deflate segment (a fresh compressor
ending with a sync flush: byte-aligned and referring to nothing before it). A page is then the
background's segments, with the bands its personal lines touch compressed anew, joined into one
zlib stream (RFC 1950/1951) whose Adler-32 is combined from the bands' checksums. The output is
an ordinary 8-bit palette PNG (filter type 0 on every row) and the same image gives the same bytes.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Iterable

from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAND_ROWS = 16
_ADLER_BASE = 65521
_ZLIB_HEADER = b"\x78\x9c"  # deflate, 32 KiB window, default level (informative only)
_FINAL_BLOCK = b"\x03\x00"  # an empty final block with fixed Huffman codes


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """Adler-32 of ``a + b`` from ``adler32(a)``, ``adler32(b)`` and ``len(b)`` (zlib's formula)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 = (sum1 + (second & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + _ADLER_BASE - rem) % _ADLER_BASE
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@dataclass(frozen=True)
class _Band:
    segment: bytes  # raw deflate, byte-aligned, self-contained
    adler: int  # Adler-32 of the band's scanlines
    length: int  # bytes of the band's scanlines


class BackgroundEncoder:
    """Encodes pages drawn on ``background`` (mode ``P``), re-compressing only changed bands.

    ``level`` compresses the background once; ``changed_level`` the bands of each page (fast).
    """

    def __init__(self, background: Image.Image, *, level: int = 6, changed_level: int = 1,
                 band_rows: int = BAND_ROWS):
        if background.mode != "P":
            raise ValueError("BackgroundEncoder needs a palette (mode P) image")
        self.size = background.size
        self.band_rows = band_rows
        self.changed_level = changed_level
        width, height = background.size
        palette = background.getpalette() or []
        self._head = SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)) + \
            _chunk(b"PLTE", bytes(palette[:768]))
        self._bands = tuple(self._encode_band(background, top, level)
                            for top in range(0, height, band_rows))

    def encode(self, image: Image.Image, changed_rows: Iterable[tuple[int, int]]) -> bytes:
        """The PNG of ``image``, equal to the background outside ``changed_rows`` ((top, bottom)
        pixel rows, bottom exclusive; they may overlap or reach past the edges)."""
        if image.size != self.size or image.mode != "P":
            raise ValueError("the image does not match the background")
        width = self.size[0]
        return self.encode_patches({top: image.crop((0, top, width, bottom))
                                    for top, bottom in self.runs(changed_rows)})

    def runs(self, changed_rows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """The row ranges to encode anew for ``changed_rows``: whole bands, overlapping ones merged."""
        last = len(self._bands) - 1
        dirty: set[int] = set()
        for top, bottom in changed_rows:
            if bottom > top:
                first, final = max(0, top) // self.band_rows, min(last, max(0, bottom - 1) // self.band_rows)
                dirty.update(range(first, final + 1))
        runs: list[tuple[int, int]] = []
        for band in sorted(dirty):
            top = band * self.band_rows
            if runs and runs[-1][1] == top:
                runs[-1] = (runs[-1][0], top + self.band_rows)
            else:
                runs.append((top, top + self.band_rows))
        height = self.size[1]
        return [(top, min(bottom, height)) for top, bottom in runs]

    def patches(self, background: Image.Image, changed_rows: Iterable[tuple[int, int]]) -> dict[int, Image.Image]:
        """Copies of the background's rows of each run (``runs``), keyed by their top row: draw on
        them and pass them to ``encode_patches``."""
        width = self.size[0]
        return {top: background.crop((0, top, width, bottom)) for top, bottom in self.runs(changed_rows)}

    def encode_patches(self, patches: dict[int, Image.Image]) -> bytes:
        """The PNG of the background with the rows of each run (as ``runs`` gives them) replaced by
        its patch (full width, the run's height, mode P), keyed by the run's top row."""
        segments, adler = [], 1
        index = 0
        while index < len(self._bands):
            patch = patches.get(index * self.band_rows)
            if patch is None:
                band = self._bands[index]
                index += 1
            else:
                band = self._encode_rows(patch.tobytes(), patch.size[0], self.changed_level)
                index += -(-patch.size[1] // self.band_rows)
            segments.append(band.segment)
            adler = adler32_combine(adler, band.adler, band.length)
        stream = b"".join((_ZLIB_HEADER, *segments, _FINAL_BLOCK, struct.pack(">I", adler)))
        return b"".join((self._head, _chunk(b"IDAT", stream), _chunk(b"IEND", b"")))

    def _encode_band(self, image: Image.Image, top: int, level: int) -> _Band:
        width, height = image.size
        pixels = image.crop((0, top, width, min(height, top + self.band_rows))).tobytes()
        return self._encode_rows(pixels, width, level)

    @staticmethod
    def _encode_rows(pixels: bytes, width: int, level: int) -> _Band:
        scanlines = b"".join(b"\x00" + pixels[i:i + width] for i in range(0, len(pixels), width))
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
        segment = compressor.compress(scanlines) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return _Band(segment, zlib.adler32(scanlines), len(scanlines))
