"""Working days for deadlines: weekends and the public holidays of the Algemene termijnenwet.

DOMAIN.md "Rule semantics": New Year, Easter Monday, King's Day, Liberation Day (every year),
Ascension Day, Whit Monday, Christmas and Boxing Day; not Good Friday. The `holidays` library keeps
the moving feasts and King's Day's Sunday rule; we drop Good Friday and add 5 May every year.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

SATURDAY = 5


@lru_cache(maxsize=64)
def termijnenwet_holidays(year: int) -> frozenset[date]:
    days = set(holidays.country_holidays("NL", years=year))
    days.discard(easter(year) - timedelta(days=2))  # Good Friday is not in the Algemene termijnenwet
    days.add(date(year, 5, 5))  # Liberation Day counts every year under the Algemene termijnenwet
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in termijnenwet_holidays(day.year)


def add_working_days(start: date, working_days: int) -> date:
    """The date `working_days` working days after `start` (the start day itself not counted)."""
    day = start
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
