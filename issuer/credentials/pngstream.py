"""PNG encoding for palette images that differ from a shared background in a few rows.

Every certificate of a course has the same page with a few personal lines drawn on it. Encoding
the whole page each time costs far more than drawing those lines, so the background's rows are
compressed once, in fixed bands, each band as an independent deflate segment (a fresh compressor
ending with a sync flush: byte-aligned and referring to nothing before it). A page is then the
background's segments, with the rows its personal lines touch compressed anew (and the untouched
rows of the bands they cut, compressed once and kept), joined into one zlib stream (RFC 1950/1951)
whose Adler-32 is combined from the segments' checksums. The output is an ordinary 8-bit palette
PNG (filter type 0 on every row). The same image gives the same pixels, not always the same bytes:
on one machine (an Intel Xeon) ISA-L now and then encoded the same rows as other valid deflate
bytes, one byte shorter in the case kept. A segment refers to nothing before it, so any valid
encoding of it decodes to the same rows.

The background is compressed once with zlib; a page's rows with ISA-L (``isal``), whose fastest
levels deflate such rows six times as fast as zlib's level 1 and smaller. ISA-L also computes the
Adler-32 and CRC-32 checksums (5 and 20 times as fast as zlib's).
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from isal import isal_zlib
from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAND_ROWS = 16
JOIN_GAP = 16  # unchanged rows between two changed ones compressed with them, not on their own
# Input of one zlib segment at most: under the 64 KiB that fill a (32 KiB-window) compressor's
# buffer. Past it zlib slides the window and rebases its hash tables, which costs more than
# deflating rows of a page; a fresh compressor every ~50 rows compressed rows twice as fast.
SEGMENT_BYTES = 64_000
# ISA-L pays no such cost; a fresh compressor does (a run of 175 changed rows: 154 us in four
# segments, 107 us in one), so each run of changed rows is one segment (no page is this large).
FAST_SEGMENT_BYTES = 1 << 24
_ADLER_BASE = 65521
_ZLIB_HEADER = b"\x78\x9c"  # deflate, 32 KiB window, default level (informative only)
_FINAL_BLOCK = b"\x03\x00"  # an empty final block with fixed Huffman codes
_FILTER_NONE = b"\x00"
_ADLER_FILTER_NONE = isal_zlib.adler32(_FILTER_NONE)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """Adler-32 of ``a + b`` from ``adler32(a)``, ``adler32(b)`` and ``len(b)`` (zlib's formula)."""
    rem = second_length % _ADLER_BASE
    sum1 = first & 0xFFFF
    sum2 = (rem * sum1) % _ADLER_BASE
    sum1 = (sum1 + (second & 0xFFFF) + _ADLER_BASE - 1) % _ADLER_BASE
    sum2 = (sum2 + (first >> 16) + (second >> 16) + _ADLER_BASE - rem) % _ADLER_BASE
    return sum1 | (sum2 << 16)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = isal_zlib.crc32(data, isal_zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


@dataclass(frozen=True)
class _Segment:
    data: bytes  # raw deflate, byte-aligned, self-contained
    adler: int  # Adler-32 of its scanlines
    length: int  # bytes of its scanlines


class BackgroundEncoder:
    """Encodes pages drawn on ``background`` (mode ``P``), compressing anew only the changed rows.

    ``level`` (zlib's, 0-9) compresses the background once, in bands of ``band_rows``;
    ``changed_level`` (ISA-L's, 0-3) the changed rows of each page. Unchanged rows less than
    ``join_gap`` apart from changed ones are compressed with them. The unchanged stretches between changed runs are joined from the
    background's bands (the rows of a band cut by a run compressed at ``level`` on their own) and
    kept, ``stretch_cache`` row ranges, least recently used out: personal lines sit at the same rows
    on every page of a course. The background image must not change afterwards.
    """

    def __init__(self, background: Image.Image, *, level: int = 6, changed_level: int = 1,
                 band_rows: int = BAND_ROWS, join_gap: int = JOIN_GAP, stretch_cache: int = 32):
        if background.mode != "P":
            raise ValueError("BackgroundEncoder needs a palette (mode P) image")
        self.size = background.size
        self.band_rows = band_rows
        self.level = level
        self.changed_level = changed_level
        self.join_gap = join_gap
        width, height = background.size
        palette = background.getpalette() or []
        self._head = SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)) + \
            _chunk(b"PLTE", bytes(palette[:768]))
        self._bands = tuple(_encode_rows(background, top, min(height, top + band_rows), level)
                            for top in range(0, height, band_rows))
        self._stretch = _stretches(background, self._bands, band_rows, level, stretch_cache)

    def encode(self, image: Image.Image, changed_rows: Iterable[tuple[int, int]]) -> bytes:
        """The PNG of ``image``, equal to the background outside ``changed_rows`` ((top, bottom)
        pixel rows, bottom exclusive; they may overlap or reach past the edges)."""
        if image.size != self.size or image.mode != "P":
            raise ValueError("the image does not match the background")
        width = self.size[0]
        return self.encode_patches({top: image.crop((0, top, width, bottom))
                                    for top, bottom in self.runs(changed_rows)})

    def runs(self, changed_rows: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
        """The row ranges to encode anew for ``changed_rows``: clipped to the image, sorted, and
        merged where they overlap or lie less than ``join_gap`` rows apart."""
        height = self.size[1]
        runs: list[tuple[int, int]] = []
        for top, bottom in sorted((max(0, top), min(height, bottom)) for top, bottom in changed_rows):
            if bottom <= top:
                continue
            if runs and runs[-1][1] + self.join_gap >= top:
                runs[-1] = (runs[-1][0], max(runs[-1][1], bottom))
            else:
                runs.append((top, bottom))
        return runs

    def patches(self, background: Image.Image, changed_rows: Iterable[tuple[int, int]]) -> dict[int, Image.Image]:
        """Copies of the background's rows of each run (``runs``), keyed by their top row: draw on
        them and pass them to ``encode_patches``."""
        width = self.size[0]
        return {top: background.crop((0, top, width, bottom)) for top, bottom in self.runs(changed_rows)}

    def encode_patches(self, patches: dict[int, Image.Image]) -> bytes:
        """The PNG of the background with the rows of each run (as ``runs`` gives them) replaced by
        its patch (full width, the run's height, mode P), keyed by the run's top row."""
        segments: list[_Segment] = []
        row = 0
        for top in sorted(patches):
            patch = patches[top]
            if top > row:
                segments.append(self._stretch(row, top))
            segments += _encode_rows(patch, 0, patch.size[1], self.changed_level, fast=True)
            row = top + patch.size[1]
        if row < self.size[1]:
            segments.append(self._stretch(row, self.size[1]))
        whole = _joined(segments)
        stream = b"".join((_ZLIB_HEADER, whole.data, _FINAL_BLOCK, struct.pack(">I", whole.adler)))
        return b"".join((self._head, _chunk(b"IDAT", stream), _chunk(b"IEND", b"")))


def _stretches(background: Image.Image, bands: tuple[tuple[_Segment, ...], ...], band_rows: int, level: int,
               maxsize: int):
    """A function of (top, bottom) giving the background's rows ``top`` to ``bottom`` as one
    segment: whole bands as compressed at the start, the rows of a band cut by changed rows on
    their own; it keeps the last ``maxsize`` stretches asked for."""
    height = background.size[1]

    @lru_cache(maxsize=maxsize)
    def stretch(top: int, bottom: int) -> _Segment:
        parts: list[_Segment] = []
        while top < bottom:
            end = min(bottom, (top // band_rows + 1) * band_rows)
            if top % band_rows == 0 and end in ((top // band_rows + 1) * band_rows, height):
                parts += bands[top // band_rows]
            else:
                parts += _encode_rows(background, top, end, level)
            top = end
        return _joined(parts)

    return stretch


def _joined(segments: list[_Segment]) -> _Segment:
    """Segments one after the other as one: their deflate data joined, their Adler-32 combined."""
    adler = 1
    for segment in segments:
        adler = adler32_combine(adler, segment.adler, segment.length)
    return _Segment(b"".join(segment.data for segment in segments), adler, sum(s.length for s in segments))


def _encode_rows(image: Image.Image, top: int, bottom: int, level: int, *,
                 fast: bool = False) -> tuple[_Segment, ...]:
    """Rows ``top`` to ``bottom`` of ``image`` as PNG scanlines (filter type 0, then the row),
    compressed in segments of at most ``FAST_SEGMENT_BYTES`` by ISA-L if ``fast``, else of at most
    ``SEGMENT_BYTES`` by zlib."""
    stride = image.size[0] + 1
    step = max(1, (FAST_SEGMENT_BYTES if fast else SEGMENT_BYTES) // stride)
    return tuple(_encode_segment(image, start, min(bottom, start + step), level, fast)
                 for start in range(top, bottom, step))


def _encode_segment(image: Image.Image, top: int, bottom: int, level: int, fast: bool) -> _Segment:
    # Pillow's raw encoder with a stride one byte longer than a row ends every row with a zero
    # byte: after a leading zero, those are the filter bytes of the next rows (the last is left out)
    encoder = Image.core.raw_encoder("P", "P", image.size[0] + 1)
    encoder.setimage(image.im, (0, top, image.size[0], bottom))
    chunks, done, size = [], 0, (bottom - top) * (image.size[0] + 1) + 1
    while not done:
        _, done, chunk = encoder.encode(size)
        chunks.append(chunk)
    rows = memoryview(b"".join(chunks))[:-1]
    compressor = (isal_zlib if fast else zlib).compressobj(level, zlib.DEFLATED, -15)
    data = compressor.compress(_FILTER_NONE) + compressor.compress(rows) + compressor.flush(zlib.Z_SYNC_FLUSH)
    return _Segment(data, isal_zlib.adler32(rows, _ADLER_FILTER_NONE), len(rows) + 1)
