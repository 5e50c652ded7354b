import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.selectors import working_group_recipients
from zhengxiang_portal.notifications.services import notice_send

from .services import ledger_days_without_digest, ledger_publish_daily_digest


@shared_task(name="ledger.publish_daily_digest")
def publish_daily_digest_task() -> None:
    """Publish yesterday's chain head (beat: shortly after midnight) and tell the working group.

    Days missed while the worker was down are published too (a gap in the digests reads as a
    deleted digest to verify_ledger). Idempotent: the digest is unique per day and the notice
    goes out once per day's key.
    """
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for day in ledger_days_without_digest(until=yesterday):
        _publish(day)


def _publish(day: dt.date) -> None:
    digest = ledger_publish_daily_digest(day=day)
    if digest is None:
        return
    notice_send(
        to=working_group_recipients(),
        key=f"ledger-digest:{day.isoformat()}",
        kind="ledger_digest",
        subject=_("台账链头摘要已公布，请打印留存"),
        body=digest.head_hash,
        url=reverse("ledger:digest_print", args=[day.isoformat()]),
    )
