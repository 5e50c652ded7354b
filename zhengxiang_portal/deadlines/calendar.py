"""The one deadline engine: working days under China's statutory holidays and make-up workdays.

Source of truth, in order: an admin's `CalendarOverride` for the day; the State Council schedule
an admin entered for the day's year (`OfficialYear`: its holidays and 调休 make-up workdays, other
days Monday–Friday); for a year not entered, the `holidays` package's China calendar (official
only through `CALENDAR_PACKAGE_OFFICIAL_THROUGH`; later it guesses rule-based holidays without
make-up workdays, so deadlines keep working at a year boundary and the admins are warned, see
`missing_years`). Used by catalog obligations, objections and collaboration
requests alike (Art. 7: 不得无故拖延 needs one shared notion of "on time").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.conf import settings
from django.core.cache import cache

from .models import CalendarOverride, OfficialDay, OfficialYear

_CALENDAR_CACHE_KEY = "deadlines:calendar:v2"
_CALENDAR_TTL_S = 300  # admin edits clear the key at once; the TTL only bounds a stale worker


@lru_cache(maxsize=64)
def _china_year(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def _package_is_working_day(day: dt.date) -> bool:
    return bool(_china_year(day.year).is_working_day(day))


@dataclass(frozen=True)
class CalendarData:
    """What admins entered: overrides, and the official days of each entered year."""

    overrides: dict[dt.date, bool]
    official_days: dict[dt.date, bool]
    entered_years: frozenset[int]


def calendar_data() -> CalendarData:
    """The entered calendar, cached (three small queries at most every few minutes)."""
    cached = cache.get(_CALENDAR_CACHE_KEY)
    if cached is None:
        cached = CalendarData(
            overrides=dict(CalendarOverride.objects.values_list("day", "is_working_day")),
            official_days=dict(OfficialDay.objects.values_list("day", "is_working_day")),
            entered_years=frozenset(OfficialYear.objects.values_list("year", flat=True)),
        )
        cache.set(_CALENDAR_CACHE_KEY, cached, _CALENDAR_TTL_S)
    return cached


def calendar_changed() -> None:
    """Forget the cached calendar; call after any override or official-schedule write."""
    cache.delete(_CALENDAR_CACHE_KEY)


def known_year(year: int, data: CalendarData | None = None) -> bool:
    """True when `year` follows an official schedule: entered, or carried by the package."""
    data = data or calendar_data()
    return year in data.entered_years or year <= settings.CALENDAR_PACKAGE_OFFICIAL_THROUGH


def missing_years(today: dt.date, data: CalendarData | None = None) -> list[int]:
    """Years whose official schedule the portal needs and does not have, as of `today`.

    This year always; next year from `CALENDAR_WARNING_FROM` (default 11-01: the State Council
    usually publishes the next year's schedule in late October or November).
    """
    data = data or calendar_data()
    month, day = (int(part) for part in settings.CALENDAR_WARNING_FROM.split("-"))
    needed = [today.year]
    if (today.month, today.day) >= (month, day):
        needed.append(today.year + 1)
    return [year for year in needed if not known_year(year, data)]


class WorkingCalendar:
    """A working-day calendar with a fixed set of entries (load once per scan, reuse per row).

    With no arguments it is the portal's calendar as entered. Given `overrides` alone it is the
    package's calendar with exactly those overrides and no entered schedule (no database read);
    given `data`, exactly that data.
    """

    def __init__(
        self, overrides: dict[dt.date, bool] | None = None, data: CalendarData | None = None
    ) -> None:
        if data is None:
            data = (
                calendar_data()
                if overrides is None
                else CalendarData(overrides=overrides, official_days={}, entered_years=frozenset())
            )
        self._overrides = data.overrides
        self._official = data.official_days
        self._entered_years = data.entered_years

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
        if day in self._official:
            return self._official[day]
        if day.year in self._entered_years:
            return day.weekday() < 5
        return _package_is_working_day(day)

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """Return the date `days` working days after `start` (start itself not counted).

        With days == 0, return `start` if it is a working day, else the next working day.
        """
        if days < 0:
            raise ValueError("days must be >= 0")
        current = start
        if days == 0:
            while not self.is_working_day(current):
                current += dt.timedelta(days=1)
            return current
        counted = 0
        while counted < days:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                counted += 1
        return current

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Count working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        current = start
        while current < end:
            current += dt.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return sign * count

    def working_days(self, days: Iterable[dt.date]) -> list[dt.date]:
        return [d for d in days if self.is_working_day(d)]


def add_working_days(start: dt.date, days: int) -> dt.date:
    """Return the date `days` working days after `start`, with the current overrides."""
    return WorkingCalendar().add_working_days(start, days)


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingCalendar().working_days_between(start, end)
