"""Celery tasks and schedules: recompute on fact changes and nightly; scan orders hourly."""

import datetime as dt

import pytest

from assessment.models import RectificationOrder, Score
from assessment.services import (
    assessment_recompute_async,
    open_period_ids_covering,
    period_freeze,
)
from assessment.tasks import recompute_periods_task, scan_rectification_orders_task
from tests.factories import PeriodFactory, RectificationOrderFactory
from zhengxiang_portal.core.schedules import registered_schedules

from .conftest import FakeStats

pytestmark = pytest.mark.django_db


def test_beat_schedules_nightly_recompute_and_hourly_order_scan():
    tasks = {s.task: s.crontab for s in registered_schedules()}
    assert tasks["assessment.recompute_periods"] == "30 1 * * *"
    assert tasks["assessment.scan_rectification_orders"] == "15 * * * *"


def test_fact_change_hook_recomputes_the_open_periods_covering_the_day(
    world, q3, fake_sources, django_capture_on_commit_callbacks
):
    fake_sources.requests[world.market.pk] = FakeStats(received=1, answered_on_time=1)
    assert open_period_ids_covering(dt.date(2026, 8, 1)) == [q3.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assessment_recompute_async(open_period_ids_covering(dt.date(2026, 8, 1)))
    assert Score.objects.filter(period=q3, unit=world.market).exists()


def test_nightly_task_recomputes_open_periods_and_skips_frozen_ones(world, q3, fake_sources):
    q4 = PeriodFactory(quarter=4)
    period_freeze(actor=world.leader, period=q4)
    assert recompute_periods_task.delay().get() == [q3.pk]
    assert recompute_periods_task.delay(period_ids=[q3.pk]).get() == [q3.pk]  # idempotent


def test_order_scan_task_runs_the_scan(world):
    RectificationOrderFactory(
        actor=world.leader, unit=world.market, failure="not_cooperating", facts="逾期未答复。",
        requirement="答复。", working_days=1, today=dt.date(2026, 1, 5),
    )  # fmt: skip
    assert scan_rectification_orders_task.delay().get()["overdue"] == 1
    assert RectificationOrder.objects.get().overdue_at is not None
