"""Multibase (base58btc ``z``, base64url ``u``) and Multikey (multicodec-prefixed keys).

The text encodings are pure; the Multikey helpers convert to and from ``cryptography`` key
objects. Supported codecs: ``ed25519-pub`` 0xed, ``p256-pub`` 0x1200, ``p384-pub`` 0x1201 (public
keys, EC points compressed) and ``ed25519-priv`` 0x1300, ``p256-priv`` 0x1306, ``p384-priv``
0x1307 (secret keys, used for the W3C test vectors only).
"""
from __future__ import annotations

import base64
import binascii
from enum import IntEnum

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from issuer.errors import KeyMaterialError

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58_CHUNK = 58**10  # fits a machine word: the small divisions stay quick
_B58_PAIRS = [a + b for a in _B58_ALPHABET for b in _B58_ALPHABET]  # 58 * 58 = 3364 pairs of digits

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


class Multicodec(IntEnum):
    """The multicodec codes of the key types we read and write."""

    ED25519_PUB = 0xED
    P256_PUB = 0x1200
    P384_PUB = 0x1201
    ED25519_PRIV = 0x1300
    P256_PRIV = 0x1306
    P384_PRIV = 0x1307


# expected raw key length per codec (compressed points for EC public keys)
_KEY_LENGTHS = {
    Multicodec.ED25519_PUB: 32,
    Multicodec.P256_PUB: 33,
    Multicodec.P384_PUB: 49,
    Multicodec.ED25519_PRIV: 32,
    Multicodec.P256_PRIV: 32,
    Multicodec.P384_PRIV: 48,
}
_CURVES = {
    Multicodec.P256_PUB: ec.SECP256R1,
    Multicodec.P384_PUB: ec.SECP384R1,
    Multicodec.P256_PRIV: ec.SECP256R1,
    Multicodec.P384_PRIV: ec.SECP384R1,
}
_PUB_CODEC_FOR_CURVE = {"secp256r1": Multicodec.P256_PUB, "secp384r1": Multicodec.P384_PUB}


def b58encode(data: bytes) -> str:
    """Base58 (bitcoin alphabet) text of ``data``; leading zero bytes become ``1``."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    chunks = []  # base 58**10 digits, least significant first: a tenth of the big divisions
    while number:
        number, rest = divmod(number, _B58_CHUNK)
        chunks.append(rest)
    parts = []
    for chunk in reversed(chunks):  # each chunk is ten base58 digits, two at a time
        chunk, e = divmod(chunk, 3364)
        chunk, d = divmod(chunk, 3364)
        chunk, c = divmod(chunk, 3364)
        a, b = divmod(chunk, 3364)
        parts.append(_B58_PAIRS[a] + _B58_PAIRS[b] + _B58_PAIRS[c] + _B58_PAIRS[d] + _B58_PAIRS[e])
    return "1" * zeros + "".join(parts).lstrip("1")  # the first chunk's leading zero digits


def b58decode(text: str) -> bytes:
    """Bytes of base58btc ``text``.

    :raise ValueError: a character outside the base58 alphabet.
    """
    number = 0
    for char in text:
        try:
            number = number * 58 + _B58_INDEX[char]
        except KeyError:
            raise ValueError("invalid base58 character") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def encode(data: bytes, base: str = "z") -> str:
    """Multibase text of ``data``: ``z`` base58btc (default) or ``u`` base64url without padding."""
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    raise ValueError(f"unsupported multibase prefix {base!r}")


def decode(text: str) -> bytes:
    """Bytes of multibase ``text`` (``z`` or ``u`` prefix).

    :raise ValueError: empty text, another prefix, or invalid characters.
    """
    if not isinstance(text, str) or not text:
        raise ValueError("empty multibase value")
    prefix, body = text[0], text[1:]
    if prefix == "z":
        return b58decode(body)
    if prefix == "u":
        if "=" in body or "+" in body or "/" in body:
            raise ValueError("base64url multibase values carry no padding")
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except binascii.Error as exc:
            raise ValueError("invalid base64url") from exc
    raise ValueError(f"unsupported multibase prefix {prefix!r}")


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _read_varint(data: bytes) -> tuple[int, int]:
    number = shift = 0
    for index, byte in enumerate(data[:4]):
        number |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return number, index + 1
        shift += 7
    raise ValueError("invalid multicodec prefix")


def encode_multikey(codec: Multicodec, raw: bytes) -> str:
    """``z``-multibase of the multicodec varint of ``codec`` followed by the raw key bytes."""
    if len(raw) != _KEY_LENGTHS[codec]:
        raise ValueError(f"{codec.name} keys are {_KEY_LENGTHS[codec]} bytes, got {len(raw)}")
    return encode(_varint(codec) + raw)


def decode_multikey(text: str) -> tuple[Multicodec, bytes]:
    """The codec and raw key bytes of a Multikey value.

    :raise KeyMaterialError: not base58btc multibase, unknown codec or wrong key length.
    """
    try:
        if not text.startswith("z"):
            raise ValueError("Multikey values are base58btc (prefix 'z')")
        data = decode(text)
        code, offset = _read_varint(data)
        codec = Multicodec(code)
    except (ValueError, AttributeError) as exc:
        raise KeyMaterialError(f"not a supported Multikey value: {exc}") from None
    raw = data[offset:]
    if len(raw) != _KEY_LENGTHS[codec]:
        raise KeyMaterialError(f"{codec.name} Multikey has {len(raw)} key bytes, expected "
                               f"{_KEY_LENGTHS[codec]}")
    return codec, raw


def public_key_to_multikey(key: PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519, P-256 or P-384 public key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return encode_multikey(Multicodec.ED25519_PUB, raw)
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _PUB_CODEC_FOR_CURVE:
        raw = key.public_bytes(serialization.Encoding.X962,
                               serialization.PublicFormat.CompressedPoint)
        return encode_multikey(_PUB_CODEC_FOR_CURVE[key.curve.name], raw)
    raise KeyMaterialError(f"no Multikey encoding for {type(key).__name__}")


def public_key_from_multikey(text: str) -> PublicKey:
    """The public key object of a ``publicKeyMultibase`` value.

    :raise KeyMaterialError: not a supported public Multikey, or not a valid curve point.
    """
    codec, raw = decode_multikey(text)
    try:
        if codec is Multicodec.ED25519_PUB:
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        if codec in (Multicodec.P256_PUB, Multicodec.P384_PUB):
            return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[codec](), raw)
    except ValueError:
        raise KeyMaterialError(f"invalid {codec.name} public key") from None
    raise KeyMaterialError(f"{codec.name} is not a public key codec")


def private_key_from_multikey(text: str) -> PrivateKey:
    """The private key of a ``secretKeyMultibase`` value (test vectors; never stored this way).

    :raise KeyMaterialError: not a supported secret Multikey.
    """
    codec, raw = decode_multikey(text)
    try:
        if codec is Multicodec.ED25519_PRIV:
            return ed25519.Ed25519PrivateKey.from_private_bytes(raw)
        if codec in (Multicodec.P256_PRIV, Multicodec.P384_PRIV):
            return ec.derive_private_key(int.from_bytes(raw, "big"), _CURVES[codec]())
    except ValueError:
        raise KeyMaterialError(f"invalid {codec.name} secret key") from None
    raise KeyMaterialError(f"{codec.name} is not a secret key codec")
