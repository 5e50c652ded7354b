"""Tell the calendar's keepers that a year's official schedule is missing (not only a banner).

The State Council publishes next year's 放假/调休 schedule in late October or November; until it
is entered on /calendar/ the year's deadlines are counted on the `holidays` package's guess
(FACTS: no make-up working days), so "on time" (Art. 7, 22, 25) may be wrong. From
CALENDAR_WARNING_FROM, on the first working day of each week the portal runs, the people who may
enter it (the permission `deadlines.add_officialyear`: the system admin and the security admin,
not the auditor — 三员分立) get an inbox notice per missing year, until it is entered.

Who is told is recorded in a ledger entry per notice; with no keeper active the working group
stands in (as for every notice), and "nobody could be told" is recorded and logged. The key
`calendar-missing:{year}:{ISO week}` makes each notice once-only.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import NoticeBasis, NoticeRecipients, working_group_recipients
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notify

from .calendar import WorkingCalendar, missing_years

logger = logging.getLogger(__name__)

_PERMISSION = ("deadlines", "add_officialyear")
# Serialises two runs of the notice on PostgreSQL so the record is written once (any constant).
_LOCK_ID = 7_301_2027


def calendar_keepers() -> NoticeRecipients:
    """Who must hear that a year's schedule is missing: the active holders of the permission to
    enter it; else the working group (fell back); else nobody."""
    app_label, codename = _PERMISSION
    held = Q(
        groups__permissions__content_type__app_label=app_label,
        groups__permissions__codename=codename,
    ) | Q(
        user_permissions__content_type__app_label=app_label,
        user_permissions__codename=codename,
    )
    users = tuple(User.objects.filter(held, is_active=True).distinct().order_by("pk"))
    label = _("系统管理员、安全管理员")
    if users:
        return NoticeRecipients(users=users, basis=NoticeBasis.STAFF, unit_name=label)
    group = working_group_recipients()
    return NoticeRecipients(
        users=group.users,
        basis=NoticeBasis.WORKING_GROUP if group.users else NoticeBasis.NOBODY,
        unit_name=label,
        fell_back=True,
    )


@transaction.atomic
def calendar_missing_notify() -> tuple[list[int], int]:
    """Tell the calendar's keepers of each missing year, once per ISO week, on a working day.

    Returns (the missing years, notices created now). Idempotent.
    """
    today = timezone.localdate()
    missing = missing_years(today)
    if not missing or not WorkingCalendar().is_working_day(today):
        return missing, 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    created = 0
    to: NoticeRecipients | None = None
    for year in missing:
        key = f"calendar-missing:{year}:{week}"
        if LedgerEntry.objects.filter(details__event="calendar_missing", details__key=key).exists():
            continue
        to = to or calendar_keepers()
        values = {"year": year}
        created += len(
            notify(
                recipients=to.users,
                key=key,
                kind="calendar_missing",
                subject=_("%(year)d年国务院节假日安排尚未录入工作日历") % values,
                body=_(
                    "%(year)d年的放假和调休上班安排尚未录入。录入前，该年的期限按推算的日历计算，"
                    "调休上班日不计为工作日，可能与官方安排不一致。请在“工作日历”页面录入。"
                )
                % values,
                url=reverse("deadlines:schedule_list"),
            )
        )
        if to.nobody:
            logger.error("calendar notice reached nobody: %s (%s)", key, to.who)
        ledger_append(
            action=LedgerAction.CALENDAR,
            category=LedgerCategory.AUDIT,
            actor="system",
            target_label=_("工作日历"),
            details={"event": "calendar_missing", "key": key, "year": year, **to.details()},
        )
    return missing, created
