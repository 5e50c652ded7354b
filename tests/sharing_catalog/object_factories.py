"""Catalog, obligation and submission objects owned by a unit, for the generated cross-unit
access tests (tests/security/test_object_access.py; registry in tests/object_access.py).

Published catalog items are visible to every signed-in user by design (Art. 20: the 目录清单 is
meant to be known), so the item factories create items that are NOT public — retired (seen only
by their provider and the working group) or draft (working group only) — which is where a leak
across units would show.
"""

from __future__ import annotations

from django.test import TestCase
from rest_framework.test import APIClient

from sharing_catalog.models import CatalogItem
from tests.factories import ObligationFactory, WorkingGroupMemberFactory, make_liaison
from tests.object_access import ListCase, ObjectCase, list_factory, object_factory
from tests.sharing_catalog.submission_builders import AuctionItemFactory, good_row

KEYS = ["credit_code", "name", "amount", "deal_date", "kind", "legal_id", "phone"]


@object_factory(
    "sharing_catalog:item_detail",
    "sharing_catalog:item_template",
    "catalog-item-detail",
    "catalog-item-template",
    "catalog-item-schema-in-force",
)
def retired_item(unit):
    item = AuctionItemFactory(provider=unit, status=CatalogItem.Status.RETIRED)
    return ObjectCase(kwargs={"pk": item.pk}, owner=make_liaison(unit))


@object_factory("sharing_catalog:item_edit", "sharing_catalog:item_schema")
def draft_item_pages(unit):
    item = AuctionItemFactory(provider=unit, status=CatalogItem.Status.DRAFT)
    return ObjectCase(kwargs={"pk": item.pk}, owner=WorkingGroupMemberFactory().user)


@object_factory(
    "sharing_catalog:item_publish",
    "sharing_catalog:item_retire",
    "catalog-item-publish",
    "catalog-item-retire",
)
def draft_item_actions(unit):
    item = AuctionItemFactory(provider=unit, status=CatalogItem.Status.DRAFT)
    return ObjectCase(kwargs={"pk": item.pk}, method="post")


@object_factory("catalog-item-schema-versions")  # POST: a new schema version
def schema_versions_action(unit):
    item = AuctionItemFactory(provider=unit, status=CatalogItem.Status.DRAFT)
    return ObjectCase(kwargs={"pk": item.pk}, method="post")


@object_factory("sharing_catalog:schema_publish", "catalog-item-schema-version-publish")
def schema_version_action(unit):
    item = AuctionItemFactory(provider=unit, status=CatalogItem.Status.DRAFT)
    return ObjectCase(kwargs={"pk": item.pk, "version": 1}, method="post")


@object_factory(
    "sharing_catalog:obligation_detail",
    "sharing_catalog:obligation_template",
    "sharing_catalog:obligation_submissions",
    "obligation-detail",
    "obligation-template",
)
def obligation(unit):
    item = AuctionItemFactory(
        provider=unit
    )  # published, but no consumer: only the provider's business
    return ObjectCase(kwargs={"pk": ObligationFactory(item=item).pk}, owner=make_liaison(unit))


def _submission(unit):
    item = AuctionItemFactory(provider=unit)
    ob = ObligationFactory(item=item)
    liaison = make_liaison(unit)
    api = APIClient()
    api.force_authenticate(liaison)
    rows = [dict(zip(KEYS, good_row(n), strict=True)) for n in (1, 2)]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/submissions/", {"obligation": ob.pk, "rows": rows}, format="json")
    assert response.status_code in (200, 201, 202), response.content
    sid = response.json()["id"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.post(f"/api/submissions/{sid}/confirm/")
    return sid, liaison


@object_factory(
    "sharing_catalog:submission_detail",
    "sharing_catalog:submission_status",
    "sharing_catalog:submission_original",
    "submission-detail",
    "submission-errors",
    "submission-records",
    "submission-download",
)
def submission(unit):
    sid, liaison = _submission(unit)
    return ObjectCase(kwargs={"pk": sid}, owner=liaison)


@object_factory("sharing_catalog:submission_export")
def submission_export(unit):
    sid, liaison = _submission(unit)
    return ObjectCase(kwargs={"pk": sid, "fmt": "csv"}, owner=liaison)


@object_factory("sharing_catalog:submission_marked")
def submission_marked(unit):
    sid, _liaison = _submission(unit)
    return ObjectCase(kwargs={"pk": sid})  # a marked file exists only for files with errors


@object_factory(
    "sharing_catalog:submission_confirm",
    "sharing_catalog:submission_acknowledge",
    "submission-confirm",
    "submission-receipts",
)
def submission_actions(unit):
    sid, _liaison = _submission(unit)
    return ObjectCase(kwargs={"pk": sid}, method="post")


@list_factory("catalog-item-list")
def catalog_items(unit):
    item = AuctionItemFactory(provider=unit, status=CatalogItem.Status.RETIRED)
    return ListCase(id_field="id", ids={item.pk})


@list_factory("obligation-list")
def obligations(unit):
    return ListCase(
        id_field="id", ids={ObligationFactory(item=AuctionItemFactory(provider=unit)).pk}
    )


@list_factory("submission-list")
def submissions(unit):
    sid, _liaison = _submission(unit)
    return ListCase(id_field="id", ids={sid})


@list_factory("obligation-overdue-by-unit")
def overdue_by_unit(unit):
    from sharing_catalog.models import Obligation

    ob = ObligationFactory(item=AuctionItemFactory(provider=unit))
    Obligation.objects.filter(pk=ob.pk).update(status=Obligation.Status.OVERDUE)
    return ListCase(id_field="provider", ids={unit.pk})


from tests.sharing_catalog import governance_factories  # noqa: F401,E402
