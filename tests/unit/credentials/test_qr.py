"""The narrow QR encoder gives the symbol the qrcode package gives (byte mode, level M, mask 0)."""
from __future__ import annotations

import random
import uuid

import pytest
import qrcode

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
