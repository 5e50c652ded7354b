"""Catalog API: reads for everyone logged in, drafts and writes for the working group only."""

import pytest
from rest_framework.test import APIClient

from sharing_catalog.models import CatalogItem
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)
from tests.sharing_catalog.catalog_helpers import FIELDS, item_data

pytestmark = pytest.mark.django_db


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def wg(roles):
    return WorkingGroupMemberFactory().user


@pytest.fixture
def items(wg):
    provider = UnitFactory(name="区市场监管局")
    return {
        "published": CatalogItemViaServicesFactory(
            actor=wg, provider=provider, consumers=[make_tax_bureau()]
        ),
        "draft": CatalogItemViaServicesFactory(
            actor=wg, provider=provider, code="ZX-T-009", name="草稿", publish=False
        ),
    }


def test_anyone_logged_in_lists_published_items_and_filters_them(items):
    client = _client(UserFactory(unit=UnitFactory()))
    body = client.get("/api/catalog-items/").json()
    assert [i["code"] for i in body["results"]] == ["ZX-T-001"]
    assert body["results"][0]["consumers_detail"][0]["code"] == "TAX"
    assert client.get("/api/catalog-items/?frequency=weekly").json()["count"] == 0
    assert client.get("/api/catalog-items/?q=市场").json()["count"] == 1


def test_a_keyword_with_a_nul_character_is_a_field_error(items):
    # PostgreSQL text cannot hold NUL: the search must not reach the database with it.
    client = _client(UserFactory(unit=UnitFactory()))
    response = client.get("/api/catalog-items/?q=%E5%B8%82%00")
    assert response.status_code == 400
    assert "q" in str(response.json()["error"])


def test_a_draft_is_404_outside_the_working_group_and_listed_for_it(items, wg):
    liaison = make_liaison(items["draft"].provider)
    response = _client(liaison).get(f"/api/catalog-items/{items['draft'].pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert _client(wg).get("/api/catalog-items/?status=draft").json()["count"] == 1


def test_schema_endpoint_returns_the_fields_in_force(items):
    body = (
        _client(UserFactory(unit=UnitFactory()))
        .get(f"/api/catalog-items/{items['published'].pk}/schema/")
        .json()
    )
    assert body["version"] == 1
    assert [f["key"] for f in body["fields"]] == [f["key"] for f in FIELDS]


def test_liaison_cannot_create_change_or_publish_items(items):
    provider = items["draft"].provider
    client = _client(make_liaison(provider))
    data = {**item_data(provider, code="ZX-X-1"), "provider": provider.pk}
    assert client.post("/api/catalog-items/", data, format="json").status_code == 403
    url = f"/api/catalog-items/{items['published'].pk}/"
    assert client.patch(url, {"name": "改名"}, format="json").status_code == 403
    publish = client.post(f"/api/catalog-items/{items['draft'].pk}/publish/")
    assert publish.status_code == 403  # refused before the object is even looked up
    response = client.post(f"{url}retire/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert CatalogItem.objects.get(pk=items["published"].pk).status == "published"


def test_working_group_creates_versions_and_publishes_through_the_api(wg):
    provider = UnitFactory()
    client = _client(wg)
    created = client.post(
        "/api/catalog-items/",
        {**item_data(provider, code="ZX-API-1"), "provider": provider.pk, "consumers": []},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    refused = client.post(f"/api/catalog-items/{pk}/publish/")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "no_schema"
    bad = client.post(
        f"/api/catalog-items/{pk}/schema-versions/",
        {"fields": [{"key": "A", "label": "甲", "field_type": "text"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid_schema"
    version = client.post(
        f"/api/catalog-items/{pk}/schema-versions/", {"fields": FIELDS[:3]}, format="json"
    )
    assert version.status_code == 201
    assert client.post(f"/api/catalog-items/{pk}/schema-versions/1/publish/").status_code == 200
    published = client.post(f"/api/catalog-items/{pk}/publish/")
    assert published.json()["status"] == "published"


def test_catalog_api_is_in_the_openapi_schema(client, items):
    client.force_login(UserFactory())  # the schema needs a login (default-deny, issue 7)
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/catalog-items/", "/api/catalog-items/{id}/schema/", "/api/obligations/"):
        assert path in schema


def test_catalog_list_query_count_is_flat(items, wg, django_assert_max_num_queries):
    for n in range(5):
        CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory(), code=f"ZX-Q-{n}")
    with django_assert_max_num_queries(8):
        _client(wg).get("/api/catalog-items/?page_size=100")


def test_retiring_keeps_the_whole_reason_and_refuses_a_longer_one(wg, items):
    from zhengxiang_portal.ledger.models import LedgerEntry

    client = _client(wg)
    url = f"/api/catalog-items/{items['published'].pk}/retire/"
    too_long = client.post(url, {"reason": "理" * 201}, format="json")
    assert too_long.status_code == 400
    assert too_long.json()["error"]["code"] == "reason_too_long"
    assert "最多 200 字" in too_long.json()["error"]["message"]
    not_an_object = client.post(url, ["reason"], format="json")
    assert not_an_object.status_code == 400
    assert CatalogItem.objects.get(pk=items["published"].pk).status == "published"
    reason = "并入“不动产交易信息”目录项。" + "理" * 180
    assert client.post(url, {"reason": reason}, format="json").status_code == 200
    entry = LedgerEntry.objects.filter(details__event="item_retired").get()
    assert entry.details["reason"] == reason
