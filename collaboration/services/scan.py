"""The periodic deadline scan: reminder, overdue notice and escalation, each exactly once.

State lives on the request (`reminded_at`, `overdue_notified_at`, `escalated_at`, and
`deadline_version` as the level, so a moved deadline is reminded again). Each kind is claimed in
one statement with `SELECT … FOR UPDATE SKIP LOCKED`, marked and notified in the same
transaction: two workers never both claim a row, beat firing twice finds nothing left, and a
worker dying mid-scan rolls back its claim so the next run sends it. The notification key
`request:{id}:{kind}:{level}` makes a duplicate impossible even so.

The thresholds are dates computed once per scan with the working-day calendar, so the scan runs in
a constant number of SQL queries whatever the number of requests (bench/escalation.py).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import NoticeBook, NoticeRecipients, working_group_recipients
from zhengxiang_portal.deadlines.scan import ScanDays, ScanResult
from zhengxiang_portal.notifications.services import Message, notify_many

from ..models import RUNNING_STATUSES, CollaborationRequest, Extension, TimelineEntry
from .common import scan_ledger_append
from .waits import request_wait_scan

logger = logging.getLogger(__name__)

DEFAULT_REMIND_WORKING_DAYS = 2
DEFAULT_ESCALATE_WORKING_DAYS = 3
# One claim per kind per run; a district's whole backlog fits, and a fuller batch re-runs the scan.
DEFAULT_SCAN_BATCH_SIZE = 100_000


def remind_working_days() -> int:
    return int(getattr(settings, "COLLAB_REMIND_WORKING_DAYS", DEFAULT_REMIND_WORKING_DAYS))


def escalate_working_days() -> int:
    return int(getattr(settings, "COLLAB_ESCALATE_WORKING_DAYS", DEFAULT_ESCALATE_WORKING_DAYS))


_FIELDS = (
    "pk",
    "number",
    "subject",
    "status",
    "assignee_id",
    "target_unit_id",
    "deadline_version",
    "due_date",
)


def _claim_and_mark(condition: Q, field: str, now: dt.datetime, limit: int) -> list[tuple]:
    """Claim the due rows no other worker holds and stamp them `now`.

    PostgreSQL: one statement — an UPDATE over a `FOR UPDATE SKIP LOCKED` subquery, RETURNING the
    rows. Elsewhere (SQLite, where a writer locks the whole database anyway): SELECT, UPDATE.
    """
    claim = (
        CollaborationRequest.objects.select_for_update(skip_locked=True)
        .filter(condition, status__in=RUNNING_STATUSES)
        .order_by("pk")
    )
    table = CollaborationRequest._meta.db_table
    if connection.vendor != "postgresql":
        rows = list(claim.values_list(*_FIELDS)[:limit])
        if rows:
            CollaborationRequest.objects.filter(pk__in=[r[0] for r in rows]).update(**{field: now})
        return rows
    inner_sql, params = claim.values("pk")[:limit].query.sql_with_params()
    columns = ", ".join("id" if f == "pk" else f for f in _FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            # Names are ours; every value is a parameter.
            f"UPDATE {table} SET {field} = %s "  # noqa: S608
            f"WHERE id IN ({inner_sql}) RETURNING {columns}",
            [now, *params],
        )
        return sorted(cursor.fetchall())


def _record(rows: list[tuple], told: dict[int, NoticeRecipients], action: str, now) -> None:
    """One timeline entry per claimed request, saying who was told (or 无人可通知)."""
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            request_id=pk,
            action=action,
            from_status=status,
            to_status=status,
            details={"level": level, "due_date": due.isoformat(), **told[pk].details()},
            created_at=now,
        )
        for pk, _n, _s, status, _a, _t, level, due in rows
    )


def _users(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {
        u.pk: u
        for u in User.objects.filter(pk__in=ids, is_active=True).only(
            "id", "username", "full_name", "email", "is_active"
        )
    }


def request_deadline_scan(*, batch_size: int | None = None) -> ScanResult:
    """Send due reminders, overdue notices and escalations (Art. 7: 不得拖延); idempotent."""
    now = timezone.now()
    today = timezone.localdate(now)
    limit = batch_size or int(getattr(settings, "COLLAB_SCAN_BATCH_SIZE", DEFAULT_SCAN_BATCH_SIZE))
    days = ScanDays.for_day(today)
    remind_until = days.remind_until(remind_working_days())
    escalate_until = days.reached(escalate_working_days())
    detail_url = reverse("collaboration:request_detail", args=[0]).replace("/0/", "/{}/")

    kinds = [
        (
            "remind",
            Q(reminded_at__isnull=True, due_date__gte=today, due_date__lte=remind_until),
            "reminded_at",
            TimelineEntry.Action.REMIND,
        ),
        (
            "overdue",
            Q(overdue_notified_at__isnull=True, due_date__lt=today),
            "overdue_notified_at",
            TimelineEntry.Action.OVERDUE,
        ),
        (
            "escalate",
            Q(escalated_at__isnull=True, due_date__lt=today, due_date__lte=escalate_until),
            "escalated_at",
            TimelineEntry.Action.ESCALATE,
        ),
    ]
    counts: dict[str, int] = {}
    notifications = 0
    more = False
    # Texts translated once per scan, formatted per row.
    texts = {
        "remind": (
            _("协作请求 %(number)s 将于 %(due)s 到期"),
            _("请在办理期限前答复：%(subject)s"),
        ),
        "overdue": (
            _("协作请求 %(number)s 已逾期（期限 %(due)s）"),
            _("请尽快办理并答复：%(subject)s"),
        ),
        "escalate": (
            _("协作请求 %(number)s 逾期未办，已上报工作组"),
            _("“%(subject)s”办理期限为 %(due)s，逾期已达 %(n)d 个工作日。"),
        ),
    }
    # An extension asked and not yet decided does not move the deadline (Art. 7: only with the
    # requester's consent): the unit's notices say so, and that a lapse still counts late.
    pending_text = {
        "remind": _("已申请延期至 %(new_due)s，待请求方审批；审批前原期限不变。"),
        "overdue": _("已申请延期至 %(new_due)s，待请求方审批；未获同意前按原期限逾期计入考核。"),
        "escalate": _("已申请延期至 %(new_due)s，待请求方审批。"),
    }
    unreachable: list[int] = []
    for kind, condition, field, action in kinds:
        with transaction.atomic():
            rows = _claim_and_mark(condition, field, now, limit)
            counts[kind] = len(rows)
            if not rows:
                continue
            more = more or len(rows) >= limit
            title, body = texts[kind]
            told: dict[int, NoticeRecipients] = {}
            if kind == "escalate":
                group = working_group_recipients()
                told = {r[0]: group for r in rows}
            else:
                # One rule for who must hear of it (agencies.selectors), read for the whole batch.
                book = NoticeBook(unit_ids={r[5] for r in rows})
                assignees = _users({r[4] for r in rows if r[4]})
                for pk, _n, _s, _st, assignee_id, unit_id, _l, _d in rows:
                    assignee = assignees.get(assignee_id) if assignee_id else None
                    told[pk] = book.recipients(unit_id, assignee=assignee)
                    if kind == "overdue" and assignee is not None:
                        # Overdue: the unit hears of it too, not only the person who let it lapse.
                        told[pk] = told[pk] + book.recipients(unit_id)
            n = escalate_working_days()
            pending = dict(
                Extension.objects.filter(
                    request_id__in=[r[0] for r in rows], status=Extension.Status.PENDING
                ).values_list("request_id", "new_due_date")
            )
            extra = {
                pk: "\n" + pending_text[kind] % {"new_due": new_due.isoformat()}
                for pk, new_due in pending.items()
            }
            messages = [
                Message(
                    recipients=told[pk].users,
                    key=f"request:{pk}:{kind}:{level}",
                    kind=f"collaboration_{kind}",
                    subject=title % {"number": number, "due": due.isoformat()},
                    body=body % {"subject": subject, "due": due.isoformat(), "n": n}
                    + extra.get(pk, ""),
                    url=detail_url.format(pk),
                )
                for pk, number, subject, _st, _a, _u, level, due in rows
            ]
            _record(rows, told, action, now)
            fell_back = sorted(pk for pk, who in told.items() if who.fell_back)
            unreachable += [pk for pk, who in told.items() if who.nobody]
            notifications += notify_many(messages)
            # The state change's ledger entry, in its transaction: which requests, and the
            # exceptions of who was told (each request's timeline names everyone).
            scan_ledger_append(
                {
                    "event": "deadline_scan",
                    "kind": kind,
                    "day": today.isoformat(),
                    "request_ids": [r[0] for r in rows],
                    "told_working_group_instead": fell_back,
                    "told_nobody": sorted(pk for pk, who in told.items() if who.nobody),
                }
            )
    # Then the waits on the requester and the working group (waits.py), on the same day; the
    # counts above stay the asked units' (the notices created are counted together).
    _reminded, _escalated, wait_notifications = request_wait_scan(days=days)
    notifications += wait_notifications
    if unreachable:
        logger.error("deadline notices reached nobody for requests %s", sorted(set(unreachable)))
    result = ScanResult(
        reminded=counts.get("remind", 0),
        overdue=counts.get("overdue", 0),
        escalated=counts.get("escalate", 0),
        notifications=notifications,
        more=more,
    )
    return result
