"""API: periods, schemes, scores with evidence, orders; liaisons see only their own unit."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from assessment.models import RectificationOrder, Score
from assessment.rules import RuleKind
from assessment.services import period_recompute
from tests.factories import DueObligationFactory, RectificationOrderFactory

from .conftest import FakeStats

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(world, q3, fake_sources):
    DueObligationFactory(
        unit=world.market, due=dt.date(2026, 8, 14), fulfilled_on=dt.date(2026, 8, 20)
    )
    fake_sources.requests[world.land.pk] = FakeStats(received=1, answered_on_time=1)
    period_recompute(period=q3)
    return q3


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_leader_lists_every_units_scores_with_clickable_evidence(world, computed):
    body = (
        api(world.leader)
        .get("/api/assessment/scores/", {"period": computed.pk, "page_size": 500})
        .json()
    )
    units = {row["unit_code"] for row in body["results"]}
    assert {"SAMR", "LAND", "TAX"} <= units
    on_time = next(
        r
        for r in body["results"]
        if r["unit_code"] == "SAMR" and r["kind"] == RuleKind.ON_TIME_UPLOAD_RATE
    )
    ref = on_time["evidence"][0]
    assert ref["content_type"] == "sharing_catalog.obligation" and ref["tag"] == "late"
    assert ref["url"].startswith(f"/assessment/scores/{on_time['id']}/evidence/")


def test_liaison_lists_only_their_own_units_scores(world, computed):
    body = api(world.market_liaison).get("/api/assessment/scores/", {"page_size": 500}).json()
    assert body["results"] and {row["unit_code"] for row in body["results"]} == {"SAMR"}
    other = Score.objects.filter(period=computed, unit=world.land).first()
    assert api(world.market_liaison).get(f"/api/assessment/scores/{other.pk}/").status_code == 404


def test_liaison_cannot_adjust_edit_schemes_recompute_or_freeze(world, computed):
    client = api(world.market_liaison)
    own = Score.objects.filter(period=computed, unit=world.market).first()
    response = client.post(
        f"/api/assessment/scores/{own.pk}/adjust/", {"value": 100, "reason": "自评满分"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert client.get(f"/api/assessment/periods/{computed.pk}/scheme/").status_code == 403
    assert client.put(f"/api/assessment/periods/{computed.pk}/scheme/", {"indicators": []},
                      format="json").status_code == 403  # fmt: skip
    assert client.post(f"/api/assessment/periods/{computed.pk}/recompute/").status_code == 403
    assert client.post(f"/api/assessment/periods/{computed.pk}/freeze/").status_code == 403
    assert (
        client.post("/api/assessment/periods/", {"kind": "year", "year": 2026}).status_code == 403
    )


def test_scheme_put_validates_weights_with_a_machine_readable_code(world, computed):
    client = api(world.leader)
    scheme = client.get(f"/api/assessment/periods/{computed.pk}/scheme/").json()
    rows = [{k: i[k] for k in ("name", "weight", "kind", "params")} for i in scheme["indicators"]]
    rows[0]["weight"] = "1.00"
    response = client.put(
        f"/api/assessment/periods/{computed.pk}/scheme/", {"indicators": rows}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weights_not_100"
    rows[0]["weight"] = "30.00"
    ok = client.put(
        f"/api/assessment/periods/{computed.pk}/scheme/", {"indicators": rows}, format="json"
    )
    assert ok.status_code == 200 and len(ok.json()["indicators"]) == len(rows)


def test_leader_adjusts_a_score_through_the_api(world, computed):
    score = Score.objects.get(period=computed, unit=world.market, indicator__kind=RuleKind.MANUAL)
    response = api(world.leader).post(
        f"/api/assessment/scores/{score.pk}/adjust/",
        {"value": "85", "reason": "配合较好。"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["value"] == "85.00" and response.json()["adjusted"] is True


def test_orders_issue_answer_and_scoping_through_the_api(world, computed):
    leader = api(world.leader)
    created = leader.post(
        "/api/assessment/orders/",
        {"unit": world.market.pk, "failure": "not_cooperating", "facts": "协作请求逾期未答复。",
         "requirement": "限期答复。", "working_days": 5},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    order_id = created.json()["id"]
    assert api(world.land_liaison).get(f"/api/assessment/orders/{order_id}/").status_code == 404
    assert api(world.land_liaison).get("/api/assessment/orders/").json()["results"] == []
    assert (
        api(world.market_liaison)
        .post("/api/assessment/orders/", {"unit": world.land.pk, "failure": "not_cooperating",
              "facts": "x", "requirement": "y"}, format="json")
        .status_code
        == 403
    )  # fmt: skip
    answered = api(world.market_liaison).post(
        f"/api/assessment/orders/{order_id}/answer/", {"correction": "已全部答复。"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    closed = leader.post(
        f"/api/assessment/orders/{order_id}/decide/", {"decision": "close"}, format="json"
    )
    assert closed.json()["status"] == "closed"


def test_another_units_liaison_cannot_answer_through_the_api(world, computed):
    order = RectificationOrderFactory(
        actor=world.leader, unit=world.land, failure="not_cooperating", facts="未答复。",
        requirement="答复。",
    )  # fmt: skip
    response = api(world.market_liaison).post(
        f"/api/assessment/orders/{order.pk}/answer/", {"correction": "冒名反馈"}, format="json"
    )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.OPEN


def test_assessment_endpoints_are_in_the_openapi_schema(world):
    schema = api(world.leader).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/assessment/periods/",
        "/api/assessment/periods/{id}/scheme/",
        "/api/assessment/scores/",
        "/api/assessment/scores/{id}/adjust/",
        "/api/assessment/orders/",
        "/api/assessment/orders/{id}/answer/",
    ):
        assert path in paths
    assert "Evidence" in schema["components"]["schemas"]
