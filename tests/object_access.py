"""Registry of "an object owned by unit A" per URL, for tests/security/test_object_access.py.

Every URL (page or API) whose pattern takes an object id needs a factory here, else the
generated test FAILS and names the URL. An app registers its factories in
`tests/<app>/object_factories.py` (imported automatically):

    from tests.object_access import ObjectCase, list_factory, object_factory

    @object_factory("sharing_catalog:item_detail", "catalogitem-detail")
    def catalog_item(unit):
        item = CatalogItemFactory(provider=unit)
        return ObjectCase(kwargs={"pk": item.pk}, owner=make_liaison(unit))

    @list_factory("catalogitem-list")
    def catalog_items(unit):
        items = CatalogItemFactory.create_batch(2, provider=unit, consumers=[])
        return ListCase(id_field="id", ids={i.pk for i in items})

- `kwargs`: the URL kwargs naming the object (the format suffix is added by the test).
- `owner`: a user who MAY see it (positive control: must not get 403/404), or None.
- `method`: "get" (default) or "post" for POST-only actions.
An id-taking URL that is not unit-scoped at all (rare) is declared with
`exempt("view:name", "reason")`; the reason is printed in the test report. A list endpoint
whose rows belong to no unit (a list shared by everyone) is declared the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ObjectCase:
    kwargs: dict
    owner: Any = None
    method: str = "get"
    data: dict = field(default_factory=dict)


@dataclass
class ListCase:
    id_field: str
    ids: set


OBJECT_FACTORIES: dict[str, Callable[[Any], ObjectCase]] = {}
LIST_FACTORIES: dict[str, Callable[[Any], ListCase]] = {}
EXEMPT: dict[str, str] = {}


def object_factory(*view_names: str):
    def register(fn):
        for name in view_names:
            OBJECT_FACTORIES[name] = fn
        return fn

    return register


def list_factory(*view_names: str):
    def register(fn):
        for name in view_names:
            LIST_FACTORIES[name] = fn
        return fn

    return register


def exempt(view_name: str, reason: str) -> None:
    EXEMPT[view_name] = reason


def load_all() -> None:
    """Import every tests/<app>/object_factories.py."""
    import importlib
    from pathlib import Path

    root = Path(__file__).resolve().parent
    for module in sorted(root.glob("*/object_factories.py")):
        importlib.import_module(f"tests.{module.parent.name}.object_factories")
