"""Template context every page needs: the portal name and the user's navigation."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .registry import nav_for


def portal(request: HttpRequest) -> dict:
    items = []
    current = request.path
    for item in nav_for(getattr(request, "user", None) or _Anon()):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current == url or (url != "/" and current.startswith(url))
        items.append({"key": item.key, "label": item.label, "url": url, "active": active})
    # Nested sections (/catalog/ and /catalog/obligations/): only the closest entry is current.
    matches = [i for i in items if i["active"]]
    for entry in matches:
        entry["active"] = entry is max(matches, key=lambda i: len(i["url"]))
    return {"nav_items": items, "portal_debug": settings.DEBUG}


class _Anon:
    is_authenticated = False
