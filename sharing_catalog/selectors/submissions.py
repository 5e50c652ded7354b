"""Who may see which submissions and records (Art. 19, 24, 27: data only for statutory duties).

The ONE entitlement rule for shared data lives in `selectors.entitlements` (unconditional:
consumers; conditional: live access grant; not shared: nobody); `user_may_read_item` and
`readable_items` here delegate to it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from agencies.models import User
from sharing_catalog.models import CatalogItem, Obligation, Receipt, Record, Submission
from sharing_catalog.selectors.entitlements import (
    consumed_item_ids,
    items_consumed_by,
    reader_unit_ids,
)
from zhengxiang_portal.statistics import StatisticsTable, crosstab

READABLE_STATUSES = (Submission.Status.CONFIRMED, Submission.Status.SUPERSEDED)


def readable_items(*, user: User) -> QuerySet[CatalogItem]:
    """Published, shareable items one of the user's units consumes (the entitlement rule)."""
    return items_consumed_by(user=user)


def user_may_read_item(*, user: User, item: CatalogItem) -> bool:
    """True when the user's unit is an entitled consumer of the item's confirmed data.

    Delegates to THE rule in selectors.entitlements (grants for conditional items, nothing for
    not-shared ones); the provider's own access is `user_provides_item`.
    """
    return items_consumed_by(user=user).filter(pk=item.pk).exists()


def user_provides_item(*, user: User, item: CatalogItem) -> bool:
    return item.provider_id in reader_unit_ids(user=user)


def submission_visible_to(*, user: User) -> QuerySet[Submission]:
    """Submissions the user may see: every version of their own unit's items, and the
    confirmed data of items their unit consumes."""
    units = reader_unit_ids(user=user)
    if not units:
        return Submission.objects.none()
    consumer_items = readable_items(user=user).values("pk")
    return Submission.objects.filter(
        Q(obligation__item__provider_id__in=units)
        | Q(status__in=READABLE_STATUSES, obligation__item__in=consumer_items)
    ).select_related("obligation__item__provider", "uploaded_by", "confirmed_by", "schema")


def submission_get(*, user: User, pk: int) -> Submission:
    """One submission the user may see (raises Submission.DoesNotExist otherwise)."""
    return submission_visible_to(user=user).get(pk=pk)


def submission_readable_data(*, user: User, submission: Submission) -> bool:
    """May the user read (and download) the records of this submission?"""
    item = submission.obligation.item
    if user_provides_item(user=user, item=item):
        return submission.status in (
            Submission.Status.VALIDATED,
            *READABLE_STATUSES,
        )
    return submission.status in READABLE_STATUSES and user_may_read_item(user=user, item=item)


def provider_obligation_get(*, user: User, pk: int) -> Obligation:
    """An obligation of an item the user's unit provides (raises Obligation.DoesNotExist)."""
    return Obligation.objects.select_related("item__provider").get(
        pk=pk, item__provider_id__in=reader_unit_ids(user=user)
    )


def obligation_submissions(*, obligation: Obligation) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(obligation=obligation)
        .select_related("uploaded_by", "confirmed_by")
        .order_by("-version")
    )


def new_data_for(*, user: User) -> QuerySet[Submission]:
    """Confirmed submissions the user's units consume and have not yet acknowledged."""
    units = reader_unit_ids(user=user)
    items = consumed_item_ids(user=user) if units else []
    if not items:
        return Submission.objects.none()
    # Consumed items are never the units' own (items_consumed_by leaves those out).
    acknowledged = Receipt.objects.filter(submission=OuterRef("pk"), unit_id__in=units)
    return (
        Submission.objects.filter(status=Submission.Status.CONFIRMED, obligation__item_id__in=items)
        .exclude(Exists(acknowledged))
        .select_related("obligation__item__provider")
        .order_by("-confirmed_at")
    )


def received_list(*, user: User) -> QuerySet[Submission]:
    """Confirmed data the user's units consume, newest first, with their receipt state."""
    units = reader_unit_ids(user=user)
    acknowledged = Receipt.objects.filter(submission=OuterRef("pk"), unit_id__in=units)
    return (
        Submission.objects.filter(
            status__in=READABLE_STATUSES,
            obligation__item_id__in=consumed_item_ids(user=user),
        )
        .annotate(acknowledged=Exists(acknowledged))
        .select_related("obligation__item__provider", "confirmed_by")
        .order_by("-confirmed_at", "-pk")
    )


def record_list(*, submission: Submission) -> QuerySet[Record]:
    return Record.objects.filter(submission=submission).order_by("row_number")


def submission_statistics(start: dt.date, end: dt.date) -> StatisticsTable:
    """Uploads made in [start, end] (local days) by catalog item and their state (Art. 22)."""
    counts = (
        Submission.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .values_list("obligation__item__name", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return crosstab(
        title=_("数据上传（按信息资源与状态）"),
        first_heading=_("信息资源"),
        counts=counts,
        columns=Submission.Status.choices,
    )
