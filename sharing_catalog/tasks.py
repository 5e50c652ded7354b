"""Periodic tasks of the catalog: create obligations, scan deadlines. Thin and idempotent."""

from celery import shared_task
from django.utils import timezone

from .services.obligations import obligations_generate_current, obligations_scan


@shared_task(name="sharing_catalog.generate_obligations")
def generate_obligations_task() -> int:
    """Create the current and just-ended periods' obligations (a repeat creates nothing)."""

    return obligations_generate_current(today=timezone.localdate())


@shared_task(name="sharing_catalog.scan_obligations")
def scan_obligations_task() -> dict:
    """Send due reminders, mark overdue, escalate — each notice once (state in the database)."""

    result = obligations_scan()
    return {"reminded": result.reminded, "overdue": result.overdue, "escalated": result.escalated}
