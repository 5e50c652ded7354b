"""Reporting obligations (报送任务): creation per period, reminders, overdue marking, escalation.

第二十条: 定期上传涉税涉费信息; 第二十八条: 未按规定提供共享信息的, 责令改正. Every published item
with a periodic frequency owes one upload per period, due a number of working days after the period
ends (working days under China's statutory holidays and 调休, see zhengxiang_portal.deadlines).

Deadline state lives on the obligation (reminded_at, overdue_at, escalated_at); a periodic scan
acts on it, claiming rows with SELECT … FOR UPDATE SKIP LOCKED and writing the state in the same
transaction as `notice_send(key=…)`, so a second scan, a second beat or a retried task never sends
the same notice twice. Who is told is the one rule (agencies.selectors.NoticeBook), recorded in the
ledger with each notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.selectors import NoticeBook, NoticeRecipients, working_group_recipients
from sharing_catalog.errors import CatalogErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule, deadline_rules_record
from zhengxiang_portal.deadlines.scan import ScanDays, ScanResult, claim_batches
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..models import CatalogItem, Obligation

F = CatalogItem.Frequency


@dataclass(frozen=True)
class Period:
    """One reporting period of a frequency: [start, end] and its Chinese label."""

    start: dt.date
    end: dt.date
    label: str


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_containing(frequency: str, day: dt.date) -> Period | None:
    """The period of `frequency` that contains `day`; None for on-event items (no periods)."""
    if frequency == F.DAILY:
        return Period(day, day, day.strftime("%Y-%m-%d"))
    if frequency == F.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())  # ISO weeks start on Monday
        iso_year, iso_week, _weekday = start.isocalendar()
        label = _("%(year)d年第%(week)d周") % {"year": iso_year, "week": iso_week}
        return Period(start, start + dt.timedelta(days=6), label)
    if frequency == F.MONTHLY:
        label = _("%(year)d年%(month)d月") % {"year": day.year, "month": day.month}
        return Period(day.replace(day=1), _month_end(day.year, day.month), label)
    if frequency == F.QUARTERLY:
        quarter = (day.month - 1) // 3 + 1
        first = 3 * (quarter - 1) + 1
        label = _("%(year)d年第%(quarter)d季度") % {"year": day.year, "quarter": quarter}
        return Period(dt.date(day.year, first, 1), _month_end(day.year, first + 2), label)
    if frequency == F.HALF_YEARLY:
        if day.month <= 6:
            label = _("%(year)d年上半年") % {"year": day.year}
            return Period(dt.date(day.year, 1, 1), dt.date(day.year, 6, 30), label)
        label = _("%(year)d年下半年") % {"year": day.year}
        return Period(dt.date(day.year, 7, 1), dt.date(day.year, 12, 31), label)
    if frequency == F.YEARLY:
        label = _("%(year)d年度") % {"year": day.year}
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), label)
    return None


def period_before(frequency: str, period: Period) -> Period | None:
    return period_containing(frequency, period.start - dt.timedelta(days=1))


def obligation_dates(
    item: CatalogItem, period: Period, calendar: WorkingCalendar | None = None
) -> tuple[dt.date, dt.date]:
    """Due date (N working days after the period ends) and the end of the grace period."""
    calendar = calendar or WorkingCalendar()
    due_rule, grace_rule = obligation_rules(item, period.end)
    due = due_rule.compute(calendar)
    return due, grace_rule.compute(calendar, start=due)


def obligation_rules(item: CatalogItem, period_end: dt.date) -> tuple[Rule, Rule]:
    """The rules of an obligation's dates, kept so that a calendar change can move them."""
    return (
        Rule("due_date", item.due_working_days, start=period_end),
        Rule("grace_until", item.grace_working_days, start_field="due_date"),
    )


def items_with_obligations():
    """Published items that owe periodic uploads on the platform.

    Not for 不予共享 items (nothing is shared) nor for off-platform sharing, which Art. 21
    agreements govern outside the platform; on-event items have no periods.
    """
    return (
        CatalogItem.objects.filter(status=CatalogItem.Status.PUBLISHED)
        .exclude(frequency=F.ON_EVENT)
        .exclude(sharing_class=CatalogItem.SharingClass.NOT_SHARED)
        .exclude(transmission=CatalogItem.Transmission.OFF_PLATFORM)
    )


def _eligible(items: Iterable[CatalogItem] | None) -> list[CatalogItem]:
    qs = items_with_obligations()
    if items is not None:
        qs = qs.filter(pk__in=[i.pk for i in items])
    return list(qs)


@transaction.atomic
def obligations_create(
    *, periods: Sequence[tuple[CatalogItem, Period]], calendar: WorkingCalendar | None = None
) -> int:
    """Create the obligations for these (item, period) pairs; existing ones are left alone.

    Idempotent: the unique constraint (item, period_start) turns a repeat into a no-op, so two
    beats, a retry and a manual run never create a second obligation for one period.
    """
    calendar = calendar or WorkingCalendar()
    wanted = {(item.pk, period.start): (item, period) for item, period in periods}
    if not wanted:
        return 0
    existing = set(
        Obligation.objects.filter(
            item_id__in={k[0] for k in wanted}, period_start__in={k[1] for k in wanted}
        ).values_list("item_id", "period_start")
    )
    rows = []
    for key, (item, period) in wanted.items():
        if key in existing:
            continue
        due, grace = obligation_dates(item, period, calendar)
        rows.append(
            Obligation(
                item=item,
                period_start=period.start,
                period_end=period.end,
                period_label=period.label,
                due_date=due,
                grace_until=grace,
            )
        )
    Obligation.objects.bulk_create(rows, ignore_conflicts=True)
    _record_deadline_rules(rows)
    return len(rows)


def _record_deadline_rules(rows: Sequence[Obligation]) -> None:
    """Remember how each new obligation's dates were computed, so a calendar change moves them.

    `bulk_create(ignore_conflicts=True)` sets no primary keys: the rows are read back by their
    natural key (item, period start).
    """
    if not rows:
        return
    items = {o.item_id: o.item for o in rows}
    created = Obligation.objects.filter(
        item_id__in=items, period_start__in={o.period_start for o in rows}
    ).only("pk", "item_id", "period_start", "period_end")
    wanted = {(o.item_id, o.period_start) for o in rows}
    rules = []
    for obligation in created:
        if (obligation.item_id, obligation.period_start) not in wanted:
            continue
        rules += [
            (obligation, rule)
            for rule in obligation_rules(items[obligation.item_id], obligation.period_end)
        ]
    deadline_rules_record(rules)


def obligations_generate(*, day: dt.date, items: Iterable[CatalogItem] | None = None) -> int:
    """Create, for each eligible item, the obligation of the period containing `day`."""
    pairs = []
    for item in _eligible(items):
        period = period_containing(item.frequency, day)
        if period is not None:
            pairs.append((item, period))
    return obligations_create(periods=pairs)


def obligations_generate_current(
    *, today: dt.date, items: Iterable[CatalogItem] | None = None
) -> int:
    """Create the current period's obligation and the one of the period that just ended.

    The current one lets the provider see what is coming; the previous one catches a period
    whose obligation was missed (beat down over a period boundary, item published late).
    An item published today owes nothing for periods that ended before it was published.
    """
    pairs = []
    for item in _eligible(items):
        current = period_containing(item.frequency, today)
        if current is None:
            continue
        pairs.append((item, current))
        previous = period_before(item.frequency, current)
        published_on = timezone.localdate(item.published_at) if item.published_at else today
        if previous is not None and previous.end >= published_on:
            pairs.append((item, previous))
    return obligations_create(periods=pairs)


# --- called by the submission pipeline -------------------------------------------------------


@transaction.atomic
def obligation_mark_submitted(*, obligation: Obligation, at: dt.datetime) -> Obligation:
    """Record that data for the obligation was uploaded and awaits confirmation.

    A fulfilled or exempt obligation keeps its status (a correction does not reopen it); an
    overdue one becomes submitted but keeps `overdue_at`, which shows it was late.
    """
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status in (Obligation.Status.OPEN, Obligation.Status.OVERDUE):
        obligation.status = Obligation.Status.SUBMITTED
        obligation.save(update_fields=["status"])
    return obligation


@transaction.atomic
def obligation_mark_fulfilled(*, obligation: Obligation, at: dt.datetime) -> Obligation:
    """Record the provider's confirmation (校核、确认, Art. 22); the first confirmation counts."""
    obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if obligation.status == Obligation.Status.EXEMPT:
        raise ApplicationError(
            code=CatalogErrorCode.EXEMPT, message=_("该报送任务已经协调豁免，无需确认报送。")
        )
    if obligation.status != Obligation.Status.FULFILLED:
        obligation.status = Obligation.Status.FULFILLED
        obligation.fulfilled_at = at
        obligation.save(update_fields=["status", "fulfilled_at"])
    return obligation


# --- the periodic scan ------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    """Read at call time, so an admin's change (or a test's override) applies to the next scan."""
    return int(getattr(settings, name, default))


def _url(obligation: Obligation) -> str:
    return reverse("sharing_catalog:obligation_detail", args=[obligation.pk])


def _labels(obligation: Obligation) -> dict[str, str]:
    """What a deadline notice's subject and body name: the unit, the item, the period, the date."""
    item = obligation.item
    return {
        "unit": item.provider.name,
        "item": item.name,
        "period": obligation.period_label,
        "due": f"{obligation.due_date:%Y-%m-%d}",
    }


def _tell(
    obligation: Obligation, event: str, *, to: NoticeRecipients, subject: str, body: str
) -> None:
    """Send one deadline notice (keyed, and of the kind, `event`: sent once per obligation) and
    record in the ledger who was told (or 无人可通知)."""
    notice_send(
        to=to,
        key=f"obligation:{obligation.pk}:{event}",
        kind=event,
        subject=subject,
        body=body,
        url=_url(obligation),
    )
    ledger_append(
        action=LedgerAction.DEADLINE,
        category=LedgerCategory.WORKFLOW,
        actor="system",
        unit=obligation.item.provider,
        target=obligation,
        target_label=_("报送任务 %(item)s（%(period)s）")
        % {"item": obligation.item.name, "period": obligation.period_label},
        details={"event": event, "due_date": obligation.due_date.isoformat(), **to.details()},
    )


def _due(**condition: Any) -> QuerySet[Obligation]:
    return Obligation.objects.select_related("item__provider__leader_user").filter(
        item__status=CatalogItem.Status.PUBLISHED, **condition
    )


def _remind(days: ScanDays, now: dt.datetime) -> int:
    due = _due(
        status=Obligation.Status.OPEN,
        reminded_at__isnull=True,
        due_date__gte=days.today,
        due_date__lte=days.remind_until(_setting("OBLIGATION_REMIND_WORKING_DAYS", 3)),
    )
    sent = 0
    for claimed in claim_batches(due):
        book = NoticeBook(unit_ids={o.item.provider_id for o in claimed})
        for obligation in claimed:
            labels = _labels(obligation)
            _tell(
                obligation,
                "reminder",
                to=book.recipients(obligation.item.provider_id),
                subject=_("报送提醒：%(item)s（%(period)s）须于 %(due)s 前报送") % labels,
                body=_(
                    "请在截止日前通过平台上传并确认“%(item)s”%(period)s的数据"
                    "（《蒸湘区税费精诚共治实施办法》第二十条、第二十二条）。"
                )
                % labels,
            )
            obligation.reminded_at = now
            obligation.save(update_fields=["reminded_at"])
            sent += 1
    return sent


def _mark_overdue(days: ScanDays, now: dt.datetime) -> int:
    marked = 0
    for claimed in claim_batches(_due(status=Obligation.Status.OPEN, grace_until__lt=days.today)):
        # Overdue: the unit's 分管负责人 hears of it too (escalation, first level).
        book = NoticeBook(unit_ids={o.item.provider_id for o in claimed}, with_leader=True)
        for obligation in claimed:
            labels = _labels(obligation)
            _tell(
                obligation,
                "overdue",
                to=book.recipients(obligation.item.provider_id),
                subject=_("报送逾期：%(item)s（%(period)s）已超过截止日 %(due)s") % labels,
                body=_(
                    "“%(item)s”%(period)s的数据已逾期未报送，请尽快上传并确认；"
                    "无正当理由不按规定提供共享信息的，将责令改正（第二十八条）。"
                )
                % labels,
            )
            obligation.status = Obligation.Status.OVERDUE
            obligation.overdue_at = now
            obligation.save(update_fields=["status", "overdue_at"])
            marked += 1
    return marked


def _escalate(days: ScanDays, now: dt.datetime) -> int:
    due = _due(
        status=Obligation.Status.OVERDUE,
        escalated_at__isnull=True,
        grace_until__lte=days.passed(_setting("OBLIGATION_ESCALATE_WORKING_DAYS", 3)),
    )
    group = working_group_recipients()
    escalated = 0
    for claimed in claim_batches(due):
        for obligation in claimed:
            labels = _labels(obligation)
            _tell(
                obligation,
                "escalation",
                to=group,
                subject=_("逾期升级：%(unit)s 未报送 %(item)s（%(period)s）") % labels,
                body=_(
                    "%(unit)s 的“%(item)s”%(period)s数据在宽限期满后仍未报送，"
                    "请专项工作组协调调度（第二十条、第二十八条）。"
                )
                % labels,
            )
            obligation.escalated_at = now
            obligation.save(update_fields=["escalated_at"])
            escalated += 1
    return escalated


def obligations_scan(*, now: dt.datetime | None = None) -> ScanResult:
    """Send due reminders, mark overdue obligations, escalate long-overdue ones — each once."""
    now = now or timezone.now()
    days = ScanDays.for_day(timezone.localdate(now))
    result = ScanResult()
    result.reminded = _remind(days, now)
    result.overdue = _mark_overdue(days, now)
    result.escalated = _escalate(days, now)
    return result
