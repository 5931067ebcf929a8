"""Settlement and report periods: calendar quarters and months, Amsterdam-local (DESIGN.md "Units and time")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

QUARTER_PATTERN = re.compile(r"^(\d{4})-K([1-4])$")
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
DUTCH_MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A run of whole days, both ends included."""

    start: date
    end: date
    label: str

    @property
    def months(self) -> list[date]:
        """The first day of every calendar month the period touches."""
        months, current = [], month_start(self.start)
        while current <= self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def contains(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Quarter(Period):
    year: int = 0
    number: int = 0

    @classmethod
    def of(cls, year: int, number: int) -> Quarter:
        start = date(year, 3 * (number - 1) + 1, 1)
        end = add_months(start, 3) - timedelta(days=1)
        return cls(start=start, end=end, label=f"{year}-K{number}", year=year, number=number)

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls.of(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """'2026-K1' → the first quarter of 2026; a clear Dutch message otherwise."""
        match = QUARTER_PATTERN.match((text or "").strip().upper())
        if not match:
            raise ValueError(_("Give a quarter as YYYY-K1 to YYYY-K4, for example 2026-K1."))
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            raise ValueError(_("Give a year between 2000 and 2100."))
        return cls.of(year, int(match.group(2)))

    def previous(self) -> Quarter:
        return Quarter.containing(self.start - timedelta(days=1))

    def next(self) -> Quarter:
        return Quarter.containing(self.end + timedelta(days=1))

    @property
    def dutch_name(self) -> str:
        return f"{self.number}e kwartaal {self.year}"


def month_period(month: date) -> Period:
    start = month_start(month)
    return Period(start=start, end=add_months(start, 1) - timedelta(days=1), label=f"{start:%Y-%m}")


def parse_month(text: str) -> Period:
    match = MONTH_PATTERN.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(_("Give a month as YYYY-MM, for example 2026-03."))
    return month_period(date(int(match.group(1)), int(match.group(2)), 1))


def dutch_month_name(month: date) -> str:
    return f"{DUTCH_MONTHS[month.month - 1]} {month.year}"


def last_complete_quarter(today: date) -> Quarter:
    return Quarter.containing(today).previous()


def recent_quarters(today: date, count: int = 6) -> list[Quarter]:
    """The current quarter and the ones before it, newest first (for pickers)."""
    quarters, current = [], Quarter.containing(today)
    for _index in range(count):
        quarters.append(current)
        current = current.previous()
    return quarters
