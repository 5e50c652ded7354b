"""List pages: sorting by a whitelist of keys (`?sort=key` or `?sort=-key`), pagination."""

from django.core.paginator import Paginator as DjangoPaginator
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


class Paginator(DjangoPaginator):
    """Django's paginator that skips the COUNT when the first page is not full.

    Django counts the rows before it fetches a page. A list that fits on its first page (most
    units' lists of requests, data and obligations) then costs two queries where one tells
    both; here page 1 is fetched with one row more than fits, and the count is taken from it
    when it does fit. Every other page, and `orphans`, go through Django unchanged.
    """

    def get_page(self, number):
        first = number in (None, 1, "1") and "count" not in self.__dict__
        if first and self.orphans == 0 and self.allow_empty_first_page:
            rows = list(self.object_list[: self.per_page + 1])
            if len(rows) <= self.per_page:
                self.count = len(rows)  # a cached_property: this is its cached value
            # Django's own hook for building a Page; django-stubs does not declare it.
            return self._get_page(rows[: self.per_page], 1, self)  # type: ignore[attr-defined]
        return super().get_page(number)
