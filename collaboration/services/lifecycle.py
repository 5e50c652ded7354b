"""Every step of a collaboration request's life (Art. 6, 7), each one service.

Each service checks the actor, checks the state, writes, appends a timeline entry and a ledger
entry in the same transaction, and notifies the other side after commit (via `notify`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.selectors import (
    NoticeRecipients,
    notice_recipients,
    unit_liaison_users,
    user_can_act_for,
    user_recipients,
    working_group_recipients,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.uploads import attachments_store
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule, deadline_rule_forget, deadline_rules_record
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..models import (
    OPEN_STATUSES,
    RUNNING_STATUSES,
    Attachment,
    CollaborationRequest,
    Extension,
    MatterType,
    Priority,
    RefusalRuling,
    RequestNumberSequence,
    Status,
    TimelineEntry,
)
from ..permissions import JUDICIAL_KINDS, acts_for_requester, acts_for_target, can_rule, is_party
from ..selectors import default_due_rule

Action = TimelineEntry.Action
MIN_JUSTIFICATION_CHARS = 10  # a refusal or contest needs a real written reason, not "no"


# --- helpers --------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _require_text(value: str, *, code: str, message: str, min_chars: int = 1) -> str:
    text = (value or "").strip()
    if len(text) < min_chars:
        raise ApplicationError(code=code, message=message)
    return text


def _require_status(req: CollaborationRequest, allowed: Iterable[str]) -> None:
    if req.status not in set(allowed):
        raise ApplicationError(
            code="invalid_status",
            message=_("协作请求当前状态为“%(status)s”，不能进行此操作。")
            % {"status": req.get_status_display()},
        )


def _lock(req: CollaborationRequest) -> CollaborationRequest:
    """Re-read the request under a row lock so two concurrent steps cannot both pass a check."""
    locked = (
        CollaborationRequest.objects.select_for_update(of=("self",))
        .select_related("matter_type", "requesting_unit", "target_unit", "assignee")
        .get(pk=req.pk)
    )
    return locked


def _detail_url(req: CollaborationRequest) -> str:
    return reverse("collaboration:request_detail", args=[req.pk])


def _store_attachments(
    *,
    req: CollaborationRequest,
    entry: TimelineEntry | None,
    files: Sequence[UploadedFile],
    actor: Any,
) -> list[Attachment]:
    def build(**fields: Any) -> Attachment:
        return Attachment(request=req, timeline_entry=entry, **fields)

    return attachments_store(files=files, build=build, actor=actor)


def _acting_unit(actor: Any, req: CollaborationRequest, side: str) -> Unit | None:
    if side == "requester":
        return req.requesting_unit
    if side == "target":
        return req.target_unit
    return getattr(actor, "unit", None)


def _record(
    *,
    req: CollaborationRequest,
    actor: Any,
    action: str,
    side: str,
    from_status: str,
    comment: str = "",
    details: dict | None = None,
    files: Sequence[UploadedFile] = (),
) -> TimelineEntry:
    """Write the timeline entry, its attachments and the ledger entry for one step."""
    unit = _acting_unit(actor, req, side)
    entry = TimelineEntry.objects.create(
        request=req,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_unit=unit,
        comment=comment,
        from_status=from_status,
        to_status=req.status,
        details=details or {},
        created_at=timezone.now(),
    )
    attachments = _store_attachments(req=req, entry=entry, files=files, actor=actor)
    ledger_append(
        action=LedgerAction.REQUEST,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        unit=unit,
        target=req,
        digest=attachments[0].sha256 if len(attachments) == 1 else "",
        details={
            "event": action,
            "number": req.number,
            "from": from_status,
            "to": req.status,
            "attachments": [a.sha256 for a in attachments],
            **(details or {}),
        },
    )
    return entry


def _notify_side(
    *,
    req: CollaborationRequest,
    side: str,
    entry: TimelineEntry,
    subject: str,
    body: str = "",
    to: NoticeRecipients | None = None,
    event: str = "",
) -> NoticeRecipients:
    """Tell the other side of a step, once per timeline entry, after commit; record who.

    Who is the one rule (agencies.selectors.notice_recipients): the target unit's assignee, else its
    liaisons, else the tax bureau's tax staff, else the working group; on the requesting side the
    person who asked, else the same rule for the requesting unit. `to` is a choice by the same
    rule made by the caller; `event` names the event in the notice's key when one kind of step
    happens several times with different meanings (a case's stages).
    """
    if to is not None:
        pass  # the caller chose by the same rule (e.g. the requesting unit's people)
    elif side == "target":
        to = notice_recipients(unit=req.target_unit, assignee=req.assignee)
    elif side == "requester":
        to = user_recipients(user=req.requested_by, unit=req.requesting_unit)
    else:
        to = working_group_recipients()
    notice_send(
        to=to,
        key=f"request:{req.pk}:{event or entry.action}:{entry.pk}",
        kind="collaboration",
        subject=subject,
        body=body,
        url=_detail_url(req),
    )
    told = entry.details.get("told", [])
    entry.details = {
        **entry.details,
        **to.details(),
        "told": [*told, *(n for n in to.details()["told"] if n not in told)],
        "who": "；".join(filter(None, [entry.details.get("who", ""), to.who])),
    }
    entry.save(update_fields=["details"])
    return to


def _set_deadline(
    req: CollaborationRequest, due: dt.date, cal: WorkingCalendar, rule: Rule | None
) -> None:
    """Move the deadline: a new reminder level, and reminder state cleared for it.

    `rule` is how the engine computed `due` (a calendar change computes it again); None for a
    date a person chose (an approved extension, a ruling's date), which stays as chosen.
    """
    if rule is None:
        deadline_rule_forget(req, "due_date")
    else:
        deadline_rules_record([(req, rule)])
    req.due_date = due
    req.working_days_allowed = max(cal.working_days_between(req.submitted_on, due), 0)
    req.deadline_version = (req.deadline_version or 0) + 1
    req.reminded_at = None
    req.overdue_notified_at = None
    req.escalated_at = None


def allocate_number(*, year: int) -> str:
    """Hand out the next number of `year` (XZ-2026-000123), safely under concurrency.

    The sequence row is created if missing (a concurrent creator's insert is ignored) and then
    incremented with an UPDATE, whose row lock serialises allocators until commit.
    """
    RequestNumberSequence.objects.bulk_create(
        [RequestNumberSequence(year=year, last=0)], ignore_conflicts=True
    )
    RequestNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = RequestNumberSequence.objects.values_list("last", flat=True).get(year=year)
    return f"XZ-{year}-{last:06d}"


# --- create and assign ----------------------------------------------------------------------


def _validate_assignee(assignee: User | None, target: Unit) -> None:
    if assignee is not None and not user_can_act_for(user=assignee, unit=target):
        raise ApplicationError(
            code="invalid_assignee",
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
    actor: Any,
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
        raise ApplicationError(code="same_unit", message=_("不能向本单位提出协作请求。"))
    if not (requesting_unit.is_tax_bureau or target_unit.is_tax_bureau):
        raise ApplicationError(
            code="not_with_tax_bureau",
            message=_("协作请求须在税务部门与共治单位之间提出（第七条）。"),
        )
    if not target_unit.is_active:
        raise ApplicationError(code="inactive_unit", message=_("承办单位已停用。"))
    if not matter_type.is_active:
        raise ApplicationError(code="inactive_matter_type", message=_("该事项类型已停用。"))
    if matter_type.is_case_transfer and not (
        requesting_unit.is_tax_bureau and target_unit.kind in JUDICIAL_KINDS
    ):
        raise ApplicationError(
            code="invalid_case_transfer",
            message=_("案件移送只能由税务部门移送公安机关、检察机关或人民法院（第六条第三项）。"),
        )
    subject = _require_text(subject, code="subject_required", message=_("请填写事项标题。"))
    body = _require_text(body, code="body_required", message=_("请填写请求内容。"))
    if assignee is None:
        assignee = _default_assignee(target_unit)
    _validate_assignee(assignee, target_unit)

    now = timezone.now()
    today = timezone.localdate(now)
    cal = WorkingCalendar()
    default_rule = default_due_rule(matter_type=matter_type, start=today)
    default_due = default_rule.compute(cal)
    if due_date is not None and due_date < default_due:
        raise ApplicationError(
            code="due_too_early",
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
    entry = _record(
        req=req,
        actor=actor,
        action=Action.SUBMIT,
        side="requester",
        from_status="",
        comment=body,
        details={"due_date": due.isoformat(), "working_days": req.working_days_allowed},
        files=files,
    )
    _notify_side(
        req=req,
        side="target",
        entry=entry,
        subject=_("新的协作请求 %(number)s：%(subject)s")
        % {"number": req.number, "subject": subject},
        body=_("请于 %(due)s 前办理。") % {"due": due.isoformat()},
    )
    return req


@transaction.atomic
def request_assign(
    *, req: CollaborationRequest, actor: Any, assignee: User, comment: str = ""
) -> CollaborationRequest:
    """Name the assignee: the target unit itself, or tax staff for a request they raised."""
    req = _lock(req)
    allowed = acts_for_target(actor, req) or (
        req.requesting_unit.is_tax_bureau and acts_for_requester(actor, req)
    )
    if not allowed:
        raise PermissionDenied(_("您不能为该请求指定承办人。"))
    _require_status(req, OPEN_STATUSES)
    _validate_assignee(assignee, req.target_unit)
    before = req.status
    req.assignee = assignee
    req.save(update_fields=["assignee", "updated_at"])
    entry = _record(
        req=req,
        actor=actor,
        action=Action.ASSIGN,
        side="target" if acts_for_target(actor, req) else "requester",
        from_status=before,
        comment=comment,
        details={"assignee": assignee.get_username()},
    )
    _notify_side(
        req=req,
        side="target",  # the assignee just named
        entry=entry,
        subject=_("您被指定为协作请求 %(number)s 的承办人") % {"number": req.number},
    )
    return req


# --- the target unit's steps ----------------------------------------------------------------


def _target_only(actor: Any, req: CollaborationRequest) -> None:
    if not acts_for_target(actor, req):
        raise PermissionDenied(_("只有承办单位可以办理此操作。"))


def _requester_only(actor: Any, req: CollaborationRequest) -> None:
    if not acts_for_requester(actor, req):
        raise PermissionDenied(_("只有请求单位可以办理此操作。"))


@transaction.atomic
def request_accept(
    *, req: CollaborationRequest, actor: Any, comment: str = ""
) -> CollaborationRequest:
    """The target unit accepts the request (for a case transfer: acknowledges receipt)."""
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, [Status.SUBMITTED])
    before = req.status
    req.status = Status.ACCEPTED
    fields = ["status", "updated_at"]
    if req.is_case_transfer:
        req.acknowledged_at = timezone.now()
        fields.append("acknowledged_at")
    if req.assignee_id is None:
        req.assignee = actor
        fields.append("assignee")
    req.save(update_fields=fields)
    action = Action.ACKNOWLEDGE if req.is_case_transfer else Action.ACCEPT
    entry = _record(
        req=req, actor=actor, action=action, side="target", from_status=before, comment=comment
    )
    _notify_side(
        req=req,
        side="requester",
        entry=entry,
        subject=_("协作请求 %(number)s 已受理") % {"number": req.number},
    )
    return req


@transaction.atomic
def request_start(
    *, req: CollaborationRequest, actor: Any, comment: str = ""
) -> CollaborationRequest:
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, [Status.ACCEPTED])
    before = req.status
    req.status = Status.IN_PROGRESS
    req.save(update_fields=["status", "updated_at"])
    _record(
        req=req,
        actor=actor,
        action=Action.START,
        side="target",
        from_status=before,
        comment=comment,
    )
    return req


@transaction.atomic
def request_ask_clarification(
    *,
    req: CollaborationRequest,
    actor: Any,
    question: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """Ask the requester to clarify; the deadline clock stops until they answer.

    The working days left are stored, so the resumed deadline is exactly as long as the rest.
    """
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, RUNNING_STATUSES)
    question = _require_text(question, code="question_required", message=_("请写明需补充的内容。"))
    cal = WorkingCalendar()
    today = _today()
    before = req.status
    req.status_before_pause = req.status
    req.status = Status.AWAITING_CLARIFICATION
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
    entry = _record(
        req=req,
        actor=actor,
        action=Action.ASK_CLARIFICATION,
        side="target",
        from_status=before,
        comment=question,
        details={"remaining_working_days": req.remaining_working_days},
        files=files,
    )
    _notify_side(
        req=req,
        side="requester",
        entry=entry,
        subject=_("协作请求 %(number)s 需要补充说明") % {"number": req.number},
        body=question,
    )
    return req


def stamp_answer(req: CollaborationRequest, actor: User, text: str) -> list[str]:
    """Mark `req` answered today by `actor` (on time or late); return the fields changed."""
    cal = WorkingCalendar()
    now = timezone.now()
    today = timezone.localdate(now)
    req.status = Status.ANSWERED
    req.answer = text
    req.answered_at = now
    req.answered_on = today
    req.answered_by = actor
    req.answered_late = today > req.due_date
    req.working_days_to_answer = max(
        cal.working_days_between(req.submitted_on, today) - req.paused_working_days, 0
    )
    return [
        "status",
        "answer",
        "answered_at",
        "answered_on",
        "answered_by",
        "answered_late",
        "working_days_to_answer",
        "updated_at",
    ]


@transaction.atomic
def request_answer(
    *,
    req: CollaborationRequest,
    actor: Any,
    answer: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The target unit answers; on time when answered on or before the due date.

    A case transfer is answered by its progress reports instead (`transfer_report_outcome`:
    立案/不立案/起诉/…, Art. 6(三)).
    """
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, [Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED])
    if req.is_case_transfer:
        raise ApplicationError(
            code="outcome_required",
            message=_("案件移送须反馈处理结果（立案、不立案、判决等）。"),
        )
    answer = _require_text(answer, code="answer_required", message=_("请填写答复内容。"))
    before = req.status
    req.save(update_fields=stamp_answer(req, actor, answer))
    entry = _record(
        req=req,
        actor=actor,
        action=Action.ANSWER,
        side="target",
        from_status=before,
        comment=answer,
        details={"late": req.answered_late},
        files=files,
    )
    _notify_side(
        req=req,
        side="requester",
        entry=entry,
        subject=_("协作请求 %(number)s 已答复") % {"number": req.number},
        body=answer,
    )
    return req


@transaction.atomic
def request_refuse(
    *,
    req: CollaborationRequest,
    actor: Any,
    justification: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """Refuse, only with a written justification (Art. 7: 不得无故拒绝)."""
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, RUNNING_STATUSES)
    justification = _require_text(
        justification,
        code="justification_required",
        message=_("拒绝协作须书面说明理由（不少于 %(n)d 字）。") % {"n": MIN_JUSTIFICATION_CHARS},
        min_chars=MIN_JUSTIFICATION_CHARS,
    )
    before = req.status
    req.status = Status.REFUSED
    req.refusal_reason = justification
    req.refused_at = timezone.now()
    req.save(update_fields=["status", "refusal_reason", "refused_at", "updated_at"])
    entry = _record(
        req=req,
        actor=actor,
        action=Action.REFUSE,
        side="target",
        from_status=before,
        comment=justification,
        files=files,
    )
    _notify_side(
        req=req,
        side="requester",
        entry=entry,
        subject=_("协作请求 %(number)s 被拒绝") % {"number": req.number},
        body=justification,
    )
    return req


@transaction.atomic
def request_ask_extension(
    *, req: CollaborationRequest, actor: Any, reason: str, new_due_date: dt.date
) -> Extension:
    """The assignee asks for a later deadline; the requester decides."""
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, RUNNING_STATUSES)
    reason = _require_text(reason, code="reason_required", message=_("请说明延期理由。"))
    if new_due_date <= req.due_date:
        raise ApplicationError(
            code="date_not_later", message=_("申请延至的日期须晚于当前办理期限。")
        )
    if Extension.objects.filter(request=req, status=Extension.Status.PENDING).exists():
        raise ApplicationError(code="extension_pending", message=_("已有待审批的延期申请。"))
    ext = Extension.objects.create(
        request=req,
        reason=reason,
        previous_due_date=req.due_date,
        new_due_date=new_due_date,
        requested_by=actor,
    )
    entry = _record(
        req=req,
        actor=actor,
        action=Action.ASK_EXTENSION,
        side="target",
        from_status=req.status,
        comment=reason,
        details={"new_due_date": new_due_date.isoformat(), "extension": ext.pk},
    )
    _notify_side(
        req=req,
        side="requester",
        entry=entry,
        subject=_("协作请求 %(number)s 申请延期至 %(date)s")
        % {"number": req.number, "date": new_due_date.isoformat()},
        body=reason,
    )
    return ext


@transaction.atomic
def extension_decide(*, ext: Extension, actor: Any, approve: bool, comment: str = "") -> Extension:
    """The requester approves (the deadline moves) or declines an extension."""
    req = _lock(ext.request)
    ext = Extension.objects.select_for_update().get(pk=ext.pk)
    _requester_only(actor, req)
    if ext.status != Extension.Status.PENDING:
        raise ApplicationError(code="extension_decided", message=_("该延期申请已处理。"))
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
            _set_deadline(req, ext.new_due_date, cal, None)
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
    entry = _record(
        req=req,
        actor=actor,
        action=Action.APPROVE_EXTENSION if approve else Action.DECLINE_EXTENSION,
        side="requester",
        from_status=req.status,
        comment=comment,
        details={"extension": ext.pk, "new_due_date": ext.new_due_date.isoformat()},
    )
    _notify_side(
        req=req,
        side="target",
        entry=entry,
        subject=(
            _("协作请求 %(number)s 的延期申请已同意")
            if approve
            else _("协作请求 %(number)s 的延期申请未同意")
        )
        % {"number": req.number},
        body=comment,
    )
    return ext


# --- the requester's steps ------------------------------------------------------------------


@transaction.atomic
def request_answer_clarification(
    *,
    req: CollaborationRequest,
    actor: Any,
    clarification: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The requester clarifies; the clock resumes with the working days that were left."""
    req = _lock(req)
    _requester_only(actor, req)
    _require_status(req, [Status.AWAITING_CLARIFICATION])
    clarification = _require_text(
        clarification, code="clarification_required", message=_("请填写补充说明。")
    )
    cal = WorkingCalendar()
    today = _today()
    paused = max(cal.working_days_between(req.paused_on or today, today), 0)
    remaining = req.remaining_working_days or 0
    before = req.status
    req.status = req.status_before_pause or Status.ACCEPTED
    req.status_before_pause = ""
    req.paused_working_days += paused
    rule = Rule("due_date", remaining, start=today)
    due = rule.compute(cal)
    _set_deadline(req, due, cal, rule)
    req.working_days_allowed = max(
        cal.working_days_between(req.submitted_on, due) - req.paused_working_days, 0
    )
    req.paused_on = None
    req.remaining_working_days = None
    req.save()
    entry = _record(
        req=req,
        actor=actor,
        action=Action.ANSWER_CLARIFICATION,
        side="requester",
        from_status=before,
        comment=clarification,
        details={"due_date": due.isoformat(), "paused_working_days": paused},
        files=files,
    )
    _notify_side(
        req=req,
        side="target",
        entry=entry,
        subject=_("协作请求 %(number)s 已补充说明，新的办理期限 %(due)s")
        % {"number": req.number, "due": due.isoformat()},
        body=clarification,
    )
    return req


@transaction.atomic
def request_close(
    *, req: CollaborationRequest, actor: Any, comment: str = ""
) -> CollaborationRequest:
    """The requester accepts the answer and closes the request."""
    req = _lock(req)
    _requester_only(actor, req)
    _require_status(req, [Status.ANSWERED])
    before = req.status
    req.status = Status.CLOSED
    req.closed_at = timezone.now()
    req.save(update_fields=["status", "closed_at", "updated_at"])
    entry = _record(
        req=req,
        actor=actor,
        action=Action.CLOSE,
        side="requester",
        from_status=before,
        comment=comment,
    )
    _notify_side(
        req=req,
        side="target",
        entry=entry,
        subject=_("协作请求 %(number)s 已办结") % {"number": req.number},
    )
    return req


@transaction.atomic
def request_reopen(
    *, req: CollaborationRequest, actor: Any, reason: str, files: Sequence[UploadedFile] = ()
) -> CollaborationRequest:
    """The requester is not satisfied: back to the target with the matter's full deadline."""
    req = _lock(req)
    _requester_only(actor, req)
    _require_status(req, [Status.ANSWERED])
    reason = _require_text(reason, code="reason_required", message=_("请说明退回重办的理由。"))
    cal = WorkingCalendar()
    before = req.status
    req.status = Status.REOPENED
    rule = default_due_rule(matter_type=req.matter_type, start=_today())
    _set_deadline(req, rule.compute(cal), cal, rule)
    req.answered_late = None
    req.save()
    entry = _record(
        req=req,
        actor=actor,
        action=Action.REOPEN,
        side="requester",
        from_status=before,
        comment=reason,
        details={"due_date": req.due_date.isoformat()},
        files=files,
    )
    _notify_side(
        req=req,
        side="target",
        entry=entry,
        subject=_("协作请求 %(number)s 被退回重办") % {"number": req.number},
        body=reason,
    )
    return req


@transaction.atomic
def request_withdraw(
    *, req: CollaborationRequest, actor: Any, reason: str = ""
) -> CollaborationRequest:
    req = _lock(req)
    _requester_only(actor, req)
    _require_status(req, OPEN_STATUSES)
    before = req.status
    req.status = Status.WITHDRAWN
    req.withdrawn_at = timezone.now()
    req.save(update_fields=["status", "withdrawn_at", "updated_at"])
    entry = _record(
        req=req,
        actor=actor,
        action=Action.WITHDRAW,
        side="requester",
        from_status=before,
        comment=reason,
    )
    _notify_side(
        req=req,
        side="target",
        entry=entry,
        subject=_("协作请求 %(number)s 已撤回") % {"number": req.number},
        body=reason,
    )
    return req


@transaction.atomic
def request_contest(
    *,
    req: CollaborationRequest,
    actor: Any,
    reason: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The requester contests a refusal; the working group will rule on it."""
    req = _lock(req)
    _requester_only(actor, req)
    _require_status(req, [Status.REFUSED])
    if req.refusal_ruling:
        raise ApplicationError(code="already_ruled", message=_("工作组已对该拒绝作出裁定。"))
    reason = _require_text(
        reason,
        code="reason_required",
        message=_("请说明异议理由（不少于 %(n)d 字）。") % {"n": MIN_JUSTIFICATION_CHARS},
        min_chars=MIN_JUSTIFICATION_CHARS,
    )
    before = req.status
    req.status = Status.CONTESTED
    req.contest_reason = reason
    req.contested_at = timezone.now()
    req.save(update_fields=["status", "contest_reason", "contested_at", "updated_at"])
    entry = _record(
        req=req,
        actor=actor,
        action=Action.CONTEST,
        side="requester",
        from_status=before,
        comment=reason,
        files=files,
    )
    _notify_side(
        req=req,
        side="wg",
        entry=entry,
        subject=_("协作请求 %(number)s 的拒绝被提出异议，请裁定") % {"number": req.number},
        body=reason,
    )
    return req


@transaction.atomic
def request_reply_contest(
    *,
    req: CollaborationRequest,
    actor: Any,
    reply: str,
    files: Sequence[UploadedFile] = (),
) -> TimelineEntry:
    """The refusing unit answers the contest before the working group rules (Art. 7).

    The ruling hears both sides: the reply goes into the timeline (and the ledger) and the
    working group and the requester are told. The state stays 拒绝异议待裁定.
    """
    req = _lock(req)
    _target_only(actor, req)
    _require_status(req, [Status.CONTESTED])
    reply = _require_text(reply, code="reply_required", message=_("请填写对异议的答复。"))
    entry = _record(
        req=req,
        actor=actor,
        action=Action.REPLY_CONTEST,
        side="target",
        from_status=req.status,
        comment=reply,
        files=files,
    )
    subject = _("协作请求 %(number)s：拒绝单位已答复异议") % {"number": req.number}
    _notify_side(req=req, side="wg", entry=entry, subject=subject, body=reply)
    _notify_side(req=req, side="requester", entry=entry, subject=subject, body=reply)
    return entry


# --- the working group ----------------------------------------------------------------------


@transaction.atomic
def request_rule(
    *,
    req: CollaborationRequest,
    actor: Any,
    justified: bool,
    comment: str,
    new_due_date: dt.date | None = None,
) -> CollaborationRequest:
    """The working group rules on a contested refusal (Art. 3, 7).

    Justified: the refusal stands. Unjustified: it counts against the unit in the assessment and
    the request goes back to the unit with a new deadline (the matter's default, or a given date).
    """
    req = _lock(req)
    if not can_rule(actor, req):
        if is_party(actor, req):
            raise PermissionDenied(
                _("您所在单位是该协作请求的当事方，须回避，由工作组其他成员裁定。")
            )
        raise PermissionDenied(_("只有共治专项工作组可以裁定。"))
    _require_status(req, [Status.CONTESTED])
    comment = _require_text(comment, code="comment_required", message=_("请填写裁定意见。"))
    before = req.status
    req.refusal_ruling = RefusalRuling.JUSTIFIED if justified else RefusalRuling.UNJUSTIFIED
    req.ruling_comment = comment
    req.ruled_at = timezone.now()
    req.ruled_by = actor
    details: dict = {"ruling": req.refusal_ruling}
    if justified:
        req.status = Status.REFUSED
    else:
        cal = WorkingCalendar()
        rule = default_due_rule(matter_type=req.matter_type, start=_today())
        default_due = rule.compute(cal)
        chosen = new_due_date if new_due_date and new_due_date > _today() else None
        due = chosen or default_due
        req.status = Status.ACCEPTED
        _set_deadline(req, due, cal, None if chosen else rule)
        details["due_date"] = due.isoformat()
    req.save()
    entry = _record(
        req=req,
        actor=actor,
        action=Action.RULE,
        side="wg",
        from_status=before,
        comment=comment,
        details=details,
    )
    subject = (
        _("工作组裁定：协作请求 %(number)s 的拒绝有正当理由")
        if justified
        else _("工作组裁定：协作请求 %(number)s 属无故拒绝，请继续办理")
    ) % {"number": req.number}
    _notify_side(req=req, side="requester", entry=entry, subject=subject, body=comment)
    _notify_side(req=req, side="target", entry=entry, subject=subject, body=comment)
    return req


# --- attachments on their own ---------------------------------------------------------------


@transaction.atomic
def request_add_attachments(
    *, req: CollaborationRequest, actor: Any, files: Sequence[UploadedFile], comment: str = ""
) -> TimelineEntry:
    """Either side adds material to an open request; a timeline entry records it."""
    req = _lock(req)
    side = (
        "target"
        if acts_for_target(actor, req)
        else ("requester" if acts_for_requester(actor, req) else "")
    )
    if not side:
        raise PermissionDenied(_("只有请求单位或承办单位可以补充材料。"))
    if not files:
        raise ApplicationError(code="file_required", message=_("请选择要上传的文件。"))
    _require_status(
        req,
        [*OPEN_STATUSES, Status.ANSWERED, Status.REFUSED, Status.CONTESTED, Status.RETURNED],
    )
    return _record(
        req=req,
        actor=actor,
        action=Action.COMMENT,
        side=side,
        from_status=req.status,
        comment=comment,
        files=files,
    )
