"""Untrusted JSON bodies (``verification.parse_json``): limits checked before and while parsing."""
from __future__ import annotations

import json
import random
import time

import pytest

from issuer.services.verification import MAX_DEPTH, CheckFailed, json_depth, parse_json

# strings that look like structure: brackets, quotes and backslashes escaped in every way
TRICKY = ['[', ']', '{', '}', '"', '\\', '\\"', '"[', '\\[', '\\\\', '\\\\"', 'a\\', '[[[{{{', '}}]]', 'Γιώργος',
          '\u2028', '\x00', '\x1f', 'é"]', '😀[', 'plain']


def _depth(value) -> int:
    """The nesting of a parsed value, as the text's brackets give it."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _value(rng: random.Random, depth: int):
    kind = rng.random()
    if depth <= 0 or kind < 0.3:
        return rng.choice([rng.choice(TRICKY) * rng.randrange(1, 4), rng.randrange(-9, 10), None, True, 1.5])
    if kind < 0.65:
        return [_value(rng, depth - 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(TRICKY) + str(n): _value(rng, depth - 1) for n in range(rng.randrange(0, 4))}


def _dumps(value, rng: random.Random) -> bytes:
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1]))
    return (b"\xef\xbb\xbf" if rng.random() < 0.1 else b"") + text.encode("utf-8")


def test_the_depth_counted_before_parsing_is_the_depth_of_the_parsed_value():
    rng = random.Random(20261201)
    for _ in range(2000):
        value = _value(rng, rng.randrange(0, 12))
        body = _dumps(value, rng)
        assert json_depth(body) == _depth(value), body


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
def test_nesting_past_the_limit_is_refused_and_up_to_it_parsed(depth):
    body = ('{"a":' * (depth // 2) + "[" * (depth - depth // 2) + '"]}\\""' + "]" * (depth - depth // 2)
            + "}" * (depth // 2)).encode()
    if depth <= MAX_DEPTH:
        assert _depth(parse_json(body)) == depth
    else:
        with pytest.raises(CheckFailed) as refused:
            parse_json(body)
        assert (refused.value.check, refused.value.code) == ("format", "MALFORMED")
        assert "nested deeper" in refused.value.detail


@pytest.mark.parametrize("body", [
    b"[" * 1_000_000,  # a megabyte of openings: refused before any parsing
    b'["' + b"[" * 1_000_000 + b'"]' + b"[" * 100,  # brackets in a string do not count, those after it do
    b'"\\"' + b"[" * 100,  # an unterminated string: its brackets count
    b"\\[" * 10 + b"[" * 100,  # escapes outside a string (not JSON): the brackets after them count
])
def test_deep_or_hostile_bodies_are_refused_quickly_as_malformed(body):
    start = time.perf_counter()
    with pytest.raises(CheckFailed) as refused:
        parse_json(body)
    assert (refused.value.check, refused.value.code) == ("format", "MALFORMED")
    assert time.perf_counter() - start < 5  # linear work (a guard against a runaway, not a speed test)


def test_brackets_inside_strings_do_not_count():
    body = json.dumps({"a": "[" * 500, "b": ["{" * 500, '\\"' + "[" * 500]}).encode()
    assert json_depth(body) == 2
    assert parse_json(body)["a"] == "[" * 500


@pytest.mark.parametrize("body, detail", [
    (b'{"a": 1, "a": 2}', "duplicate keys"),
    (b'{"a": NaN}', "not a JSON number"),
    (b"\xff\xfe", "not UTF-8"),
    (b'{"a": ', "not JSON"),
])
def test_what_a_credential_never_needs_is_refused(body, detail):
    with pytest.raises(CheckFailed) as refused:
        parse_json(body)
    assert refused.value.code == "MALFORMED" and detail in refused.value.detail
