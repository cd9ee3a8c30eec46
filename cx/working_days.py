"""Working days in England and Wales: weekdays that are not bank holidays.

The response-time standard for follow-up cases counts working days. Bank holidays
follow the rules that set them (Banking and Financial Dealings Act 1971 and the
proclamations since): New Year's Day, Good Friday, Easter Monday, the early May
bank holiday (first Monday of May), the spring bank holiday (last Monday of May),
the summer bank holiday (last Monday of August), Christmas Day and Boxing Day; a
holiday that falls at a weekend moves to the next weekday that is not already one.
One-off holidays and moved ones, proclaimed for a single year, are listed in
`_PROCLAIMED` (checked against the GOV.UK list for 2024 to 2027 in the tests).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

from dateutil.easter import easter

# Years in which a proclamation changed the usual dates: {year: (dates added, dates removed)}.
_PROCLAIMED: dict[int, tuple[tuple[date, ...], tuple[date, ...]]] = {
    2020: ((date(2020, 5, 8),), (date(2020, 5, 4),)),  # VE Day 75: early May holiday moved to Friday
    2022: ((date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)), (date(2022, 5, 30),)),  # Jubilee, funeral
    2023: ((date(2023, 5, 8),), ()),  # the coronation
}


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=last.weekday())


@functools.cache
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays in `year` (weekend holidays already moved to their substitutes)."""
    good_friday = easter(year) - timedelta(days=2)
    fixed = [good_friday, good_friday + timedelta(days=3), _first_monday(year, 5), _last_monday(year, 5),
             _last_monday(year, 8)]
    days = set(fixed)
    for holiday in (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)):
        substitute = holiday
        while substitute.weekday() >= 5 or substitute in days:
            substitute += timedelta(days=1)
        days.add(substitute)
    added, removed = _PROCLAIMED.get(year, ((), ()))
    return frozenset((days - set(removed)) | set(added))


def is_working_day(day: date) -> bool:
    """True for a Monday to Friday that is not an England and Wales bank holiday."""
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The working day that is exactly `days` working days after `start` (which itself does not count).

    A case opened on a Saturday with a standard of 1 working day is due on the
    Monday (or the Tuesday, if Monday is a bank holiday). Raises ValueError for
    fewer than one day: a standard is at least one working day.
    """
    if days < 1:
        raise ValueError("Response-time standard: give at least one working day.")
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current):
            counted += 1
    return current


def working_days_between(start: date, end: date) -> int:
    """How many working days fall after `start` up to and including `end` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count
