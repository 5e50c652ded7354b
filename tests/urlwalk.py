"""Enumerate every URL pattern and every OpenAPI path, for the generated security tests."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse

# Values tried, in order, for a URL keyword argument when building a concrete URL.
DUMMY_VALUES = ("1", "agencies", "json", "x")


@dataclass(frozen=True)
class Route:
    route: str
    name: str  # "namespace:name"
    kwargs: tuple[str, ...]

    @property
    def takes_object(self) -> bool:
        return bool(set(self.kwargs) - {"format"})


def _walk(patterns, prefix: str = "", ns: str | None = None) -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ns
            if p.namespace:
                inner = f"{ns}:{p.namespace}" if ns else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            if not p.name:
                if ns == "admin":  # the admin's old-style redirects, e.g. <object_id>/ → change
                    continue
                raise AssertionError(f"URL pattern {prefix}{p.pattern} has no name")
            name = f"{ns}:{p.name}" if ns else p.name
            kwargs = tuple(p.pattern.regex.groupindex)
            yield Route(prefix + str(p.pattern), name, kwargs)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def concrete_url(route: Route, values: dict | None = None) -> str:
    """A URL for `route`, with the given kwargs or dummy values that the pattern accepts."""
    if values:
        return reverse(route.name, kwargs=values)
    if not route.kwargs:
        return reverse(route.name)
    for dummy in DUMMY_VALUES:
        kwargs = {k: ("json" if k == "format" else dummy) for k in route.kwargs}
        try:
            return reverse(route.name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    raise AssertionError(f"cannot build a URL for {route.name} ({route.route})")


@functools.cache
def schema_paths() -> dict[str, dict]:
    """The OpenAPI paths drf-spectacular publishes, {path: operations}.

    Generated once per test process (the code it describes does not change during a run; each
    generation took ~0.8 s, and collecting the suite asked three times). Read it, don't change it.
    """
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def view_name_of_schema_path(path: str) -> str:
    return resolve(re.sub(r"\{[^}]+\}", "1", path)).view_name
