import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services import ledger_publish_daily_digest


@shared_task(name="ledger.publish_daily_digest")
def publish_daily_digest_task() -> None:
    """Publish yesterday's chain head (run shortly after midnight)."""
    ledger_publish_daily_digest(day=timezone.localdate() - dt.timedelta(days=1))
