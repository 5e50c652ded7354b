"""Scores recompute by themselves after a fact changes (Art. 25): after commit, coalesced per
period, caught up by a scan every minute, and nightly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import transaction

from assessment.models import PendingRecompute, Period, UnitResult
from assessment.services import period_freeze, period_recompute
from assessment.services import scoring as scoring_module
from assessment.tasks import recompute_pending_task
from tests.factories import CollaborationRequestFactory, PeriodFactory
from zhengxiang_portal.core.dispatch import _Once
from zhengxiang_portal.core.schedules import registered_schedules

from .conftest import at, refuse_unjustified

pytestmark = pytest.mark.django_db


@pytest.fixture
def recomputes(monkeypatch):
    """The periods recomputed, in order (a spy around the real `period_recompute`)."""
    done: list[int] = []

    def spy(*, period, actor=None):
        done.append(period.pk)
        return period_recompute(period=period, actor=actor)

    monkeypatch.setattr(scoring_module, "period_recompute", spy)
    return done


@pytest.fixture
def queued(monkeypatch):
    """Hold the task messages instead of running them, as a busy broker would."""
    sent: list[str] = []
    monkeypatch.setattr(scoring_module, "send_task_now", lambda task, **kw: sent.append(task.name))
    return sent


def _total(period, unit) -> D | None:
    return UnitResult.objects.get(period=period, unit=unit).total


def test_the_scan_runs_every_minute_and_the_full_recompute_nightly():
    schedules = {s.task: s for s in registered_schedules()}
    assert schedules["assessment.recompute_pending"].every_seconds == 60
    assert schedules["assessment.recompute_periods"].crontab == "30 1 * * *"


def test_a_ruling_changes_the_score_after_commit_without_anyone_pressing_recompute(
    world, q4, ruler, recomputes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        req = CollaborationRequestFactory(
            actor=world.staff,
            target_unit=world.market,
            accepted_by=world.market_liaison,
            raised_at=at(dt.date(2026, 11, 30)),
        )  # due 12-07, never answered
    with time_machine.travel(at(dt.date(2026, 12, 9)), tick=False):
        period_recompute(period=q4)
    assert _total(q4, world.market) == D("50.00")  # see test_as_of: overdue request
    recomputes.clear()
    with (
        time_machine.travel(at(dt.date(2026, 12, 9)), tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        refuse_unjustified(world, req, ruler, dt.date(2026, 12, 9))
    # three steps (refuse, contest, rule), each a ledger entry: one callback, one recompute
    assert len([c for c in callbacks if isinstance(c, _Once)]) == 1
    assert recomputes == [q4.pk]
    assert _total(q4, world.market) == D("33.33")


def test_many_changes_before_the_task_runs_make_one_recompute_per_period(
    world, q4, recomputes, queued, django_capture_on_commit_callbacks
):
    year = PeriodFactory(actor=world.leader, kind=Period.Kind.YEAR)
    for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 1), dt.date(2026, 12, 2)):
        with django_capture_on_commit_callbacks(execute=True):  # one transaction each
            CollaborationRequestFactory(
                actor=world.staff,
                target_unit=world.market,
                accepted_by=world.market_liaison,
                raised_at=at(day),
            )
    assert queued == ["assessment.recompute_pending"] * 3
    assert set(PendingRecompute.objects.values_list("period_id", flat=True)) == {q4.pk, year.pk}
    for _message in queued:
        recompute_pending_task.delay()
    assert sorted(recomputes) == sorted([q4.pk, year.pk])  # once each, not three times
    # a later change makes them stale again
    with django_capture_on_commit_callbacks(execute=True):
        CollaborationRequestFactory(
            actor=world.staff,
            target_unit=world.market,
            accepted_by=world.market_liaison,
            raised_at=at(dt.date(2026, 12, 3)),
        )
    recompute_pending_task.delay()
    assert len(recomputes) == 4


def test_nothing_changed_means_nothing_is_recomputed(world, q4, recomputes):
    assert recompute_pending_task.delay().get() == []
    assert recomputes == []


def test_a_frozen_period_is_not_recomputed_and_its_mark_is_dropped(
    world, q4, recomputes, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        CollaborationRequestFactory(
            actor=world.staff,
            target_unit=world.market,
            accepted_by=world.market_liaison,
            raised_at=at(dt.date(2026, 11, 30)),
        )
    period_freeze(actor=world.leader, period=q4)
    assert recompute_pending_task.delay().get() == []
    assert recomputes == []
    assert not PendingRecompute.objects.exists()


def test_a_change_rolled_back_asks_for_nothing_and_the_next_one_asks_again(
    world, q4, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            CollaborationRequestFactory(
                actor=world.staff,
                target_unit=world.market,
                accepted_by=world.market_liaison,
                raised_at=at(dt.date(2026, 11, 30)),
            )
            raise RuntimeError
        CollaborationRequestFactory(
            actor=world.staff,
            target_unit=world.market,
            accepted_by=world.market_liaison,
            raised_at=at(dt.date(2026, 12, 1)),
        )
    assert len([c for c in callbacks if isinstance(c, _Once)]) == 1
    assert queued == ["assessment.recompute_pending"]
