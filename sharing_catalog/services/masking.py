"""Masking of sensitive fields (脱敏): ID numbers, phones, account numbers (Art. 24).

Fields marked `is_sensitive` in the schema are shown masked to everyone who lacks the object
permission `sharing_catalog.unmask_item` for the item (django-guardian, granted per item by the
provider or the working group). Pages, API and exports all go through `mask_record`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.roles import is_working_group
from agencies.selectors import unit_liaison_users, user_can_act_for
from sharing_catalog.models import CatalogItem, FieldType
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.security.masking import mask_value as shared_mask_value

UNMASK_CODENAME = "unmask_item"
UNMASK_PERMISSION = f"sharing_catalog.{UNMASK_CODENAME}"


def ensure_unmask_permission() -> Permission:
    """The object permission row (created on first use: it lives on the catalog's model)."""
    ct = ContentType.objects.get_for_model(CatalogItem)
    perm, _created = Permission.objects.get_or_create(
        codename=UNMASK_CODENAME, content_type=ct, defaults={"name": "查看目录项敏感字段明文"}
    )
    return perm


# Schema field types with their own mask; any other sensitive field (account numbers, free
# text) is masked like a bank account: only the last 4 characters shown.
_TYPED_MASKS = {FieldType.ID_NUMBER: "id_number", FieldType.PHONE: "phone"}
_TYPED_MASKS[FieldType.CREDIT_CODE] = "credit_code"


def mask_value(value: Any, field_type: str = "") -> str:
    """Mask one value: ID 4301**********1234, phone 138****1234, others keep the last 4."""
    if value is None or value == "":
        return "" if value is None else value
    kind = _TYPED_MASKS.get(field_type, "bank_account")  # type: ignore[call-overload]
    return str(shared_mask_value(kind, value))


def user_may_unmask(*, user: Any, item: CatalogItem) -> bool:
    """The provider's own people see their data; others need the per-item object permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user_can_act_for(user=user, unit=item.provider) or user.unit_id == item.provider_id:
        return True
    return user.has_perm(UNMASK_PERMISSION, item)


def mask_record(
    record_data: Mapping[str, Any], fields: Iterable[Any], user: Any, item: CatalogItem
) -> dict[str, Any]:
    """A copy of one record with its sensitive fields masked unless the user may unmask them.

    `fields` are the schema's SchemaField objects (key, field_type, is_sensitive).
    """
    data = dict(record_data)
    sensitive = [f for f in fields if f.is_sensitive]
    if not sensitive or user_may_unmask(user=user, item=item):
        return data
    for field in sensitive:
        if field.key in data:
            data[field.key] = mask_value(data[field.key], field.field_type)
    return data


def mask_records(
    records: Iterable[Mapping[str, Any]], fields: Iterable[Any], user: Any, item: CatalogItem
) -> list[dict[str, Any]]:
    """`mask_record` for many rows, deciding the permission once."""
    fields = list(fields)
    rows = [dict(r) for r in records]
    sensitive = [f for f in fields if f.is_sensitive]
    if not sensitive or user_may_unmask(user=user, item=item):
        return rows
    for row in rows:
        for field in sensitive:
            if field.key in row:
                row[field.key] = mask_value(row[field.key], field.field_type)
    return rows


def record_masker(fields: Iterable[Any], user: Any, item: CatalogItem):
    """A function masking one record's data for this user, the permission decided once.

    Returns (mask, masked): `masked` is False when the user sees everything in clear (no
    sensitive field, or the unmask permission).
    """
    sensitive = [f for f in fields if f.is_sensitive]
    if not sensitive or user_may_unmask(user=user, item=item):
        return (lambda data: data), False

    def mask(data: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(data)
        for field in sensitive:
            if field.key in out:
                out[field.key] = mask_value(out[field.key], field.field_type)
        return out

    return mask, True


def item_has_sensitive_fields(fields: Iterable[Any]) -> bool:
    return any(f.is_sensitive for f in fields)


def record_unmasked_access(
    *, actor: Any, item: CatalogItem, target: Any, rows: int, request: Any = None
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
        details={"item_id": item.pk, "item_code": item.code, "rows": rows},
        ip_address=request.META.get("REMOTE_ADDR") if request is not None else None,
    )


def _may_manage_unmask(actor: Any, item: CatalogItem) -> bool:
    return is_working_group(actor) or user_can_act_for(user=actor, unit=item.provider)


@transaction.atomic
def unmask_grant(*, actor: Any, item: CatalogItem, user: Any = None, unit: Any = None) -> list[Any]:
    """Let a user (or every active liaison of a unit) see the item's sensitive fields in clear."""
    from guardian.shortcuts import assign_perm

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
def unmask_revoke(*, actor: Any, item: CatalogItem, user: Any) -> None:
    from guardian.shortcuts import remove_perm

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
