"""Celery tasks of the working-day calendar: thin, idempotent, named."""

from celery import shared_task

from .warnings import calendar_missing_notify


@shared_task(name="deadlines.calendar_missing_scan", acks_late=True, max_retries=3)
def calendar_missing_scan_task() -> dict:
    """Tell the calendar's keepers of a missing year's schedule; safe to run twice."""
    missing, notified = calendar_missing_notify()
    return {"missing": missing, "notified": notified}
