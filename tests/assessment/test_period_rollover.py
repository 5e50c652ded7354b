"""A new quarter (year) opens its assessment period by itself on its first night (Art. 25).

Seen on the demo played from 2026-12-06 to 2027-01-31 with every beat schedule
(tests/zhengxiang_portal/test_eight_weeks_under_beat.py): no 2027 period ever existed, so the
December data due in January, the overdue weekly uploads of January and the late answers of
January were scored nowhere, and the dashboard kept showing 2026年第4季度 a month into 2027.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from assessment.models import Indicator, Period
from assessment.services import period_create, periods_open_current
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def _at(day: dt.date, hour: int = 0, minute: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def test_the_first_night_of_a_quarter_opens_it_with_the_last_quarters_scheme(world):
    with time_machine.travel(_at(dt.date(2026, 11, 2)), tick=False):
        q4 = period_create(actor=world.leader, kind=Period.Kind.QUARTER, year=2026, quarter=4)
    Indicator.objects.filter(scheme__period=q4, kind="manual").update(description="年终述职评议")

    # On the last night of the quarter nothing opens
    with time_machine.travel(_at(dt.date(2026, 12, 31)), tick=False):
        assert periods_open_current() == []
    # On the first night of the next one, its period opens, once, and the group is told once
    with time_machine.travel(_at(dt.date(2027, 1, 1)), tick=False):
        (q1,) = periods_open_current()
        assert periods_open_current() == []
    assert (q1.kind, q1.year, q1.quarter, q1.start, q1.end) == (
        Period.Kind.QUARTER,
        2027,
        1,
        dt.date(2027, 1, 1),
        dt.date(2027, 3, 31),
    )
    scheme = {(i.kind, i.description) for i in Indicator.objects.filter(scheme__period=q1)}
    assert ("manual", "年终述职评议") in scheme
    told = Notification.objects.filter(key=f"period:{q1.pk}:opened")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["wgl", "wgm"]
    entry = LedgerEntry.objects.filter(details__event="period_opened").get()
    assert entry.details["told"] == ["wgl", "wgm"]


def test_a_kind_the_group_never_opened_is_not_opened_for_it(world):
    with time_machine.travel(_at(dt.date(2026, 11, 2)), tick=False):
        period_create(actor=world.leader, kind=Period.Kind.QUARTER, year=2026, quarter=4)
    with time_machine.travel(_at(dt.date(2027, 1, 1)), tick=False):
        opened = periods_open_current()
    assert [p.kind for p in opened] == [Period.Kind.QUARTER]
    assert not Period.objects.filter(kind=Period.Kind.YEAR).exists()


def test_nothing_opens_before_the_group_opened_any_period(world):
    with time_machine.travel(_at(dt.date(2027, 1, 1)), tick=False):
        assert periods_open_current() == []
    assert not Period.objects.exists()


def test_a_period_the_group_opened_ahead_is_not_opened_twice(world):
    with time_machine.travel(_at(dt.date(2026, 12, 20)), tick=False):
        period_create(actor=world.leader, kind=Period.Kind.QUARTER, year=2026, quarter=4)
        period_create(actor=world.leader, kind=Period.Kind.QUARTER, year=2027, quarter=1)
    with time_machine.travel(_at(dt.date(2027, 1, 1)), tick=False):
        assert periods_open_current() == []
    assert Period.objects.count() == 2
