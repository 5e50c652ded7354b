"""Periods that open by themselves, and ended ones the leaders are asked to freeze (Art. 25).

The working group opens the first period of a kind (设立考核期间) and chooses its scheme; from then
on each following period of that kind opens on the night it begins, with the scheme of the one
before (`period_create` copies it), and the group is told. Without it nothing that happened after
the last period's end was scored anywhere until someone remembered, and the dashboards kept showing
the old period.

An ended period is recomputed every night until it is frozen (a ruling or a correction may still
change a score), but only the leaders can freeze it (冻结本期), and nobody asked them to: the
quarter stayed open for ever. Once its last facts are judgeable (the setting
ASSESSMENT_FREEZE_READY_WORKING_DAYS after its end) they are asked, and reminded weekly until it
is frozen (`periods_ask_to_freeze`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.selectors import working_group_recipients
from zhengxiang_portal.deadlines.scan import ScanDays, ScanResult, claim_batches
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..models import Period
from .scoring import period_create


def _quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


@transaction.atomic
def periods_open_current(*, today: dt.date | None = None) -> list[Period]:
    """Open, for each kind of period the group assesses by, the one `today` falls in; idempotent.

    A kind the group never opened is left alone, and so is a kind whose latest period still runs
    (or was opened ahead).
    """
    today = today or timezone.localdate()
    opened = []
    for kind in (Period.Kind.QUARTER, Period.Kind.YEAR):
        latest = Period.objects.filter(kind=kind).order_by("-start").first()
        if latest is None or latest.end >= today:
            continue
        quarter = _quarter_of(today) if kind == Period.Kind.QUARTER else None
        if Period.objects.filter(kind=kind, year=today.year, quarter=quarter).exists():
            continue
        opened.append(
            period_create(actor=None, kind=kind, year=today.year, quarter=quarter, check=False)
        )
    for period in opened:
        to = notice_send(
            to=working_group_recipients(),
            key=f"period:{period.pk}:opened",
            kind="period_opened",
            subject=_("考核期间 %(name)s 已设立") % {"name": period.name},
            body=_(
                "%(name)s（%(start)s 至 %(end)s）已按上一期间的指标体系自动设立，"
                "得分将每晚根据事实计算；如需调整指标体系，请在开始计分前修改。"
            )
            % {"name": period.name, "start": period.start, "end": period.end},
            url=reverse("assessment:period_list"),
        )
        ledger_append(
            action=LedgerAction.ASSESSMENT,
            category=LedgerCategory.WORKFLOW,
            actor="system",
            target=period,
            details={"event": "period_opened", **to.details()},
        )
    return opened


# Two working weeks after a period's end: its last duties' grace periods, answers and rulings
# (a request due on the last day and contested, an objection ruled) have been recorded and the
# nightly recomputation has read them; ASSESSMENT_FREEZE_READY_WORKING_DAYS changes it.
DEFAULT_FREEZE_READY_WORKING_DAYS = 10
# Weekly, as the waits on the requester or the group are reminded (collaboration's 定期).
FREEZE_REMIND_EVERY_WORKING_DAYS = 5
FREEZE_ASK_EVENT = "freeze_ask"


def freeze_ready_working_days() -> int:
    """Read at call time, so an admin's change (or a test's override) applies to the next scan."""
    return int(
        getattr(settings, "ASSESSMENT_FREEZE_READY_WORKING_DAYS", DEFAULT_FREEZE_READY_WORKING_DAYS)
    )


def period_freeze_ready_on(period: Period, *, days: ScanDays | None = None) -> dt.date:
    """The working day from which an ended period is ready to be frozen (可冻结日)."""
    calendar = (days or ScanDays.for_day()).calendar
    return calendar.add_working_days(period.end, freeze_ready_working_days())


def periods_ask_to_freeze(*, today: dt.date | None = None) -> ScanResult:
    """Ask the working group's leaders to freeze each ended period once it is ready (Art. 25).

    The one rule: a period still open ASSESSMENT_FREEZE_READY_WORKING_DAYS working days after its
    end is ready; on that working day (or the first scan after) the leaders are told once, with a
    link to the period's scores and its 冻结本期 button, and reminded every
    FREEZE_REMIND_EVERY_WORKING_DAYS working days after the first notice while it stays open.
    Frozen periods are left alone. Each notice is recorded in the 台账 with who was told (the
    whole group when no leader is on duty; 无人可通知 when nobody is), and a key already recorded
    is never sent again. Until it is frozen the nightly recomputation goes on reading late facts.
    Nothing is sent on rest days.
    """
    days = ScanDays.for_day(today)
    result = ScanResult()
    if not days.calendar.is_working_day(days.today):
        return result
    ready = Period.objects.filter(
        status=Period.Status.OPEN, end__lte=days.reached(freeze_ready_working_days())
    )
    for batch in claim_batches(ready):
        for period in batch:
            asked = list(
                LedgerEntry.objects.filter(
                    action=LedgerAction.ASSESSMENT,
                    target_id=str(period.pk),
                    details__event=FREEZE_ASK_EVENT,
                ).values_list("details", flat=True)
            )
            first_asked = min((dt.date.fromisoformat(d["day"]) for d in asked), default=None)
            level = (
                0
                if first_asked is None
                else days.calendar.working_days_between(first_asked, days.today)
                // FREEZE_REMIND_EVERY_WORKING_DAYS
            )
            key = f"period:{period.pk}:freeze:{level}"
            if any(d.get("key") == key for d in asked):
                continue
            _ask_to_freeze(period, key=key, reminder=level > 0, days=days)
            result.reminded += 1
    return result


def _ask_to_freeze(period: Period, *, key: str, reminder: bool, days: ScanDays) -> None:
    ready_on = period_freeze_ready_on(period, days=days)
    values = {"name": period.name, "start": period.start, "end": period.end, "ready": ready_on}
    subject = (
        _("提醒：考核期间 %(name)s 尚未冻结") if reminder else _("考核期间 %(name)s 可以冻结")
    ) % values
    body = (
        _(
            "%(name)s（%(start)s 至 %(end)s）已结束，自 %(ready)s 起期间内的事实均已可判定。"
            "请核对各单位得分后冻结本期；冻结前得分仍每晚根据迟到的事实重新计算，冻结后不再变化。"
        )
        % values
    )
    to = notice_send(
        to=working_group_recipients(leaders_only=True),
        key=key,
        kind="period_freeze_ready",
        subject=subject,
        body=body,
        url=f"{reverse('assessment:dashboard')}?period={period.pk}",
    )
    ledger_append(
        action=LedgerAction.ASSESSMENT,
        category=LedgerCategory.WORKFLOW,
        actor="system",
        target=period,
        details={
            "event": FREEZE_ASK_EVENT,
            "key": key,
            "day": days.today.isoformat(),
            "ready_on": ready_on.isoformat(),
            "reminder": reminder,
            **to.details(),
        },
    )
