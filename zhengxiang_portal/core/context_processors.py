"""Template context every page needs: the portal name and the user's navigation."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from .registry import NAV_SECTION_ATTR, nav_for

# Navigation URLs take no arguments: reversed once per URL conf and prefix, not on every page.
_nav_urls: dict[tuple[str, str, str], str | None] = {}


def _nav_url(name: str) -> str | None:
    key = (name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    if key not in _nav_urls:
        try:
            _nav_urls[key] = reverse(name)
        except NoReverseMatch:
            _nav_urls[key] = None
    return _nav_urls[key]


def portal(request: HttpRequest) -> dict:
    items = []
    current = request.path
    for item in nav_for(getattr(request, "user", None) or _Anon()):
        url = _nav_url(item.url_name)
        if url is None:
            continue
        active = current == url or (url != "/" and current.startswith(url))
        items.append({"key": item.key, "label": item.label, "url": url, "active": active})
    section = getattr(request, NAV_SECTION_ATTR, None)
    if section is not None:  # the page said where it belongs (set_nav_section)
        for entry in items:
            entry["active"] = entry["key"] == section
        return {"nav_items": items, "portal_debug": settings.DEBUG}
    # Nested sections (/catalog/ and /catalog/obligations/): only the closest entry is current.
    matches = [i for i in items if i["active"]]
    for entry in matches:
        entry["active"] = entry is max(matches, key=lambda i: len(i["url"]))
    return {"nav_items": items, "portal_debug": settings.DEBUG}


class _Anon:
    is_authenticated = False
