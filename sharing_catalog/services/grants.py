"""Conditional sharing (有条件共享): apply, approve, reject, revoke, expire (Art. 19, 24)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.roles import is_working_group
from agencies.selectors import (
    NoticeRecipients,
    notice_recipients,
    user_can_act_for,
    working_group_recipients,
)
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import AccessGrant, CatalogItem
from sharing_catalog.services.access import purpose_validate
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

DEFAULT_VALIDITY = dt.timedelta(days=365)  # a year, renewed by a new application

D = AccessGrant.Decision
S = AccessGrant.Status


def _ledger(actor: User | str, grant: AccessGrant, step: str, **extra: Any) -> None:
    ledger_append(
        action=LedgerAction.GRANT,
        actor=actor,
        target=grant,
        category=LedgerCategory.WORKFLOW,
        details={
            "item_id": grant.item_id,
            "consumer_id": grant.consumer_id,
            "step": step,
            "status": grant.status,
            **extra,
        },
    )


def _url(grant: AccessGrant) -> str:
    return reverse("sharing_catalog:grant_detail", args=[grant.pk])


@transaction.atomic
def grant_apply(
    *,
    actor: User,
    item: CatalogItem,
    consumer: Unit,
    purpose: str,
    purpose_text: str = "",
    legal_basis: str,
) -> AccessGrant:
    """A consumer unit applies to read a conditionally shared item, stating purpose and basis."""
    if not user_can_act_for(user=actor, unit=consumer):
        raise PermissionDenied(_("只能以本单位名义申请授权。"))
    if item.status != CatalogItem.Status.PUBLISHED:
        raise ApplicationError(
            code=CatalogErrorCode.ITEM_NOT_PUBLISHED, message=_("该目录项尚未发布。")
        )
    if item.sharing_class != CatalogItem.SharingClass.CONDITIONAL:
        raise ApplicationError(
            code=CatalogErrorCode.NOT_CONDITIONAL, message=_("只有有条件共享的目录项需要申请授权。")
        )
    if item.provider_id == consumer.pk:
        raise ApplicationError(
            code=CatalogErrorCode.OWN_ITEM, message=_("提供单位无需申请本单位的数据。")
        )
    if not (legal_basis or "").strip():
        raise ApplicationError(
            code=CatalogErrorCode.LEGAL_BASIS_REQUIRED, message=_("请填写法律依据。")
        )
    checked = purpose_validate(code=purpose, text=purpose_text)
    open_grant = (
        AccessGrant.objects.select_for_update()
        .filter(item=item, consumer=consumer, status__in=[S.REQUESTED, S.APPROVED])
        .first()
    )
    if open_grant is not None:
        raise ApplicationError(
            code=CatalogErrorCode.GRANT_EXISTS,
            message=_("本单位对该目录项已有待审批或有效的授权。"),
            details={"grant_id": open_grant.pk},
        )
    grant = AccessGrant.objects.create(
        item=item,
        consumer=consumer,
        purpose=checked.code,
        purpose_text=checked.text,
        legal_basis=legal_basis.strip(),
        requested_by=actor,
    )
    to = notice_send(
        to=notice_recipients(unit=item.provider),
        key=f"grant:{grant.pk}:requested",
        kind="grant",
        subject=_("共享授权申请 #%(pk)s：%(unit)s 申请 %(item)s，请审批")
        % {"pk": grant.pk, "unit": consumer.name, "item": item.name},
        body=f"{consumer.name} · {item.code} {item.name}",
        url=_url(grant),
    )
    _ledger(actor, grant, "apply", purpose=checked.code, **to.details())
    return grant


def _lock(grant: AccessGrant) -> AccessGrant:
    return (
        AccessGrant.objects.select_for_update().select_related("item", "consumer").get(pk=grant.pk)
    )


def _approve_final(grant: AccessGrant, actor: User) -> None:
    now = timezone.now()
    grant.status = S.APPROVED
    grant.decided_by = actor
    grant.decided_at = now
    grant.valid_from = grant.valid_from or timezone.localdate()


def _tell_consumer(grant: AccessGrant, level: str, subject: str) -> NoticeRecipients:
    return notice_send(
        to=notice_recipients(unit=grant.consumer),
        key=f"grant:{grant.pk}:{level}",
        kind="grant",
        subject=_("共享授权申请 #%(pk)s（%(item)s）：%(what)s")
        % {"pk": grant.pk, "item": grant.item.name, "what": subject},
        body=f"{grant.item.code} {grant.item.name}",
        url=_url(grant),
    )


@transaction.atomic
def grant_decide_provider(
    *,
    actor: User,
    grant: AccessGrant,
    approve: bool,
    comment: str = "",
    valid_until: dt.date | None = None,
) -> AccessGrant:
    """The provider's liaison approves or rejects; approval may still need the working group."""
    grant = _lock(grant)
    if not user_can_act_for(user=actor, unit=grant.item.provider):
        raise PermissionDenied(_("只有提供单位可以审批该授权申请。"))
    if grant.status != S.REQUESTED or grant.provider_decision != D.PENDING:
        raise ApplicationError(
            code=CatalogErrorCode.NOT_PENDING, message=_("该申请不在待提供单位审批状态。")
        )
    today = timezone.localdate()
    if valid_until is not None and valid_until < today:
        raise ApplicationError(
            code=CatalogErrorCode.INVALID_UNTIL, message=_("截止日期不能早于今天。")
        )
    if not approve and not comment.strip():
        raise ApplicationError(code=CatalogErrorCode.REASON_REQUIRED, message=_("驳回须说明理由。"))
    grant.provider_decision = D.APPROVED if approve else D.REJECTED
    grant.provider_comment = comment.strip()
    grant.provider_decided_by = actor
    grant.provider_decided_at = timezone.now()
    grant.valid_until = valid_until or (today + DEFAULT_VALIDITY)
    if not approve:
        grant.status = S.REJECTED
        grant.decided_by, grant.decided_at = actor, grant.provider_decided_at
    elif grant.item.grant_needs_working_group:
        grant.wg_decision = D.PENDING
    else:
        _approve_final(grant, actor)
    grant.save()
    if grant.wg_decision == D.PENDING:
        to = notice_send(
            to=working_group_recipients(),
            key=f"grant:{grant.pk}:wg_pending",
            kind="grant",
            subject=_("共享授权申请 #%(pk)s（%(item)s）待专项工作组审批")
            % {"pk": grant.pk, "item": grant.item.name},
            body=f"{grant.consumer.name} · {grant.item.code} {grant.item.name}",
            url=_url(grant),
        )
    elif grant.status == S.APPROVED:
        to = _tell_consumer(grant, "approved", _("已批准"))
    else:
        to = _tell_consumer(grant, "rejected", _("被驳回"))
    _ledger(actor, grant, "provider_decision", decision=grant.provider_decision, **to.details())
    return grant


@transaction.atomic
def grant_decide_working_group(
    *, actor: User, grant: AccessGrant, approve: bool, comment: str = ""
) -> AccessGrant:
    """The working group's decision after the provider agreed, when the catalog requires it."""
    grant = _lock(grant)
    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以作出该决定。"))
    if not grant.awaiting_working_group:
        raise ApplicationError(
            code=CatalogErrorCode.NOT_PENDING, message=_("该申请不在待工作组审批状态。")
        )
    if not approve and not comment.strip():
        raise ApplicationError(code=CatalogErrorCode.REASON_REQUIRED, message=_("驳回须说明理由。"))
    grant.wg_decision = D.APPROVED if approve else D.REJECTED
    grant.wg_comment = comment.strip()
    grant.wg_decided_by = actor
    grant.wg_decided_at = timezone.now()
    if approve:
        _approve_final(grant, actor)
    else:
        grant.status = S.REJECTED
        grant.decided_by, grant.decided_at = actor, grant.wg_decided_at
    grant.save()
    if approve:
        to = _tell_consumer(grant, "approved", _("已批准"))
    else:
        to = _tell_consumer(grant, "rejected", _("被驳回"))
    _ledger(actor, grant, "wg_decision", decision=grant.wg_decision, **to.details())
    return grant


@transaction.atomic
def grant_revoke(*, actor: User, grant: AccessGrant, reason: str) -> AccessGrant:
    """The provider or the working group withdraws an approved grant, with a reason."""
    grant = _lock(grant)
    if not (is_working_group(actor) or user_can_act_for(user=actor, unit=grant.item.provider)):
        raise PermissionDenied(_("只有提供单位或专项工作组可以撤销授权。"))
    if grant.status not in (S.APPROVED, S.REQUESTED):
        raise ApplicationError(
            code=CatalogErrorCode.NOT_REVOCABLE, message=_("该授权已结束，无法撤销。")
        )
    if not reason.strip():
        raise ApplicationError(code=CatalogErrorCode.REASON_REQUIRED, message=_("撤销须说明理由。"))
    grant.status = S.REVOKED
    grant.revoked_reason = reason.strip()
    grant.decided_by, grant.decided_at = actor, timezone.now()
    grant.save()
    to = _tell_consumer(grant, "revoked", _("已被撤销"))
    _ledger(actor, grant, "revoke", **to.details())
    return grant


def grant_expire_due(*, today: dt.date | None = None, batch: int = 200) -> int:
    """Mark approved grants past `valid_until` expired and tell the consumer, once each.

    Claims rows with SKIP LOCKED, so two scans running at once never expire a grant twice.
    """
    today = today or timezone.localdate()
    done = 0
    while True:
        with transaction.atomic():
            claimed = list(
                AccessGrant.objects.select_for_update(skip_locked=True)
                .select_related("item", "consumer")
                .filter(status=S.APPROVED, valid_until__lt=today)
                .order_by("pk")[:batch]
            )
            for grant in claimed:
                grant.status = S.EXPIRED
                grant.expired_at = timezone.now()
                grant.save(update_fields=["status", "expired_at"])
                to = _tell_consumer(grant, "expired", _("已到期"))
                _ledger("system", grant, "expire", **to.details())
        done += len(claimed)
        if len(claimed) < batch:
            return done
