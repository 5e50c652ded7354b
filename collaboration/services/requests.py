"""A collaboration request's own steps (Art. 6, 7): raise, assign, accept, start, clarify, answer,
close, reopen, withdraw, add material. Each is one step of `collaboration.transitions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.selectors import unit_liaison_users, user_can_act_for
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule, deadline_rules_record

from ..models import (
    CollaborationRequest,
    MatterType,
    Priority,
    Status,
    TimelineEntry,
)
from ..permissions import JUDICIAL_KINDS
from ..selectors import default_due_rule
from ..transitions import Side
from .common import (
    allocate_number,
    begin,
    chosen_due_date,
    local_today,
    notify_side,
    record,
    require_text,
    set_deadline,
    stamp_answer,
)

Action = TimelineEntry.Action


def _validate_assignee(assignee: User | None, target: Unit) -> None:
    if assignee is not None and not user_can_act_for(user=assignee, unit=target):
        raise ApplicationError(
            code=CollaborationErrorCode.INVALID_ASSIGNEE,
            message=_("承办人必须是承办单位的联络员（税务局为税务工作人员）。"),
        )


def _default_assignee(target: Unit) -> User | None:
    primary = unit_liaison_users(unit=target, primary_only=True)
    if primary:
        return primary[0]
    anyone = unit_liaison_users(unit=target)
    return anyone[0] if anyone else None


@transaction.atomic
def request_create(
    *,
    actor: User,
    requesting_unit: Unit,
    target_unit: Unit,
    matter_type: MatterType,
    subject: str,
    body: str,
    category: str | None = None,
    legal_basis: str = "",
    priority: str = Priority.NORMAL,
    assignee: User | None = None,
    due_date: dt.date | None = None,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """Raise a request from `requesting_unit` to `target_unit` (Art. 7, both directions).

    One of the two units is the tax bureau. The deadline is the matter type's default in working
    days from the day of submission, unless a later date is asked for. A case transfer (案件移送)
    goes from the tax bureau to the police, the procuratorate or a court (Art. 6(三)).
    """
    if not user_can_act_for(user=actor, unit=requesting_unit):
        raise PermissionDenied(_("您不能代表该单位提出协作请求。"))
    if requesting_unit.pk == target_unit.pk:
        raise ApplicationError(
            code=CollaborationErrorCode.SAME_UNIT, message=_("不能向本单位提出协作请求。")
        )
    if not (requesting_unit.is_tax_bureau or target_unit.is_tax_bureau):
        raise ApplicationError(
            code=CollaborationErrorCode.NOT_WITH_TAX_BUREAU,
            message=_("协作请求须在税务部门与共治单位之间提出（第七条）。"),
        )
    if not target_unit.is_active:
        raise ApplicationError(
            code=CollaborationErrorCode.INACTIVE_UNIT, message=_("承办单位已停用。")
        )
    if not matter_type.is_active:
        raise ApplicationError(
            code=CollaborationErrorCode.INACTIVE_MATTER_TYPE, message=_("该事项类型已停用。")
        )
    if matter_type.is_case_transfer and not (
        requesting_unit.is_tax_bureau and target_unit.kind in JUDICIAL_KINDS
    ):
        raise ApplicationError(
            code=CollaborationErrorCode.INVALID_CASE_TRANSFER,
            message=_("案件移送只能由税务部门移送公安机关、检察机关或人民法院（第六条第三项）。"),
        )
    subject = require_text(
        subject, code=CollaborationErrorCode.SUBJECT_REQUIRED, message=_("请填写事项标题。")
    )
    body = require_text(
        body, code=CollaborationErrorCode.BODY_REQUIRED, message=_("请填写请求内容。")
    )
    if assignee is None:
        assignee = _default_assignee(target_unit)
    _validate_assignee(assignee, target_unit)

    now = timezone.now()
    today = timezone.localdate(now)
    cal = WorkingCalendar()
    default_rule = default_due_rule(matter_type=matter_type, start=today)
    default_due = default_rule.compute(cal)
    if due_date is not None:
        due_date = chosen_due_date(due_date, cal)
    if due_date is not None and due_date < default_due:
        raise ApplicationError(
            code=CollaborationErrorCode.DUE_TOO_EARLY,
            message=_("办理期限不得早于该事项的默认期限 %(date)s。")
            % {"date": default_due.isoformat()},
        )
    due = max(due_date or default_due, default_due)
    req = CollaborationRequest.objects.create(
        number=allocate_number(year=today.year),
        category=category or matter_type.category,
        matter_type=matter_type,
        subject=subject,
        body=body,
        legal_basis=legal_basis.strip() or matter_type.legal_basis,
        priority=priority,
        requesting_unit=requesting_unit,
        requested_by=actor,
        target_unit=target_unit,
        assignee=assignee,
        status=Status.SUBMITTED,
        submitted_at=now,
        submitted_on=today,
        working_days_allowed=cal.working_days_between(today, due),
        due_date=due,
    )
    if due == default_due:  # a later date the requester chose stays as chosen
        deadline_rules_record([(req, default_rule)])
    entry = record(
        req=req,
        actor=actor,
        action=Action.SUBMIT,
        side=Side.REQUESTER,
        from_status="",
        comment=body,
        details={"due_date": due.isoformat(), "working_days": req.working_days_allowed},
        files=files,
    )
    notify_side(
        req=req,
        side=Side.TARGET,
        entry=entry,
        subject=_("新的协作请求 %(number)s：%(subject)s")
        % {"number": req.number, "subject": subject},
        body=_("请于 %(due)s 前办理。") % {"due": due.isoformat()},
    )
    return req


@transaction.atomic
def request_assign(
    *, req: CollaborationRequest, actor: User, assignee: User, comment: str = ""
) -> CollaborationRequest:
    """Name the assignee: the target unit itself, or tax staff for a request they raised."""
    req, step = begin(req, actor, "assign")
    _validate_assignee(assignee, req.target_unit)
    req.assignee = assignee
    req.save(update_fields=["assignee", "updated_at"])
    step.record_and_tell(
        comment=comment,
        details={"assignee": assignee.get_username()},
        subject=_("您被指定为协作请求 %(number)s 的承办人") % {"number": req.number},
    )
    return req


# --- the target unit's steps ----------------------------------------------------------------


@transaction.atomic
def request_accept(
    *, req: CollaborationRequest, actor: User, comment: str = ""
) -> CollaborationRequest:
    """The target unit accepts the request (for a case transfer: acknowledges receipt)."""
    name = "acknowledge" if req.matter_type.is_case_transfer else "accept"
    req, step = begin(req, actor, name)
    step.move()
    fields = ["status", "updated_at"]
    if req.is_case_transfer:
        req.acknowledged_at = timezone.now()
        fields.append("acknowledged_at")
    if req.assignee_id is None:
        req.assignee = actor
        fields.append("assignee")
    req.save(update_fields=fields)
    step.record_and_tell(
        comment=comment,
        subject=_("协作请求 %(number)s 已受理") % {"number": req.number},
    )
    return req


@transaction.atomic
def request_start(
    *, req: CollaborationRequest, actor: User, comment: str = ""
) -> CollaborationRequest:
    req, step = begin(req, actor, "start")
    step.move()
    req.save(update_fields=["status", "updated_at"])
    step.record_and_tell(comment=comment)
    return req


@transaction.atomic
def request_ask_clarification(
    *,
    req: CollaborationRequest,
    actor: User,
    question: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """Ask the requester to clarify; the deadline clock stops until they answer.

    The working days left are stored, so the resumed deadline is exactly as long as the rest.
    """
    req, step = begin(req, actor, "ask_clarification")
    question = require_text(
        question, code=CollaborationErrorCode.QUESTION_REQUIRED, message=_("请写明需补充的内容。")
    )
    cal = WorkingCalendar()
    today = local_today()
    req.status_before_pause = req.status
    step.move()
    req.paused_on = today
    req.remaining_working_days = max(cal.working_days_between(today, req.due_date), 0)
    req.save(
        update_fields=[
            "status",
            "status_before_pause",
            "paused_on",
            "remaining_working_days",
            "updated_at",
        ]
    )
    step.record_and_tell(
        comment=question,
        details={"remaining_working_days": req.remaining_working_days},
        files=files,
        subject=_("协作请求 %(number)s 需要补充说明") % {"number": req.number},
        body=question,
    )
    return req


@transaction.atomic
def request_answer(
    *,
    req: CollaborationRequest,
    actor: User,
    answer: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The target unit answers; on time when answered on or before the due date.

    A case transfer is answered by its progress reports instead (`transfer_report_outcome`:
    立案/不立案/起诉/…, Art. 6(三)).
    """
    req, step = begin(req, actor, "answer")
    answer = require_text(
        answer, code=CollaborationErrorCode.ANSWER_REQUIRED, message=_("请填写答复内容。")
    )
    step.move()
    req.save(update_fields=stamp_answer(req, actor, answer))
    step.record_and_tell(
        comment=answer,
        details={"late": req.answered_late},
        files=files,
        subject=_("协作请求 %(number)s 已答复") % {"number": req.number},
        body=answer,
    )
    return req


@transaction.atomic
def request_answer_clarification(
    *,
    req: CollaborationRequest,
    actor: User,
    clarification: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The requester clarifies; the clock resumes with the working days that were left."""
    req, step = begin(req, actor, "answer_clarification")
    clarification = require_text(
        clarification,
        code=CollaborationErrorCode.CLARIFICATION_REQUIRED,
        message=_("请填写补充说明。"),
    )
    cal = WorkingCalendar()
    today = local_today()
    paused = max(cal.working_days_between(req.paused_on or today, today), 0)
    remaining = req.remaining_working_days or 0
    step.move(req.status_before_pause or Status.ACCEPTED)
    req.status_before_pause = ""
    req.paused_working_days += paused
    rule = Rule("due_date", remaining, start=today)
    due = rule.compute(cal)
    set_deadline(req, due, cal, rule)
    req.working_days_allowed = max(
        cal.working_days_between(req.submitted_on, due) - req.paused_working_days, 0
    )
    req.paused_on = None
    req.remaining_working_days = None
    req.save()
    step.record_and_tell(
        comment=clarification,
        details={"due_date": due.isoformat(), "paused_working_days": paused},
        files=files,
        subject=_("协作请求 %(number)s 已补充说明，新的办理期限 %(due)s")
        % {"number": req.number, "due": due.isoformat()},
        body=clarification,
    )
    return req


@transaction.atomic
def request_close(
    *, req: CollaborationRequest, actor: User, comment: str = ""
) -> CollaborationRequest:
    """The requester accepts the answer and closes the request."""
    req, step = begin(req, actor, "close")
    step.move()
    req.closed_at = timezone.now()
    req.save(update_fields=["status", "closed_at", "updated_at"])
    step.record_and_tell(
        comment=comment,
        subject=_("协作请求 %(number)s 已办结") % {"number": req.number},
    )
    return req


@transaction.atomic
def request_reopen(
    *, req: CollaborationRequest, actor: User, reason: str, files: Sequence[UploadedFile] = ()
) -> CollaborationRequest:
    """The requester is not satisfied: back to the target with the matter's full deadline."""
    req, step = begin(req, actor, "reopen")
    reason = require_text(
        reason, code=CollaborationErrorCode.REASON_REQUIRED, message=_("请说明退回重办的理由。")
    )
    cal = WorkingCalendar()
    step.move()
    rule = default_due_rule(matter_type=req.matter_type, start=local_today())
    set_deadline(req, rule.compute(cal), cal, rule)
    req.answered_late = None
    req.save()
    step.record_and_tell(
        comment=reason,
        details={"due_date": req.due_date.isoformat()},
        files=files,
        subject=_("协作请求 %(number)s 被退回重办") % {"number": req.number},
        body=reason,
    )
    return req


@transaction.atomic
def request_withdraw(
    *, req: CollaborationRequest, actor: User, reason: str = ""
) -> CollaborationRequest:
    req, step = begin(req, actor, "withdraw")
    step.move()
    req.withdrawn_at = timezone.now()
    req.save(update_fields=["status", "withdrawn_at", "updated_at"])
    step.record_and_tell(
        comment=reason,
        subject=_("协作请求 %(number)s 已撤回") % {"number": req.number},
        body=reason,
    )
    return req


@transaction.atomic
def request_add_attachments(
    *, req: CollaborationRequest, actor: User, files: Sequence[UploadedFile], comment: str = ""
) -> TimelineEntry:
    """Either side adds material to an open request; a timeline entry records it."""
    req, step = begin(req, actor, "attach")
    if not files:
        raise ApplicationError(
            code=CollaborationErrorCode.FILE_REQUIRED, message=_("请选择要上传的文件。")
        )
    return step.record_and_tell(
        comment=comment,
        files=files,
    )
