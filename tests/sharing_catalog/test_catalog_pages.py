"""Catalog pages: everyone browses and searches the published catalog; the working group edits."""

import pytest

from sharing_catalog.models import CatalogItem
from sharing_catalog.selectors.catalog import catalog_item_list
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
)
from tests.sharing_catalog.catalog_helpers import FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def wg(roles):
    return WorkingGroupMemberFactory().user


@pytest.fixture
def catalog(wg):
    land = UnitFactory(name="区自然资源局", short_name="区自然资源局")
    court = UnitFactory(name="区人民法院", short_name="区人民法院")
    items = {
        "land": CatalogItemViaServicesFactory(
            actor=wg, provider=land, code="ZX-ML-001", name="不动产登记信息"
        ),
        "auction": CatalogItemViaServicesFactory(
            actor=wg,
            provider=court,
            code="ZX-ML-003",
            name="司法拍卖成交信息",
            sharing_class=CatalogItem.SharingClass.CONDITIONAL,
            share_condition="仅用于税费征收",
        ),
        "weekly": CatalogItemViaServicesFactory(
            actor=wg,
            provider=land,
            code="ZX-ML-020",
            name="土地出让信息",
            frequency=CatalogItem.Frequency.WEEKLY,
        ),
        "draft": CatalogItemViaServicesFactory(
            actor=wg, provider=court, code="ZX-ML-099", name="草稿目录项", publish=False
        ),
    }
    return items


def _codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_every_logged_in_user_sees_the_published_catalog_but_not_drafts(catalog):
    user = UserFactory(unit=UnitFactory())
    assert _codes(catalog_item_list(user=user)) == ["ZX-ML-001", "ZX-ML-003", "ZX-ML-020"]


def test_the_working_group_sees_drafts_too(catalog, wg):
    assert "ZX-ML-099" in _codes(catalog_item_list(user=wg))


def test_search_by_text_provider_sharing_class_and_frequency(catalog):
    user = UserFactory(unit=UnitFactory())
    assert _codes(catalog_item_list(user=user, filters={"q": "拍卖"})) == ["ZX-ML-003"]
    assert _codes(catalog_item_list(user=user, filters={"q": "自然资源"})) == [
        "ZX-ML-001",
        "ZX-ML-020",
    ]
    court = catalog["auction"].provider
    assert _codes(catalog_item_list(user=user, filters={"provider": court})) == ["ZX-ML-003"]
    assert _codes(catalog_item_list(user=user, filters={"sharing_class": "conditional"})) == [
        "ZX-ML-003"
    ]
    assert _codes(catalog_item_list(user=user, filters={"frequency": "weekly"})) == ["ZX-ML-020"]


def test_catalog_list_page_searches_sorts_and_hides_edit_buttons_from_liaisons(
    client, catalog, django_assert_max_num_queries
):
    client.force_login(make_liaison(catalog["land"].provider))
    with django_assert_max_num_queries(14):  # flat: session, roles, perms, filters, one page
        page = client.get("/catalog/?q=信息&sort=-code")
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("ZX-ML-020") < body.index("ZX-ML-003") < body.index("ZX-ML-001")
    assert "草稿目录项" not in body
    assert "新建目录项" not in body


def test_item_detail_shows_metadata_consumers_fields_and_versions(client, catalog, wg):
    client.force_login(wg)
    body = client.get(f"/catalog/{catalog['land'].pk}/").content.decode()
    for text in (
        "不动产登记信息",
        "统一社会信用代码",
        "credit_code",
        "v1",
        "下载报送模板",
        "停用目录项",
    ):
        assert text in body


def test_a_draft_is_404_for_everyone_outside_the_working_group(client, catalog):
    client.force_login(make_liaison(catalog["draft"].provider))
    assert client.get(f"/catalog/{catalog['draft'].pk}/").status_code == 404
    assert client.get(f"/catalog/{catalog['draft'].pk}/template.xlsx").status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/catalog/new/"),
        ("get", "/catalog/{pk}/edit/"),
        ("get", "/catalog/{pk}/schema/"),
        ("post", "/catalog/{pk}/publish/"),
        ("post", "/catalog/{pk}/retire/"),
        ("post", "/catalog/{pk}/schema/1/publish/"),
    ],
)
def test_editing_pages_are_403_for_a_liaison_of_the_provider(client, catalog, method, url):
    item = catalog["land"]
    client.force_login(make_liaison(item.provider))
    response = getattr(client, method)(url.format(pk=item.pk))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == CatalogItem.Status.PUBLISHED


def test_working_group_member_creates_an_item_and_its_schema_through_the_pages(client, wg):
    provider = UnitFactory(name="区医保局")
    client.force_login(wg)
    response = client.post(
        "/catalog/new/",
        {
            "code": "ZX-ML-050",
            "name": "医疗保险费缴纳信息",
            "provider": provider.pk,
            "sharing_class": "unconditional",
            "legal_basis": "《中华人民共和国社会保险法》",
            "frequency": "monthly",
            "due_working_days": 5,
            "grace_working_days": 2,
            "objection_working_days": 5,
            "objection_accept_working_days": 3,
            "transmission": "platform_upload",
            "sensitivity": "internal",
            "open_attribute": "closed",
            "data_format": "电子表格",
        },
    )
    item = CatalogItem.objects.get(code="ZX-ML-050")
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/{item.pk}/schema/"
    rows = {
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "0",
        "fields-0-key": "credit_code",
        "fields-0-label": "单位统一社会信用代码",
        "fields-0-field_type": "credit_code",
        "fields-0-required": "on",
        "fields-0-is_unique_key": "on",
        "fields-1-key": "amount",
        "fields-1-label": "应缴金额",
        "fields-1-field_type": "decimal",
        "fields-2-field_type": "text",  # an empty row is ignored
        "note": "首版",
        "publish": "1",
    }
    assert client.post(f"/catalog/{item.pk}/schema/", rows).status_code == 302
    assert client.post(f"/catalog/{item.pk}/publish/").status_code == 302
    item.refresh_from_db()
    assert item.status == CatalogItem.Status.PUBLISHED
    assert [f.key for f in item.schema_versions.get().fields.all()] == ["credit_code", "amount"]


def test_schema_editor_shows_errors_on_the_row_and_saves_nothing(client, wg, catalog):
    item = catalog["draft"]
    client.force_login(wg)
    rows = {
        "fields-TOTAL_FORMS": "1",
        "fields-INITIAL_FORMS": "0",
        "fields-0-key": "state",
        "fields-0-label": "状态",
        "fields-0-field_type": "enum",
        "fields-0-required": "on",
        "fields-0-is_unique_key": "on",
    }
    response = client.post(f"/catalog/{item.pk}/schema/", rows)
    assert response.status_code == 200
    assert "枚举类型须列出可选值" in response.content.decode()
    assert item.schema_versions.count() == 1


def test_schema_editor_starts_from_the_latest_version(client, wg, catalog):
    client.force_login(wg)
    body = client.get(f"/catalog/{catalog['land'].pk}/schema/").content.decode()
    assert f'value="{FIELDS[0]["label"]}"' in body
    assert 'name="fields-TOTAL_FORMS" value="13"' in body  # 10 fields + 3 empty rows


@pytest.mark.parametrize(("extra", "blank_rows"), [("5", 5), ("500", 50), ("abc", 3), ("-1", 3)])
def test_schema_editor_adds_the_blank_rows_asked_for_within_bounds(
    client, wg, catalog, extra, blank_rows
):
    client.force_login(wg)
    response = client.get(f"/catalog/{catalog['land'].pk}/schema/", {"extra": extra})
    assert response.status_code == 200  # a hand-edited link is not a server error
    total = 10 + blank_rows
    assert f'name="fields-TOTAL_FORMS" value="{total}"' in response.content.decode()


def test_a_retired_item_stays_visible_to_its_provider_only(catalog, wg):
    from sharing_catalog.services.catalog import catalog_item_retire

    item = catalog_item_retire(actor=wg, item=catalog["land"])
    provider_liaison = make_liaison(item.provider)
    stranger = UserFactory(unit=UnitFactory())
    assert "ZX-ML-001" in _codes(catalog_item_list(user=provider_liaison))
    assert "ZX-ML-001" not in _codes(catalog_item_list(user=stranger))
