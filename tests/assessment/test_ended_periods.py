"""An ended period that nobody has frozen yet (Art. 25): the nightly recompute goes on, for facts
that change late (an objection ruled, a calendar corrected), but the 台账 records only the
recomputations that changed a score."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from assessment.services import period_recompute
from assessment.tasks import recompute_periods_task
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

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
