"""Registries through which apps add navigation entries and home-page panels.

The project package never imports the apps; each app registers its entries in `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from agencies.models import User


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation, shown when `visible(user)` is true."""

    key: str
    label: Any
    url_name: str
    order: int = 100
    visible: Callable[[Any], bool] = field(default=lambda user: True)


@dataclass(frozen=True)
class HomePanel:
    """A home-page panel: `context(request)` returns a dict for `template`, or None to hide it."""

    key: str
    template: str
    context: Callable[[HttpRequest], dict | None]
    order: int = 100


_nav: dict[str, NavItem] = {}
_panels: dict[str, HomePanel] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def register_home_panel(panel: HomePanel) -> None:
    _panels[panel.key] = panel


NAV_SECTION_ATTR = "portal_nav_section"


def set_nav_section(request: HttpRequest, key: str) -> None:
    """Mark which navigation entry a page belongs to when its URL alone does not say.

    Submission pages live under /catalog/ but belong to 报送任务 (the provider) or 共享数据 (a
    consumer); the URL prefix would highlight 目录清单.
    """
    setattr(request, NAV_SECTION_ATTR, key)


def nav_for(user: User | AnonymousUser) -> list[NavItem]:
    """Return the navigation entries this user may use, in order."""
    if not user.is_authenticated:
        return []
    return sorted((i for i in _nav.values() if i.visible(user)), key=lambda i: i.order)


def home_panels_for(request: HttpRequest) -> list[tuple[HomePanel, dict]]:
    """Return the panels with content for this request, each with its rendered context."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        ctx = panel.context(request)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown
