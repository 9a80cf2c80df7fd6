from __future__ import annotations

from datetime import date

import pytest

from issuer.domain.calendar import (
    add_working_days,
    is_semester_id,
    parse_holidays,
    semester_order,
    working_days_between,
)
from issuer.errors import ConfigurationError

XMAS = frozenset({date(2024, 12, 25), date(2024, 12, 26)})
NONE: frozenset[date] = frozenset()


def test_reference_weekdays():
    # The tables below rely on these: 2024-12-06 is a Friday, 2024-12-25 a Wednesday.
    assert date(2024, 12, 6).strftime("%a") == "Fri"
    assert date(2024, 12, 25).strftime("%a") == "Wed"


@pytest.mark.parametrize(
    ("start", "n", "holidays", "expected"),
    [
        (date(2024, 12, 2), 2, NONE, date(2024, 12, 4)),
        (date(2024, 12, 6), 1, NONE, date(2024, 12, 9)),
        (date(2024, 12, 5), 2, NONE, date(2024, 12, 9)),
        (date(2024, 12, 7), 1, NONE, date(2024, 12, 9)),
        (date(2024, 12, 6), 0, NONE, date(2024, 12, 6)),
        (date(2024, 12, 7), 0, NONE, date(2024, 12, 7)),
        (date(2024, 12, 23), 2, XMAS, date(2024, 12, 27)),
        (date(2024, 12, 24), 1, XMAS, date(2024, 12, 27)),
        (date(2024, 12, 24), 3, XMAS, date(2024, 12, 31)),
        (date(2024, 12, 9), -1, NONE, date(2024, 12, 6)),
        (date(2024, 12, 27), -1, XMAS, date(2024, 12, 24)),
    ],
    ids=["mid-week", "fri+1-is-mon", "thu+2-over-weekend", "sat+1-is-mon", "zero", "zero-on-weekend",
         "over-holidays", "holiday-after-start", "holidays-and-weekend", "backwards-over-weekend",
         "backwards-over-holidays"],
)
def test_add_working_days(start, n, holidays, expected):
    assert add_working_days(start, n, holidays) == expected


@pytest.mark.parametrize(
    ("start", "end", "holidays", "expected"),
    [
        (date(2024, 12, 2), date(2024, 12, 2), NONE, 0),
        (date(2024, 12, 6), date(2024, 12, 9), NONE, 1),
        (date(2024, 12, 6), date(2024, 12, 8), NONE, 0),
        (date(2024, 12, 23), date(2024, 12, 27), XMAS, 2),
        (date(2024, 12, 23), date(2024, 12, 27), NONE, 4),
        (date(2024, 12, 9), date(2024, 12, 6), NONE, 0),
    ],
    ids=["same-day", "fri-to-mon", "fri-to-sun", "with-holidays", "without-holidays", "end-before-start"],
)
def test_working_days_between(start, end, holidays, expected):
    assert working_days_between(start, end, holidays) == expected


@pytest.mark.parametrize("n", range(0, 12))
def test_working_days_between_inverts_add(n):
    start = date(2024, 12, 20)
    assert working_days_between(start, add_working_days(start, n, XMAS), XMAS) == n


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", frozenset()),
        ("   ", frozenset()),
        ("2024-12-25", frozenset({date(2024, 12, 25)})),
        ("2024-12-25,2024-12-26", XMAS),
        ("2024-12-25 2024-12-26", XMAS),
        (" 2024-12-25 ,\n2024-12-26,, 2024-12-25 ", XMAS),
    ],
    ids=["empty", "blank", "one", "commas", "spaces", "mixed-and-repeated"],
)
def test_parse_holidays(text, expected):
    assert parse_holidays(text) == expected


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("2024-12-25,25/12/2024", "25/12/2024"),
        ("2024-02-30", "2024-02-30"),
        ("2024-12-25;2024-12-26", "2024-12-25;2024-12-26"),
        ("20241225", "20241225"),
    ],
    ids=["slashes", "no-such-day", "semicolon", "basic-format"],
)
def test_parse_holidays_names_the_bad_entry(text, bad):
    with pytest.raises(ConfigurationError, match=f"'{bad}'"):
        parse_holidays(text)


def test_semester_order():
    names = ["2025-spring", "2024-autumn", "2024-spring", "2023-autumn"]
    assert sorted(names, key=semester_order) == ["2023-autumn", "2024-spring", "2024-autumn", "2025-spring"]


@pytest.mark.parametrize(
    ("name", "valid"),
    [("2024-autumn", True), ("2025-spring", True), ("2024-summer", False), ("24-autumn", False),
     ("2024-Autumn", False), ("2024-autumn ", False)],
)
def test_is_semester_id(name, valid):
    assert is_semester_id(name) is valid


def test_semester_order_rejects_a_bad_name():
    with pytest.raises(ValueError, match="2024-summer"):
        semester_order("2024-summer")
