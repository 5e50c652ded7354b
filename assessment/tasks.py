"""Celery tasks of the assessment app: thin, idempotent, explicit names."""

from __future__ import annotations

from celery import shared_task

from .services import (
    orders_scan,
    periods_ask_to_freeze,
    periods_open_current,
    recompute_open_periods,
    recompute_pending,
)
from .services.scoring import RECOMPUTE_PENDING_TASK


@shared_task(name="assessment.recompute_periods", max_retries=2)
def recompute_periods_task(*, period_ids: list[int] | None = None) -> list[int]:
    """Recompute the given open periods (all open ones when None); frozen periods are skipped."""
    return recompute_open_periods(period_ids)


@shared_task(name="assessment.open_current_periods")
def open_current_periods_task() -> list[int]:
    """Open the new quarter's (year's) period on its first night (Art. 25); idempotent."""
    return [period.pk for period in periods_open_current()]


@shared_task(name="assessment.ask_to_freeze_periods")
def ask_to_freeze_periods_task() -> dict:
    """Ask the leaders to freeze ended periods once ready, weekly until frozen (Art. 25)."""
    return periods_ask_to_freeze().as_dict()


@shared_task(name=RECOMPUTE_PENDING_TASK, max_retries=2)
def recompute_pending_task() -> list[int]:
    """Recompute the open periods whose facts changed since their last computation.

    Sent after each commit that changed a fact, and run every minute by beat; a period already
    computed after its latest change is skipped, so repeated runs cost one query.
    """
    return recompute_pending()


@shared_task(name="assessment.scan_rectification_orders")
def scan_rectification_orders_task() -> dict:
    """Remind before and flag after the deadline of rectification orders (Art. 28)."""
    return orders_scan().as_dict()
