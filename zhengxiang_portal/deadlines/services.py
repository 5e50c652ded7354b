"""Writes to the working-day calendar."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from .calendar import overrides_changed
from .models import CalendarOverride


@transaction.atomic
def calendar_override_set(
    *, day: dt.date, is_working_day: bool, note: str = ""
) -> CalendarOverride:
    """Declare `day` a working day or a rest day, overriding the holiday package."""
    override, _created = CalendarOverride.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "note": note}
    )
    # Forget now (this transaction sees the new row) and again at commit (other processes).
    overrides_changed()
    transaction.on_commit(overrides_changed)
    return override


@transaction.atomic
def calendar_override_delete(*, day: dt.date) -> None:
    CalendarOverride.objects.filter(day=day).delete()
    overrides_changed()
    transaction.on_commit(overrides_changed)
