"""A strict reader of the certificate PNGs: what a page means, checked byte by byte.

Pillow stops reading once it has every row, so it never checks the zlib stream's Adler-32 nor what
follows. ``strict_pixels`` checks the signature, every chunk's CRC, the chunk order (IHDR first,
one run of IDAT, IEND last, nothing after), the zlib header, that the deflate stream ends exactly at
the end of the IDAT data with a matching Adler-32, and every scanline's filter byte (0 here); it
returns the size, the palette and the rows. Two PNGs with equal ``strict_pixels`` show the same
image, whatever deflate bytes encode it (ISA-L has given other valid bytes for the same rows).
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


class BadPng(AssertionError):
    pass


@dataclass(frozen=True)
class Pixels:
    size: tuple[int, int]
    palette: bytes
    rows: bytes  # palette indices, row after row, without filter bytes


def strict_pixels(png: bytes) -> Pixels:
    if not png.startswith(SIGNATURE):
        raise BadPng("no PNG signature")
    chunks, pos = [], len(SIGNATURE)
    while pos < len(png):
        if pos + 12 > len(png):
            raise BadPng(f"truncated chunk at byte {pos}")
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if pos + 12 + length > len(png):
            raise BadPng(f"the {kind!r} chunk at byte {pos} runs past the end")
        data = png[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + data) != crc:
            raise BadPng(f"bad CRC in the {kind!r} chunk at byte {pos}")
        chunks.append((kind, data))
        pos += 12 + length
    kinds = [kind for kind, _ in chunks]
    if kinds[0] != b"IHDR" or kinds[-1] != b"IEND" or kinds.count(b"IEND") != 1:
        raise BadPng(f"chunks out of order: {kinds}")
    first_idat = kinds.index(b"IDAT")
    idat_count = kinds.count(b"IDAT")
    if kinds[first_idat:first_idat + idat_count] != [b"IDAT"] * idat_count:
        raise BadPng("IDAT chunks are not consecutive")
    width, height, depth, colour, method, filtering, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if (depth, colour, method, filtering, interlace) != (8, 3, 0, 0, 0):
        raise BadPng(f"not an 8-bit non-interlaced palette PNG: {(depth, colour, method, filtering, interlace)}")
    stream = b"".join(data for kind, data in chunks if kind == b"IDAT")
    if len(stream) < 2 or (stream[0] * 256 + stream[1]) % 31 or stream[0] & 0x0F != 8:
        raise BadPng("bad zlib header")
    inflater = zlib.decompressobj()
    try:  # zlib checks the Adler-32 at the end of the stream
        raw = inflater.decompress(stream) + inflater.flush()
    except zlib.error as error:
        raise BadPng(f"the zlib stream does not decode: {error}") from None
    if not inflater.eof or inflater.unused_data:
        raise BadPng("the zlib stream does not end exactly at the end of the IDAT data")
    stride = width + 1
    if len(raw) != height * stride:
        raise BadPng(f"{len(raw)} bytes of scanlines for {height} rows of {width}")
    if any(raw[row * stride] for row in range(height)):
        raise BadPng("a scanline with a filter other than 0")
    rows = b"".join(raw[row * stride + 1:(row + 1) * stride] for row in range(height))
    palette = dict(chunks).get(b"PLTE", b"")
    return Pixels((width, height), palette, rows)
