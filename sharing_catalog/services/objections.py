"""Objections (异议, Art. 19, 22): raise, explain, correct, accept, dispute, arbitrate, close.

Art. 22: 信息需求单位反映存有疑义或明显错误的信息，信息提供单位要及时解释说明或更正. The steps are
one table (`TRANSITIONS`): the services check it, the detail page shows the buttons it allows and
the API offers the same actions. Every step is a ledger entry (action OBJECTION) in the step's
transaction and tells the other side; notices go out once per key and name the objection and the
item ("异议#3（司法拍卖成交信息）…"). Deadlines are working days (deadlines.calendar), enforced by
`objection_deadline_scan`: remind before, mark overdue, escalate to the working group, and — once
the provider has answered and the objector stayed silent past `accept_deadline` — close with the
provider's own answer (explained → 已说明, corrected → 已更正). Nothing but a person's choice
closes an objection as 数据无误.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Unit, User
from agencies.roles import is_working_group
from agencies.selectors import (
    NoticeRecipients,
    notice_recipients,
    user_can_act_for,
    working_group_recipients,
)
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import Objection, Record, Submission
from sharing_catalog.selectors.entitlements import items_consumed_by, reader_unit_ids
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.rules import Rule, deadline_rules_record
from zhengxiang_portal.deadlines.scan import ScanDays, ScanResult, claim_batches
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

S = Objection.Status
R = Objection.ClosingReason
READABLE = (Submission.Status.CONFIRMED, Submission.Status.SUPERSEDED)
AWAITING_ANSWER = frozenset({S.OPEN, S.DISPUTED})
ANSWERED = frozenset({S.EXPLAINED, S.CORRECTED})
IN_PLAY = AWAITING_ANSWER | ANSWERED
CONSUMER_CLOSE_REASONS = {R.DATA_CORRECT, R.CORRECTED, R.WITHDRAWN, R.OTHER}
PROVIDER_CLOSE_REASONS = {R.DUPLICATE}
# The provider's answer is what an objection closes with when the objector accepts it or stays
# silent: never 数据无误, which only the objector may choose (objection_close).
ANSWER_CLOSES_AS: dict[str, str] = {S.EXPLAINED: R.EXPLAINED, S.CORRECTED: R.CORRECTED}


class Side:
    """Who takes a step, and who is told of it."""

    PROVIDER = "provider"
    CONSUMER = "consumer"
    EITHER = "either"  # provider or consumer
    WORKING_GROUP = "working_group"
    SYSTEM = "system"  # the deadline scan


@dataclass(frozen=True)
class Step:
    """One transition: who acts, from which states, to which state, and who is told."""

    side: str
    sources: frozenset[str]
    target: str
    tell: tuple[str, ...]
    denied: Promise  # the actor is not on `side`
    code: CatalogErrorCode  # the objection is not in `sources`
    wrong_state: Promise


_NOT_AWAITING_PROVIDER = gettext_lazy("该异议当前无需提供单位答复。")
TRANSITIONS: dict[str, Step] = {
    "explain": Step(
        Side.PROVIDER, AWAITING_ANSWER, S.EXPLAINED, (Side.CONSUMER,),
        gettext_lazy("只有提供单位可以答复该异议。"),
        CatalogErrorCode.NOT_AWAITING_PROVIDER, _NOT_AWAITING_PROVIDER,
    ),
    "correct": Step(
        Side.PROVIDER, AWAITING_ANSWER, S.CORRECTED, (Side.CONSUMER,),
        gettext_lazy("只有提供单位可以更正。"), CatalogErrorCode.NOT_AWAITING_PROVIDER,
        _NOT_AWAITING_PROVIDER,
    ),
    "accept": Step(
        Side.CONSUMER, ANSWERED, S.CLOSED, (Side.PROVIDER,),
        gettext_lazy("只有提出单位可以确认答复。"), CatalogErrorCode.NOT_AWAITING_CONSUMER,
        gettext_lazy("该异议当前无需确认。"),
    ),
    "dispute": Step(
        Side.CONSUMER, ANSWERED, S.DISPUTED, (Side.PROVIDER,),
        gettext_lazy("只有提出单位可以对答复提出异议。"), CatalogErrorCode.NOT_AWAITING_CONSUMER,
        gettext_lazy("该异议当前不能再提出异议。"),
    ),
    "arbitrate": Step(
        Side.EITHER, IN_PLAY, S.ARBITRATION, (Side.WORKING_GROUP,),
        gettext_lazy("只有异议双方可以申请裁决。"), CatalogErrorCode.NOT_ARBITRABLE,
        gettext_lazy("该异议已办结或已在裁决中。"),
    ),
    "rule": Step(
        Side.WORKING_GROUP, frozenset({S.ARBITRATION}), S.CLOSED, (Side.PROVIDER, Side.CONSUMER),
        gettext_lazy("只有专项工作组可以裁决。"), CatalogErrorCode.NOT_IN_ARBITRATION,
        gettext_lazy("该异议未申请裁决。"),
    ),
    "close": Step(
        Side.EITHER, IN_PLAY, S.CLOSED, (Side.PROVIDER, Side.CONSUMER),
        gettext_lazy("只有异议双方可以办结。"), CatalogErrorCode.NOT_CLOSABLE,
        gettext_lazy("该异议已办结或正在裁决。"),
    ),
    # The objector stayed silent past `accept_deadline`: closes with the provider's answer.
    "lapse": Step(
        Side.SYSTEM, ANSWERED, S.CLOSED, (Side.PROVIDER, Side.CONSUMER),
        gettext_lazy("只有系统可以按期办结。"), CatalogErrorCode.NOT_ANSWERED,
        gettext_lazy("该异议不在待确认状态。"),
    ),
}  # fmt: skip


def _url(objection: Objection) -> str:
    return reverse("sharing_catalog:objection_detail", args=[objection.pk])


def _ledger(
    actor: User | str, objection: Objection, step: str, told: dict | None = None, **extra: Any
) -> None:
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
            **(told or {}),
        },
    )


def _lock(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update()
        .select_related("item", "provider", "consumer", "submission", "raised_by")
        .get(pk=objection.pk)
    )


def _is_provider(actor: User, objection: Objection) -> bool:
    return user_can_act_for(user=actor, unit=objection.provider)


def _is_consumer(actor: User, objection: Objection) -> bool:
    return user_can_act_for(user=actor, unit=objection.consumer)


def _setting(name: str, default: int) -> int:
    """Read at call time, so an admin's change (or a test's override) applies to the next scan."""
    return int(getattr(settings, name, default))


def remind_working_days() -> int:
    """The provider is reminded this many working days before the answer deadline."""
    return _setting("OBJECTION_REMIND_WORKING_DAYS", 1)


def escalate_working_days() -> int:
    """Unanswered this many working days past the deadline, it goes to the working group."""
    return _setting("OBJECTION_ESCALATE_WORKING_DAYS", 2)


def _on_side(actor: User, objection: Objection, side: str) -> bool:
    if side == Side.PROVIDER:
        return _is_provider(actor, objection)
    if side == Side.CONSUMER:
        return _is_consumer(actor, objection)
    if side == Side.EITHER:
        return _is_provider(actor, objection) or _is_consumer(actor, objection)
    if side == Side.WORKING_GROUP:
        return is_working_group(actor)
    return False  # SYSTEM steps are the scan's, never a person's


def _check(name: str, actor: User, objection: Objection) -> Step:
    """Refuse the step unless the table allows it for this actor in this state."""
    step = TRANSITIONS[name]
    if not _on_side(actor, objection, step.side):
        raise PermissionDenied(step.denied)
    if objection.status not in step.sources:
        raise ApplicationError(code=step.code, message=str(step.wrong_state))
    return step


def objection_steps(*, user: User, objection: Objection) -> set[str]:
    """The steps this user may take on the objection now (the page shows these buttons)."""
    return {
        name
        for name, step in TRANSITIONS.items()
        if objection.status in step.sources and _on_side(user, objection, step.side)
    }


def close_reasons_for(*, user: User, objection: Objection) -> set[str]:
    """The closing reasons this user may choose: the objector settles, the provider a duplicate."""
    return (CONSUMER_CLOSE_REASONS if _is_consumer(user, objection) else set()) | (
        PROVIDER_CLOSE_REASONS if _is_provider(user, objection) else set()
    )


def _recipients(objection: Objection, sides: Iterable[str], actor: User | None) -> NoticeRecipients:
    """Who must hear (agencies' one rule): the provider unit; the objector, else their unit; the
    working group. A side the actor is on is not told of the actor's own step."""
    found = [
        working_group_recipients()
        if side == Side.WORKING_GROUP
        else notice_recipients(unit=objection.provider)
        if side == Side.PROVIDER
        else notice_recipients(unit=objection.consumer, assignee=objection.raised_by)
        for side in sides
        if side in (Side.WORKING_GROUP, Side.PROVIDER, Side.CONSUMER)
        and not (actor is not None and _on_side(actor, objection, side))
    ]
    return sum(found[1:], found[0]) if found else working_group_recipients()


def _tell(
    objection: Objection,
    sides: Iterable[str],
    event: str,
    subject: str,
    *,
    key: str = "",
    actor: User | None = None,
) -> dict[str, Any]:
    """Tell the sides of the event once per key; the subject names the objection and the item.

    Returns who was told (for the step's ledger entry): a recorded fact, 无人可通知 included.
    """
    told = notice_send(
        to=_recipients(objection, sides, actor),
        key=key or f"objection:{objection.pk}:r{objection.round}:{event}",
        kind=f"objection_{event}",
        subject=_("%(label)s：%(what)s") % {"label": objection.label, "what": subject},
        body=_("%(code)s %(item)s · 提供单位 %(provider)s · 提出单位 %(consumer)s\n%(text)s")
        % {
            "code": objection.item.code,
            "item": objection.item.name,
            "provider": objection.provider.name,
            "consumer": objection.consumer.name,
            "text": objection.description[:200],
        },
        url=_url(objection),
    )
    return told.details()


def _consumer_unit(actor: User, submission: Submission) -> Unit:
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
    actor: User,
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
        raise ApplicationError(
            code=CatalogErrorCode.NOT_CONFIRMED, message=_("只能对已确认的数据提出异议。")
        )
    if category not in Objection.Category.values:
        raise ApplicationError(
            code=CatalogErrorCode.INVALID_CATEGORY, message=_("请选择异议类别。")
        )
    if len((description or "").strip()) < 4:
        raise ApplicationError(
            code=CatalogErrorCode.DESCRIPTION_REQUIRED, message=_("请具体说明异议内容。")
        )
    row_list = sorted({int(r) for r in rows})
    records = {
        r.row_number: r.unique_key
        for r in Record.objects.filter(submission=submission, row_number__in=row_list)
    }
    if len(records) != len(row_list):
        raise ApplicationError(
            code=CatalogErrorCode.UNKNOWN_ROWS, message=_("所选行不属于该数据版本。")
        )
    known_fields = set(submission.schema.fields.values_list("key", flat=True))
    field_list = [f for f in dict.fromkeys(fields) if f]
    if set(field_list) - known_fields:
        raise ApplicationError(
            code=CatalogErrorCode.UNKNOWN_FIELDS, message=_("所选字段不属于该数据规范。")
        )
    existing = _overlapping_open(submission, row_list)
    if existing is not None:
        raise ApplicationError(
            code=CatalogErrorCode.OBJECTION_EXISTS,
            message=_("所选数据已有未办结的异议（编号 %(pk)s），请在该异议中跟进。")
            % {"pk": existing.pk},
            details={"objection_id": existing.pk, "url": _url(existing)},
        )
    rule = Rule("deadline", item.objection_working_days, start=timezone.localdate())
    deadline = rule.compute()
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
    # The first round's deadline is also `first_deadline`, which assessment judges answers by.
    deadline_rules_record([(objection, rule), (objection, replace(rule, field="first_deadline"))])
    told = _tell(
        objection,
        (Side.PROVIDER,),
        "raised",
        _("%(unit)s 提出异议，请于 %(deadline)s 前解释说明或更正")
        % {"unit": consumer.name, "deadline": deadline.isoformat()},
        key=f"objection:{objection.pk}:raised",
    )
    _ledger(
        actor, objection, "raise", rows=row_list, fields=field_list, category=category, told=told
    )
    return objection


def _answered(objection: Objection, actor: User, step: Step) -> dt.date:
    """The provider answered: the objector has `objection_accept_working_days` to respond."""
    now = timezone.now()
    objection.status = step.target
    objection.explained_by, objection.explained_at = actor, now
    objection.answered_at = objection.answered_at or now
    rule = Rule(
        "accept_deadline",
        objection.item.objection_accept_working_days,
        start=timezone.localdate(now),
    )
    objection.accept_deadline = rule.compute()
    objection.save()
    deadline_rules_record([(objection, rule)])
    return objection.accept_deadline


@transaction.atomic
def objection_explain(*, actor: User, objection: Objection, explanation: str) -> Objection:
    """The provider explains (解释说明); the objector accepts or disputes it within the window."""
    objection = _lock(objection)
    step = _check("explain", actor, objection)
    if len((explanation or "").strip()) < 4:
        raise ApplicationError(
            code=CatalogErrorCode.EXPLANATION_REQUIRED, message=_("请填写解释说明。")
        )
    objection.explanation = explanation.strip()
    accept_by = _answered(objection, actor, step)
    told = _tell(
        objection,
        step.tell,
        "explained",
        _("提供单位已解释说明，请于 %(date)s 前认可或提出异议") % {"date": accept_by.isoformat()},
        actor=actor,
    )
    _ledger(
        actor, objection, "explain", on_time=timezone.localdate() <= objection.deadline, told=told
    )
    return objection


@transaction.atomic
def objection_correct(*, actor: User, objection: Objection, correction: Submission) -> Objection:
    """The provider corrects: the objection is linked to the new confirmed version."""
    objection = _lock(objection)
    step = _check("correct", actor, objection)
    if (
        correction.obligation_id != objection.submission.obligation_id
        or correction.version <= objection.submission.version
        or correction.status != Submission.Status.CONFIRMED
    ):
        raise ApplicationError(
            code=CatalogErrorCode.INVALID_CORRECTION,
            message=_("更正版本须是同一报送任务中已确认的更新版本。"),
        )
    objection.correction = correction
    accept_by = _answered(objection, actor, step)
    told = _tell(
        objection,
        step.tell,
        "corrected",
        _("提供单位已更正数据，请于 %(date)s 前认可或提出异议") % {"date": accept_by.isoformat()},
        actor=actor,
    )
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
            **told,
        },
    )
    return objection


def _close(objection: Objection, actor: User | None, reason: str, text: str = "") -> None:
    objection.status = S.CLOSED
    objection.closing_reason = reason
    objection.closing_text = text[:500]
    objection.closed_by = actor if actor is not None and actor.is_authenticated else None
    objection.closed_at = timezone.now()
    objection.save()


def _closed_subject(objection: Objection) -> str:
    return _("异议已办结（%(reason)s）") % {"reason": objection.get_closing_reason_display()}


@transaction.atomic
def objection_accept(*, actor: User, objection: Objection) -> Objection:
    """The objector accepts the provider's answer; it closes as that answer (已说明/已更正)."""
    objection = _lock(objection)
    step = _check("accept", actor, objection)
    reason = ANSWER_CLOSES_AS[objection.status]
    _close(objection, actor, reason)
    told = _tell(objection, step.tell, "closed", _closed_subject(objection), actor=actor)
    _ledger(actor, objection, "accept", closing_reason=reason, told=told)
    return objection


@transaction.atomic
def objection_dispute(*, actor: User, objection: Objection, text: str) -> Objection:
    """The consumer disputes the answer; the provider must answer again by a new deadline."""
    objection = _lock(objection)
    step = _check("dispute", actor, objection)
    if len((text or "").strip()) < 4:
        raise ApplicationError(
            code=CatalogErrorCode.TEXT_REQUIRED, message=_("请说明对答复的异议。")
        )
    objection.status = step.target
    objection.dispute_text = text.strip()
    objection.round += 1
    rule = Rule("deadline", objection.item.objection_working_days, start=timezone.localdate())
    objection.deadline = rule.compute()
    deadline_rules_record([(objection, rule)])
    objection.accept_deadline = None
    objection.reminded_at = objection.overdue_at = objection.escalated_at = None
    objection.save()
    told = _tell(
        objection,
        step.tell,
        "disputed",
        _("提出单位对答复仍有异议，请于 %(deadline)s 前再次答复")
        % {"deadline": objection.deadline.isoformat()},
        actor=actor,
    )
    _ledger(actor, objection, "dispute", deadline=objection.deadline.isoformat(), told=told)
    return objection


@transaction.atomic
def objection_request_arbitration(*, actor: User, objection: Objection, reason: str) -> Objection:
    """Either side asks the working group to arbitrate (裁决)."""
    objection = _lock(objection)
    step = _check("arbitrate", actor, objection)
    if len((reason or "").strip()) < 4:
        raise ApplicationError(
            code=CatalogErrorCode.REASON_REQUIRED, message=_("请说明申请裁决的理由。")
        )
    objection.status = step.target
    objection.arbitration_requested_by = actor
    objection.arbitration_reason = reason.strip()
    objection.arbitration_requested_at = timezone.now()
    objection.save()
    told = _tell(objection, step.tell, "arbitration", _("申请专项工作组裁决"), actor=actor)
    _ledger(actor, objection, "arbitration_requested", told=told)
    return objection


@transaction.atomic
def objection_rule(*, actor: User, objection: Objection, upheld: bool, comment: str) -> Objection:
    """The working group rules: objection upheld or not; the objection closes."""
    objection = _lock(objection)
    step = _check("rule", actor, objection)
    if len((comment or "").strip()) < 2:
        raise ApplicationError(
            code=CatalogErrorCode.COMMENT_REQUIRED, message=_("请填写裁决意见。")
        )
    objection.ruling = Objection.Ruling.UPHELD if upheld else Objection.Ruling.NOT_UPHELD
    objection.ruling_comment = comment.strip()
    objection.ruled_by, objection.ruled_at = actor, timezone.now()
    _close(objection, actor, R.ARBITRATED, objection.get_ruling_display())
    told = _tell(
        objection,
        step.tell,
        "ruled",
        _("专项工作组已裁决：%(ruling)s") % {"ruling": objection.get_ruling_display()},
        actor=actor,
    )
    _ledger(actor, objection, "ruling", ruling=objection.ruling, told=told)
    return objection


@transaction.atomic
def objection_close(*, actor: User, objection: Objection, reason: str, text: str = "") -> Objection:
    """Close with a reason from the fixed list: the consumer withdraws or settles it; the
    provider may close a duplicate (naming the other objection in the text)."""
    objection = _lock(objection)
    step = _check("close", actor, objection)
    if reason not in close_reasons_for(user=actor, objection=objection):
        raise ApplicationError(
            code=CatalogErrorCode.INVALID_REASON, message=_("不能以该原因办结。")
        )
    if reason in (R.OTHER, R.DUPLICATE) and len((text or "").strip()) < 2:
        raise ApplicationError(code=CatalogErrorCode.TEXT_REQUIRED, message=_("请填写办结说明。"))
    _close(objection, actor, reason, (text or "").strip())
    told = _tell(objection, step.tell, "closed", _closed_subject(objection), actor=actor)
    _ledger(actor, objection, "close", closing_reason=reason, told=told)
    return objection


def objection_lapse(*, objection: Objection) -> Objection:
    """The objector let `accept_deadline` pass: close with the provider's own answer (scan step).

    Runs inside the deadline scan's transaction, on a row the scan has claimed.
    """
    step = TRANSITIONS["lapse"]
    if objection.status not in step.sources:
        raise ApplicationError(code=step.code, message=str(step.wrong_state))
    reason = ANSWER_CLOSES_AS[objection.status]
    _close(
        objection, None, reason, _("提出单位在确认期限内未认可也未提出异议，按提供单位的答复办结")
    )
    told = _tell(
        objection,
        step.tell,
        "closed",
        _("确认期限已过，按提供单位的答复办结（%(reason)s）")
        % {"reason": objection.get_closing_reason_display()},
    )
    _ledger("system", objection, "lapse", closing_reason=reason, told=told)
    return objection


def objection_deadline_scan() -> ScanResult:
    """Close answers the objector left unanswered past `accept_deadline`, remind before the answer
    deadline, mark overdue after it, escalate to the working group — each once (state fields and
    notify keys), each state change with its ledger entry in the same transaction."""
    days = ScanDays.for_day()
    result = ScanResult()
    due = Objection.objects.select_related("item", "provider", "consumer", "raised_by")
    waiting = due.filter(status__in=AWAITING_ANSWER)
    for batch in claim_batches(due.filter(status__in=ANSWERED, accept_deadline__lt=days.today)):
        for o in batch:
            objection_lapse(objection=o)
            result.closed += 1
    now = timezone.now()
    reminder = waiting.filter(
        reminded_at__isnull=True,
        deadline__gte=days.today,
        deadline__lte=days.remind_until(remind_working_days()),
    )
    for batch in claim_batches(reminder):
        for o in batch:
            o.reminded_at = now
            o.save(update_fields=["reminded_at"])
            _tell(
                o,
                (Side.PROVIDER,),
                "reminder",
                _("答复期限 %(deadline)s 将至，请及时解释说明或更正")
                % {"deadline": o.deadline.isoformat()},
            )
            result.reminded += 1
    for batch in claim_batches(waiting.filter(overdue_at__isnull=True, deadline__lt=days.today)):
        for o in batch:
            o.overdue_at = now
            o.save(update_fields=["overdue_at"])
            told = _tell(
                o,
                (Side.PROVIDER, Side.CONSUMER),
                "overdue",
                _("已逾期未答复（答复期限 %(deadline)s）") % {"deadline": o.deadline.isoformat()},
            )
            _ledger("system", o, "overdue", deadline=o.deadline.isoformat(), told=told)
            result.overdue += 1
    escalate = waiting.filter(
        escalated_at__isnull=True, deadline__lte=days.passed(escalate_working_days())
    )
    for batch in claim_batches(escalate):
        for o in batch:
            o.escalated_at = now
            o.save(update_fields=["escalated_at"])
            told = _tell(
                o,
                (Side.WORKING_GROUP,),
                "escalated",
                _("%(unit)s 逾期未答复，已上报专项工作组") % {"unit": o.provider.name},
            )
            _ledger("system", o, "escalated", deadline=o.deadline.isoformat(), told=told)
            result.escalated += 1
    return result
