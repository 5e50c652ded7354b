"""Sending notifications: insert once per (recipient, key), mail after commit, sweep what failed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from zhengxiang_portal.core.dispatch import enqueue_on_commit

from .models import Notification

MAX_EMAIL_ATTEMPTS = 5  # after that the inbox copy stands alone and the state says "failed"


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    key: str,
    kind: str,
    subject: str,
    body: str = "",
    url: str = "",
) -> list[Notification]:
    """Put a message in each recipient's inbox once per `key`; e-mail it after commit.

    Returns the notifications created now (an empty list when every recipient already had it).
    """
    users = {u.pk: u for u in recipients if u is not None and u.is_active}
    if not users:
        return []
    already = set(
        Notification.objects.filter(recipient_id__in=users, key=key).values_list(
            "recipient_id", flat=True
        )
    )
    rows = [
        Notification(
            recipient_id=uid,
            key=key[:200],
            kind=kind,
            subject=str(subject)[:200],
            body=str(body),
            url=url,
            email_state=(
                Notification.EmailState.PENDING if user.email else Notification.EmailState.SKIPPED
            ),
        )
        for uid, user in users.items()
        if uid not in already
    ]
    # ignore_conflicts: a concurrent scan that inserted the same key first wins; no duplicate.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        Notification.objects.filter(
            recipient_id__in=[r.recipient_id for r in rows],
            key=key,
            email_state=Notification.EmailState.PENDING,
            email_attempts=0,
        )
    )
    if created:
        from .tasks import send_notification_emails_task

        enqueue_on_commit(send_notification_emails_task, notification_ids=[n.pk for n in created])
    return created


def notification_send_email(*, notification_id: int) -> bool:
    """Mail one pending notification; claim it first so two workers never both send it."""
    with transaction.atomic():
        claimed = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient")
            .filter(pk=notification_id, email_state=Notification.EmailState.PENDING)
            .first()
        )
        if claimed is None:
            return False
        claimed.email_attempts += 1
        try:
            body = claimed.body
            if claimed.url:
                body = f"{body}\n\n{settings.PORTAL_BASE_URL}{claimed.url}"
            send_mail(
                subject=f"[蒸湘区税费精诚共治平台] {claimed.subject}",
                message=body,
                from_email=None,
                recipient_list=[claimed.recipient.email],
            )
        except OSError:
            claimed.email_state = (
                Notification.EmailState.FAILED
                if claimed.email_attempts >= MAX_EMAIL_ATTEMPTS
                else Notification.EmailState.PENDING
            )
            claimed.save(update_fields=["email_attempts", "email_state"])
            return False
        claimed.email_state = Notification.EmailState.SENT
        claimed.emailed_at = timezone.now()
        claimed.save(update_fields=["email_attempts", "email_state", "emailed_at"])
        return True


def notification_mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
