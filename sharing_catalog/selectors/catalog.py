"""Reads of the 目录清单 (Art. 20): who sees which items, the schema in force, exports."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from agencies.models import User
from agencies.roles import is_working_group
from agencies.selectors import user_unit_ids

from ..models import CatalogItem, SchemaField, SchemaVersion


def catalog_item_list(
    *, user: User | AnonymousUser, filters: dict | None = None
) -> QuerySet[CatalogItem]:
    """Items this user may browse, filtered.

    Every logged-in user sees the published catalog (Art. 20: 目录清单管理 is meant to be known);
    the working group also sees drafts and retired items; a provider unit also sees its own
    retired items (their history stays its business).
    """
    if not user.is_authenticated:
        return CatalogItem.objects.none()
    qs = CatalogItem.objects.select_related("provider").annotate(
        consumer_count=Count("consumers", distinct=True)
    )
    if not is_working_group(user):
        qs = qs.filter(
            Q(status=CatalogItem.Status.PUBLISHED)
            | Q(status=CatalogItem.Status.RETIRED, provider_id__in=user_unit_ids(user=user))
        )
    filters = filters or {}
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(name__icontains=text)
            | Q(code__icontains=text)
            | Q(resource_code__icontains=text)
            | Q(description__icontains=text)
            | Q(summary__icontains=text)
            | Q(provider__name__icontains=text)
            | Q(provider__short_name__icontains=text)
        )
    if filters.get("provider"):
        qs = qs.filter(provider=filters["provider"])
    if filters.get("consumer"):
        qs = qs.filter(consumers=filters["consumer"])
    for name in ("sharing_class", "frequency", "status", "transmission"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    return qs


def catalog_item_get(*, user: User, pk: int) -> CatalogItem:
    """One item the user may see, with consumers and schema versions (raises DoesNotExist)."""
    return (
        catalog_item_list(user=user)
        .prefetch_related(
            "consumers",
            Prefetch(
                "schema_versions",
                queryset=SchemaVersion.objects.select_related("created_by").annotate(
                    field_count=Count("fields")
                ),
            ),
        )
        .get(pk=pk)
    )


def schema_in_force(*, item: CatalogItem) -> SchemaVersion | None:
    """The schema in force: the item's highest published version, its fields in order; None
    while no version is published (a caller that needs one says why it refuses).

    The one definition of "in force": uploads are checked against it, templates and pages show
    it, publishing an item requires it; `catalog_published_for_export` prefetches the same.
    """
    return (
        SchemaVersion.objects.filter(item=item, published_at__isnull=False)
        .select_related("item__provider")
        .prefetch_related(Prefetch("fields", queryset=SchemaField.objects.order_by("position")))
        .order_by("-version")
        .first()
    )


def schema_version_get(*, item: CatalogItem, version: int) -> SchemaVersion:
    return (
        SchemaVersion.objects.filter(item=item, version=version)
        .select_related("item__provider")
        .prefetch_related(Prefetch("fields", queryset=SchemaField.objects.order_by("position")))
        .get()
    )


def schema_version_latest(*, item: CatalogItem) -> SchemaVersion | None:
    """The newest version, in force or not (the starting point of the schema editor)."""
    return (
        SchemaVersion.objects.filter(item=item)
        .prefetch_related(Prefetch("fields", queryset=SchemaField.objects.order_by("position")))
        .order_by("-version")
        .first()
    )


def catalog_published_for_export() -> list[CatalogItem]:
    """Published items with provider, consumers and the fields of their schema in force."""
    items: list[Any] = list(
        CatalogItem.objects.filter(status=CatalogItem.Status.PUBLISHED)
        .select_related("provider")
        .prefetch_related(
            "consumers",
            Prefetch(
                "schema_versions",
                queryset=SchemaVersion.objects.filter(published_at__isnull=False)
                .order_by("-version")
                .prefetch_related(
                    Prefetch("fields", queryset=SchemaField.objects.order_by("position"))
                ),
                to_attr="published_schemas",
            ),
        )
        .order_by("code")
    )
    for item in items:
        schemas = item.published_schemas
        item.schema_in_force = schemas[0] if schemas else None
    return items
