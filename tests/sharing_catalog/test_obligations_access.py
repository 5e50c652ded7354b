"""Who sees which obligations, through the pages and the API; home panels; assessment facts."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from agencies.roles import Role
from sharing_catalog.models import Obligation
from sharing_catalog.selectors.obligations import obligation_list_for_assessment
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)
from tests.sharing_catalog.catalog_helpers import at

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def world(roles):
    wg = WorkingGroupMemberFactory().user
    tax = make_tax_bureau()
    land, court, bank = UnitFactory(name="区自然资源局"), UnitFactory(name="区法院"), UnitFactory()
    with time_machine.travel(at(2026, 11, 10), tick=False):
        land_item = CatalogItemViaServicesFactory(
            actor=wg, provider=land, consumers=[tax], code="L", name="不动产登记信息"
        )
        court_item = CatalogItemViaServicesFactory(
            actor=wg, provider=court, consumers=[tax], code="C", name="司法拍卖成交信息"
        )
        bank_item = CatalogItemViaServicesFactory(
            actor=wg, provider=bank, code="B", name="银行账户开立信息"
        )
    Obligation.objects.filter(item=court_item).update(status=Obligation.Status.OVERDUE)
    return {
        "wg": wg,
        "tax_staff": UserFactory(unit=tax, roles=[Role.TAX_STAFF]),
        "land_liaison": make_liaison(land),
        "court_liaison": make_liaison(court),
        "land": Obligation.objects.get(item=land_item),
        "court": Obligation.objects.get(item=court_item),
        "bank": Obligation.objects.get(item=bank_item),
    }


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response):
    return sorted(o["id"] for o in response.json()["results"])


def test_a_liaison_sees_only_their_units_obligations_in_the_api(world):
    response = _api(world["land_liaison"]).get("/api/obligations/")
    assert _ids(response) == [world["land"].pk]
    other = _api(world["land_liaison"]).get(f"/api/obligations/{world['court'].pk}/")
    assert other.status_code == 404
    template = _api(world["land_liaison"]).get(f"/api/obligations/{world['court'].pk}/template/")
    assert template.status_code == 404


def test_a_consumer_sees_the_obligations_of_items_it_receives(world):
    response = _api(world["tax_staff"]).get("/api/obligations/")
    assert _ids(response) == sorted([world["land"].pk, world["court"].pk])


def test_the_working_group_sees_all_and_filters_overdue_by_unit(world):
    client = _api(world["wg"])
    assert client.get("/api/obligations/").json()["count"] == 3
    overdue = client.get("/api/obligations/?status=overdue").json()
    assert [o["provider_name"] for o in overdue["results"]] == ["区法院"]


def test_an_unrelated_user_sees_no_obligation(world):
    stranger = UserFactory(unit=UnitFactory())
    assert _api(stranger).get("/api/obligations/").json()["count"] == 0


def test_obligation_pages_404_for_another_units_liaison(client, world):
    client.force_login(world["land_liaison"])
    assert client.get(f"/catalog/obligations/{world['court'].pk}/").status_code == 404
    assert client.get(f"/catalog/obligations/{world['court'].pk}/template.xlsx").status_code == 404
    body = client.get("/catalog/obligations/").content.decode()
    assert "不动产登记信息" in body
    assert "司法拍卖成交信息" not in body


def test_obligation_detail_shows_period_due_date_and_template_link(client, world):
    client.force_login(world["land_liaison"])
    obligation = world["land"]
    body = client.get(f"/catalog/obligations/{obligation.pk}/").content.decode()
    assert "2026年11月" in body
    assert "2026-12-07" in body
    assert f"/catalog/obligations/{obligation.pk}/template.xlsx" in body
    download = client.get(f"/catalog/obligations/{obligation.pk}/template.xlsx")
    assert download.status_code == 200


def test_working_group_list_page_shows_overdue_by_unit(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["wg"])
    with django_assert_max_num_queries(17):  # +1: the top bar's unread count (issue 14)
        body = client.get("/catalog/obligations/").content.decode()
    assert "逾期未报送（按单位）" in body
    assert "区法院" in body
    filtered = client.get(
        f"/catalog/obligations/?status=overdue&provider={world['court'].item.provider_id}"
    ).content.decode()
    assert "司法拍卖成交信息" in filtered
    assert "不动产登记信息" not in filtered


def test_home_panel_lists_the_liaisons_obligations_by_due_date(client, world):
    client.force_login(world["court_liaison"])
    body = client.get("/").content.decode()
    assert "本单位待报送数据" in body
    assert "司法拍卖成交信息" in body
    assert "不动产登记信息" not in body
    assert "tag--err" in body  # the overdue one is red


def test_home_panel_for_the_working_group_counts_overdue_by_unit(client, world):
    client.force_login(world["wg"])
    body = client.get("/").content.decode()
    assert "逾期未报送（按单位）" in body


def test_home_panel_is_hidden_for_a_user_with_nothing_due(client, world):
    client.force_login(UserFactory(unit=UnitFactory()))
    assert "本单位待报送数据" not in client.get("/").content.decode()


def test_assessment_selector_returns_obligations_due_in_a_range_for_units(world):
    everything = obligation_list_for_assessment(start=D(2026, 12, 1), end=D(2026, 12, 31))
    assert everything.count() == 3
    court_only = obligation_list_for_assessment(
        start=D(2026, 12, 1), end=D(2026, 12, 31), unit_ids=[world["court"].item.provider_id]
    )
    assert list(court_only) == [world["court"]]
    assert not obligation_list_for_assessment(start=D(2026, 11, 1), end=D(2026, 11, 30)).exists()


def test_only_the_closest_navigation_entry_is_current(client, world):
    client.force_login(world["wg"])
    nav = client.get("/catalog/obligations/").context["nav_items"]
    assert [i["key"] for i in nav if i["active"]] == ["obligations"]
    nav = client.get("/catalog/").context["nav_items"]
    assert [i["key"] for i in nav if i["active"]] == ["catalog"]


def test_obligation_api_list_query_count_is_flat(world, django_assert_max_num_queries):
    wg = world["wg"]
    for n in range(4):
        with time_machine.travel(at(2026, 11, 10), tick=False):
            CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory(), code=f"F{n}")
    with django_assert_max_num_queries(6):
        response = _api(wg).get("/api/obligations/?page_size=100")
    assert response.json()["count"] == 7


def test_overdue_by_unit_in_the_api_is_for_the_working_group_only(world):
    rows = _api(world["wg"]).get("/api/obligations/overdue-by-unit/").json()
    assert rows == [
        {
            "provider": world["court"].item.provider_id,
            "provider_code": world["court"].item.provider.code,
            "provider_name": "区法院",
            "count": 1,
        }
    ]
    refused = _api(world["court_liaison"]).get("/api/obligations/overdue-by-unit/")
    assert refused.status_code == 403
