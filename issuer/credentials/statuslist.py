"""W3C Bitstring Status List: the bitstring codec and the (unsigned) status list credential.

Index 0 is the left-most bit: the most significant bit of the first byte.
"""
from __future__ import annotations

import base64
import gzip
import io
from datetime import datetime

from issuer.credentials.contexts import VC_V2
from issuer.errors import InvalidDocument

MIN_ENTRIES = 131_072  # the specification's minimum, for group privacy
MAX_DECODED_BYTES = 16 * 1024 * 1024  # refuse gzip bombs when decoding a list from elsewhere


def empty_bits(size: int = MIN_ENTRIES) -> bytes:
    if size < MIN_ENTRIES or size % 8:
        raise ValueError(f"a status list has at least {MIN_ENTRIES} entries, a multiple of 8")
    return bytes(size // 8)


def get_bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} outside the list of {len(bits) * 8}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def set_bit(bits: bytes, index: int, value: bool = True) -> bytes:
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status index {index} outside the list of {len(bits) * 8}")
    data = bytearray(bits)
    mask = 0x80 >> (index % 8)
    data[index // 8] = (data[index // 8] | mask) if value else (data[index // 8] & ~mask)
    return bytes(data)


def encode_list(bits: bytes) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bitstring (``encodedList``)."""
    compressed = gzip.compress(bits, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``.

    :raise InvalidDocument: not multibase base64url, not GZIP, or too large once decompressed.
    """
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise InvalidDocument("encodedList must be multibase base64url ('u' prefix)")
    try:
        raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            bits = stream.read(MAX_DECODED_BYTES + 1)
    except (ValueError, OSError, EOFError) as exc:
        raise InvalidDocument(f"encodedList cannot be decoded: {exc}") from None
    if len(bits) > MAX_DECODED_BYTES:
        raise InvalidDocument("encodedList decompresses to more than the allowed size")
    return bits


def build_status_list_credential(*, list_url: str, issuer_did: str, bits: bytes, valid_from: datetime,
                                 purpose: str = "revocation") -> dict:
    """An unsigned ``BitstringStatusListCredential`` (VC 2.0 context, which defines its terms)."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(bits),
        },
    }


def status_entry(*, list_url: str, index: int, purpose: str = "revocation") -> dict:
    """The ``credentialStatus`` entry pointing at bit ``index`` of the list at ``list_url``."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }

