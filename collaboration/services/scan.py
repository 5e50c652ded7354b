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
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Liaison, User
from agencies.selectors import working_group_users
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import Message, notify_many

from ..models import RUNNING_STATUSES, CollaborationRequest, TimelineEntry

DEFAULT_REMIND_WORKING_DAYS = 2
DEFAULT_ESCALATE_WORKING_DAYS = 3
# One claim per kind per run; a district's whole backlog fits, and a fuller batch re-runs the scan.
DEFAULT_SCAN_BATCH_SIZE = 100_000


@dataclass(frozen=True)
class ScanResult:
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    notifications: int = 0
    more: bool = False


def remind_working_days() -> int:
    return int(getattr(settings, "COLLAB_REMIND_WORKING_DAYS", DEFAULT_REMIND_WORKING_DAYS))


def escalate_working_days() -> int:
    return int(getattr(settings, "COLLAB_ESCALATE_WORKING_DAYS", DEFAULT_ESCALATE_WORKING_DAYS))


def working_days_before(cal: WorkingCalendar, today: dt.date, days: int) -> dt.date:
    """The latest date d with `days` working days in (d, today]: d + days working days <= today."""
    current, counted = today, 0
    while counted < days:
        if cal.is_working_day(current):
            counted += 1
        current -= dt.timedelta(days=1)
    return current


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


def _claim_and_mark(
    condition: Q, field: str, now: dt.datetime, limit: int, action: str
) -> list[tuple]:
    """Claim the due rows no other worker holds, stamp them `now`, add their timeline entries.

    PostgreSQL: one statement — an UPDATE over a `FOR UPDATE SKIP LOCKED` subquery whose
    RETURNING rows also feed the timeline INSERT. Elsewhere (SQLite, where a writer locks the
    whole database anyway): SELECT, UPDATE, INSERT … SELECT.
    """
    claim = (
        CollaborationRequest.objects.select_for_update(skip_locked=True)
        .filter(condition, status__in=RUNNING_STATUSES)
        .order_by("pk")
    )
    table = CollaborationRequest._meta.db_table
    timeline = TimelineEntry._meta.db_table
    if connection.vendor != "postgresql":
        rows = list(claim.values_list(*_FIELDS)[:limit])
        if rows:
            CollaborationRequest.objects.filter(pk__in=[r[0] for r in rows]).update(**{field: now})
            stamp = connection.ops.adapt_datetimefield_value(now)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {timeline} "  # noqa: S608  (names are ours; values are params)
                    "(request_id, action, comment, from_status, to_status, details, created_at) "
                    "SELECT id, %s, '', status, status, "
                    "json_object('level', deadline_version, 'due_date', due_date), %s "
                    f"FROM {table} WHERE {field} = %s",
                    [action, stamp, stamp],
                )
        return rows
    inner_sql, params = claim.values("pk")[:limit].query.sql_with_params()
    columns = ", ".join("id" if f == "pk" else f for f in _FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            # Names are ours; every value is a parameter.
            f"WITH claimed AS (UPDATE {table} SET {field} = %s "  # noqa: S608
            f"WHERE id IN ({inner_sql}) RETURNING {columns}), "
            f"entries AS (INSERT INTO {timeline} "
            "(request_id, action, comment, from_status, to_status, details, created_at) "
            "SELECT id, %s, '', status, status, "
            "jsonb_build_object('level', deadline_version, 'due_date', due_date), %s "
            f"FROM claimed) SELECT {columns} FROM claimed",
            [now, *params, action, now],
        )
        return cursor.fetchall()


def _users(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {
        u.pk: u
        for u in User.objects.filter(pk__in=ids, is_active=True).only("id", "email", "is_active")
    }


def _primary_liaisons(unit_ids: set[int]) -> dict[int, User]:
    rows = (
        Liaison.objects.filter(
            unit_id__in=unit_ids,
            is_primary=True,
            is_active=True,
            user__isnull=False,
            user__is_active=True,
        )
        .select_related("user")
        .only("unit_id", "user__id", "user__email", "user__is_active")
    )
    return {row.unit_id: row.user for row in rows if row.user is not None}


def request_deadline_scan(*, batch_size: int | None = None) -> ScanResult:
    """Send due reminders, overdue notices and escalations (Art. 7: 不得拖延); idempotent."""
    now = timezone.now()
    today = timezone.localdate(now)
    limit = batch_size or int(getattr(settings, "COLLAB_SCAN_BATCH_SIZE", DEFAULT_SCAN_BATCH_SIZE))
    cal = WorkingCalendar()
    remind_until = cal.add_working_days(today, remind_working_days())
    escalate_until = working_days_before(cal, today, escalate_working_days())
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
    escalated_ids: list[int] = []
    notifications = 0
    more = False
    wg: tuple[User, ...] | None = None
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
            _("“%(subject)s”办理期限为 %(due)s，逾期已超过 %(n)d 个工作日。"),
        ),
    }
    for kind, condition, field, action in kinds:
        with transaction.atomic():
            rows = _claim_and_mark(condition, field, now, limit, action)
            counts[kind] = len(rows)
            if not rows:
                continue
            more = more or len(rows) >= limit
            title, body = texts[kind]
            messages: list[Message] = []
            if kind == "escalate":
                if wg is None:
                    wg = tuple(working_group_users())
                escalated_ids = [r[0] for r in rows]
                n = escalate_working_days()
                for pk, number, subject, _s, _a, _t, level, due in rows:
                    day = due.isoformat()
                    messages.append(
                        Message(
                            recipients=wg,
                            key=f"request:{pk}:escalate:{level}",
                            kind="collaboration_escalate",
                            subject=title % {"number": number, "due": day},
                            body=body % {"subject": subject, "due": day, "n": n},
                            url=detail_url.format(pk),
                        )
                    )
            else:
                assignees = _users({r[4] for r in rows if r[4]})
                liaisons = _primary_liaisons({r[5] for r in rows})
                for pk, number, subject, _s, assignee_id, unit_id, level, due in rows:
                    assignee = assignees.get(assignee_id) if assignee_id else None
                    liaison = liaisons.get(unit_id)
                    if kind == "remind":
                        recipients: tuple = (assignee or liaison,)
                    else:
                        recipients = (assignee, liaison)
                    messages.append(
                        Message(
                            recipients=tuple(u for u in recipients if u is not None),
                            key=f"request:{pk}:{kind}:{level}",
                            kind=f"collaboration_{kind}",
                            subject=title % {"number": number, "due": due.isoformat()},
                            body=body % {"subject": subject},
                            url=detail_url.format(pk),
                        )
                    )
            notifications += notify_many(messages)
    result = ScanResult(
        reminded=counts.get("remind", 0),
        overdue=counts.get("overdue", 0),
        escalated=counts.get("escalate", 0),
        notifications=notifications,
        more=more,
    )
    if result.reminded or result.overdue or result.escalated:
        ledger_append(
            action=LedgerAction.REQUEST,
            category=LedgerCategory.WORKFLOW,
            actor="system",
            target_label=_("协作请求期限扫描"),
            details={
                "event": "deadline_scan",
                "day": today.isoformat(),
                "reminded": result.reminded,
                "overdue": result.overdue,
                "escalated": result.escalated,
                "escalated_ids": escalated_ids,
            },
        )
    return result
