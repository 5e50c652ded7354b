"""An ended period that nobody has frozen yet (Art. 25): the nightly recompute goes on, for facts
that change late (an objection ruled, a calendar corrected), but the 台账 records only the
recomputations that changed a score; and once its last facts are judgeable the working group's
leaders are asked to freeze it, and reminded weekly until they do."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from assessment.services import period_freeze, period_freeze_ready_on, period_recompute
from assessment.tasks import ask_to_freeze_periods_task, recompute_periods_task
from tests.factories import PeriodFactory
from zhengxiang_portal.core.schedules import registered_schedules
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

from .conftest import FakeStats, at

pytestmark = pytest.mark.django_db


def _recompute_entries(period) -> list[dict]:
    return [
        e.details
        for e in LedgerEntry.objects.filter(
            action=LedgerAction.ASSESSMENT, target_id=str(period.pk), details__event="recompute"
        ).order_by("seq")
    ]


def _nightly(day: dt.date) -> None:
    with time_machine.travel(at(day, 1), tick=False):
        recompute_periods_task.delay().get()


def test_nightly_runs_of_an_ended_period_that_change_nothing_leave_no_ledger_entry(
    world, q3, fake_sources
):
    # Given the third quarter (ended 09-30), computed once on a December night
    fake_sources.requests[world.market.pk] = FakeStats(received=2, answered_on_time=2)
    _nightly(dt.date(2026, 12, 7))
    assert [e["as_of"] for e in _recompute_entries(q3)] == ["2026-09-30"]

    # When it is recomputed on the next nights with the same facts
    _nightly(dt.date(2026, 12, 8))
    _nightly(dt.date(2026, 12, 9))

    # Then nothing more is recorded: nothing changed
    assert len(_recompute_entries(q3)) == 1
    q3.refresh_from_db()
    assert timezone.localdate(q3.computed_at) == dt.date(2026, 12, 9)  # it did run


def test_a_late_fact_that_changes_a_score_is_recorded_with_the_unit_it_changed(
    world, q3, fake_sources
):
    fake_sources.requests[world.market.pk] = FakeStats(received=2, answered_on_time=2)
    _nightly(dt.date(2026, 12, 7))
    # a request of the quarter whose answer is now known to have been late (say, a ruling)
    fake_sources.requests[world.market.pk] = FakeStats(
        received=2, answered_on_time=1, answered_late=1
    )
    _nightly(dt.date(2026, 12, 8))
    _nightly(dt.date(2026, 12, 9))
    _first, second = _recompute_entries(q3)
    assert second["units_changed"] == [world.market.code]
    assert second["changed"] >= 1
    assert second["as_of"] == "2026-09-30"


def test_a_recomputation_a_person_asks_for_is_recorded_even_when_nothing_changed(
    world, q3, fake_sources
):
    with time_machine.travel(at(dt.date(2026, 12, 7), 10), tick=False):
        period_recompute(period=q3)
        period_recompute(period=q3, actor=world.leader)
    entries = _recompute_entries(q3)
    assert len(entries) == 2
    assert (entries[1]["changed"], entries[1]["units_changed"]) == (0, [])


# --- the leaders are asked to freeze an ended period once it is ready -------------------------
#
# The 2026 schedule (国务院办公厅): 1–7 October off (国庆), Saturday 10 October worked. Ten working
# days after the third quarter's end (Wednesday 30 September) are 8, 9, 10 (Sat), 12 … 16, 19 and
# 20 October: it is ready on Tuesday 20 October.
Q3_READY = dt.date(2026, 10, 20)


def _ask(day: dt.date) -> None:
    with time_machine.travel(at(day, 9), tick=False):
        ask_to_freeze_periods_task.delay().get()


def _asked(period) -> list[tuple[str, str, dt.date, str]]:
    """(recipient, subject, local day, link) of each freeze notice about the period, in order."""
    return [
        (n.recipient.username, n.subject, timezone.localdate(n.created_at), n.url)
        for n in Notification.objects.filter(
            kind="period_freeze_ready", key__startswith=f"period:{period.pk}:"
        )
        .select_related("recipient")
        .order_by("created_at", "pk")
    ]


def test_the_engine_counts_ten_working_days_after_the_third_quarter_as_the_schedule_says(q3):
    assert period_freeze_ready_on(q3) == Q3_READY


def test_the_leader_is_told_once_on_the_day_the_period_is_ready_and_weekly_until_it_is_frozen(
    world, q3
):
    link = f"/assessment/?period={q3.pk}"
    # Given the third quarter, ended and open: nothing is asked the day before it is ready
    _ask(Q3_READY - dt.timedelta(days=1))
    assert _asked(q3) == []

    # When the scan runs on the day it is ready, twice, and every day of the next week
    _ask(Q3_READY)
    _ask(Q3_READY)
    day = Q3_READY
    while day < dt.date(2026, 11, 3):
        day += dt.timedelta(days=1)
        _ask(day)

    # Then the leader (not the member) is told once that day, with a link to the period's scores,
    # and reminded after each working week: 21, 22, 23, 26, 27 October; 28, 29, 30 October, 2, 3
    # November
    assert _asked(q3) == [
        ("wgl", "考核期间 2026年第3季度 可以冻结", Q3_READY, link),
        ("wgl", "提醒：考核期间 2026年第3季度 尚未冻结", dt.date(2026, 10, 27), link),
        ("wgl", "提醒：考核期间 2026年第3季度 尚未冻结", dt.date(2026, 11, 3), link),
    ]
    # and the 台账 records each notice and who was told
    entries = LedgerEntry.objects.filter(
        target_id=str(q3.pk), details__event="freeze_ask"
    ).order_by("seq")
    assert [(e.details["day"], e.details["reminder"], e.details["told"]) for e in entries] == [
        ("2026-10-20", False, ["wgl"]),
        ("2026-10-27", True, ["wgl"]),
        ("2026-11-03", True, ["wgl"]),
    ]

    # and once the leader freezes it, nobody is asked again
    period_freeze(actor=world.leader, period=q3)
    for offset in range(1, 15):
        _ask(dt.date(2026, 11, 3) + dt.timedelta(days=offset))
    assert len(_asked(q3)) == 3


def test_a_period_ready_long_ago_is_asked_on_the_next_working_day_and_weekly_from_then(world, q3):
    # Given the scan runs for the first time on a Saturday, long after the quarter was ready
    _ask(dt.date(2026, 12, 5))
    _ask(dt.date(2026, 12, 6))
    assert _asked(q3) == []
    # Then the leader hears on Monday, and a working week later, not every day in between
    for offset in range(0, 8):
        _ask(dt.date(2026, 12, 7) + dt.timedelta(days=offset))
    assert [(subject[:2], day) for _who, subject, day, _url in _asked(q3)] == [
        ("考核", dt.date(2026, 12, 7)),
        ("提醒", dt.date(2026, 12, 14)),
    ]


def test_the_working_days_to_readiness_are_a_setting(world, q3, settings):
    settings.ASSESSMENT_FREEZE_READY_WORKING_DAYS = 5  # 8, 9, 10, 12 and 13 October
    assert period_freeze_ready_on(q3) == dt.date(2026, 10, 13)
    _ask(dt.date(2026, 10, 12))
    assert _asked(q3) == []
    _ask(dt.date(2026, 10, 13))
    assert [day for _who, _s, day, _u in _asked(q3)] == [dt.date(2026, 10, 13)]


def test_a_running_period_is_never_asked(world, q3):
    q4 = PeriodFactory(quarter=4)
    _ask(dt.date(2026, 12, 7))
    assert _asked(q4) == []


def test_beat_asks_every_morning():
    schedules = {s.task: s for s in registered_schedules()}
    assert schedules["assessment.ask_to_freeze_periods"].crontab == "0 9 * * *"
