"""Extensions (延期): the target asks for a later deadline, the requester approves or declines
(Art. 7: 不得拖延 — a deadline moves only with the requester's consent)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import deadline_rule_forget

from ..models import CollaborationRequest, Extension, Status
from .common import begin, chosen_due_date, require_text, set_deadline


@transaction.atomic
def request_ask_extension(
    *, req: CollaborationRequest, actor: User, reason: str, new_due_date: dt.date
) -> Extension:
    """The assignee asks for a later deadline; the requester decides."""
    req, step = begin(req, actor, "ask_extension")
    reason = require_text(
        reason, code=CollaborationErrorCode.REASON_REQUIRED, message=_("请说明延期理由。")
    )
    new_due_date = chosen_due_date(new_due_date, WorkingCalendar())
    if new_due_date <= req.due_date:
        raise ApplicationError(
            code=CollaborationErrorCode.DATE_NOT_LATER,
            message=_("申请延至的日期须晚于当前办理期限。"),
        )
    ext = Extension.objects.create(
        request=req,
        reason=reason,
        previous_due_date=req.due_date,
        new_due_date=new_due_date,
        requested_by=actor,
    )
    step.record_and_tell(
        comment=reason,
        details={"new_due_date": new_due_date.isoformat(), "extension": ext.pk},
        subject=_("协作请求 %(number)s 申请延期至 %(date)s")
        % {"number": req.number, "date": new_due_date.isoformat()},
        body=reason,
    )
    return ext


@transaction.atomic
def extension_decide(*, ext: Extension, actor: User, approve: bool, comment: str = "") -> Extension:
    """The requester approves (the deadline moves) or declines an extension."""
    name = "approve_extension" if approve else "decline_extension"
    req, step = begin(ext.request, actor, name)
    ext = Extension.objects.select_for_update().get(pk=ext.pk)
    if ext.status != Extension.Status.PENDING:
        raise ApplicationError(
            code=CollaborationErrorCode.EXTENSION_DECIDED, message=_("该延期申请已处理。")
        )
    ext.status = Extension.Status.APPROVED if approve else Extension.Status.DECLINED
    ext.decided_by = actor
    ext.decided_at = timezone.now()
    ext.decision_comment = comment
    ext.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    if approve:
        cal = WorkingCalendar()
        if req.status == Status.AWAITING_CLARIFICATION:
            req.remaining_working_days = (req.remaining_working_days or 0) + max(
                cal.working_days_between(req.due_date, ext.new_due_date), 0
            )
            req.due_date = ext.new_due_date
            deadline_rule_forget(req, "due_date")
            req.save(update_fields=["remaining_working_days", "due_date", "updated_at"])
        else:
            set_deadline(req, ext.new_due_date, cal, None)
            req.save(
                update_fields=[
                    "due_date",
                    "working_days_allowed",
                    "deadline_version",
                    "reminded_at",
                    "overdue_notified_at",
                    "escalated_at",
                    "updated_at",
                ]
            )
    step.record_and_tell(
        comment=comment,
        details={"extension": ext.pk, "new_due_date": ext.new_due_date.isoformat()},
        subject=(
            _("协作请求 %(number)s 的延期申请已同意")
            if approve
            else _("协作请求 %(number)s 的延期申请未同意")
        )
        % {"number": req.number},
        body=comment,
    )
    return ext
