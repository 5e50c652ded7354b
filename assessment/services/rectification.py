"""Rectification orders (责令改正, Art. 28): issue, answer, close or escalate, remind, overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.selectors import (
    NoticeRecipients,
    notice_recipients,
    user_recipients,
    working_group_recipients,
)
from assessment.errors import AssessmentErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.uploads import attachments_store
from zhengxiang_portal.deadlines.rules import Rule, deadline_rules_record
from zhengxiang_portal.deadlines.scan import ScanDays, ScanResult, claim_batches
from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.services import document_issue, document_settings_get
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..facts import BAD_TAGS
from ..models import OrderAccountability, OrderAttachment, Period, RectificationOrder, Score
from ..permissions import can_answer_order, can_issue_orders
from ..rules import RuleKind

MAX_WORKING_DAYS = 60  # Art. 28 sets no term; two working months bounds a typo like 300
REMIND_WORKING_DAYS_BEFORE = 2


def _order_url(order: RectificationOrder) -> str:
    return reverse("assessment:order_detail", args=[order.pk])


Failure = RectificationOrder.Failure
# Which of Art. 28's failures a low score points to: the data indicators (uploads on time, first
# validation, objections upheld and answered) are "不提供或未按规定提供共享信息", a breach is the
# confidentiality duty (Art. 24), every other indicator (requests, refusals, the working group's
# own score) the duty to cooperate (Art. 7).
FAILURE_BY_INDICATOR_KIND: dict[str, RectificationOrder.Failure] = {
    RuleKind.ON_TIME_UPLOAD_RATE: Failure.NOT_PROVIDING_DATA,
    RuleKind.FIRST_PASS_RATE: Failure.NOT_PROVIDING_DATA,
    RuleKind.OBJECTIONS_UPHELD: Failure.NOT_PROVIDING_DATA,
    RuleKind.OBJECTION_ANSWERS_ON_TIME: Failure.NOT_PROVIDING_DATA,
    RuleKind.CONFIDENTIALITY_BREACHES: Failure.CONFIDENTIALITY,
}


def order_failure_for(indicator_kind: str) -> RectificationOrder.Failure:
    """The failure (Art. 28) an order issued on a score of this indicator kind names."""
    return FAILURE_BY_INDICATOR_KIND.get(indicator_kind, Failure.NOT_COOPERATING)


def order_evidence_from_scores(scores: Iterable[Score]) -> list[dict[str, Any]]:
    """The facts the scores counted against the unit, each pointing back at its score."""
    return [
        {**ref, "score": score.pk, "index": index}
        for score in scores
        for index, ref in enumerate(score.evidence)
        if ref.get("tag") in BAD_TAGS
    ]


def order_draft_from_score(score: Score) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An order's initial fields (unit, period, failure, facts) and evidence from a low score."""
    initial = {
        "unit": score.unit,
        "period": score.period,
        "failure": order_failure_for(score.indicator.kind),
        "facts": _("%(period)s“%(ind)s”得分 %(value)s / %(max)s：%(why)s")
        % {
            "period": score.period.name,
            "ind": score.indicator.name,
            "value": score.value,
            "max": score.max,
            "why": score.explanation,
        },
    }
    return initial, order_evidence_from_scores([score])


def _clean_evidence(evidence: Any) -> list[dict[str, Any]]:
    """Keep only well-formed evidence references (content type, id, label, url)."""
    cleaned = []
    for ref in evidence or []:
        if not isinstance(ref, dict) or not ref.get("ct") or ref.get("id") in (None, ""):
            raise ApplicationError(
                code=AssessmentErrorCode.INVALID_EVIDENCE, message=_("附带事实的格式不正确。")
            )
        item = {
            "ct": str(ref["ct"])[:100],
            "id": ref["id"],
            "label": str(ref.get("label", ""))[:200],
            "url": str(ref.get("url", ""))[:300],
            "tag": str(ref.get("tag", ""))[:40],
        }
        # where the fact sits in a score's evidence, so the order links to its evidence page
        if isinstance(ref.get("score"), int) and isinstance(ref.get("index"), int):
            item["score"], item["index"] = ref["score"], ref["index"]
        cleaned.append(item)
    return cleaned


@transaction.atomic
def order_issue(
    *,
    actor: User,
    unit: Unit,
    failure: str,
    facts: str,
    requirement: str,
    working_days: int = 10,
    evidence: list[dict[str, Any]] | None = None,
    period: Period | None = None,
    today: dt.date | None = None,
) -> RectificationOrder:
    """Order a unit to correct a failure to provide data or to cooperate (Art. 28)."""
    if not can_issue_orders(actor):
        raise PermissionDenied(_("只有专项工作组可以下达责令改正通知。"))
    if failure not in RectificationOrder.Failure.values:
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_FAILURE, message=_("请选择问题类型。")
        )
    if not (facts or "").strip() or not (requirement or "").strip():
        raise ApplicationError(
            code=AssessmentErrorCode.FACTS_REQUIRED, message=_("请写明事实依据和整改要求。")
        )
    if not 1 <= int(working_days) <= MAX_WORKING_DAYS:
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_DEADLINE,
            message=_("整改期限应为 1 至 %(n)s 个工作日。") % {"n": MAX_WORKING_DAYS},
        )
    today = today or timezone.localdate()
    rule = Rule("due_date", int(working_days), start=today)
    order = RectificationOrder.objects.create(
        unit=unit,
        period=period,
        failure=failure,
        facts=facts.strip(),
        requirement=requirement.strip(),
        evidence=_clean_evidence(evidence),
        working_days=working_days,
        due_date=rule.compute(),
        issued_by=actor,
        issued_at=timezone.now(),
    )
    deadline_rules_record([(order, rule)])
    to = notice_send(
        to=notice_recipients(unit=unit, with_leader=True),
        key=f"rectification:{order.pk}:issued",
        kind="rectification",
        subject=_("%(order)s：%(unit)s 须于 %(due)s 前改正")
        % {"order": order, "unit": unit.name, "due": order.due_date},
        body=_("专项工作组责令贵单位于 %(due)s 前改正：%(req)s")
        % {"due": order.due_date, "req": order.requirement},
        url=_order_url(order),
    )
    ledger_append(
        action=LedgerAction.RECTIFICATION,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        unit=unit,
        target=order,
        details={
            "event": "issue",
            "failure": failure,
            "due_date": str(order.due_date),
            "evidence": len(order.evidence),
            **to.details(),
        },
    )
    return order


def _ledger_with_files(
    *,
    actor: User,
    order: RectificationOrder,
    attachments: list[OrderAttachment],
    to: NoticeRecipients,
    details: dict[str, Any],
) -> None:
    """The ledger entry of a step that stored files: their SHA-256s in the details (the digest
    when there is exactly one), then who was told."""
    ledger_append(
        action=LedgerAction.RECTIFICATION,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        unit=order.unit,
        target=order,
        digest=attachments[0].sha256 if len(attachments) == 1 else "",
        details={**details, "attachments": [a.sha256 for a in attachments], **to.details()},
    )


@transaction.atomic
def order_answer(
    *,
    actor: User,
    order: RectificationOrder,
    correction: str,
    files: Sequence[UploadedFile] = (),
) -> RectificationOrder:
    """The unit's liaison reports its correction once, with its evidence files (整改材料).

    The working group then reviews it (close or escalate); the reply is not rewritten after.
    """
    order = RectificationOrder.objects.select_for_update().get(pk=order.pk)
    if not can_answer_order(actor, order):
        raise PermissionDenied(_("只有被责令单位的联络员可以反馈整改情况。"))
    if order.status == RectificationOrder.Status.ANSWERED:
        raise ApplicationError(
            code=AssessmentErrorCode.ORDER_ANSWERED,
            message=_("整改情况已反馈，正由专项工作组审核。"),
        )
    if order.status != RectificationOrder.Status.OPEN:
        raise ApplicationError(
            code=AssessmentErrorCode.ORDER_CLOSED, message=_("该通知已办结，不能再反馈。")
        )
    if len((correction or "").strip()) < 4:
        raise ApplicationError(
            code=AssessmentErrorCode.CORRECTION_REQUIRED,
            message=_("请写明整改情况（至少 4 个字）。"),
        )
    order.correction = correction.strip()
    order.answered_by = actor
    order.answered_at = timezone.now()
    order.status = RectificationOrder.Status.ANSWERED
    order.save(update_fields=["correction", "answered_by", "answered_at", "status"])
    attachments = attachments_store(
        files=files,
        build=lambda **fields: OrderAttachment(order=order, **fields),
        actor=actor,
    )
    issuer = order.issued_by
    to = notice_send(
        to=(
            user_recipients(user=issuer)
            if issuer is not None and issuer.is_active
            else working_group_recipients(leaders_only=True)
        ),
        key=f"rectification:{order.pk}:answered:{order.answered_at.isoformat()}",
        kind="rectification",
        subject=_("%(order)s：%(unit)s 已反馈整改情况") % {"order": order, "unit": order.unit.name},
        body=order.correction[:500],
        url=_order_url(order),
    )
    _ledger_with_files(
        actor=actor,
        order=order,
        attachments=attachments,
        to=to,
        details={"event": "answer", "late": order.answered_at.date() > order.due_date},
    )
    return order


@transaction.atomic
def order_decide(
    *, actor: User, order: RectificationOrder, decision: str, note: str = ""
) -> RectificationOrder:
    """Close an order (corrected) or escalate it to accountability (Art. 28: 依法依规进行问责)."""
    if not can_issue_orders(actor):
        raise PermissionDenied(_("只有专项工作组可以审核整改情况。"))
    order = RectificationOrder.objects.select_for_update().select_related("unit").get(pk=order.pk)
    if decision not in ("close", "escalate"):
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_DECISION, message=_("请选择办结或升级。")
        )
    if order.status in (RectificationOrder.Status.CLOSED, RectificationOrder.Status.ESCALATED):
        raise ApplicationError(code=AssessmentErrorCode.ORDER_CLOSED, message=_("该通知已办结。"))
    if decision == "close" and order.status != RectificationOrder.Status.ANSWERED:
        raise ApplicationError(
            code=AssessmentErrorCode.NOT_ANSWERED, message=_("单位尚未反馈整改情况，不能办结。")
        )
    if decision == "escalate" and len(note.strip()) < 4:
        raise ApplicationError(
            code=AssessmentErrorCode.NOTE_REQUIRED, message=_("升级问责须写明理由。")
        )
    order.status = (
        RectificationOrder.Status.CLOSED
        if decision == "close"
        else RectificationOrder.Status.ESCALATED
    )
    order.decision_note = note.strip()
    order.decided_by = actor
    order.decided_at = timezone.now()
    order.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
    to = notice_recipients(unit=order.unit, with_leader=decision == "escalate")
    if decision == "escalate":
        to = to + working_group_recipients(leaders_only=True)
    notice_send(
        to=to,
        key=f"rectification:{order.pk}:{decision}",
        kind="rectification",
        subject=(_("%(order)s 已办结") if decision == "close" else _("%(order)s 已升级问责"))
        % {"order": order},
        body=order.decision_note,
        url=_order_url(order),
    )
    ledger_append(
        action=LedgerAction.RECTIFICATION,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        unit=order.unit,
        target=order,
        details={"event": decision, "note": order.decision_note, **to.details()},
    )
    return order


def orders_scan(*, today: dt.date | None = None) -> ScanResult:
    """Remind before the deadline and flag overdue orders (Art. 28), each once, with its ledger
    entry (who was told) in the same transaction; rows claimed by the shared deadline helper."""
    days = ScanDays.for_day(today)
    result = ScanResult()
    orders = RectificationOrder.objects.select_related("unit").filter(
        status=RectificationOrder.Status.OPEN
    )
    due_soon = orders.filter(
        reminded_at__isnull=True,
        due_date__gte=days.today,
        due_date__lte=days.remind_until(REMIND_WORKING_DAYS_BEFORE),
    )
    for batch in claim_batches(due_soon):
        for order in batch:
            to = notice_send(
                to=notice_recipients(unit=order.unit),
                key=f"rectification:{order.pk}:reminder",
                kind="rectification_reminder",
                subject=_("%(order)s 即将到期：%(due)s") % {"order": order, "due": order.due_date},
                body=order.requirement[:500],
                url=_order_url(order),
            )
            order.reminded_at = timezone.now()
            order.save(update_fields=["reminded_at"])
            ledger_append(
                action=LedgerAction.RECTIFICATION,
                category=LedgerCategory.WORKFLOW,
                unit=order.unit,
                target=order,
                details={"event": "reminder", "due_date": str(order.due_date), **to.details()},
            )
            result.reminded += 1
    for batch in claim_batches(orders.filter(overdue_at__isnull=True, due_date__lt=days.today)):
        for order in batch:
            to = notice_send(
                to=notice_recipients(unit=order.unit, with_leader=True)
                + working_group_recipients(leaders_only=True),
                key=f"rectification:{order.pk}:overdue",
                kind="rectification_overdue",
                subject=_("%(order)s 已逾期：%(unit)s") % {"order": order, "unit": order.unit.name},
                body=order.requirement[:500],
                url=_order_url(order),
            )
            order.overdue_at = timezone.now()
            order.save(update_fields=["overdue_at"])
            ledger_append(
                action=LedgerAction.RECTIFICATION,
                category=LedgerCategory.WORKFLOW,
                unit=order.unit,
                target=order,
                details={"event": "overdue", "due_date": str(order.due_date), **to.details()},
            )
            result.overdue += 1
    return result


@transaction.atomic
def order_document_issue(*, actor: User, order: RectificationOrder) -> IssuedDocument:
    """Number the order's 责令改正通知书 (Art. 28) in the working group's name; a ledger entry."""
    if not can_issue_orders(actor):
        raise PermissionDenied(_("只有专项工作组可以签发责令改正通知书。"))
    return document_issue(
        kind=IssuedDocument.Kind.RECTIFICATION_NOTICE,
        target=order,
        actor=actor,
        unit=order.unit,
        issuing_unit=document_settings_get().issuing_unit,
        addressee=order.unit.name,
    )


ACCOUNTABILITY_REFERRED_MAX = 200  # the model field's length


@transaction.atomic
def order_accountability_record(
    *,
    actor: User,
    order: RectificationOrder,
    persons: str,
    decision: str,
    referred_to: str,
    decided_on: dt.date,
    files: Sequence[UploadedFile] = (),
) -> OrderAccountability:
    """Record the accountability (问责) for an escalated order (Art. 27–28): the responsible
    persons, the decision, the competent body (有权部门) it was referred to, the date and files."""
    if not can_issue_orders(actor):
        raise PermissionDenied(_("只有专项工作组可以记录问责情况。"))
    order = RectificationOrder.objects.select_for_update().select_related("unit").get(pk=order.pk)
    if order.status != RectificationOrder.Status.ESCALATED:
        raise ApplicationError(
            code=AssessmentErrorCode.NOT_ESCALATED,
            message=_("只有已升级问责的通知可以记录问责情况。"),
        )
    person_lines = [line.strip() for line in (persons or "").splitlines() if line.strip()]
    if not person_lines:
        raise ApplicationError(
            code=AssessmentErrorCode.PERSONS_REQUIRED,
            message=_("请写明责任人员（每行一人：姓名、职务）。"),
        )
    if not (decision or "").strip():
        raise ApplicationError(
            code=AssessmentErrorCode.DECISION_REQUIRED, message=_("请写明问责决定。")
        )
    referred_to = (referred_to or "").strip()
    if not referred_to or len(referred_to) > ACCOUNTABILITY_REFERRED_MAX:
        raise ApplicationError(
            code=AssessmentErrorCode.REFERRED_TO_REQUIRED,
            message=_("请写明移送的有权部门（200 字以内）。"),
        )
    if decided_on is None or decided_on > timezone.localdate():
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_DATE, message=_("决定日期不能晚于今天。")
        )
    record = OrderAccountability.objects.create(
        order=order,
        persons="\n".join(person_lines),
        decision=decision.strip(),
        referred_to=referred_to,
        decided_on=decided_on,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    attachments = attachments_store(
        files=files,
        build=lambda **fields: OrderAttachment(order=order, accountability=record, **fields),
        actor=actor,
    )
    to = notice_send(
        to=notice_recipients(unit=order.unit, with_leader=True),
        key=f"rectification:{order.pk}:accountability:{record.pk}",
        kind="rectification",
        subject=_("%(order)s：已记录问责情况") % {"order": order},
        body=_("有权部门：%(body)s；问责决定：%(decision)s")
        % {"body": record.referred_to, "decision": record.decision[:400]},
        url=_order_url(order),
    )
    _ledger_with_files(
        actor=actor,
        order=order,
        attachments=attachments,
        to=to,
        details={
            "event": "accountability",
            "accountability": record.pk,
            "persons": len(person_lines),
            "referred_to": record.referred_to,
            "decided_on": str(record.decided_on),
        },
    )
    return record
