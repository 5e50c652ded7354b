"""Object-level access everywhere: a user of another unit gets 403/404 on every object URL.

Generated, not hand-listed: the routes come from the URL conf (django.urls.get_resolver) and
the OpenAPI schema (drf-spectacular), so a new endpoint is covered the day it is added.

How an app plugs in (see tests/object_access.py for the full API):
1. Create `tests/<app>/object_factories.py`.
2. For each URL name that takes an object id (page "app:view_name", API router name
   "model-detail" / "model-action"), register a factory that creates an object owned by the
   given unit and returns ObjectCase(kwargs=..., owner=<a user who may see it>):

       @object_factory("sharing_catalog:submission_detail", "submission-detail")
       def submission(unit):
           sub = SubmissionFactory(obligation__provider=unit)
           return ObjectCase(kwargs={"pk": sub.pk}, owner=make_liaison(unit))

3. For each API list endpoint, register a list factory returning the ids created for the unit:

       @list_factory("submission-list")
       def submissions(unit):
           return ListCase(id_field="id", ids={SubmissionFactory(obligation__provider=unit).pk})

An unregistered route FAILS test_every_object_route_has_a_factory with the route's name, so
nobody can forget. Django admin URLs are excluded: the admin is closed to business users
(test_separation_of_duties) and is not unit-scoped by design.
"""

from __future__ import annotations

import pytest

from tests.factories import UnitFactory, make_liaison
from tests.object_access import EXEMPT, LIST_FACTORIES, OBJECT_FACTORIES, load_all
from tests.urlwalk import all_routes, concrete_url, schema_paths, view_name_of_schema_path

load_all()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Factories may store uploads: keep them out of the project's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _object_view_names() -> list[str]:
    names = {r.name for r in all_routes() if r.takes_object and not r.name.startswith("admin:")}
    for path in schema_paths():
        if "{" in path:
            names.add(view_name_of_schema_path(path))
    return sorted(names)


def _list_view_names() -> list[str]:
    names = set()
    for path, operations in schema_paths().items():
        get = operations.get("get")
        if "{" not in path and get and get.get("operationId", "").endswith("_list"):
            names.add(view_name_of_schema_path(path))
    return sorted(names)


OBJECT_VIEWS = _object_view_names()
LIST_VIEWS = _list_view_names()


def test_every_object_route_has_a_factory():
    missing = [n for n in OBJECT_VIEWS if n not in OBJECT_FACTORIES and n not in EXEMPT]
    assert not missing, (
        "These URLs take an object id but no test factory creates an object for them: "
        f"{missing}. Register one in tests/<app>/object_factories.py with "
        "@object_factory(...) (see tests/security/test_object_access.py)."
    )


def test_every_list_endpoint_has_a_factory():
    missing = [n for n in LIST_VIEWS if n not in LIST_FACTORIES and n not in EXEMPT]
    assert not missing, (
        f"These API list endpoints have no @list_factory: {missing}. "
        "Register one in tests/<app>/object_factories.py (or, for a list shared by every unit, "
        'exempt("name", "reason")).'
    )


def test_the_walk_finds_the_known_routes():
    assert {"agencies:unit_detail", "unit-detail", "liaison-detail"} <= set(OBJECT_VIEWS)
    assert {"unit-list", "liaison-list"} <= set(LIST_VIEWS)


def _close(response) -> None:
    """Close a response without closing the test's database connection.

    HttpResponse.close() sends request_finished, whose close_old_connections would drop the
    connection of the test transaction on PostgreSQL (Django's test client disconnects it too).
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)


def _route(name: str):
    return next(r for r in all_routes() if r.name == name and "format" not in r.kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("view_name", [n for n in OBJECT_VIEWS if n in OBJECT_FACTORIES])
def test_other_units_user_gets_403_or_404(client, roles, view_name):
    unit_a, unit_b = UnitFactory(), UnitFactory()
    case = OBJECT_FACTORIES[view_name](unit_a)
    url = concrete_url(_route(view_name), case.kwargs)
    intruder = make_liaison(unit_b)
    client.force_login(intruder)
    response = getattr(client, case.method)(url, case.data)
    _close(response)  # file downloads stream from an open file
    assert response.status_code in (403, 404), f"{view_name} {url} -> {response.status_code}"
    if case.owner is not None:
        client.force_login(case.owner)
        allowed = getattr(client, case.method)(url, case.data)
        _close(allowed)
        assert allowed.status_code not in (403, 404), f"positive control failed for {view_name}"


@pytest.mark.django_db
@pytest.mark.parametrize("view_name", [n for n in LIST_VIEWS if n in LIST_FACTORIES])
def test_list_endpoints_leak_no_rows_of_other_units(client, roles, view_name):
    unit_a, unit_b = UnitFactory(), UnitFactory()
    case = LIST_FACTORIES[view_name](unit_a)
    assert case.ids, "the list factory must create at least one row"
    client.force_login(make_liaison(unit_b))
    url = concrete_url(_route(view_name))
    seen = set()
    while url:
        response = client.get(url, {"page_size": 500} if "?" not in url else None)
        if response.status_code in (401, 403):
            return  # not allowed at all: nothing leaks
        assert response.status_code == 200, f"{view_name} -> {response.status_code}"
        body = response.json()
        rows = body["results"] if isinstance(body, dict) and "results" in body else body
        seen |= {row[case.id_field] for row in rows}
        url = body.get("next") if isinstance(body, dict) else None
    assert not (seen & case.ids), f"{view_name} leaked rows of another unit: {seen & case.ids}"
