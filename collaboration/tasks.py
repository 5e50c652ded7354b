"""Celery tasks of the collaboration app: thin, idempotent, named."""

from celery import shared_task

from zhengxiang_portal.core.dispatch import send_task_now

from .services import case_return_scan, request_deadline_scan


@shared_task(name="collaboration.deadline_scan", acks_late=True, max_retries=3)
def deadline_scan_task() -> dict:
    """Run the reminder / overdue / escalation scan; safe to run twice or concurrently.

    A batch that came back full means more rows are due: run once more right away (a plain
    message, not an ETA task).
    """
    result = request_deadline_scan()
    if result.more:
        send_task_now(deadline_scan_task)
    return {
        "reminded": result.reminded,
        "overdue": result.overdue,
        "escalated": result.escalated,
        "notifications": result.notifications,
    }


@shared_task(name="collaboration.case_return_scan", acks_late=True, max_retries=3)
def case_return_scan_task() -> dict:
    """Remind and flag overdue the returned cases' handling deadlines (Art. 6(三)); idempotent."""
    return case_return_scan().as_dict()
