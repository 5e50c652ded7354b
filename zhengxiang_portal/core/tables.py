"""Sorting for list pages: a whitelist of sort keys, `?sort=key` or `?sort=-key`."""

from django.db.models import QuerySet
from django.http import HttpRequest


def sort_queryset(
    qs: QuerySet, request: HttpRequest, allowed: dict[str, str], default: str
) -> tuple[QuerySet, str]:
    """Order `qs` by the requested whitelisted key; return it and the effective sort string."""
    requested = request.GET.get("sort", default)
    key = requested.lstrip("-")
    if key not in allowed:
        requested, key = default, default.lstrip("-")
    field = allowed[key]
    prefix = "-" if requested.startswith("-") else ""
    return qs.order_by(f"{prefix}{field}", "pk"), requested
