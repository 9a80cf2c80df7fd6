"""Working days, holidays and semester order. Pure: every date, and the holidays, are arguments."""
from __future__ import annotations

import re
from datetime import date, timedelta

from issuer.errors import ConfigurationError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEMESTER = re.compile(r"(\d{4})-(spring|autumn)")
_SEASON_ORDER = {"spring": 0, "autumn": 1}


def is_working_day(d: date, holidays: frozenset[date]) -> bool:
    """True when ``d`` is a Monday to Friday that is not one of ``holidays``."""
    return d.weekday() < 5 and d not in holidays


def add_working_days(d: date, n: int, holidays: frozenset[date]) -> date:
    """The date ``n`` working days after ``d`` (before it when ``n`` is negative).

    ``d`` itself is never counted, working day or not: Friday + 1 is Monday, Saturday + 1 is
    Monday, Friday + 0 is Friday.
    """
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_working_day(d, holidays):
            remaining -= 1
    return d


def working_days_between(start: date, end: date, holidays: frozenset[date]) -> int:
    """The number of working days after ``start`` up to and including ``end`` (0 if ``end <= start``).

    It is the inverse of :func:`add_working_days` for working-day ends:
    ``working_days_between(d, add_working_days(d, n, h), h) == n`` for ``n >= 0``.
    """
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day, holidays)
    return count


def parse_holidays(text: str) -> frozenset[date]:
    """Parse the ``ISSUER_HOLIDAYS`` format: ISO dates (``YYYY-MM-DD``) separated by commas or
    whitespace. An empty or blank text means no holidays.

    :raise ConfigurationError: naming the first entry that is not a valid ISO date.
    """
    holidays = set()
    for entry in re.split(r"[,\s]+", text.strip()):
        if entry:
            holidays.add(_parse_holiday(entry))
    return frozenset(holidays)


def _parse_holiday(entry: str) -> date:
    if _ISO_DATE.fullmatch(entry):
        try:
            return date.fromisoformat(entry)
        except ValueError:
            pass
    raise ConfigurationError(f"ISSUER_HOLIDAYS: {entry!r} is not a date in the form YYYY-MM-DD")


def is_semester_id(semester: str) -> bool:
    """True for semester names such as ``2024-autumn`` and ``2025-spring``."""
    return _SEMESTER.fullmatch(semester) is not None


def semester_order(semester: str) -> tuple[int, int]:
    """A sort key putting semesters in time order: 2024-spring < 2024-autumn < 2025-spring.

    :raise ValueError: when ``semester`` is not a semester name (see :func:`is_semester_id`).
    """
    match = _SEMESTER.fullmatch(semester)
    if match is None:
        raise ValueError(f"not a semester name: {semester!r}")
    return int(match.group(1)), _SEASON_ORDER[match.group(2)]
