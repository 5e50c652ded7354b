"""Coordination and exemptions (协调豁免, Art. 20).

A provider that cannot share an item for policy, management or technical reasons asks the
working group to coordinate; the group exempts it until a date, accepts a plan with a target
date, or rejects. Obligations due inside an exemption are set EXEMPT and so never count as
overdue (the obligation scan skips EXEMPT); `exemptions_apply` also covers obligations created
after the decision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.roles import is_working_group
from agencies.selectors import notice_recipients, user_can_act_for, working_group_recipients
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import CatalogItem, CoordinationRequest, Obligation
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

S = CoordinationRequest.Status
EXEMPTIBLE = [Obligation.Status.OPEN, Obligation.Status.OVERDUE]


def _ledger(actor: User, req: CoordinationRequest, step: str, **extra: Any) -> None:
    ledger_append(
        action=LedgerAction.EXEMPTION,
        actor=actor,
        target=req,
        category=LedgerCategory.WORKFLOW,
        details={"item_id": req.item_id, "step": step, "status": req.status, **extra},
    )


def _url(req: CoordinationRequest) -> str:
    return reverse("sharing_catalog:coordination_detail", args=[req.pk])


@transaction.atomic
def coordination_request_create(
    *, actor: User, item: CatalogItem, reason: str, reason_text: str
) -> CoordinationRequest:
    """The provider asks the working group to coordinate an item it cannot share."""
    if not user_can_act_for(user=actor, unit=item.provider):
        raise PermissionDenied(_("只有该目录项的提供单位可以申请协调。"))
    if reason not in CoordinationRequest.Reason.values:
        raise ApplicationError(code=CatalogErrorCode.INVALID_REASON, message=_("请选择原因类别。"))
    if len((reason_text or "").strip()) < 4:
        raise ApplicationError(
            code=CatalogErrorCode.REASON_REQUIRED, message=_("请具体说明无法共享的原因。")
        )
    if CoordinationRequest.objects.filter(item=item, status=S.REQUESTED).exists():
        raise ApplicationError(
            code=CatalogErrorCode.PENDING_EXISTS, message=_("该目录项已有待协调的申请。")
        )
    req = CoordinationRequest.objects.create(
        unit=item.provider,
        item=item,
        reason=reason,
        reason_text=reason_text.strip(),
        requested_by=actor,
    )
    to = notice_send(
        to=working_group_recipients(),
        key=f"coordination:{req.pk}:requested",
        kind="coordination",
        subject=_("协调申请 #%(pk)s：%(unit)s 无法共享 %(item)s")
        % {"pk": req.pk, "unit": item.provider.name, "item": item.name},
        body=f"{item.provider.name} · {item.code} {item.name}",
        url=_url(req),
    )
    _ledger(actor, req, "request", reason=reason, **to.details())
    return req


def _exempt_obligations(req: CoordinationRequest) -> int:
    """Set the covered obligations EXEMPT: due on or before the exemption's end."""
    if req.status != S.EXEMPT or req.exempt_until is None:
        return 0
    return Obligation.objects.filter(
        item_id=req.item_id, status__in=EXEMPTIBLE, due_date__lte=req.exempt_until
    ).update(status=Obligation.Status.EXEMPT)


@transaction.atomic
def coordination_decide(
    *,
    actor: User,
    request: CoordinationRequest,
    decision: str,
    comment: str = "",
    exempt_until: dt.date | None = None,
    plan_target_date: dt.date | None = None,
) -> CoordinationRequest:
    """The working group records its decision: exempt until a date, a plan, or rejected."""
    req = CoordinationRequest.objects.select_for_update().select_related("item").get(pk=request.pk)
    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以作出协调决定。"))
    if req.status != S.REQUESTED:
        raise ApplicationError(
            code=CatalogErrorCode.ALREADY_DECIDED, message=_("该申请已作出决定。")
        )
    today = timezone.localdate()
    if decision == S.EXEMPT:
        if exempt_until is None or exempt_until < today:
            raise ApplicationError(
                code=CatalogErrorCode.EXEMPT_UNTIL, message=_("请填写不早于今天的豁免截止日期。")
            )
        req.exempt_until = exempt_until
    elif decision == S.PLAN:
        if plan_target_date is None or plan_target_date < today:
            raise ApplicationError(
                code=CatalogErrorCode.PLAN_DATE, message=_("请填写不早于今天的计划完成日期。")
            )
        req.plan_target_date = plan_target_date
    elif decision == S.REJECTED:
        if not comment.strip():
            raise ApplicationError(
                code=CatalogErrorCode.REASON_REQUIRED, message=_("不予豁免须说明理由。")
            )
    else:
        raise ApplicationError(
            code=CatalogErrorCode.INVALID_DECISION, message=_("请选择协调决定。")
        )
    req.status = decision
    req.decision_comment = comment.strip()
    req.decided_by = actor
    req.decided_at = timezone.now()
    req.save()
    exempted = _exempt_obligations(req)
    to = notice_send(
        to=notice_recipients(unit=req.unit),
        key=f"coordination:{req.pk}:decided",
        kind="coordination",
        subject=_("协调申请 #%(pk)s（%(item)s）：专项工作组已作出决定")
        % {"pk": req.pk, "item": req.item.name},
        body=f"{req.item.code} {req.item.name}：{req.get_status_display()}",
        url=_url(req),
    )
    _ledger(actor, req, "decide", decision=decision, obligations_exempted=exempted, **to.details())
    return req


def exemptions_apply() -> int:
    """Exempt obligations created after their item's exemption was decided (idempotent scan)."""
    today = timezone.localdate()
    total = 0
    active = CoordinationRequest.objects.filter(status=S.EXEMPT, exempt_until__gte=today)
    for req in active:
        with transaction.atomic():
            total += _exempt_obligations(req)
    return total
