"""Template helpers for list pages: keep the query string when paging or sorting."""

from django import template

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


@register.filter
def role_label(name: str) -> str:
    """The translated label of a role group name."""
    from agencies.roles import Role

    try:
        return str(Role(name).label)
    except ValueError:
        return name
