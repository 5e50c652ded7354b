"""API: the same rules as the pages — another unit gets 404, the wrong side 403."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from collaboration.models import CollaborationRequest, Status
from tests.factories import CollaborationRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def url(req=None, step: str | None = None) -> str:
    if req is None:
        return "/api/requests/"
    base = f"/api/requests/{req.pk}/"
    return f"{base}{step}/" if step else base


def test_anonymous_gets_401(api):
    assert api.get("/api/requests/").status_code == 401


def test_create_via_api_and_read_back(api, world):
    api.force_authenticate(world.staff)
    response = api.post(
        url(),
        {
            "target_unit": world.market.code,
            "matter_type": "tax-info-query",
            "subject": "API 创建的请求",
            "body": "请提供相关登记信息。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("XZ-") and data["requesting_unit"] == world.bureau.code
    assert data["assignee"] == world.market_liaison.username
    assert data["timeline"][0]["action"] == "submit"
    assert data["allowed_actions"] == ["withdraw", "assign", "attach"]


@pytest.mark.parametrize("field", ["target_unit", "matter_type", "assignee"])
def test_a_nul_character_in_a_code_is_a_field_error_not_a_server_error(api, world, field):
    # PostgreSQL text cannot hold NUL: the look-up must not reach the database.
    api.force_authenticate(world.staff)
    body = {
        "target_unit": world.market.code,
        "matter_type": "tax-info-query",
        "subject": "含空字符的请求",
        "body": "内容",
        field: "tax\x00query",
    }
    response = api.post(url(), body, format="json")
    assert response.status_code == 400, response.content
    assert "不能包含空字符" in str(response.json()["error"])
    assert not CollaborationRequest.objects.filter(subject="含空字符的请求").exists()


def test_create_for_a_unit_the_caller_does_not_act_for_is_forbidden(api, world):
    api.force_authenticate(world.market_liaison)
    response = api.post(
        url(),
        {
            "requesting_unit": world.other.code,
            "target_unit": world.bureau.code,
            "matter_type": "tax-info-query",
            "subject": "冒名请求",
            "body": "内容",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"]


def test_full_flow_through_the_api(api, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    api.force_authenticate(world.market_liaison)
    assert api.post(url(req, "accept"), {}, format="json").status_code == 200
    response = api.post(
        url(req, "answer"),
        {"answer": "见附件", "files": [SimpleUploadedFile("a.txt", b"hello")]},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.ANSWERED
    attachment = response.json()["attachments"][0]
    download = api.get(attachment["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"hello"
    api.force_authenticate(world.staff)
    response = api.post(url(req, "close"), {"comment": "谢谢"}, format="json")
    assert response.json()["status"] == Status.CLOSED
    timeline = api.get(url(req, "timeline")).json()
    assert [e["action"] for e in timeline] == ["submit", "accept", "answer", "close"]
    assert len(api.get(url(req, "attachments")).json()) == 1


def test_other_unit_gets_404_for_detail_steps_timeline_and_attachments(api, world):
    req = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        files=[SimpleUploadedFile("secret.txt", b"secret")],
    )
    attachment = req.attachments.get()
    api.force_authenticate(world.other_liaison)
    assert api.get(url(req)).status_code == 404
    assert api.get(url(req, "timeline")).status_code == 404
    assert api.get(url(req, "attachments")).status_code == 404
    assert api.post(url(req, "accept"), {}, format="json").status_code == 404
    assert api.post(url(req, "withdraw"), {}, format="json").status_code == 404
    download = f"/api/request-attachments/{attachment.pk}/download/"
    assert api.get(download).status_code == 404
    listed = api.get(url()).json()
    assert listed["count"] == 0


@pytest.mark.parametrize(
    ("step", "payload", "who"),
    [
        ("accept", {}, "staff"),
        ("refuse", {"justification": "请求方不能拒绝自己的请求。"}, "staff"),
        ("ask-clarification", {"question": "?"}, "staff"),
        ("ask-extension", {"reason": "x", "new_due_date": "2030-01-01"}, "staff"),
        ("withdraw", {}, "market_liaison"),
        ("rule", {"ruling": "unjustified", "comment": "越权"}, "staff"),
    ],
)
def test_wrong_side_gets_403(api, world, step, payload, who):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    api.force_authenticate(getattr(world, who))
    response = api.post(url(req, step), payload, format="json")
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "permission_denied"


def test_refusal_without_justification_is_a_400_with_a_code(api, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    api.force_authenticate(world.market_liaison)
    response = api.post(url(req, "refuse"), {"justification": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "justification_required"


def test_contest_and_ruling_through_the_api(api, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    api.force_authenticate(world.market_liaison)
    api.post(url(req, "refuse"), {"justification": "该事项不属于本局职责范围。"}, format="json")
    api.force_authenticate(world.staff)
    api.post(url(req, "contest"), {"reason": "该事项属于贵局法定职责。"}, format="json")
    api.force_authenticate(world.wg)
    listed = api.get(url(), {"contested": "true"}).json()
    assert [r["number"] for r in listed["results"]] == [req.number]
    response = api.post(
        url(req, "rule"), {"ruling": "unjustified", "comment": "拒绝理由不成立"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["refusal_ruling"] == "unjustified"
    assert response.json()["status"] == Status.ACCEPTED


def test_list_filters_and_query_count(api, world, django_assert_max_num_queries):
    for _ in range(3):
        CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    api.force_authenticate(world.staff)
    api.get(url())
    with django_assert_max_num_queries(12) as base:
        api.get(url())
    baseline = len(base)
    for _ in range(15):
        CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with django_assert_max_num_queries(baseline):
        response = api.get(url(), {"status": "submitted"})
    assert response.json()["count"] == 18


def test_matter_types_and_schema(api, world):
    api.force_authenticate(world.staff)
    types = api.get("/api/matter-types/").json()
    assert {t["name"] for t in types} >= {"案件移送", "先税后证核验", "联合宣传"}
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    for path in [b"/api/requests/", b"/api/requests/{id}/refuse/", b"/api/requests/{id}/rule/"]:
        assert path in schema.content
