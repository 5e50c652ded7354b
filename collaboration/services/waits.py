"""Waits on someone other than the asked unit: each is reminded, once per key (Art. 7: 不得拖延).

The state machine (collaboration.transitions) leaves the next step to the requester or the
working group in these cases; the deadline scan (`scan.request_deadline_scan`) runs this after
the asked unit's own reminders:

- an extension asked and not decided (申请延期待审批, any running request): the requester is
  reminded on the first working day after it was asked, again when the current due date is within
  COLLAB_REMIND_WORKING_DAYS (as the unit is), and on the due date itself the working group hears
  that it is still undecided (the deadline moves only with the requester's consent);
- a request awaiting the requester's clarification (待补充说明): the requester;
- an answered ordinary request the requester has neither closed nor sent back (已答复): the
  requester — the portal closes nothing by itself;
- a contested refusal (拒绝异议待裁定): the working group, with the date by which it should rule
  (COLLAB_RULING_WORKING_DAYS after the contest; Art. 20 及时协调调度).

The three open-ended waits are reminded every COLLAB_WAIT_REMIND_WORKING_DAYS working days while
they last (定期). A refusal nobody contests is not a wait: it stands. A returned case's
administrative handling has its own scan (transfer.case_return_scan).

Once only: rows are claimed with `claim_batches` (FOR UPDATE SKIP LOCKED), a notice's key is
recorded in the timeline entry that says who was told, and a key already recorded is not sent
again; the notification key makes a duplicate impossible even so. Who is told follows the one
rule (agencies.selectors): the person who asked, else their unit's people, else the working group;
"nobody could be told" is recorded, logged and left for the operators, as in the other scans.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.selectors import NoticeRecipients, user_recipients, working_group_recipients
from zhengxiang_portal.deadlines.scan import ScanDays, claim_batches
from zhengxiang_portal.notifications.services import Message, notify_many

from ..models import RUNNING_STATUSES, CollaborationRequest, Extension, Status, TimelineEntry
from .common import detail_url, scan_ledger_append

logger = logging.getLogger(__name__)

# Weekly: "定期" without flooding an inbox; the asked unit's own reminders are 2 days ahead.
DEFAULT_WAIT_REMIND_WORKING_DAYS = 5
# Two working weeks for the group to hear both sides (reply_contest) and rule (Art. 20).
DEFAULT_RULING_WORKING_DAYS = 10


def wait_remind_working_days() -> int:
    return int(
        getattr(settings, "COLLAB_WAIT_REMIND_WORKING_DAYS", DEFAULT_WAIT_REMIND_WORKING_DAYS)
    )


def ruling_working_days() -> int:
    return int(getattr(settings, "COLLAB_RULING_WORKING_DAYS", DEFAULT_RULING_WORKING_DAYS))


@dataclass(frozen=True)
class WaitStage:
    """A notice due on a wait now: its stage (part of the key) and whether it escalates."""

    stage: str
    escalate: bool = False


def wait_stage(
    *, since: dt.date, days: ScanDays, due: dt.date | None = None, remind_before: int = 0
) -> WaitStage | None:
    """The one rule of when a wait is reminded, for every wait.

    Open-ended (no `due`): level N once N × COLLAB_WAIT_REMIND_WORKING_DAYS working days have
    passed since it began. With a `due` date (an undecided extension): nothing on the day it
    began (that day's step told them); then "asked"; "due" once `due` is within `remind_before`
    working days; on `due` itself and after, escalate to the working group.
    """
    waited = days.calendar.working_days_between(since, days.today)
    if due is None:
        level = waited // max(wait_remind_working_days(), 1)
        return WaitStage(str(level)) if level >= 1 else None
    if days.today >= due:
        return WaitStage("escalate", escalate=True)
    if waited < 1:
        return None
    return WaitStage("due" if due <= days.remind_until(remind_before) else "asked")


@dataclass(frozen=True)
class Wait:
    """A status (or condition) in which the next step is not the asked unit's."""

    name: str
    condition: Q
    # (request, pending extension or None) → when the wait began, its anchor in the key
    since: Callable[[CollaborationRequest, Extension | None], dt.date | None]
    anchor: Callable[[CollaborationRequest, Extension | None], str]
    group_waits: bool = False  # the working group must act (else the requester)


# What each wait is, for the timeline's line ("到期提醒：延期申请待请求方审批").
WAIT_LABELS = {
    "extension": gettext_lazy("延期申请待请求方审批"),
    "clarification": gettext_lazy("待请求方补充说明"),
    "acceptance": gettext_lazy("已答复，待请求方办结"),
    "ruling": gettext_lazy("拒绝异议待工作组裁定"),
}


def _local(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


WAITS = (
    Wait(
        "extension",
        Q(status__in=RUNNING_STATUSES, extensions__status=Extension.Status.PENDING),
        since=lambda req, ext: _local(ext.requested_at) if ext else None,
        anchor=lambda req, ext: str(ext.pk if ext else ""),
    ),
    Wait(
        "clarification",
        Q(status=Status.AWAITING_CLARIFICATION, paused_on__isnull=False),
        since=lambda req, ext: req.paused_on,
        anchor=lambda req, ext: req.paused_on.isoformat() if req.paused_on else "",
    ),
    Wait(
        "acceptance",
        Q(status=Status.ANSWERED, answered_on__isnull=False, matter_type__is_case_transfer=False),
        since=lambda req, ext: req.answered_on,
        anchor=lambda req, ext: req.answered_on.isoformat() if req.answered_on else "",
    ),
    Wait(
        "ruling",
        Q(status=Status.CONTESTED, contested_at__isnull=False),
        since=lambda req, ext: _local(req.contested_at),
        anchor=lambda req, ext: (_local(req.contested_at) or dt.date.min).isoformat(),
        group_waits=True,
    ),
)


def _texts(wait: str, stage: WaitStage) -> tuple[str, str]:
    """Subject and body templates of a wait's notice (translated per scan)."""
    if wait == "extension" and stage.escalate:
        return (
            _("协作请求 %(number)s 的延期申请到期未审批，已上报工作组"),
            _(
                "“%(subject)s”办理期限为 %(due)s；承办单位申请延期至 %(new_due)s，请求方至今未"
                "审批。请督促请求方审批或协调处理。"
            ),
        )
    if wait == "extension":
        return (
            _("协作请求 %(number)s 的延期申请待您审批"),
            _(
                "承办单位申请将“%(subject)s”延期至 %(new_due)s，当前办理期限为 %(due)s。"
                "请及时同意或不同意；审批前原期限不变。"
            ),
        )
    if wait == "clarification":
        return (
            _("协作请求 %(number)s 待您补充说明"),
            _("承办单位自 %(since)s 起等待您对“%(subject)s”的补充说明，办理计时暂停中。"),
        )
    if wait == "acceptance":
        return (
            _("协作请求 %(number)s 已答复，待您办结"),
            _("“%(subject)s”已于 %(since)s 答复。请审阅后办结，或退回重办；平台不会自动办结。"),
        )
    return (
        _("协作请求 %(number)s 的拒绝异议待工作组裁定"),
        _("“%(subject)s”的拒绝异议于 %(since)s 提出，请于 %(due)s 前作出裁定。"),
    )


def request_wait_scan(*, days: ScanDays | None = None) -> tuple[int, int, int]:
    """Remind whoever a request waits on, other than the asked unit; idempotent.

    Returns (reminded, escalated, notifications created).
    """
    days = days or ScanDays.for_day(timezone.localdate())
    now = timezone.now()
    remind_before = int(getattr(settings, "COLLAB_REMIND_WORKING_DAYS", 2))
    group: NoticeRecipients | None = None
    reminded = escalated = created = 0
    for wait in WAITS:
        queryset = CollaborationRequest.objects.filter(wait.condition)
        for batch in claim_batches(queryset):
            ids = [req.pk for req in batch]
            reqs = {
                r.pk: r
                for r in CollaborationRequest.objects.filter(pk__in=ids).select_related(
                    "requested_by", "requesting_unit"
                )
            }
            pending = {
                e.request_id: e
                for e in Extension.objects.filter(
                    request_id__in=ids, status=Extension.Status.PENDING
                )
            }
            due_now: list[tuple[CollaborationRequest, WaitStage, str, Extension | None]] = []
            for pk in ids:
                req, ext = reqs[pk], pending.get(pk)
                since = wait.since(req, ext)
                if since is None:
                    continue
                stage = wait_stage(
                    since=since,
                    days=days,
                    due=req.due_date if wait.name == "extension" else None,
                    remind_before=remind_before,
                )
                if stage is None:
                    continue
                stage_key = stage.stage
                if wait.name == "extension" and not stage.escalate:
                    stage_key = f"remind:{stage.stage}"
                key = f"request:{pk}:wait_{wait.name}:{wait.anchor(req, ext)}:{stage_key}"
                due_now.append((req, stage, key, ext))
            sent = set(
                TimelineEntry.objects.filter(
                    request_id__in=ids, details__key__in=[k for _r, _s, k, _e in due_now]
                ).values_list("details__key", flat=True)
            )
            due_now = [item for item in due_now if item[2] not in sent]
            if not due_now:
                continue
            messages, entries, nobody = [], [], []
            for req, stage, key, ext in due_now:
                if wait.group_waits or stage.escalate:
                    group = group or working_group_recipients()
                    to = group
                else:
                    to = user_recipients(user=req.requested_by, unit=req.requesting_unit)
                since = wait.since(req, ext) or days.today
                due = req.due_date
                if wait.name == "ruling":
                    due = days.calendar.add_working_days(since, ruling_working_days())
                subject, body = _texts(wait.name, stage)
                values = {
                    "number": req.number,
                    "subject": req.subject,
                    "due": due.isoformat(),
                    "since": since.isoformat(),
                    "new_due": ext.new_due_date.isoformat() if ext else "",
                }
                if to.nobody:
                    nobody.append(req.pk)
                messages.append(
                    Message(
                        recipients=to.users,
                        key=key,
                        kind="collaboration_escalate" if stage.escalate else "collaboration_wait",
                        subject=subject % values,
                        body=body % values,
                        url=detail_url(req),
                    )
                )
                entries.append(
                    TimelineEntry(
                        request_id=req.pk,
                        action=(
                            TimelineEntry.Action.ESCALATE
                            if stage.escalate
                            else TimelineEntry.Action.REMIND
                        ),
                        from_status=req.status,
                        to_status=req.status,
                        details={
                            "wait": wait.name,
                            "key": key,
                            "stage": stage.stage,
                            "due_date": due.isoformat(),
                            **to.details(),
                        },
                        created_at=now,
                    )
                )
                if stage.escalate:
                    escalated += 1
                else:
                    reminded += 1
            TimelineEntry.objects.bulk_create(entries)
            created += notify_many(messages)
            scan_ledger_append(
                {
                    "event": "wait_scan",
                    "wait": wait.name,
                    "day": days.today.isoformat(),
                    "keys": [key for _r, _s, key, _e in due_now],
                    "told_nobody": nobody,
                }
            )
            if nobody:
                logger.error("wait notices reached nobody for requests %s", nobody)
    return reminded, escalated, created
