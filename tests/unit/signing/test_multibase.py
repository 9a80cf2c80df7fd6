from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from issuer.errors import KeyMaterialError
from issuer.signing import multibase
from issuer.signing.multibase import Multicodec

from .conftest import ECDSA_DIR, EDDSA_DIR, read_json


@pytest.mark.parametrize("data, text", [
    (b"", ""),
    (b"\0", "1"),
    (b"\0\0\x01", "112"),
    (b"hello world", "StV1DL6CwTryKyV"),
    (bytes.fromhex("0000287fb4cd"), "11233QC4"),
])
def test_base58btc_known_answers(data, text):
    assert multibase.b58encode(data) == text
    assert multibase.b58decode(text) == data
    assert multibase.decode("z" + text) == data


def test_base58btc_matches_digit_by_digit_conversion():
    """The encoder works ten digits at a time; the plain one-digit-at-a-time conversion must agree
    at every length around the chunk boundaries, with and without leading zero bytes."""
    def plain(data: bytes) -> str:
        number, digits = int.from_bytes(data, "big"), []
        while number:
            number, rest = divmod(number, 58)
            digits.append("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"[rest])
        return "1" * (len(data) - len(data.lstrip(b"\0"))) + "".join(reversed(digits))

    rng = random.Random(7)
    for size in range(0, 80):
        for zeros in (0, 1, 3):
            for _ in range(4):
                data = b"\0" * zeros + rng.randbytes(size)
                assert multibase.b58encode(data) == plain(data)
                assert multibase.b58decode(multibase.b58encode(data)) == data
    assert multibase.b58encode(b"\x01" + b"\0" * 64) == plain(b"\x01" + b"\0" * 64)  # zero chunks inside


@pytest.mark.parametrize("data", [bytes(range(256)), b"\xff" * 33, b"\0\0abc"])
def test_multibase_roundtrip(data):
    for base in ("z", "u"):
        text = multibase.encode(data, base)
        assert text[0] == base
        assert multibase.decode(text) == data
    assert "=" not in multibase.encode(data, "u")


@pytest.mark.parametrize("text", ["", "z0OIl", "f00", "uAA==", "u+/", "x123"])
def test_multibase_refuses_bad_text(text):
    with pytest.raises(ValueError):
        multibase.decode(text)


def test_eddsa_vector_keys_decode():
    pair = read_json(EDDSA_DIR / "keyPair.json")
    codec, raw = multibase.decode_multikey(pair["publicKeyMultibase"])
    assert codec is Multicodec.ED25519_PUB and len(raw) == 32
    assert multibase.decode(pair["publicKeyMultibase"])[:2] == b"\xed\x01"
    assert multibase.decode(pair["privateKeyMultibase"])[:2] == b"\x80\x26"
    secret = multibase.private_key_from_multikey(pair["privateKeyMultibase"])
    assert isinstance(secret, ed25519.Ed25519PrivateKey)
    assert multibase.public_key_to_multikey(secret.public_key()) == pair["publicKeyMultibase"]


@pytest.mark.parametrize("name, prefix, curve", [
    ("p256KeyPair.json", b"\x80\x24", "secp256r1"),
    ("p384KeyPair.json", b"\x81\x24", "secp384r1"),
])
def test_ecdsa_vector_keys_decode(name, prefix, curve):
    pair = read_json(ECDSA_DIR / name)
    assert multibase.decode(pair["publicKeyMultibase"])[:2] == prefix
    public = multibase.public_key_from_multikey(pair["publicKeyMultibase"])
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == curve
    secret = multibase.private_key_from_multikey(pair["secretKeyMultibase"])
    assert multibase.public_key_to_multikey(secret.public_key()) == pair["publicKeyMultibase"]


def test_generated_keys_roundtrip():
    for key in (ed25519.Ed25519PrivateKey.generate().public_key(),
                ec.generate_private_key(ec.SECP256R1()).public_key()):
        text = multibase.public_key_to_multikey(key)
        assert multibase.public_key_from_multikey(text) == key
    assert multibase.public_key_to_multikey(
        ed25519.Ed25519PrivateKey.generate().public_key()).startswith("z6Mk")
    assert multibase.public_key_to_multikey(
        ec.generate_private_key(ec.SECP256R1()).public_key()).startswith("zDn")


@pytest.mark.parametrize("text", [
    "z6Mk",  # too short
    "uAe0B" + "A" * 43,  # base64url, not base58btc
    multibase.encode(b"\x12\x00" + b"\0" * 32),  # sha2-256 multihash, not a key codec
    multibase.encode(b"\xed\x01" + b"\0" * 31),  # ed25519-pub, one byte short
    multibase.encode(b"\x80\x24" + b"\x02" + b"\xff" * 32),  # not a point on P-256
])
def test_multikey_refuses_bad_values(text):
    with pytest.raises(KeyMaterialError):
        multibase.public_key_from_multikey(text)


def test_secret_key_is_not_a_public_key():
    pair = read_json(EDDSA_DIR / "keyPair.json")
    with pytest.raises(KeyMaterialError, match="not a public key"):
        multibase.public_key_from_multikey(pair["privateKeyMultibase"])
