"""The narrow QR encoder gives the symbol the qrcode package gives (byte mode, level M, mask 0)."""
from __future__ import annotations

import random
import uuid

import pytest
import qrcode

from issuer.credentials import qr
from issuer.credentials.qr import qr_matrix


def _reference(data: bytes) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, mask_pattern=0)
    code.add_data(qrcode.util.QRData(data, mode=qrcode.util.MODE_8BIT_BYTE))
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@pytest.mark.parametrize("length", [*range(0, 120, 7), 213, 214, 500, 1200, 2331])
def test_random_bytes_give_the_qrcode_symbol(length):
    data = random.Random(length).randbytes(length)
    assert qr_matrix(data) == _reference(data)


def test_verification_urls_give_the_qrcode_symbol():
    for base in ("http://issuer.test", "https://credentials.eu-conexus.eu", "https://x.example/" + "p" * 120):
        url = f"{base}/credentials/{uuid.uuid4()}/verify".encode()
        assert qr_matrix(url) == _reference(url)


def test_too_much_data_is_refused():
    with pytest.raises(ValueError, match="do not fit"):
        qr_matrix(b"x" * 2332)


def _remainder_by_long_division(block: bytes, degree: int) -> list[int]:
    generator = [1]
    for i in range(degree):  # multiply by (x - a^i)
        generator = [c ^ qr._multiply(p, qr._EXP[i]) for c, p in zip(generator + [0], [0] + generator)]
    remainder = list(block) + [0] * degree
    for i in range(len(block)):
        factor = remainder[i]
        for j, g in enumerate(generator):
            remainder[i + j] ^= qr._multiply(g, factor)
    return remainder[len(block):]


@pytest.mark.parametrize("degree", [7, 10, 16, 18, 26, 28, 30])
def test_error_correction_codewords_are_the_remainder_of_the_division(degree):
    rng = random.Random(degree)
    for length in (1, 13, 24, 43, 97, 122):
        block = rng.randbytes(length)
        assert list(qr._remainder(block, degree)) == _remainder_by_long_division(block, degree)


@pytest.mark.parametrize("length", [0, 17, 86, 300])
def test_module_bytes_are_the_symbol_row_after_row(length):
    data = random.Random(length).randbytes(length)
    flat = qr.qr_module_bytes(data)
    rows = [tuple(row[4:-4]) for row in _reference(data)[4:-4]]
    size = len(rows)
    assert [tuple(map(bool, flat[i:i + size])) for i in range(0, len(flat), size)] == rows
    assert flat == b"".join(qr.qr_modules(data))
