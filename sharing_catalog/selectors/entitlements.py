"""THE entitlement rule: which units may read an item's shared records (Art. 19, 20, 24).

- 无条件共享 (unconditional): the item's consumer units, and the provider itself;
- 有条件共享 (conditional): units holding a live approved access grant, and the provider;
- 不予共享 (not shared): nobody but the provider.

Consumers read only published items; the provider always reads its own. Pages, API views and
exports of records call `user_may_read_item`; lists of readable items use `items_readable_by`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agencies.roles import Role, has_role
from agencies.selectors import acted_unit_ids
from sharing_catalog.models import AccessGrant, CatalogItem


def reader_unit_ids(*, user: Any) -> set[int]:
    """Units whose entitlements the user exercises: those they act for (as liaison), and the
    tax bureau for its staff. Membership of a unit alone (e.g. a working-group member seconded
    from a department) does not make one a reader of that unit's data. Built on the per-request
    `acted_unit_ids`, so asking again costs no query.
    """
    if not getattr(user, "is_authenticated", False):
        return set()
    ids = set(acted_unit_ids(user=user))
    if user.unit_id and has_role(user, Role.TAX_STAFF) and user.unit.is_tax_bureau:
        ids.add(user.unit_id)
    return ids


def live_grants(*, day: dt.date | None = None) -> QuerySet[AccessGrant]:
    """Approved grants in force on `day` (today by default)."""
    day = day or timezone.localdate()
    return AccessGrant.objects.filter(
        status=AccessGrant.Status.APPROVED, valid_from__lte=day
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def items_readable_by(*, user: Any) -> QuerySet[CatalogItem]:
    """Catalog items whose records this user's units may read."""
    units = reader_unit_ids(user=user)
    if not units:
        return CatalogItem.objects.none()
    consumer_link = CatalogItem.consumers.through.objects.filter(
        catalogitem_id=OuterRef("pk"), unit_id__in=units
    )
    granted = live_grants().filter(item_id=OuterRef("pk"), consumer_id__in=units)
    S = CatalogItem.SharingClass
    shared = Q(status=CatalogItem.Status.PUBLISHED) & (
        (Q(sharing_class=S.UNCONDITIONAL) & Exists(consumer_link))
        | (Q(sharing_class=S.CONDITIONAL) & Exists(granted))
    )
    return CatalogItem.objects.filter(Q(provider_id__in=units) | shared)


def user_may_read_item(*, user: Any, item: CatalogItem) -> bool:
    """True when the user's unit may read the item's shared records today."""
    return items_readable_by(user=user).filter(pk=item.pk).exists()


def items_consumed_by(*, user: Any) -> QuerySet[CatalogItem]:
    """Items the user's units read as consumers (their own provided items left out)."""
    return items_readable_by(user=user).exclude(provider_id__in=reader_unit_ids(user=user))
