from celery import shared_task

from .selectors import notification_pending_email_ids
from .services import EMAIL_TASK, notification_send_email


@shared_task(name=EMAIL_TASK, acks_late=True, max_retries=3)
def send_notification_emails_task(*, notification_ids: list[int]) -> int:
    """Mail the given notifications; safe to re-run (each is claimed and sent once)."""
    return sum(notification_send_email(notification_id=pk) for pk in notification_ids)


@shared_task(name="notifications.sweep_pending_emails")
def sweep_pending_emails_task() -> int:
    """Re-send what a lost task or a broker outage left pending."""
    return sum(
        notification_send_email(notification_id=pk) for pk in notification_pending_email_ids()
    )
