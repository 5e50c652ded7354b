"""Pages: who sees which request, the step forms, highlights, panels, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from collaboration.models import Status
from collaboration.selectors import request_list, request_rows, request_todo
from collaboration.services import (
    extension_decide,
    request_accept,
    request_ask_extension,
    request_contest,
    request_refuse,
)
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ)


def detail(req) -> str:
    return reverse("collaboration:request_detail", args=[req.pk])


def step(req, name: str) -> str:
    return reverse("collaboration:request_action", args=[req.pk, name])


def test_staff_create_a_request_through_the_form(client, world):
    client.force_login(world.staff)
    page = client.get(reverse("collaboration:request_create"))
    assert page.status_code == 200
    response = client.post(
        reverse("collaboration:request_create"),
        {
            "requesting_unit": world.bureau.pk,
            "target_unit": world.market.pk,
            "matter_type": world.mt("tax-info-query").pk,
            "subject": "股权变更信息查询",
            "body": "请提供股权变更登记记录。",
            "priority": "normal",
            "files": [SimpleUploadedFile("清单.csv", "税号,名称\n".encode())],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "股权变更信息查询" in content and "清单.csv" in content and "提交请求" in content


def test_liaison_sees_incoming_and_outgoing_not_other_units(client, world):
    mine = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    theirs = CollaborationRequestFactory(actor=world.staff, target_unit=world.other)
    outgoing = CollaborationRequestFactory(
        actor=world.market_liaison, requesting_unit=world.market, target_unit=world.bureau
    )
    client.force_login(world.market_liaison)
    content = client.get(reverse("collaboration:request_list")).content.decode()
    assert mine.number in content and outgoing.number in content
    assert theirs.number not in content
    assert client.get(detail(theirs)).status_code == 404
    assert client.post(step(theirs, "accept"), {}).status_code == 404


def test_outsider_and_other_unit_get_404_on_detail_and_attachment(client, world):
    req = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")],
    )
    attachment = req.attachments.get()
    url = reverse("collaboration:attachment_download", args=[attachment.pk])
    client.force_login(world.other_liaison)
    assert client.get(detail(req)).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(world.market_liaison)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert "attachment" in response["Content-Disposition"]
    assert LedgerEntry.objects.filter(action="download", digest=attachment.sha256).exists()


def test_working_group_sees_every_request(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.other)
    client.force_login(world.wg)
    assert client.get(detail(req)).status_code == 200


def test_detail_shows_only_the_forms_the_user_may_use(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.market_liaison)
    content = client.get(detail(req)).content.decode()
    assert step(req, "accept") in content and step(req, "refuse") in content
    assert step(req, "withdraw") not in content
    client.force_login(world.staff)
    content = client.get(detail(req)).content.decode()
    assert step(req, "withdraw") in content and step(req, "accept") not in content


def test_wrong_actor_posting_a_step_is_forbidden(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.staff)  # the requester tries to accept their own request
    assert client.post(step(req, "accept"), {}).status_code == 403
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED


def test_accept_and_answer_with_an_attachment_through_the_page(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.market_liaison)
    client.post(step(req, "accept"), {"accept-comment": "已受理"})
    response = client.post(
        step(req, "answer"),
        {"answer-answer": "已提供。", "answer-files": [SimpleUploadedFile("答复.pdf", b"x")]},
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Status.ANSWERED
    assert req.attachments.get().timeline_entry.action == "answer"


def test_refusal_without_justification_shows_an_error(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.market_liaison)
    response = client.post(step(req, "refuse"), {"refuse-justification": "不行"}, follow=True)
    assert "书面说明理由" in response.content.decode()
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED


def test_list_highlights_overdue_red_and_due_soon_amber(client, world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        overdue = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, subject="逾期事项"
        )
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        soon = CollaborationRequestFactory(
            actor=world.staff,
            target_unit=world.market,
            matter_type=world.mt("tax-before-cert"),
            subject="即将到期",
        )
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        client.force_login(world.market_liaison)
        content = client.get(reverse("collaboration:request_list")).content.decode()
        overdue_only = client.get(reverse("collaboration:request_list") + "?overdue=on")
    # due 11-09 → overdue on 11-10; due 11-10 (3 working days from 11-05) → amber.
    assert content.count('class="row--overdue"') == 1
    assert content.count('class="row--soon"') == 1
    assert overdue.number in overdue_only.content.decode()
    assert soon.number not in overdue_only.content.decode()


def test_list_filters_and_sorts(client, world):
    a = CollaborationRequestFactory(actor=world.staff, target_unit=world.market, subject="甲事项")
    b = CollaborationRequestFactory(actor=world.staff, subject="乙事项", target_unit=world.other)
    request_accept(req=a, actor=world.market_liaison)
    client.force_login(world.staff)
    url = reverse("collaboration:request_list")
    content = client.get(url, {"status": "accepted"}).content.decode()
    assert a.number in content and b.number not in content
    content = client.get(url, {"unit": world.other.pk}).content.decode()
    assert b.number in content and a.number not in content
    content = client.get(url, {"sort": "-number"}).content.decode()
    assert content.index(b.number) < content.index(a.number)


def test_list_query_count_stays_flat(client, world, django_assert_max_num_queries):
    for _ in range(3):
        CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.staff)
    url = reverse("collaboration:request_list")
    client.get(url)  # warm caches
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    baseline = len(few)  # read now: the next request resets the query log
    for _ in range(20):
        CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_list_rows_carry_every_column_the_list_shows(world, django_assert_num_queries):
    CollaborationRequestFactory(
        actor=world.staff, target_unit=world.market, assignee=world.market_liaison
    )
    rows = request_rows(request_list(user=world.staff))  # the user's scope is read here
    with django_assert_num_queries(1):
        (row,) = rows
        shown = (
            row.pk,
            row.number,
            row.subject,
            row.priority,
            row.matter_type.name,
            row.get_category_display(),
            row.get_status_display(),
            row.is_running,
            row.due_date,
            row.requesting_unit.short_name or row.requesting_unit.name,
            row.target_unit.short_name or row.target_unit.name,
            row.assignee.display_name,
        )
    assert row.assignee == world.market_liaison and all(v is not None for v in shown)


def test_detail_query_count_stays_flat(client, world, django_assert_max_num_queries):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.market_liaison)
    client.get(detail(req))
    with django_assert_max_num_queries(40) as base:
        client.get(detail(req))
    baseline = len(base)  # read now: the next request resets the query log
    for i in range(5):
        client.post(
            step(req, "attach"),
            {"attach-files": [SimpleUploadedFile(f"f{i}.txt", b"x")], "attach-comment": "补充"},
        )
    with django_assert_max_num_queries(baseline):
        client.get(detail(req))


def test_home_panels_for_liaison_and_working_group(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.market_liaison)
    content = client.get("/").content.decode()
    assert "待办协作请求" in content and req.number in content
    request_refuse(
        req=req, actor=world.market_liaison, justification="不属于本单位职责范围内的事项。"
    )
    request_contest(req=req, actor=world.staff, reason="属于贵单位法定职责，请继续办理。")
    client.force_login(world.wg)
    content = client.get("/").content.decode()
    assert "待裁定" in content and req.number in content


def test_todo_lists_a_pending_extension_for_the_requester_once(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    other = CollaborationRequestFactory(actor=world.staff, target_unit=world.other)
    request_accept(req=req, actor=world.market_liaison)
    assert list(request_todo(user=world.staff)) == []  # running at the target: not ours to do
    ext = request_ask_extension(
        req=req,
        actor=world.market_liaison,
        reason="数据量大，需要更多时间。",
        new_due_date=req.due_date + dt.timedelta(days=7),
    )
    assert list(request_todo(user=world.staff)) == [req]
    assert set(request_todo(user=world.market_liaison)) == {req}
    assert other not in request_todo(user=world.market_liaison)
    extension_decide(ext=ext, actor=world.staff, approve=True)
    assert list(request_todo(user=world.staff)) == []


def test_navigation_entry_for_staff_liaison_and_wg_only(client, world):
    for user in (world.staff, world.market_liaison, world.wg):
        client.force_login(user)
        assert "协作事项" in client.get("/").content.decode()
    client.force_login(world.outsider)
    assert "协作事项" not in client.get("/").content.decode()
    assert client.get(reverse("collaboration:request_list")).status_code == 403


def test_oversight_and_statistics_pages_are_for_the_working_group(client, world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        client.force_login(world.staff)
        assert client.get(reverse("collaboration:oversight")).status_code == 403
        assert client.get(reverse("collaboration:statistics")).status_code == 403
        client.force_login(world.wg)
        assert req.number in client.get(reverse("collaboration:oversight")).content.decode()
        stats = client.get(
            reverse("collaboration:statistics"), {"start": "2026-11-01", "end": "2026-11-30"}
        )
    assert stats.status_code == 200
    assert "区市场监管局" in stats.content.decode()


def test_liaison_forms_offer_only_their_unit_and_the_tax_bureau(client, world):
    client.force_login(world.market_liaison)
    listing = client.get(reverse("collaboration:request_list")).content.decode()
    assert world.market.name in listing and world.bureau.name in listing
    assert world.other.name not in listing
    create = client.get(reverse("collaboration:request_create")).content.decode()
    assert world.other.name not in create
    assert world.other_liaison.full_name not in create
    assert world.staff.full_name in create  # the bureau's tax staff may be named as assignee
