"""Celery tasks of the assessment app: thin, idempotent, explicit names."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="assessment.recompute_periods", max_retries=2)
def recompute_periods_task(*, period_ids: list[int] | None = None) -> list[int]:
    """Recompute the given open periods (all open ones when None); frozen periods are skipped."""
    from .services import recompute_open_periods

    return recompute_open_periods(period_ids)


@shared_task(name="assessment.recompute_pending", max_retries=2)
def recompute_pending_task() -> list[int]:
    """Recompute the open periods whose facts changed since their last computation.

    Sent after each commit that changed a fact, and run every minute by beat; a period already
    computed after its latest change is skipped, so repeated runs cost one query.
    """
    from .services import recompute_pending

    return recompute_pending()


@shared_task(name="assessment.scan_rectification_orders")
def scan_rectification_orders_task() -> dict:
    """Remind before and flag after the deadline of rectification orders (Art. 28)."""
    from .services import orders_scan

    return orders_scan().as_dict()
