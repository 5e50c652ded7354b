"""Sending notifications: insert once per (recipient, key), mail after commit, sweep what failed."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from zhengxiang_portal.core.dispatch import enqueue_on_commit, task_named

from .models import Notification

if TYPE_CHECKING:
    from agencies.selectors import NoticeRecipients

logger = logging.getLogger(__name__)

EMAIL_TASK = "notifications.send_emails"  # notifications.tasks registers it under this name
_EMAIL_TASK_CHUNK = 500  # ids per mail task: small broker messages, bounded task time
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
        enqueue_on_commit(task_named(EMAIL_TASK), notification_ids=[n.pk for n in created])
    return created


def notice_send(
    *, to: NoticeRecipients, key: str, kind: str, subject: str, body: str = "", url: str = ""
) -> NoticeRecipients:
    """Tell the people the one rule chose (agencies.selectors.notice_recipients), once per key.

    Returns `to`, so the caller records who was told (`to.who`, `to.details()`) in its timeline
    or ledger entry. An event nobody can be told of is logged as an error for the operators: the
    caller's record then says 无人可通知, never that a notice was sent.
    """
    if to.nobody:
        logger.error("notice reached nobody: %s (%s)", key, to.who)
        return to
    notify(recipients=to.users, key=key, kind=kind, subject=subject, body=body, url=url)
    return to


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
                # Through the message itself: opening it marks it read, then goes to the object.
                link = reverse("notifications:open", args=[claimed.pk])
                body = f"{body}\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{link}"
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


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


@dataclass(frozen=True)
class Message:
    """One event for `notify_many`: the same fields as `notify`'s arguments."""

    recipients: tuple[Any, ...]
    key: str
    kind: str
    subject: str
    body: str = ""
    url: str = ""


@transaction.atomic
def notify_many(messages: Iterable[Message]) -> int:
    """`notify` for many events at once, in a constant number of queries (periodic scans).

    Same guarantee as `notify`: one inbox entry per (recipient, key), mailed once after commit.
    On PostgreSQL the rows are streamed with COPY into a temporary table and inserted with
    ON CONFLICT DO NOTHING, so a concurrent scan that inserted a key first wins and the ids of
    the rows created now come back in the same statement. Returns how many were created now.
    """
    now = timezone.now()
    rows: dict[tuple[int, str], tuple] = {}
    for message in messages:
        key = message.key[:200]
        subject, body = str(message.subject)[:200], str(message.body)
        for user in message.recipients:
            if user is None or not user.is_active or (user.pk, key) in rows:
                continue
            state = (
                Notification.EmailState.PENDING if user.email else Notification.EmailState.SKIPPED
            )
            rows[(user.pk, key)] = (user.pk, key, message.kind, subject, body, message.url, state)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        created = _insert_copy(list(rows.values()), now)
    else:
        created = _insert_orm(rows, now)
    pending = [pk for pk, state in created if state == Notification.EmailState.PENDING]
    if pending:
        for start in range(0, len(pending), _EMAIL_TASK_CHUNK):
            chunk = pending[start : start + _EMAIL_TASK_CHUNK]
            enqueue_on_commit(task_named(EMAIL_TASK), notification_ids=chunk)
    return len(created)


def _insert_copy(rows: list[tuple], now: Any) -> list[tuple[int, str]]:
    """COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING RETURNING."""
    table = Notification._meta.db_table
    columns = "recipient_id, key, kind, subject, body, url, email_state"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE _notify_many (recipient_id bigint, key varchar(200), "
            "kind varchar(50), subject varchar(200), body text, url varchar(300), "
            "email_state varchar(10)) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY _notify_many ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}, created_at, email_attempts) "  # noqa: S608
            f"SELECT {columns}, %s, 0 FROM _notify_many "
            "ON CONFLICT (recipient_id, key) DO NOTHING RETURNING id, email_state",
            [now],
        )
        created = [(pk, state) for pk, state in cursor.fetchall()]
        cursor.execute("DROP TABLE _notify_many")
    return created


def _insert_orm(rows: dict[tuple[int, str], tuple], now: Any) -> list[tuple[int, str]]:
    keys = {key for _uid, key in rows}
    already = set(Notification.objects.filter(key__in=keys).values_list("recipient_id", "key"))
    new_rows = [
        Notification(
            recipient_id=uid,
            key=key,
            kind=kind,
            subject=subject,
            body=body,
            url=url,
            email_state=state,
        )
        for (uid, key, kind, subject, body, url, state) in (
            row for pair, row in rows.items() if pair not in already
        )
    ]
    # ignore_conflicts: a concurrent scan that inserted the same key first wins; no duplicate.
    Notification.objects.bulk_create(new_rows, ignore_conflicts=True)
    wanted = {(n.recipient_id, n.key) for n in new_rows}
    return [
        (pk, state)
        for pk, uid, key, state in Notification.objects.filter(key__in=keys).values_list(
            "pk", "recipient_id", "key", "email_state"
        )
        if (uid, key) in wanted
    ]
