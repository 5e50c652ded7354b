"""Objections (异议, Art. 19, 22): raise, explain, correct, accept, dispute, arbitrate, close.

Art. 22: 信息需求单位反映存有疑义或明显错误的信息，信息提供单位要及时解释说明或更正. Every step is
a ledger entry (action OBJECTION) in the step's transaction; notifications go out once per key.
Deadlines are working days (deadlines.calendar) and are enforced by `objection_deadline_scan`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from agencies.roles import is_working_group
from agencies.selectors import unit_liaison_users, user_can_act_for, working_group_users
from sharing_catalog.models import Objection, Record, Submission
from sharing_catalog.selectors.entitlements import items_consumed_by, reader_unit_ids
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.calendar import add_working_days, working_days_between
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notify

S = Objection.Status
R = Objection.ClosingReason
READABLE = (Submission.Status.CONFIRMED, Submission.Status.SUPERSEDED)
REMIND_WORKING_DAYS_BEFORE = 1  # the provider is reminded on the last working day before it
ESCALATE_AFTER_WORKING_DAYS = 2  # the working group hears of it two working days after it
CONSUMER_CLOSE_REASONS = {R.DATA_CORRECT, R.CORRECTED, R.WITHDRAWN, R.OTHER}
PROVIDER_CLOSE_REASONS = {R.DUPLICATE}


def _url(objection: Objection) -> str:
    return reverse("sharing_catalog:objection_detail", args=[objection.pk])


def _ledger(actor: Any, objection: Objection, step: str, **extra: Any) -> None:
    ledger_append(
        action=LedgerAction.OBJECTION,
        actor=actor,
        target=objection,
        category=LedgerCategory.TRANSFER,
        details={
            "item_id": objection.item_id,
            "submission_id": objection.submission_id,
            "step": step,
            "status": objection.status,
            **extra,
        },
    )


def _lock(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update()
        .select_related("item", "provider", "consumer", "submission")
        .get(pk=objection.pk)
    )


def _is_provider(actor: Any, objection: Objection) -> bool:
    return user_can_act_for(user=actor, unit=objection.provider)


def _is_consumer(actor: Any, objection: Objection) -> bool:
    return user_can_act_for(user=actor, unit=objection.consumer)


def _consumer_unit(actor: Any, submission: Submission) -> Unit:
    """The unit the actor raises the objection for: one of theirs entitled to the item."""
    item = submission.obligation.item
    if not items_consumed_by(user=actor).filter(pk=item.pk).exists():
        raise PermissionDenied(_("本单位不是该数据的需求单位，不能提出异议。"))
    units = reader_unit_ids(user=actor) - {item.provider_id}
    preferred = actor.unit_id if actor.unit_id in units else min(units)
    return Unit.objects.get(pk=preferred)


def _overlapping_open(submission: Submission, rows: list[int]) -> Objection | None:
    """An open objection on the same submission naming any of the same rows (or the whole)."""
    for other in Objection.objects.filter(submission=submission).exclude(status=S.CLOSED):
        if not rows or not other.row_numbers or set(rows) & set(other.row_numbers):
            return other
    return None


@transaction.atomic
def objection_raise(
    *,
    actor: Any,
    submission: Submission,
    category: str,
    description: str,
    rows: Iterable[int] = (),
    fields: Iterable[str] = (),
) -> Objection:
    """A consumer unit flags a confirmed submission, or chosen rows of it (Art. 22).

    A second open objection on the same rows is refused with a pointer to the first.
    """
    # Serialise objections per submission so two concurrent raises cannot both pass the check.
    submission = (
        Submission.objects.select_for_update()
        .select_related("obligation__item__provider", "schema")
        .get(pk=submission.pk)
    )
    item = submission.obligation.item
    consumer = _consumer_unit(actor, submission)
    if submission.status not in READABLE:
        raise ApplicationError(code="not_confirmed", message=_("只能对已确认的数据提出异议。"))
    if category not in Objection.Category.values:
        raise ApplicationError(code="invalid_category", message=_("请选择异议类别。"))
    if len((description or "").strip()) < 4:
        raise ApplicationError(code="description_required", message=_("请具体说明异议内容。"))
    row_list = sorted({int(r) for r in rows})
    records = {
        r.row_number: r.unique_key
        for r in Record.objects.filter(submission=submission, row_number__in=row_list)
    }
    if len(records) != len(row_list):
        raise ApplicationError(code="unknown_rows", message=_("所选行不属于该数据版本。"))
    known_fields = set(submission.schema.fields.values_list("key", flat=True))
    field_list = [f for f in dict.fromkeys(fields) if f]
    if set(field_list) - known_fields:
        raise ApplicationError(code="unknown_fields", message=_("所选字段不属于该数据规范。"))
    existing = _overlapping_open(submission, row_list)
    if existing is not None:
        raise ApplicationError(
            code="objection_exists",
            message=_("所选数据已有未办结的异议（编号 %(pk)s），请在该异议中跟进。")
            % {"pk": existing.pk},
            details={"objection_id": existing.pk, "url": _url(existing)},
        )
    deadline = add_working_days(timezone.localdate(), item.objection_working_days)
    objection = Objection.objects.create(
        submission=submission,
        item=item,
        provider=item.provider,
        consumer=consumer,
        raised_by=actor,
        category=category,
        description=description.strip(),
        row_numbers=row_list,
        row_keys=[records[r] for r in row_list],
        fields=field_list,
        first_deadline=deadline,
        deadline=deadline,
    )
    _ledger(actor, objection, "raise", rows=row_list, fields=field_list, category=category)
    notify(
        recipients=unit_liaison_users(unit=item.provider),
        key=f"objection:{objection.pk}:raised",
        kind="objection",
        subject=_("收到数据异议，请在期限内解释说明或更正"),
        body=_("%(unit)s 对 %(item)s 提出异议，答复期限 %(deadline)s。")
        % {"unit": consumer.name, "item": item.name, "deadline": deadline.isoformat()},
        url=_url(objection),
    )
    return objection


def _tell(users: list, objection: Objection, level: str, subject: str) -> None:
    notify(
        recipients=users,
        key=f"objection:{objection.pk}:r{objection.round}:{level}",
        kind="objection",
        subject=subject,
        body=f"{objection.item.code} {objection.item.name}",
        url=_url(objection),
    )


@transaction.atomic
def objection_explain(*, actor: Any, objection: Objection, explanation: str) -> Objection:
    """The provider explains (解释说明); it closes unless the consumer disputes it."""
    objection = _lock(objection)
    if not _is_provider(actor, objection):
        raise PermissionDenied(_("只有提供单位可以答复该异议。"))
    if not objection.awaits_provider:
        raise ApplicationError(
            code="not_awaiting_provider", message=_("该异议当前无需提供单位答复。")
        )
    if len((explanation or "").strip()) < 4:
        raise ApplicationError(code="explanation_required", message=_("请填写解释说明。"))
    now = timezone.now()
    objection.status = S.EXPLAINED
    objection.explanation = explanation.strip()
    objection.explained_by, objection.explained_at = actor, now
    objection.answered_at = objection.answered_at or now
    objection.save()
    _ledger(actor, objection, "explain", on_time=timezone.localdate() <= objection.deadline)
    _tell(
        unit_liaison_users(unit=objection.consumer),
        objection,
        "explained",
        _("提供单位已解释说明异议"),
    )
    return objection


@transaction.atomic
def objection_correct(*, actor: Any, objection: Objection, correction: Submission) -> Objection:
    """The provider corrects: the objection is linked to the new confirmed version."""
    objection = _lock(objection)
    if not _is_provider(actor, objection):
        raise PermissionDenied(_("只有提供单位可以更正。"))
    if not objection.awaits_provider:
        raise ApplicationError(
            code="not_awaiting_provider", message=_("该异议当前无需提供单位答复。")
        )
    if (
        correction.obligation_id != objection.submission.obligation_id
        or correction.version <= objection.submission.version
        or correction.status != Submission.Status.CONFIRMED
    ):
        raise ApplicationError(
            code="invalid_correction", message=_("更正版本须是同一报送任务中已确认的更新版本。")
        )
    now = timezone.now()
    objection.status = S.CORRECTED
    objection.correction = correction
    objection.explained_by, objection.explained_at = actor, now
    objection.answered_at = objection.answered_at or now
    objection.save()
    ledger_append(
        action=LedgerAction.CORRECT,
        actor=actor,
        target=objection,
        digest=correction.file_sha256,
        details={
            "item_id": objection.item_id,
            "submission_id": objection.submission_id,
            "correction_id": correction.pk,
            "correction_version": correction.version,
            "step": "correct",
            "status": objection.status,
        },
    )
    _tell(
        unit_liaison_users(unit=objection.consumer),
        objection,
        "corrected",
        _("提供单位已更正异议数据"),
    )
    return objection


def _close(objection: Objection, actor: Any, reason: str, text: str = "") -> None:
    objection.status = S.CLOSED
    objection.closing_reason = reason
    objection.closing_text = text[:500]
    objection.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    objection.closed_at = timezone.now()
    objection.save()


@transaction.atomic
def objection_accept(*, actor: Any, objection: Objection) -> Objection:
    """The consumer accepts the explanation or correction; the objection closes."""
    objection = _lock(objection)
    if not _is_consumer(actor, objection):
        raise PermissionDenied(_("只有提出单位可以确认答复。"))
    if not objection.awaits_consumer:
        raise ApplicationError(code="not_awaiting_consumer", message=_("该异议当前无需确认。"))
    reason = R.CORRECTED if objection.status == S.CORRECTED else R.DATA_CORRECT
    _close(objection, actor, reason)
    _ledger(actor, objection, "accept", closing_reason=reason)
    return objection


@transaction.atomic
def objection_dispute(*, actor: Any, objection: Objection, text: str) -> Objection:
    """The consumer disputes the answer; the provider must answer again by a new deadline."""
    objection = _lock(objection)
    if not _is_consumer(actor, objection):
        raise PermissionDenied(_("只有提出单位可以对答复提出异议。"))
    if not objection.awaits_consumer:
        raise ApplicationError(
            code="not_awaiting_consumer", message=_("该异议当前不能再提出异议。")
        )
    if len((text or "").strip()) < 4:
        raise ApplicationError(code="text_required", message=_("请说明对答复的异议。"))
    objection.status = S.DISPUTED
    objection.dispute_text = text.strip()
    objection.round += 1
    objection.deadline = add_working_days(
        timezone.localdate(), objection.item.objection_working_days
    )
    objection.reminded_at = objection.overdue_at = objection.escalated_at = None
    objection.save()
    _ledger(actor, objection, "dispute", deadline=objection.deadline.isoformat())
    _tell(
        unit_liaison_users(unit=objection.provider),
        objection,
        "disputed",
        _("需求单位对异议答复仍有异议"),
    )
    return objection


@transaction.atomic
def objection_request_arbitration(*, actor: Any, objection: Objection, reason: str) -> Objection:
    """Either side asks the working group to arbitrate (裁决)."""
    objection = _lock(objection)
    if not (_is_provider(actor, objection) or _is_consumer(actor, objection)):
        raise PermissionDenied(_("只有异议双方可以申请裁决。"))
    if objection.status in (S.CLOSED, S.ARBITRATION):
        raise ApplicationError(code="not_arbitrable", message=_("该异议已办结或已在裁决中。"))
    if len((reason or "").strip()) < 4:
        raise ApplicationError(code="reason_required", message=_("请说明申请裁决的理由。"))
    objection.status = S.ARBITRATION
    objection.arbitration_requested_by = actor
    objection.arbitration_reason = reason.strip()
    objection.arbitration_requested_at = timezone.now()
    objection.save()
    _ledger(actor, objection, "arbitration_requested")
    _tell(working_group_users(), objection, "arbitration", _("有数据异议申请专项工作组裁决"))
    return objection


@transaction.atomic
def objection_rule(*, actor: Any, objection: Objection, upheld: bool, comment: str) -> Objection:
    """The working group rules: objection upheld or not; the objection closes."""
    objection = _lock(objection)
    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以裁决。"))
    if objection.status != S.ARBITRATION:
        raise ApplicationError(code="not_in_arbitration", message=_("该异议未申请裁决。"))
    if len((comment or "").strip()) < 2:
        raise ApplicationError(code="comment_required", message=_("请填写裁决意见。"))
    objection.ruling = Objection.Ruling.UPHELD if upheld else Objection.Ruling.NOT_UPHELD
    objection.ruling_comment = comment.strip()
    objection.ruled_by, objection.ruled_at = actor, timezone.now()
    _close(objection, actor, R.ARBITRATED, objection.get_ruling_display())
    _ledger(actor, objection, "ruling", ruling=objection.ruling)
    _tell(
        unit_liaison_users(unit=objection.provider) + unit_liaison_users(unit=objection.consumer),
        objection,
        "ruled",
        _("专项工作组已作出异议裁决"),
    )
    return objection


@transaction.atomic
def objection_close(*, actor: Any, objection: Objection, reason: str, text: str = "") -> Objection:
    """Close with a reason from the fixed list: the consumer withdraws or settles it; the
    provider may close a duplicate (naming the other objection in the text)."""
    objection = _lock(objection)
    consumer, provider = _is_consumer(actor, objection), _is_provider(actor, objection)
    allowed = (CONSUMER_CLOSE_REASONS if consumer else set()) | (
        PROVIDER_CLOSE_REASONS if provider else set()
    )
    if not (consumer or provider):
        raise PermissionDenied(_("只有异议双方可以办结。"))
    if objection.status in (S.CLOSED, S.ARBITRATION):
        raise ApplicationError(code="not_closable", message=_("该异议已办结或正在裁决。"))
    if reason not in allowed:
        raise ApplicationError(code="invalid_reason", message=_("不能以该原因办结。"))
    if reason in (R.OTHER, R.DUPLICATE) and len((text or "").strip()) < 2:
        raise ApplicationError(code="text_required", message=_("请填写办结说明。"))
    _close(objection, actor, reason, (text or "").strip())
    _ledger(actor, objection, "close", closing_reason=reason)
    return objection


def objection_deadline_scan(*, today: dt.date | None = None, batch: int = 200) -> dict[str, int]:
    """Remind before the deadline, notify when overdue, escalate to the working group, and close
    answers the consumer left undisputed — each step once (state fields + notify keys).

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so concurrent scans never double up.
    """
    today = today or timezone.localdate()
    counts = {"reminded": 0, "overdue": 0, "escalated": 0, "auto_closed": 0}
    with transaction.atomic():
        claimed = list(
            Objection.objects.select_for_update(skip_locked=True)
            .select_related("item", "provider", "consumer")
            .filter(status__in=[S.OPEN, S.DISPUTED, S.EXPLAINED, S.CORRECTED])
            .order_by("deadline", "pk")[:batch]
        )
        now = timezone.now()
        for o in claimed:
            if o.awaits_consumer:
                waited = working_days_between(timezone.localtime(o.explained_at).date(), today)
                if waited >= o.item.objection_working_days:
                    reason = R.CORRECTED if o.status == S.CORRECTED else R.DATA_CORRECT
                    _close(o, None, reason, _("提出单位逾期未提出异议，自动办结"))
                    _ledger("system", o, "auto_close", closing_reason=reason)
                    counts["auto_closed"] += 1
                continue
            due_soon = (
                today <= o.deadline
                and working_days_between(today, o.deadline) <= REMIND_WORKING_DAYS_BEFORE
            )
            if o.reminded_at is None and due_soon:
                o.reminded_at = now
                o.save(update_fields=["reminded_at"])
                _tell(
                    unit_liaison_users(unit=o.provider),
                    o,
                    "reminder",
                    _("数据异议即将到期，请及时答复"),
                )
                counts["reminded"] += 1
            if o.overdue_at is None and today > o.deadline:
                o.overdue_at = now
                o.save(update_fields=["overdue_at"])
                _tell(
                    unit_liaison_users(unit=o.provider, primary_only=True)
                    + unit_liaison_users(unit=o.consumer, primary_only=True),
                    o,
                    "overdue",
                    _("数据异议已逾期未答复"),
                )
                _ledger("system", o, "overdue")
                counts["overdue"] += 1
            escalate_on = add_working_days(o.deadline, ESCALATE_AFTER_WORKING_DAYS)
            if o.escalated_at is None and today > escalate_on:
                o.escalated_at = now
                o.save(update_fields=["escalated_at"])
                _tell(
                    working_group_users(), o, "escalated", _("数据异议逾期未答复，已升级专项工作组")
                )
                _ledger("system", o, "escalated")
                counts["escalated"] += 1
    return counts
