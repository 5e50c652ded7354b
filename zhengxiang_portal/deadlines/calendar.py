"""The one deadline engine: working days under China's statutory holidays and make-up workdays.

Source of truth, in order: an admin's `CalendarOverride` for the day; the `holidays` package's
China calendar (statutory holidays and 调休 make-up workdays; it keeps computing rule-based holidays
for years whose official schedule is not yet published, so deadlines never stop working at a year
boundary); otherwise Monday–Friday. Used by catalog obligations, objections and collaboration
requests alike (Art. 7: 不得无故拖延 needs one shared notion of "on time").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays
from django.core.cache import cache

_OVERRIDES_CACHE_KEY = "deadlines:overrides:v1"
_OVERRIDES_TTL_S = 300  # admin edits clear the key at once; the TTL only bounds a stale worker


@lru_cache(maxsize=64)
def _china_year(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def _package_is_working_day(day: dt.date) -> bool:
    return bool(_china_year(day.year).is_working_day(day))


def _overrides() -> dict[dt.date, bool]:
    cached = cache.get(_OVERRIDES_CACHE_KEY)
    if cached is None:
        from .models import CalendarOverride

        cached = {o.day: o.is_working_day for o in CalendarOverride.objects.all()}
        cache.set(_OVERRIDES_CACHE_KEY, cached, _OVERRIDES_TTL_S)
    return cached


def overrides_changed() -> None:
    """Forget cached overrides; call after any CalendarOverride write."""
    cache.delete(_OVERRIDES_CACHE_KEY)


class WorkingCalendar:
    """A working-day calendar with a fixed set of overrides (load once per scan, reuse per row)."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self._overrides = _overrides() if overrides is None else overrides

    def is_working_day(self, day: dt.date) -> bool:
        if day in self._overrides:
            return self._overrides[day]
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
