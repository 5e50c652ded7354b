"""Reads of the ledger (台账) that carry a rule: who may read it, filtered slices, histories.

Art. 22: 数据传送接收有记录、过程可监控、事后能追溯; 各单位…建立台账. The working group and the
auditor read the whole ledger. A liaison (for the units they act for) and the tax bureau's staff
(for their bureau) read their unit's own ledger: the entries its people wrote, and the entries
about its objects (other units' views and downloads of its data, objections, requests, orders),
which apps declare with `register_unit_scope`. Other apps show one object's history through
`ledger_history` after checking their own object permission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from agencies.models import Unit, User
from agencies.roles import Role, has_role, is_working_group
from agencies.selectors import acted_unit_ids

from .actions import LedgerAction, LedgerCategory
from .models import LedgerDailyDigest, LedgerEntry

LEDGER_VIEW_PERMISSION = "ledger.view_ledgerentry"
ACCESS_ACTIONS = (LedgerAction.VIEW, LedgerAction.DOWNLOAD, LedgerAction.UNMASK)
CATALOG_ITEM_TYPE = ("sharing_catalog", "catalogitem")


# Apps tell the ledger which of their objects belong to a catalog item (e.g. a submission of the
# item's obligation), so "filter by item" also finds entries that did not record `item_id`.
_item_scopes: list[Callable[[int], Q]] = []


def register_item_scope(scope: Callable[[int], Q]) -> None:
    """Register `scope(item_id) -> Q` over LedgerEntry selecting entries about that item."""
    _item_scopes.append(scope)


# Apps tell the ledger which of their objects concern a unit (a submission of an item the unit
# provides, a request addressed to it, an order against it), so a unit's own 台账 holds the
# entries other units wrote about its objects. Queried, not stored: existing entries need no
# backfill and what is hashed stays as it was.
_unit_scopes: list[Callable[[Collection[int]], Q]] = []


def register_unit_scope(scope: Callable[[Collection[int]], Q]) -> None:
    """Register `scope(unit_ids) -> Q` over LedgerEntry selecting entries about those units."""
    _unit_scopes.append(scope)


# The security trail (logins, lockouts, role changes) is the auditor's, not a unit's 台账.
UNIT_LEDGER_CATEGORIES = (LedgerCategory.TRANSFER, LedgerCategory.WORKFLOW)


def ledger_unit_ids(*, user: User | AnonymousUser) -> frozenset[int]:
    """Units whose own ledger `user` reads: those they act for, and the tax bureau for its staff."""
    if not user.is_authenticated:
        return frozenset()

    ids = set(acted_unit_ids(user=user))
    if user.unit_id and has_role(user, Role.TAX_STAFF):
        ids.add(user.unit_id)
    return frozenset(ids)


def unit_scope(unit_ids: Collection[int]) -> Q:
    """Q selecting the entries that concern these units: written by their people or about them."""
    ids = list(unit_ids)
    q = Q(unit_id__in=ids)
    for scope in _unit_scopes:
        q |= scope(ids)
    return q


def target_scope(model: type[models.Model], pks: QuerySet) -> Q:
    """Q selecting entries whose target is one of `pks` (a values("pk") queryset) of `model`."""
    ct = ContentType.objects.get_for_model(model)
    as_text = pks.annotate(_pk_text=Cast("pk", output_field=models.CharField())).values("_pk_text")
    return Q(target_type=ct, target_id__in=as_text)


def user_may_read_ledger(*, user: User | AnonymousUser) -> bool:
    """The working group and the auditor (who holds `ledger.view_ledgerentry`) read the ledger."""
    if not user.is_authenticated:
        return False

    return is_working_group(user) or user.has_perm(LEDGER_VIEW_PERMISSION)


@dataclass(frozen=True)
class LedgerFilters:
    unit_id: int | None = None
    item_id: int | None = None
    action: str = ""
    category: str = ""
    target_type: str = ""  # "app_label.model"
    target_id: str = ""
    start: dt.date | None = None
    end: dt.date | None = None  # inclusive


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _content_type(label: str) -> ContentType | None:
    app_label, _sep, model = label.partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        return None


def ledger_filter(qs: QuerySet[LedgerEntry], filters: LedgerFilters) -> QuerySet[LedgerEntry]:
    """Apply the page/API/export filters; every filter narrows, none widens."""
    if filters.unit_id:
        qs = qs.filter(unit_id=filters.unit_id)
    if filters.item_id:
        item_q = Q(details__item_id=filters.item_id)
        ct = _content_type(".".join(CATALOG_ITEM_TYPE))
        if ct is not None:
            item_q |= Q(target_type=ct, target_id=str(filters.item_id))
        for scope in _item_scopes:
            item_q |= scope(filters.item_id)
        qs = qs.filter(item_q)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.target_type:
        ct = _content_type(filters.target_type)
        qs = qs.filter(target_type=ct) if ct is not None else qs.none()
    if filters.target_id:
        qs = qs.filter(target_id=filters.target_id)
    if filters.start:
        qs = qs.filter(created_at__gte=_day_start(filters.start))
    if filters.end:
        qs = qs.filter(created_at__lt=_day_start(filters.end + dt.timedelta(days=1)))
    return qs


def user_may_read_unit_ledger(*, user: User) -> bool:
    """Whole-ledger readers, and liaisons and tax staff for their own unit's ledger."""
    return user_may_read_ledger(user=user) or bool(ledger_unit_ids(user=user))


def ledger_list(*, user: User, filters: LedgerFilters | None = None) -> QuerySet[LedgerEntry]:
    """The ledger, newest first, filtered, as far as `user` may read it.

    The working group and the auditor: every entry. A liaison or tax staff: their unit's own
    台账 (Art. 22). Anyone else: nothing.
    """
    qs = LedgerEntry.objects.select_related("actor", "unit", "target_type").order_by("-seq")
    if not user_may_read_ledger(user=user):
        units = ledger_unit_ids(user=user)
        if not units:
            return LedgerEntry.objects.none()
        qs = qs.filter(unit_scope(units), category__in=UNIT_LEDGER_CATEGORIES)
    return ledger_filter(qs, filters or LedgerFilters())


def ledger_page(
    qs: QuerySet[LedgerEntry], *, before: int | None, size: int = 50
) -> tuple[list[LedgerEntry], int | None]:
    """One keyset page of a newest-first queryset: the entries and the `before` of the next page.

    Keyset (`seq < before`) instead of OFFSET keeps deep pages as fast as the first (FACTS.md).
    """
    if before:
        qs = qs.filter(seq__lt=before)
    rows = list(qs[: size + 1])
    next_before = rows[size - 1].seq if len(rows) > size else None
    return rows[:size], next_before


def ledger_history(target: models.Model) -> QuerySet[LedgerEntry]:
    """Every entry about one object, oldest first (a submission's or objection's whole story).

    The caller has already checked that the user may see `target`.
    """
    ct = ContentType.objects.get_for_model(target)
    return (
        LedgerEntry.objects.filter(target_type=ct, target_id=str(target.pk))
        .select_related("actor", "unit", "target_type")
        .order_by("seq")
    )


def access_log_list(*, user: User, filters: LedgerFilters | None = None) -> QuerySet[LedgerEntry]:
    """The access log (Art. 24, 27): every view, download and unmasking of shared records."""
    if not user_may_read_ledger(user=user):
        return LedgerEntry.objects.none()
    return ledger_list(user=user, filters=filters).filter(action__in=ACCESS_ACTIONS)


def digest_list(*, user: User) -> QuerySet[LedgerDailyDigest]:
    if not user_may_read_ledger(user=user):
        return LedgerDailyDigest.objects.none()
    return LedgerDailyDigest.objects.order_by("-day")


def ledger_unit_list(*, user: User) -> list[Any]:
    """The units whose own 台账 `user` reads, by code (for the page's heading)."""

    return list(Unit.objects.filter(pk__in=ledger_unit_ids(user=user)).order_by("code"))
