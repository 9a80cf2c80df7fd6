"""QR code symbols (ISO/IEC 18004) for verification URLs: byte mode, error correction M, mask 0.

Every certificate carries a QR code of its own verification URL, so a symbol is made per
certificate. The general-purpose ``qrcode`` package takes several milliseconds for one (bit
buffers and polynomials in Python objects, and by default eight masked symbols built and scored);
this narrow encoder keeps per version everything but the data (function patterns, format and
version information, where each data bit goes and whether the mask inverts it: one precomputed
``itemgetter`` places them all) and computes the Reed-Solomon codewords with product tables, the
remainder held in one integer. It gives the same symbol as ``qrcode`` with byte mode, version
fitted, level M and mask pattern 0 (the tests compare them).
"""
from __future__ import annotations

from functools import lru_cache
from math import isqrt
from operator import itemgetter

from qrcode.base import rs_blocks
from qrcode.constants import ERROR_CORRECT_M

MAX_VERSION = 40
_FORMAT_M = 0b00  # error correction level M in the format information
_MASK = 0  # (row + column) even: inverted
_BITS = tuple(bytes(map(int, f"{byte:08b}")) for byte in range(256))  # a codeword as 8 bytes, 0 or 1
_INVERT = bytes([1, 0]) + bytes(254)  # for bytes.translate: 0 <-> 1
_PAD = b"\xec\x11" * 1500  # pad codewords, alternating (more than a version 40 symbol holds)


def qr_matrix(data: bytes, *, border: int = 4) -> tuple[tuple[bool, ...], ...]:
    """The modules of the smallest symbol holding ``data`` (True is dark), with a quiet zone of
    ``border`` light modules.

    :raise ValueError: ``data`` does not fit a version 40 symbol.
    """
    modules = qr_modules(data)
    size = len(modules)
    light = (False,) * (size + 2 * border)
    return ((light,) * border + tuple((False,) * border + tuple(map(bool, row)) + (False,) * border
                                      for row in modules) + (light,) * border)


def qr_modules(data: bytes) -> list[bytearray]:
    """The symbol's rows without quiet zone, one byte per module (1 dark, 0 light)."""
    flat = qr_module_bytes(data)
    size = isqrt(len(flat))
    return [bytearray(flat[i:i + size]) for i in range(0, len(flat), size)]


def qr_module_bytes(data: bytes) -> bytes:
    """The symbol's modules row after row without quiet zone, one byte each (1 dark, 0 light)."""
    version = _version_for(len(data))
    pick, cell_count = _placement(version)
    bits = b"".join(map(_BITS.__getitem__, _codewords(data, version)))
    bits += bytes(cell_count - len(bits))  # remainder bits are light, then masked
    return bytes(pick(_layout(version)[0] + bits + bits.translate(_INVERT)))


# --- data codewords ----------------------------------------------------------------------------

def _count_bits(version: int) -> int:
    return 8 if version < 10 else 16


@lru_cache(maxsize=None)
def _blocks(version: int) -> tuple[tuple[int, int], ...]:
    """(data codewords, error correction codewords) of each block."""
    return tuple((b.data_count, b.total_count - b.data_count) for b in rs_blocks(version, ERROR_CORRECT_M))


def _capacity_bits(version: int) -> int:
    return 8 * sum(data for data, _ in _blocks(version))


@lru_cache(maxsize=None)
def _version_for(length: int) -> int:
    for version in range(1, MAX_VERSION + 1):
        if 4 + _count_bits(version) + 8 * length <= _capacity_bits(version):
            return version
    raise ValueError(f"{length} bytes do not fit a QR code")


def _codewords(data: bytes, version: int) -> bytes:
    """The data and error correction codewords, interleaved in the order they are placed."""
    capacity = _capacity_bits(version)
    stream = (0b0100 << _count_bits(version) | len(data)) << 8 * len(data) | int.from_bytes(data, "big")
    length = 4 + _count_bits(version) + 8 * len(data)
    terminator = min(4, capacity - length)
    stream, length = stream << terminator, length + terminator
    stream, length = stream << (-length % 8), length + (-length % 8)
    codewords = stream.to_bytes(length // 8, "big") + _PAD[:(capacity - length) // 8]
    ecc, start = [], 0
    for data_count, ecc_count in _blocks(version):
        ecc.append(_remainder(codewords[start:start + data_count], ecc_count))
        start += data_count
    return bytes(_interleaving(version)(codewords + b"".join(ecc)))


@lru_cache(maxsize=None)
def _interleaving(version: int):
    """Picks the placement order out of the data codewords then the error correction codewords,
    both block after block: the i-th codeword of every block (that has one), for i = 0, 1, ..."""
    blocks = _blocks(version)
    data_at, ecc_at, start = [], [], 0
    for data_count, _ in blocks:
        data_at.append(range(start, start + data_count))
        start += data_count
    for _, ecc_count in blocks:
        ecc_at.append(range(start, start + ecc_count))
        start += ecc_count
    order = [block[i] for spans in (data_at, ecc_at) for i in range(max(map(len, spans)))
             for block in spans if i < len(block)]
    return itemgetter(*order)


# --- Reed-Solomon over GF(256), polynomial 0x11D ---------------------------------------------------

def _gf_tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 512, [0] * 256
    value = 1
    for i in range(255):
        exp[i], log[value] = value, i
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _gf_tables()


def _multiply(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@lru_cache(maxsize=None)
def _products(degree: int) -> tuple[int, ...]:
    """For each byte f, f times the coefficients of the generator polynomial of ``degree``, as
    one big-endian integer of ``degree`` bytes."""
    generator = [1]
    for i in range(degree):  # multiply by (x - a^i)
        generator = [c ^ _multiply(p, _EXP[i]) for c, p in zip(generator + [0], [0] + generator)]
    coefficients = generator[1:]  # the leading coefficient is 1
    return tuple(int.from_bytes(bytes(_multiply(c, f) for c in coefficients), "big") for f in range(256))


def _remainder(block: bytes, degree: int) -> bytes:
    """The error correction codewords of ``block``: the remainder of its polynomial (times x^degree)
    divided by the generator, long division with the remainder held in one integer."""
    products, shift, keep = _products(degree), 8 * (degree - 1), (1 << 8 * degree) - 1
    remainder = 0
    for byte in block:
        remainder = (remainder << 8 & keep) ^ products[byte ^ remainder >> shift]
    return remainder.to_bytes(degree, "big")


# --- the symbol's fixed parts ------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _layout(version: int) -> tuple[bytes, tuple[tuple[int, int], ...], tuple[int, ...]]:
    """(function modules drawn, light elsewhere, row after row; the data modules in placement
    order; the mask bit of each)."""
    size = 4 * version + 17
    modules = [bytearray(size) for _ in range(size)]
    reserved = [bytearray(size) for _ in range(size)]

    def put(row: int, col: int, dark: bool) -> None:
        modules[row][col], reserved[row][col] = dark, 1

    for i in range(size):  # timing patterns
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for row, col in ((3, 3), (3, size - 4), (size - 4, 3)):  # finder patterns with separators
        for dr in range(-4, 5):
            for dc in range(-4, 5):
                if 0 <= row + dr < size and 0 <= col + dc < size:
                    put(row + dr, col + dc, max(abs(dr), abs(dc)) not in (2, 4))
    centres = _alignment_centres(version)
    last = len(centres) - 1
    for i, row in enumerate(centres):
        for j, col in enumerate(centres):
            if (i, j) not in ((0, 0), (0, last), (last, 0)):
                for dr in range(-2, 3):
                    for dc in range(-2, 3):
                        put(row + dr, col + dc, max(abs(dr), abs(dc)) != 1)
    _put_format(put, size)
    _put_version(put, version, size)
    cells = []
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1  # skip the vertical timing column
        upward = (right + 1) & 2 == 0
        for vert in range(size):
            row = size - 1 - vert if upward else vert
            for col in (right, right - 1):
                if not reserved[row][col]:
                    cells.append((row, col))
    flips = tuple(int((row + col) % 2 == 0) for row, col in cells)
    return b"".join(map(bytes, modules)), tuple(cells), flips


@lru_cache(maxsize=8)
def _placement(version: int):
    """(a picker of the symbol's modules, row after row, out of the function patterns + the data
    bits + the inverted data bits: the mask is applied by picking the inverted bit; the number
    of data modules)."""
    template, cells, flips = _layout(version)
    size, count = 4 * version + 17, len(cells)
    sources = list(range(size * size))
    for index, ((row, col), flip) in enumerate(zip(cells, flips)):
        sources[row * size + col] = len(template) + index + flip * count
    return itemgetter(*sources), count


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    return [6] + sorted(4 * version + 17 - 7 - i * step for i in range(count - 1))


def _put_format(put, size: int) -> None:
    data = _FORMAT_M << 3 | _MASK
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    bits = (data << 10 | rem) ^ 0x5412

    def bit(i: int) -> bool:
        return (bits >> i) & 1 == 1

    for i in range(6):
        put(i, 8, bit(i))
    put(7, 8, bit(6))
    put(8, 8, bit(7))
    put(8, 7, bit(8))
    for i in range(9, 15):
        put(8, 14 - i, bit(i))
    for i in range(8):
        put(8, size - 1 - i, bit(i))
    for i in range(8, 15):
        put(size - 15 + i, 8, bit(i))
    put(size - 8, 8, True)  # the dark module


def _put_version(put, version: int, size: int) -> None:
    if version < 7:
        return
    rem = version
    for _ in range(12):
        rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
    bits = version << 12 | rem
    for i in range(18):
        dark = (bits >> i) & 1 == 1
        a, b = size - 11 + i % 3, i // 3
        put(b, a, dark)
        put(a, b, dark)
