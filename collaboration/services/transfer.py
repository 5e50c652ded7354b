"""Case transfers (案件移送, Art. 6(三)) both ways.

Out: the tax bureau transfers a case to the police, the procuratorate or a court; the judicial
organ acknowledges it and reports its progress as often as the case moves (已受理, 立案,
移送审查起诉, 起诉, 判决 …), each report with its date, note, files and reporter. The first report
answers the request (its timeliness counts like any answer, Art. 7); the latest is the case's
current stage.

Back: a case that ends 不立案, 不起诉, 判决无罪 or 免予刑事处罚 is returned to the tax bureau for
administrative handling ("应当向同级税务部门提出意见、及时移送"), and the bureau records what it did
(行政处罚决定 with its number and date, or 不予行政处罚 with the reason) within
`CASE_RETURN_HANDLING_WORKING_DAYS` working days, reminded and flagged overdue by
`case_return_scan` like every other deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import NoticeRecipients, notice_recipients, working_group_recipients
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule, deadline_rules_record
from zhengxiang_portal.deadlines.scan import ScanDays, ScanResult, claim_batches

from ..models import (
    RETURN_STAGES,
    AdminHandling,
    CollaborationRequest,
    Status,
    TimelineEntry,
    TransferOutcome,
    TransferReport,
)
from ..transitions import Side
from .common import (
    MIN_JUSTIFICATION_CHARS,
    StepRun,
    begin,
    notify_side,
    record,
    require_text,
    stamp_answer,
)
from .requests import request_accept
from .scan import remind_working_days

Action = TimelineEntry.Action
DEFAULT_HANDLING_WORKING_DAYS = 60  # ≈ the 90 days 《行政处罚法》第六十条 gives to decide
# Reported on before the first report (the clock runs) or after 退回重办: the report answers.
ANSWERS_NOW = (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED)


def handling_working_days() -> int:
    """Working days the tax bureau has to record its handling of a returned case (Art. 6(三))."""
    return int(
        getattr(settings, "CASE_RETURN_HANDLING_WORKING_DAYS", DEFAULT_HANDLING_WORKING_DAYS)
    )


def _bureau_people(req: CollaborationRequest, *, with_leader: bool = False) -> NoticeRecipients:
    """Who at the tax bureau hears of the case: the person who transferred it, else the rule."""
    return notice_recipients(
        unit=req.requesting_unit, assignee=req.requested_by, with_leader=with_leader
    )


def _event_day(day: dt.date | None, *, since: dt.date, what: str) -> dt.date:
    """A decision's date: given or today; not in the future, not before `since`."""
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ApplicationError(
            code=CollaborationErrorCode.DATE_IN_FUTURE,
            message=_("%(what)s不能晚于今天。") % {"what": what},
        )
    if day < since:
        raise ApplicationError(
            code=CollaborationErrorCode.DATE_TOO_EARLY,
            message=_("%(what)s不能早于 %(date)s。") % {"what": what, "date": since.isoformat()},
        )
    return day


def _current_stage(req: CollaborationRequest) -> list[str]:
    """The case's stage is its latest report (by the day it happened, then by when reported)."""
    latest = req.transfer_reports.order_by("-occurred_on", "-reported_at", "-id").first()
    if latest is None:
        return []
    req.outcome, req.outcome_note, req.outcome_at = latest.stage, latest.note, latest.reported_at
    return ["outcome", "outcome_note", "outcome_at"]


def _report(
    step: StepRun,
    *,
    stage: str,
    note: str,
    occurred_on: dt.date,
    files: Sequence[UploadedFile],
    details: dict[str, Any],
    subject: str,
    event: str = "",
    returned: bool = False,
) -> TransferReport:
    """Write one progress report of `step` with its timeline entry (and files) and ledger entry,
    and tell the tax bureau's people of it."""
    req = step.req
    entry = step.record_and_tell(
        comment=note,
        details={"outcome": stage, "occurred_on": occurred_on.isoformat(), **details},
        files=files,
        subject=subject,
        body=note,
        to={Side.REQUESTER: _bureau_people(req)},
        event=event,
    )
    return TransferReport.objects.create(
        request=req,
        stage=stage,
        occurred_on=occurred_on,
        note=note,
        returned=returned,
        reported_by=step.actor,
        reporter_unit=req.target_unit,
        reported_at=entry.created_at,
        timeline_entry=entry,
    )


def transfer_acknowledge(
    *, req: CollaborationRequest, actor: User, comment: str = ""
) -> CollaborationRequest:
    """The judicial organ acknowledges a transferred case (Art. 6(三): 及时接收)."""
    return request_accept(req=req, actor=actor, comment=comment)


@transaction.atomic
def transfer_report_outcome(
    *,
    req: CollaborationRequest,
    actor: User,
    outcome: str,
    note: str,
    occurred_on: dt.date | None = None,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The judicial organ reports a stage of the case (Art. 6(三): 反馈处理结果).

    The first report answers the request; later ones add to the case's history, and the latest
    is its current stage. The tax bureau is told of each.
    """
    req, step = begin(req, actor, "report_outcome")
    if outcome not in TransferOutcome.values:
        raise ApplicationError(
            code=CollaborationErrorCode.OUTCOME_REQUIRED,
            message=_("案件移送须反馈处理结果（立案、不立案、判决等）。"),
        )
    note = require_text(
        note, code=CollaborationErrorCode.NOTE_REQUIRED, message=_("请填写进展说明。")
    )
    day = _event_day(occurred_on, since=req.submitted_on, what=_("进展日期"))
    answers = req.status in ANSWERS_NOW
    step.move()
    fields = ["status", "updated_at"]
    details: dict[str, Any] = {}
    if answers:
        fields += stamp_answer(req, actor, note)
        details["late"] = req.answered_late
    _report(
        step,
        stage=outcome,
        note=note,
        occurred_on=day,
        files=files,
        details=details,
        subject=_("移送案件 %(number)s 进展：%(stage)s")
        % {"number": req.number, "stage": TransferOutcome(outcome).label},
        event=f"{Action.REPORT_OUTCOME.value}:{outcome}",  # each stage is its own event
    )
    fields += _current_stage(req)
    req.save(update_fields=list(dict.fromkeys(fields)))
    return req


@transaction.atomic
def transfer_return(
    *,
    req: CollaborationRequest,
    actor: User,
    outcome: str,
    reason: str,
    occurred_on: dt.date | None = None,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The judicial organ returns the case for administrative handling (退回行政处理, Art. 6(三)).

    Only with a decision of 不立案, 不起诉, 判决无罪 or 免予刑事处罚, its reasons and files; the tax
    bureau then has `CASE_RETURN_HANDLING_WORKING_DAYS` working days to record its handling.
    """
    req, step = begin(req, actor, "return_case")
    if outcome not in RETURN_STAGES:
        raise ApplicationError(
            code=CollaborationErrorCode.NOT_A_RETURN_DECISION,
            message=_(
                "只有不立案、不起诉、判决无罪或免予刑事处罚的案件可以退回行政处理（第六条第三项）。"
            ),
        )
    reason = require_text(
        reason,
        code=CollaborationErrorCode.REASON_REQUIRED,
        message=_("请写明决定及需给予行政处罚的意见（不少于 %(n)d 字）。")
        % {"n": MIN_JUSTIFICATION_CHARS},
        min_chars=MIN_JUSTIFICATION_CHARS,
    )
    day = _event_day(occurred_on, since=req.submitted_on, what=_("决定日期"))
    answers = req.status in ANSWERS_NOW
    step.move()
    fields = ["updated_at"]
    details: dict[str, Any] = {}
    if answers:
        fields += stamp_answer(req, actor, reason)
        details["late"] = req.answered_late
    now = timezone.now()
    rule = Rule("admin_due_date", handling_working_days(), start=timezone.localdate(now))
    req.returned_at = now
    req.admin_due_date = rule.compute(WorkingCalendar())
    req.admin_reminded_at = None
    req.admin_overdue_at = None
    fields += ["status", "returned_at", "admin_due_date", "admin_reminded_at", "admin_overdue_at"]
    details["admin_due_date"] = req.admin_due_date.isoformat()
    _report(
        step,
        stage=outcome,
        note=reason,
        occurred_on=day,
        files=files,
        details=details,
        subject=_("移送案件 %(number)s 退回行政处理（%(stage)s），请于 %(due)s 前登记处理结果")
        % {
            "number": req.number,
            "stage": TransferOutcome(outcome).label,
            "due": req.admin_due_date.isoformat(),
        },
        returned=True,
    )
    fields += _current_stage(req)
    req.save(update_fields=list(dict.fromkeys(fields)))
    deadline_rules_record([(req, rule)])
    return req


@transaction.atomic
def transfer_record_handling(
    *,
    req: CollaborationRequest,
    actor: User,
    result: str,
    note: str = "",
    decision_number: str = "",
    decided_on: dt.date | None = None,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The tax bureau records its administrative handling of a returned case; the case closes.

    行政处罚: the decision's number (文书号) and date. 不予行政处罚: the written reason.
    On time when recorded on or before the handling deadline.
    """
    req, step = begin(req, actor, "record_handling")
    if result not in AdminHandling.values:
        raise ApplicationError(
            code=CollaborationErrorCode.RESULT_REQUIRED, message=_("请选择行政处理结果。")
        )
    note = (note or "").strip()
    decision_number = (decision_number or "").strip()
    if result == AdminHandling.PENALTY:
        decision_number = require_text(
            decision_number,
            code=CollaborationErrorCode.DECISION_NUMBER_REQUIRED,
            message=_("请填写行政处罚决定书文号。"),
        )
        if decided_on is None:
            raise ApplicationError(
                code=CollaborationErrorCode.DECIDED_ON_REQUIRED,
                message=_("请填写行政处罚决定日期。"),
            )
    else:
        note = require_text(
            note,
            code=CollaborationErrorCode.REASON_REQUIRED,
            message=_("不予行政处罚须写明理由（不少于 %(n)d 字）。")
            % {"n": MIN_JUSTIFICATION_CHARS},
            min_chars=MIN_JUSTIFICATION_CHARS,
        )
    returned_on = timezone.localdate(req.returned_at) if req.returned_at else req.submitted_on
    day = _event_day(decided_on, since=returned_on, what=_("行政处理决定日期"))
    now = timezone.now()
    today = timezone.localdate(now)
    step.move()
    req.closed_at = now
    req.admin_result = result
    req.admin_decision_number = decision_number
    req.admin_decided_on = day
    req.admin_note = note
    req.admin_recorded_at = now
    req.admin_recorded_by = actor
    req.admin_handled_late = req.admin_due_date is not None and today > req.admin_due_date
    req.save(
        update_fields=[
            "status",
            "closed_at",
            "admin_result",
            "admin_decision_number",
            "admin_decided_on",
            "admin_note",
            "admin_recorded_at",
            "admin_recorded_by",
            "admin_handled_late",
            "updated_at",
        ]
    )
    step.record_and_tell(
        comment=note,
        details={
            "result": result,
            "decision_number": decision_number,
            "decided_on": day.isoformat(),
            "late": req.admin_handled_late,
        },
        files=files,
        subject=_("退回的案件 %(number)s 已作行政处理：%(result)s")
        % {"number": req.number, "result": req.get_admin_result_display()},
        body=" ".join(filter(None, [decision_number, note])),
    )
    return req


# --- the handling deadline's scan -----------------------------------------------------------


def case_return_scan(*, today: dt.date | None = None) -> ScanResult:
    """Remind the tax bureau before a returned case's handling deadline, flag it overdue after.

    Each once (the stamp is set under the row lock of `claim_batches`), with a timeline entry and
    a ledger entry saying who was told; overdue also tells the working group's leaders (Art. 7:
    不得拖延).
    """
    days = ScanDays.for_day(today)
    result = ScanResult()
    returned = CollaborationRequest.objects.select_related(
        "requesting_unit", "requested_by", "target_unit", "matter_type"
    ).filter(status=Status.RETURNED)
    due_soon = returned.filter(
        admin_reminded_at__isnull=True,
        admin_due_date__gte=days.today,
        admin_due_date__lte=days.remind_until(remind_working_days()),
    )
    overdue = returned.filter(admin_overdue_at__isnull=True, admin_due_date__lt=days.today)
    kinds = [
        (due_soon, "admin_reminded_at", Action.HANDLING_REMIND),
        (overdue, "admin_overdue_at", Action.HANDLING_OVERDUE),
    ]
    for queryset, stamp, action in kinds:
        for batch in claim_batches(queryset):
            for req in batch:
                setattr(req, stamp, timezone.now())
                req.save(update_fields=[stamp])
                due = req.admin_due_date.isoformat() if req.admin_due_date else ""
                entry = record(
                    req=req,
                    actor=None,
                    action=action,
                    side="system",
                    from_status=req.status,
                    details={"admin_due_date": due},
                )
                if action == Action.HANDLING_REMIND:
                    to = _bureau_people(req)
                    subject = _("退回的案件 %(number)s 须于 %(due)s 前登记行政处理结果")
                    result.reminded += 1
                else:
                    to = _bureau_people(req, with_leader=True) + working_group_recipients(
                        leaders_only=True
                    )
                    subject = _("退回的案件 %(number)s 逾期未登记行政处理结果（期限 %(due)s）")
                    result.overdue += 1
                notify_side(
                    req=req,
                    side=Side.REQUESTER,
                    entry=entry,
                    subject=subject % {"number": req.number, "due": due},
                    body=req.subject,
                    to=to,
                )
                result.notifications += len(to.users)
    return result


__all__ = [
    "case_return_scan",
    "handling_working_days",
    "transfer_acknowledge",
    "transfer_record_handling",
    "transfer_report_outcome",
    "transfer_return",
]
