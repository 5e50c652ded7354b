"""Reads of grants, off-platform agreements and coordination requests, scoped to the user.

A unit sees the records it is party to; the working group (and the auditor) see all of them.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from agencies.models import User
from agencies.roles import is_working_group
from sharing_catalog.models import (
    AccessGrant,
    CoordinationRequest,
    Obligation,
    OffPlatformAgreement,
)
from sharing_catalog.selectors.entitlements import reader_unit_ids as _units


def _oversees(user: User) -> bool:
    return is_working_group(user)


def grant_list(*, user: User, filters: dict | None = None) -> QuerySet[AccessGrant]:
    """Grants where the user's unit is the consumer or the item's provider."""
    qs = AccessGrant.objects.select_related("item", "item__provider", "consumer", "requested_by")
    if not _oversees(user):
        units = _units(user=user)
        qs = qs.filter(Q(consumer_id__in=units) | Q(item__provider_id__in=units))
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("item"):
        qs = qs.filter(item_id=filters["item"])
    return qs.order_by("-requested_at", "-pk")


def grant_inbox(*, user: User) -> QuerySet[AccessGrant]:
    """Applications waiting for this user: as provider liaison, or as the working group."""
    units = _units(user=user)
    waiting = Q(
        status=AccessGrant.Status.REQUESTED,
        provider_decision=AccessGrant.Decision.PENDING,
        item__provider_id__in=units,
    )
    if is_working_group(user):
        waiting |= Q(status=AccessGrant.Status.REQUESTED, wg_decision=AccessGrant.Decision.PENDING)
    return (
        AccessGrant.objects.filter(waiting)
        .select_related("item", "item__provider", "consumer", "requested_by")
        .order_by("requested_at", "pk")
    )


def grant_get(*, user: User, pk: int) -> AccessGrant:
    return grant_list(user=user).get(pk=pk)


def agreement_list(*, user: User, filters: dict | None = None) -> QuerySet[OffPlatformAgreement]:
    qs = OffPlatformAgreement.objects.select_related("provider", "consumer", "item")
    if not _oversees(user):
        units = _units(user=user)
        qs = qs.filter(Q(provider_id__in=units) | Q(consumer_id__in=units))
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("overdue"):
        qs = agreements_overdue(qs)
    return qs.order_by("target_migration_date", "pk")


def agreements_overdue(
    qs: QuerySet[OffPlatformAgreement] | None = None, *, today: dt.date | None = None
) -> QuerySet[OffPlatformAgreement]:
    """Agreements past their migration target date and not yet on the platform (Art. 21)."""
    qs = qs if qs is not None else OffPlatformAgreement.objects.all()
    return qs.filter(
        target_migration_date__lt=today or timezone.localdate(),
        status__in=[OffPlatformAgreement.Status.REGISTERED, OffPlatformAgreement.Status.FILED],
    )


def agreement_get(*, user: User, pk: int) -> OffPlatformAgreement:
    return agreement_list(user=user).get(pk=pk)


def coordination_list(*, user: User, filters: dict | None = None) -> QuerySet[CoordinationRequest]:
    qs = CoordinationRequest.objects.select_related("unit", "item", "requested_by", "decided_by")
    if not _oversees(user):
        qs = qs.filter(unit_id__in=_units(user=user))
    filters = filters or {}
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    return qs.order_by("-created_at", "-pk")


def coordination_get(*, user: User, pk: int) -> CoordinationRequest:
    return coordination_list(user=user).get(pk=pk)


def obligation_is_exempt(obligation: Obligation) -> bool:
    """True when the obligation is exempt (status) or falls in an active exemption (Art. 20)."""
    if obligation.status == Obligation.Status.EXEMPT:
        return True
    return CoordinationRequest.objects.filter(
        item_id=obligation.item_id,
        status=CoordinationRequest.Status.EXEMPT,
        exempt_until__gte=obligation.due_date,
        decided_at__isnull=False,
    ).exists()
