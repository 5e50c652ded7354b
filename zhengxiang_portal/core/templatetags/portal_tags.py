"""Template helpers for list pages: keep the query string when paging or sorting."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with the given parameters replaced."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_query(context, key: str, current: str) -> str:
    """Query string sorting by `key`, toggling direction when it is already the sort key."""
    query = context["request"].GET.copy()
    query["sort"] = f"-{key}" if current == key else key
    query.pop("page", None)
    return query.urlencode()


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label: str) -> str:
    """A sortable column header: its aria-sort, the link that sorts by it (or reverses), an arrow.

    A tag, not an included template: a list page has up to eight of them.
    """
    sort = context.get("sort") or ""
    if sort == key:
        state, arrow = "ascending", " ▲"
    elif sort == f"-{key}":
        state, arrow = "descending", " ▼"
    else:
        state, arrow = "none", ""
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="?{}">{}{}</a></th>',
        state,
        sort_query(context, key, sort),
        label,
        arrow,
    )
