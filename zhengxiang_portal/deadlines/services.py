"""Writes to the working-day calendar: official schedules per year and single-day overrides."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import NoticeBook
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.errors import CalendarErrorCode
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from .calendar import WorkingCalendar, calendar_changed
from .models import CalendarOverride, DeadlineRule, OfficialDay, OfficialYear
from .rules import DeadlineSource, deadline_sources
from .schedule_input import ScheduleEntry

# Years the engine is asked about; outside them a year is a typo.
FIRST_YEAR, LAST_YEAR = 2004, 2100
# A 元旦 holiday may begin in the last days of the previous December (e.g. 2022-12-31 in the
# 2023 schedule): that many days before 1 January belong to the year's schedule.
DAYS_BEFORE_YEAR = 7
# A year's schedule lists at least the 13 statutory holiday days (《全国年节及纪念日放假办法》,
# 2024 revision), and always 元旦: an entry with fewer is a partial year, which would turn every
# festival it leaves out into a working day (the package's guesses no longer apply to the year).
MIN_HOLIDAYS = 13


def can_edit_calendar(user: User | AnonymousUser) -> bool:
    """The system admin and the security admin keep the calendar (三员分立: not the auditor)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(
        "deadlines.add_officialyear"
    )


def _forget_calendar() -> None:
    # Forget now (this transaction sees the new rows) and again at commit (other processes).
    calendar_changed()
    transaction.on_commit(calendar_changed)


def _check_entries(year: int, entries: Sequence[ScheduleEntry]) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ApplicationError(
            code=CalendarErrorCode.INVALID_YEAR,
            message=_("年度应在 %(first)d 至 %(last)d 之间。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    errors = []
    first_day = dt.date(year, 1, 1) - dt.timedelta(days=DAYS_BEFORE_YEAR)
    last_day = dt.date(year, 12, 31)
    seen: dict[dt.date, int] = {}
    for e in entries:
        where = _("第%(line)d行：") % {"line": e.line}
        if not first_day <= e.day <= last_day:
            errors.append(
                where + _("%(day)s 不在 %(year)d 年内") % {"day": e.day.isoformat(), "year": year}
            )
        elif e.day in seen:
            errors.append(
                where
                + _("%(day)s 与第%(other)d行重复")
                % {"day": e.day.isoformat(), "other": seen[e.day]}
            )
        elif e.is_working_day and e.day.weekday() < 5:
            errors.append(
                where
                + _("%(day)s 是周一至周五，本来就是工作日，不是调休上班日")
                % {"day": e.day.isoformat()}
            )
        seen.setdefault(e.day, e.line)
    taken = (
        OfficialDay.objects.filter(day__in=seen)
        .exclude(schedule__year=year)
        .values_list("day", "schedule__year")
    )
    for day, other_year in taken:
        errors.append(
            _("%(day)s 已在 %(other)d 年的安排中") % {"day": day.isoformat(), "other": other_year}
        )
    holidays_in_year = {e.day for e in entries if not e.is_working_day and e.day.year == year}
    if not errors and dt.date(year, 1, 1) not in holidays_in_year:
        errors.append(_("安排中没有元旦（%(year)d-01-01）：请录入全年的放假安排") % {"year": year})
    elif not errors and len(holidays_in_year) < MIN_HOLIDAYS:
        errors.append(
            _("安排中只有 %(n)d 个放假日，少于法定节假日 %(min)d 天：请录入全年的放假安排")
            % {"n": len(holidays_in_year), "min": MIN_HOLIDAYS}
        )
    if errors:
        raise ApplicationError(
            code=CalendarErrorCode.INVALID_SCHEDULE,
            message=_("节假日安排有 %(n)d 处错误，未保存任何内容。") % {"n": len(errors)},
            details={"errors": errors},
        )


@transaction.atomic
def official_year_enter(
    *, actor: User, year: int, entries: Sequence[ScheduleEntry], source: str = ""
) -> tuple[OfficialYear, list[DeadlineMove]]:
    """Record `year`'s State Council schedule (放假调休安排), replacing any earlier entry.

    From now on the engine follows it for that year instead of the `holidays` package, and every
    running deadline it moves is moved (see `deadlines_recompute`). Every line is checked first;
    with any error nothing is written.
    """
    if not can_edit_calendar(actor):
        raise PermissionDenied(_("只有系统管理员或安全管理员可以录入节假日安排。"))
    _check_entries(year, entries)
    schedule, created = OfficialYear.objects.update_or_create(
        year=year,
        defaults={
            "source": source.strip()[:200],
            "entered_by": actor,
            "entered_at": timezone.now(),
        },
    )
    before = {d.day: d.is_working_day for d in schedule.days.all()}
    schedule.days.all().delete()
    OfficialDay.objects.bulk_create(
        OfficialDay(schedule=schedule, day=e.day, is_working_day=e.is_working_day, name=e.name)
        for e in entries
    )
    after = {e.day: e.is_working_day for e in entries}
    ledger_append(
        action=LedgerAction.CALENDAR,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=schedule,
        details={
            "event": "official_year_entered" if created else "official_year_replaced",
            "year": year,
            "source": schedule.source,
            "holidays": sorted(d.isoformat() for d, working in after.items() if not working),
            "workdays": sorted(d.isoformat() for d, working in after.items() if working),
            "changed_days": len(set(before.items()) ^ set(after.items())),
        },
    )
    _forget_calendar()
    moves = deadlines_recompute(
        reason=_("录入%(year)d年国务院节假日安排") % {"year": year}, actor=actor
    )
    return schedule, moves


@transaction.atomic
def calendar_override_set(
    *, day: dt.date, is_working_day: bool, note: str = "", actor: User | None = None
) -> CalendarOverride:
    """Declare `day` a working day or a rest day, overriding every schedule (临时调整)."""
    if actor is not None and not can_edit_calendar(actor):
        raise PermissionDenied(_("只有系统管理员或安全管理员可以调整工作日历。"))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ApplicationError(
            code=CalendarErrorCode.INVALID_YEAR,
            message=_("年度应在 %(first)d 至 %(last)d 之间。")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    override, _created = CalendarOverride.objects.update_or_create(
        day=day, defaults={"is_working_day": is_working_day, "note": note}
    )
    ledger_append(
        action=LedgerAction.CALENDAR,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=override,
        details={
            "event": "override_set",
            "day": day.isoformat(),
            "is_working_day": is_working_day,
            "note": note,
        },
    )
    _forget_calendar()
    kind = _("工作日") if is_working_day else _("休息日")
    deadlines_recompute(
        reason=_("工作日历调整：%(day)s 改为%(kind)s") % {"day": day.isoformat(), "kind": kind},
        actor=actor,
    )
    return override


@transaction.atomic
def calendar_override_delete(*, day: dt.date, actor: User | None = None) -> None:
    """Withdraw the override of `day`: the schedule (or the package) decides it again."""
    if actor is not None and not can_edit_calendar(actor):
        raise PermissionDenied(_("只有系统管理员或安全管理员可以调整工作日历。"))
    deleted, _rows = CalendarOverride.objects.filter(day=day).delete()
    if deleted:
        ledger_append(
            action=LedgerAction.CALENDAR,
            category=LedgerCategory.AUDIT,
            actor=actor,
            target_label=str(day),
            details={"event": "override_deleted", "day": day.isoformat()},
        )
    _forget_calendar()
    deadlines_recompute(
        reason=_("撤销工作日历调整 %(day)s") % {"day": day.isoformat()}, actor=actor
    )


@dataclass(frozen=True)
class DeadlineMove:
    """One stored deadline the calendar moved, and who was told."""

    target: Any
    field: str
    old: dt.date
    new: dt.date
    told: Any  # agencies.selectors.NoticeRecipients


def _changes(obj: Any, rules: list[DeadlineRule], cal: WorkingCalendar, today: dt.date) -> dict:
    """{field: (old, new)} for the running deadlines of `obj` its rules now put elsewhere.

    A deadline already past stays (its consequences were drawn: overdue, escalated), and none
    is moved into the past (nobody could have met it).
    """
    values: dict[str, dt.date] = {}
    changes = {}
    # Rules counted from a day first, then those counted from another (possibly moved) deadline.
    for rule in sorted(rules, key=lambda r: bool(r.start_field)):
        start = rule.start or values.get(rule.start_field) or getattr(obj, rule.start_field)
        old = getattr(obj, rule.field)
        new = cal.add_working_days(start, rule.working_days)
        if old is None or old < today or new < today:
            values[rule.field] = old
            continue
        values[rule.field] = new
        if new != old:
            changes[rule.field] = (old, new)
    return changes


@transaction.atomic
def deadlines_recompute(
    *, reason: str, actor: User | None = None, today: dt.date | None = None
) -> list[DeadlineMove]:
    """Compute every running deadline again with today's calendar; move, record and tell.

    Runs inside the calendar change's own transaction: calendar changes are rare (a few a year)
    and move few deadlines, and the engine and the stored deadlines must never disagree — not
    even for the seconds a background task would take. Each move is a ledger entry (old → new,
    why, who was told) and a notice to the people of the unit whose deadline it is (the one rule
    of agencies.selectors.NoticeBook: assignee, liaisons, staff, else the working group).
    Idempotent: a second run finds nothing to move.
    """

    today = today or timezone.localdate()
    cal = WorkingCalendar()
    found: list[tuple[DeadlineSource, Any, dict]] = []
    for source in deadline_sources():
        model = apps.get_model(source.model)
        content_type = ContentType.objects.get_for_model(model)
        # Only the rules of objects whose deadlines still run: rules of closed ones stay behind.
        running_ids = model.objects.filter(source.running).values("pk")
        rules: dict[int, list[DeadlineRule]] = defaultdict(list)
        for rule in DeadlineRule.objects.filter(
            content_type=content_type, object_id__in=running_ids
        ):
            rules[rule.object_id].append(rule)
        if not rules:
            continue
        running = (
            model.objects.filter(source.running, pk__in=list(rules))
            .select_related(*source.select_related)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        for obj in running:
            runs = [rule for rule in rules[obj.pk] if source.runs(obj, rule.field)]
            changes = _changes(obj, runs, cal, today)
            if changes:
                found.append((source, obj, changes))
    book = NoticeBook(
        unit_ids={source.unit(obj, name).pk for source, obj, changes in found for name in changes}
    )
    moves = []
    for source, obj, changes in found:
        for name, (_old, new) in changes.items():
            setattr(obj, name, new)
        obj.save(update_fields=list(changes))
        label = source.label(obj)
        for unit in {source.unit(obj, name) for name in changes}:
            fields = {n: c for n, c in changes.items() if source.unit(obj, n) == unit}
            told = book.recipients(unit.pk, assignee=source.assignee(obj, next(iter(fields))))
            lines = [
                _("%(what)s由 %(old)s 改为 %(new)s")
                % {
                    "what": obj._meta.get_field(n).verbose_name,
                    "old": old.isoformat(),
                    "new": new.isoformat(),
                }
                for n, (old, new) in fields.items()
            ]
            ledger_append(
                action=LedgerAction.CALENDAR,
                category=LedgerCategory.WORKFLOW,
                actor=actor,
                unit=unit,
                target=obj,
                target_label=label,
                details={
                    "event": "deadline_moved",
                    "reason": reason,
                    "moved": {
                        n: [old.isoformat(), new.isoformat()] for n, (old, new) in fields.items()
                    },
                    **told.details(),
                },
            )
            notice_send(
                to=told,
                key="calendar:{}:{}:{}".format(
                    source.model,
                    obj.pk,
                    ",".join(f"{n}={new.isoformat()}" for n, (_o, new) in sorted(fields.items())),
                ),
                kind="deadline_moved",
                subject=_("期限调整：%(label)s") % {"label": label},
                body=_("因%(reason)s，%(changes)s。")
                % {"reason": reason, "changes": "；".join(lines)},
                url=source.url(obj),
            )
            moves += [DeadlineMove(obj, n, old, new, told) for n, (old, new) in fields.items()]
    return moves
