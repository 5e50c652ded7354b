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

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from agencies.authz import bump_authz_version, fact, register_fact
from agencies.models import Unit, User
from agencies.roles import Role, has_role
from agencies.selectors import acted_unit_ids
from sharing_catalog.models import AccessGrant, CatalogItem


def reader_unit_ids(*, user: User | AnonymousUser) -> set[int]:
    """Units whose entitlements the user exercises: those they act for (as liaison), and the
    tax bureau for its staff. Membership of a unit alone (e.g. a working-group member seconded
    from a department) does not make one a reader of that unit's data. Built on the per-request
    `acted_unit_ids`, so asking again costs no query.
    """
    if not user.is_authenticated:
        return set()
    ids = set(acted_unit_ids(user=user))
    unit_id = user.unit_id
    if unit_id and has_role(user, Role.TAX_STAFF) and user.unit and user.unit.is_tax_bureau:
        ids.add(unit_id)
    return ids


def live_grants(*, day: dt.date | None = None) -> QuerySet[AccessGrant]:
    """Approved grants in force on `day` (today by default)."""
    day = day or timezone.localdate()
    return AccessGrant.objects.filter(
        status=AccessGrant.Status.APPROVED, valid_from__lte=day
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def items_readable_by(*, user: User) -> QuerySet[CatalogItem]:
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


def user_may_read_item(*, user: User, item: CatalogItem) -> bool:
    """True when the user's unit may read the item's shared records today."""
    return items_readable_by(user=user).filter(pk=item.pk).exists()


def items_consumed_by(*, user: User) -> QuerySet[CatalogItem]:
    """Items the user's units read as consumers (their own provided items left out)."""
    return items_readable_by(user=user).exclude(provider_id__in=reader_unit_ids(user=user))


# --- the consumed items' ids, kept in the account's authorisation snapshot ----------------------
#
# The home page's 新到数据 and the received-data list filter by these ids on every request;
# building the rule above costs ~3.5 ms of CPU a time on the 2-core build machine. The snapshot
# (agencies.authz) keeps them per account, keyed by its rights, unit and the day (grants run
# by date); every write that can change the rule retires all snapshots (`register` below).
# Opening records and downloads still ask the rule itself (user_may_read_item).

CONSUMED_ITEMS = "sharing_catalog.consumed_item_ids"


def consumed_item_ids(*, user: User | AnonymousUser) -> frozenset[int]:
    """Ids of `items_consumed_by(user)`, from the account's snapshot."""

    if not user.is_authenticated:
        return frozenset()
    return fact(user, CONSUMED_ITEMS)


def _read_consumed_item_ids(user: User) -> frozenset[int]:
    return frozenset(items_consumed_by(user=user).order_by().values_list("pk", flat=True))


def _entitlements_changed(**_kw: Any) -> None:
    bump_authz_version(everyone=True)


def _unit_changed(sender: Any, instance: Any, created: bool = False, **_kw: Any) -> None:
    """A unit's kind decides whether its tax staff read for it; a new unit changes nobody's."""

    if not created:
        bump_authz_version(user_ids=instance.users.values_list("pk", flat=True))


def register() -> None:
    """Keep the consumed items in the snapshot; retire it on every write the rule reads."""

    register_fact(CONSUMED_ITEMS, _read_consumed_item_ids)
    uid = "sharing_catalog.entitlements"
    for model in (CatalogItem, AccessGrant):  # status, class, provider, consumers; grants
        post_save.connect(_entitlements_changed, model, dispatch_uid=uid)
        post_delete.connect(_entitlements_changed, model, dispatch_uid=uid)
    post_save.connect(_unit_changed, Unit, dispatch_uid=uid)
    m2m_changed.connect(_entitlements_changed, CatalogItem.consumers.through, dispatch_uid=uid)
