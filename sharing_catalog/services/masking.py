"""Masking of sensitive fields (脱敏): ID numbers, phones, account numbers (Art. 24).

Fields marked `is_sensitive` in the schema are shown masked, except: the provider's own people
see everything; holders of the object permission `sharing_catalog.unmask_item` for the item
(django-guardian, granted per person by the provider or the working group) see every field; and
a consuming unit sees the fields the working group disclosed to it for the purpose it declared
(`FieldDisclosure`, e.g. 区税务局 · 买受人证件号码 · 税费征收管理). `clear_field_keys` takes that
decision; the read path (`services.reading`) applies it for pages, downloads, diffs and the API.
Each value is masked by the portal's one `mask_value` (zhengxiang_portal.security.masking).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from agencies.models import User
from agencies.roles import is_working_group
from agencies.selectors import unit_liaison_users, user_can_act_for
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import CatalogItem, FieldDisclosure, SchemaField
from sharing_catalog.purposes import StatutoryPurpose, purpose_label
from sharing_catalog.selectors.entitlements import reader_unit_ids
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.security.masking import mask_value

UNMASK_CODENAME = "unmask_item"
UNMASK_PERMISSION = f"sharing_catalog.{UNMASK_CODENAME}"


def ensure_unmask_permission() -> Permission:
    """The object permission row (created on first use: it lives on the catalog's model)."""
    ct = ContentType.objects.get_for_model(CatalogItem)
    perm, _created = Permission.objects.get_or_create(
        codename=UNMASK_CODENAME, content_type=ct, defaults={"name": "查看目录项敏感字段明文"}
    )
    return perm


def user_may_unmask(*, user: User | AnonymousUser, item: CatalogItem) -> bool:
    """The provider's own people see their data; others need the per-item object permission."""
    if not user.is_authenticated:
        return False
    if user_can_act_for(user=user, unit=item.provider) or user.unit_id == item.provider_id:
        return True
    return user.has_perm(UNMASK_PERMISSION, item)


def clear_field_keys(
    *, user: User, item: CatalogItem, fields: Iterable[Any], purpose: Any = None
) -> set[str]:
    """The sensitive fields `user` sees in clear on `item` under the declared `purpose`.

    Everything for the provider's own people and holders of the item's unmask permission;
    otherwise the fields the working group disclosed to the user's consuming unit for that
    purpose (FieldDisclosure, Art. 24). No purpose, no disclosed field.
    """

    sensitive = {f.key for f in fields if f.is_sensitive}
    if not sensitive:
        return set()
    if user_may_unmask(user=user, item=item):
        return sensitive
    code = getattr(purpose, "code", purpose)
    units = reader_unit_ids(user=user)
    if not code or not units:
        return set()
    return set(
        FieldDisclosure.objects.filter(
            item=item, consumer_id__in=units, purpose=code, field_key__in=sensitive
        ).values_list("field_key", flat=True)
    )


def hidden_fields(fields: Iterable[Any], clear: Iterable[str]) -> list[Any]:
    """The sensitive fields not shown in clear: those a reader sees masked."""
    clear = set(clear)
    return [f for f in fields if f.is_sensitive and f.key not in clear]


def field_masker(
    fields: Iterable[Any], clear: Iterable[str]
) -> tuple[Callable[[Mapping[str, Any]], dict[str, Any]], bool]:
    """A function masking one record's sensitive fields except those in `clear`.

    Returns (mask, masked): `masked` is False when nothing is left to mask.
    """
    hidden = hidden_fields(fields, clear)
    if not hidden:
        return (lambda data: dict(data)), False

    def mask(data: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for field in hidden:
            if field.key in out:
                out[field.key] = mask_value(out[field.key], field.field_type)
        return out

    return mask, True


def record_masker(fields: Iterable[Any], user: User, item: CatalogItem, purpose: Any = None):
    """`field_masker` for this user and purpose, the decision taken once."""
    fields = list(fields)
    return field_masker(
        fields, clear_field_keys(user=user, item=item, fields=fields, purpose=purpose)
    )


def mask_record(
    record_data: Mapping[str, Any],
    fields: Iterable[Any],
    user: User,
    item: CatalogItem,
    purpose: Any = None,
) -> dict[str, Any]:
    """A copy of one record with the sensitive fields this user may not see masked."""
    mask, _masked = record_masker(fields, user, item, purpose)
    return mask(record_data)


def record_unmasked_access(
    *,
    actor: User,
    item: CatalogItem,
    target: Any,
    rows: int,
    request: Any = None,
    fields: Iterable[str] = (),
) -> None:
    """Log that `actor` saw sensitive fields in clear (ledger UNMASK, Art. 24, 27).

    Call it whenever records with sensitive fields are shown or exported unmasked to someone
    outside the provider.
    """
    if user_can_act_for(user=actor, unit=item.provider):
        return
    ledger_append(
        action=LedgerAction.UNMASK,
        actor=actor,
        target=target,
        category=LedgerCategory.AUDIT,
        details={
            "item_id": item.pk,
            "item_code": item.code,
            "rows": rows,
            **({"fields": sorted(fields)} if fields else {}),
        },
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
    )


def _may_manage_unmask(actor: User, item: CatalogItem) -> bool:
    return is_working_group(actor) or user_can_act_for(user=actor, unit=item.provider)


@transaction.atomic
def unmask_grant(
    *, actor: User, item: CatalogItem, user: User | None = None, unit: Any = None
) -> list[Any]:
    """Let a user (or every active liaison of a unit) see the item's sensitive fields in clear."""

    if not _may_manage_unmask(actor, item):
        raise PermissionDenied(_("只有提供单位或专项工作组可以授予敏感字段查看权限。"))
    users = [user] if user is not None else unit_liaison_users(unit=unit) if unit else []
    perm = ensure_unmask_permission()
    for u in users:
        assign_perm(perm, u, item)
        ledger_append(
            action=LedgerAction.ROLE,
            actor=actor,
            target=item,
            category=LedgerCategory.AUDIT,
            details={"item_id": item.pk, "granted": "unmask_item", "user_id": u.pk},
        )
    return users


@transaction.atomic
def unmask_revoke(*, actor: User, item: CatalogItem, user: User) -> None:
    if not _may_manage_unmask(actor, item):
        raise PermissionDenied(_("只有提供单位或专项工作组可以撤销敏感字段查看权限。"))
    remove_perm(ensure_unmask_permission(), user, item)
    ledger_append(
        action=LedgerAction.ROLE,
        actor=actor,
        target=item,
        category=LedgerCategory.AUDIT,
        details={"item_id": item.pk, "revoked": "unmask_item", "user_id": user.pk},
    )


# --- per-unit field disclosure, decided by the working group (Art. 24) -----------------------


def sensitive_field_choices(*, item: CatalogItem) -> list[tuple[str, str]]:
    """(key, label) of every field marked sensitive in any schema version of the item."""

    seen: dict[str, str] = {}
    for key, label in (
        SchemaField.objects.filter(schema__item=item, is_sensitive=True)
        .order_by("-schema__version", "position")
        .values_list("key", "label")
    ):
        seen.setdefault(key, label)
    return list(seen.items())


@transaction.atomic
def field_disclosure_add(
    *, actor: User, item: CatalogItem, consumer: Any, field_key: str, purpose: str
) -> Any:
    """Let one consuming unit see one sensitive field in clear for one purpose (WG only)."""
    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以决定需求单位可见的明文字段。"))
    labels = dict(sensitive_field_choices(item=item))
    if field_key not in labels:
        raise ApplicationError(
            code=CatalogErrorCode.NOT_SENSITIVE, message=_("该字段不是本目录项的敏感字段。")
        )
    if not item.consumers.filter(pk=consumer.pk).exists():
        raise ApplicationError(
            code=CatalogErrorCode.NOT_CONSUMER, message=_("该单位不是本目录项的需求单位。")
        )
    if purpose not in StatutoryPurpose.values:
        raise ApplicationError(
            code=CatalogErrorCode.PURPOSE_REQUIRED, message=_("请选择法定职责用途。")
        )
    rule, created = FieldDisclosure.objects.get_or_create(
        item=item,
        consumer=consumer,
        field_key=field_key,
        purpose=purpose,
        defaults={"decided_by": actor},
    )
    if created:
        ledger_append(
            action=LedgerAction.ROLE,
            actor=actor,
            target=item,
            category=LedgerCategory.AUDIT,
            details=_disclosure_details(rule, labels[field_key], granted=True),
        )
    return rule


@transaction.atomic
def field_disclosure_remove(*, actor: User, rule: Any) -> None:
    """Withdraw a disclosure rule (WG only); the field is masked for that unit again."""
    if not is_working_group(actor):
        raise PermissionDenied(_("只有专项工作组可以决定需求单位可见的明文字段。"))
    label = dict(sensitive_field_choices(item=rule.item)).get(rule.field_key, rule.field_key)
    details = _disclosure_details(rule, label, granted=False)
    rule.delete()
    ledger_append(
        action=LedgerAction.ROLE,
        actor=actor,
        target=rule.item,
        category=LedgerCategory.AUDIT,
        details=details,
    )


def _disclosure_details(rule: Any, label: str, *, granted: bool) -> dict[str, Any]:
    return {
        "item_id": rule.item_id,
        "granted" if granted else "revoked": "field_disclosure",
        "consumer_id": rule.consumer_id,
        "consumer": rule.consumer.name,
        "field": rule.field_key,
        "field_label": label,
        "purpose": rule.purpose,
        "purpose_label": purpose_label(rule.purpose),
    }
