"""Off-platform agreements (线下共享报备, Art. 21): register, file with the WG, migrate."""

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
from agencies.selectors import notice_recipients, user_can_act_for, working_group_recipients
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import CatalogItem, OffPlatformAgreement
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.models import Notification
from zhengxiang_portal.notifications.services import notice_send

S = OffPlatformAgreement.Status


def _is_party(actor: User, agreement: OffPlatformAgreement) -> bool:
    return user_can_act_for(user=actor, unit=agreement.provider) or user_can_act_for(
        user=actor, unit=agreement.consumer
    )


def _ledger(actor: User | str, agreement: OffPlatformAgreement, step: str, **extra: Any) -> None:
    ledger_append(
        action=LedgerAction.AGREEMENT,
        actor=actor,
        target=agreement,
        category=LedgerCategory.WORKFLOW,
        details={
            "step": step,
            "status": agreement.status,
            "provider_id": agreement.provider_id,
            "consumer_id": agreement.consumer_id,
            **({"item_id": agreement.item_id} if agreement.item_id else {}),
            **extra,
        },
    )


@transaction.atomic
def agreement_register(
    *,
    actor: User,
    provider: Unit,
    consumer: Unit,
    content: str,
    format_standard: str,
    method: str,
    frequency: str,
    signed_on: dt.date,
    target_migration_date: dt.date,
    item: CatalogItem | None = None,
) -> OffPlatformAgreement:
    """Either party registers what they share outside the platform and how."""
    if not (
        user_can_act_for(user=actor, unit=provider) or user_can_act_for(user=actor, unit=consumer)
    ):
        raise PermissionDenied(_("只有协议双方可以登记线下共享协议。"))
    if provider.pk == consumer.pk:
        raise ApplicationError(
            code=CatalogErrorCode.SAME_PARTY, message=_("提供单位与需求单位不能相同。")
        )
    if target_migration_date < signed_on:
        raise ApplicationError(
            code=CatalogErrorCode.MIGRATION_BEFORE_SIGNING,
            message=_("计划融入平台日期不能早于商定日期。"),
        )
    if item is not None and item.provider_id != provider.pk:
        raise ApplicationError(
            code=CatalogErrorCode.ITEM_PROVIDER, message=_("目录项的提供单位与协议不一致。")
        )
    agreement = OffPlatformAgreement.objects.create(
        provider=provider,
        consumer=consumer,
        item=item,
        content=content.strip(),
        format_standard=format_standard.strip(),
        method=method,
        frequency=frequency,
        signed_on=signed_on,
        target_migration_date=target_migration_date,
        registered_by=actor,
    )
    _ledger(actor, agreement, "register")
    return agreement


@transaction.atomic
def agreement_file(*, actor: User, agreement: OffPlatformAgreement) -> OffPlatformAgreement:
    """File (报备) a registered agreement with the working group."""
    agreement = OffPlatformAgreement.objects.select_for_update().get(pk=agreement.pk)
    if not _is_party(actor, agreement):
        raise PermissionDenied(_("只有协议双方可以报备。"))
    if agreement.status != S.REGISTERED:
        raise ApplicationError(code=CatalogErrorCode.ALREADY_FILED, message=_("该协议已报备。"))
    agreement.status = S.FILED
    agreement.filed_with_wg_at = timezone.now()
    agreement.save(update_fields=["status", "filed_with_wg_at"])
    to = notice_send(
        to=working_group_recipients(),
        key=f"agreement:{agreement.pk}:filed",
        kind="agreement",
        subject=_("收到线下共享协议报备 #%(pk)s：%(provider)s → %(consumer)s")
        % {
            "pk": agreement.pk,
            "provider": agreement.provider.name,
            "consumer": agreement.consumer.name,
        },
        body=f"{agreement.provider.name} → {agreement.consumer.name}",
        url=reverse("sharing_catalog:agreement_detail", args=[agreement.pk]),
    )
    _ledger(actor, agreement, "file", **to.details())
    return agreement


@transaction.atomic
def agreement_mark_migrated(
    *, actor: User, agreement: OffPlatformAgreement
) -> OffPlatformAgreement:
    """Record that the sharing moved onto the platform (the provider or the working group)."""
    agreement = OffPlatformAgreement.objects.select_for_update().get(pk=agreement.pk)
    if not (is_working_group(actor) or user_can_act_for(user=actor, unit=agreement.provider)):
        raise PermissionDenied(_("只有提供单位或专项工作组可以确认融入平台。"))
    if agreement.status == S.MIGRATED:
        raise ApplicationError(
            code=CatalogErrorCode.ALREADY_MIGRATED, message=_("该协议已融入平台。")
        )
    agreement.status = S.MIGRATED
    agreement.migrated_at = timezone.now()
    agreement.save(update_fields=["status", "migrated_at"])
    _ledger(actor, agreement, "migrate")
    return agreement


def agreement_remind_overdue(*, today: dt.date | None = None) -> int:
    """Tell both parties once that an agreement passed its migration target date (Art. 21)."""
    today = today or timezone.localdate()
    count = 0
    overdue = OffPlatformAgreement.objects.filter(
        target_migration_date__lt=today, status__in=[S.REGISTERED, S.FILED]
    ).select_related("provider", "consumer")
    for agreement in overdue:
        key = f"agreement:{agreement.pk}:migration_overdue"
        if Notification.objects.filter(key=key).exists():
            continue
        to = notice_send(
            to=notice_recipients(unit=agreement.provider)
            + notice_recipients(unit=agreement.consumer),
            key=key,
            kind="agreement",
            subject=_("线下共享协议 #%(pk)s 已超过计划融入平台日期（%(date)s）")
            % {"pk": agreement.pk, "date": agreement.target_migration_date},
            body=f"{agreement.provider.name} → {agreement.consumer.name}",
            url=reverse("sharing_catalog:agreement_detail", args=[agreement.pk]),
        )
        _ledger("system", agreement, "migration_overdue", **to.details())
        count += 1
    return count
