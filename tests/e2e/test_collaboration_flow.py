"""Issue 5 in a real browser: a request answered and closed; another refused, contested, ruled.

Tax staff raise a request to 区市场监管局, its liaison accepts and answers it, the staff close it.
A second request is refused with a justification, contested by the staff and ruled unjustified by
a working-group member whose unit is no party (the leader sits for the tax bureau and stands
aside), which sends it back to the unit.
"""

from __future__ import annotations

import re

import pytest

from agencies.demo import DEMO_PASSWORD
from collaboration.models import CollaborationRequest, RefusalRuling, Status
from tests.e2e.conftest import click_to_next_page, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def switch_user(page, live_server, username: str) -> None:
    page.context.clear_cookies()
    login(page, live_server, username, DEMO_PASSWORD)


def create_request(page, live_server, subject: str) -> str:
    """As tax staff, fill in the new-request form; return the detail page's URL."""
    page.goto(f"{live_server.url}/requests/")
    page.get_by_role("link", name="新建协作请求").click()
    page.get_by_label("承办单位").select_option(label="蒸湘区市场监督管理局")
    page.get_by_label("事项类型").select_option(label="涉税信息查询")
    page.get_by_label("事项标题").fill(subject)
    page.get_by_label("请求内容").fill("请提供湘江贸易有限公司 2026 年股权变更登记材料。")
    click_to_next_page(page, page.get_by_role("button", name="提交请求"))
    assert page.get_by_role("heading", level=1).inner_text() == subject
    assert page.get_by_text(re.compile(r"协作请求 XZ-\d{4}-\d{6} 已提交")).is_visible()
    return page.url


def take_step(page, label: str, fields: dict[str, str] | None = None) -> None:
    """Open the step's panel on the detail page, fill it in and submit it."""
    # A summary holds the step's label, then its explanation: match the label at the start.
    summary = page.locator("summary", has_text=re.compile(rf"^{re.escape(label)}(\s|$)"))
    panel = page.locator("details", has=summary).first
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    for field, value in (fields or {}).items():
        panel.get_by_label(field).fill(value)
    click_to_next_page(page, panel.get_by_role("button", name=label, exact=True))
    assert page.get_by_text(f"已完成：{label}。").is_visible()


def test_request_accepted_answered_and_closed(page, live_server, demo):
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    url = create_request(page, live_server, "股权变更登记信息查询（浏览器测试）")

    switch_user(page, live_server, "liaison_market")
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name=re.compile("待办协作请求")).is_visible()
    page.goto(url)
    take_step(page, "受理")
    take_step(page, "答复", {"答复内容": "已调取登记档案，变更记录 2 条，详见附件说明。"})
    assert page.get_by_text("按期答复").is_visible()

    switch_user(page, live_server, "tax_staff")
    page.goto(url)
    take_step(page, "办结", {"说明": "已收悉，谢谢配合。"})
    timeline = page.locator("ol.timeline").inner_text()
    for step in ["提交请求", "受理", "答复", "办结"]:
        assert step in timeline
    req = CollaborationRequest.objects.get(subject="股权变更登记信息查询（浏览器测试）")
    assert req.status == Status.CLOSED


def test_request_refused_contested_and_ruled_unjustified(page, live_server, demo):
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    url = create_request(page, live_server, "个体户登记信息查询（拒绝后裁定）")

    switch_user(page, live_server, "liaison_market")
    page.goto(url)
    take_step(page, "拒绝", {"拒绝理由": "该信息涉及其他部门登记事项，不属于本局职责范围。"})

    switch_user(page, live_server, "tax_staff")
    page.goto(url)
    take_step(
        page, "提出异议", {"异议理由": "个体工商户登记属市场监管部门法定职责，请依第七条协作。"}
    )

    # The leader sits for the tax bureau, a party here, and stands aside (回避): the member of
    # the finance bureau rules.
    switch_user(page, live_server, "wg_member")
    page.goto(f"{live_server.url}/")
    assert page.get_by_role("heading", name=re.compile("待裁定")).is_visible()
    page.get_by_role("link", name=re.compile("个体户登记信息查询")).click()
    panel = page.locator(
        "details", has=page.locator("summary", has_text=re.compile(r"^裁定\s"))
    ).first
    panel.get_by_label("无故拒绝，退回继续办理").check()
    panel.get_by_label("裁定意见").fill("拒绝理由不成立，请市场监管局按期办理。")
    click_to_next_page(page, panel.get_by_role("button", name="裁定", exact=True))
    assert page.get_by_text("无故拒绝", exact=True).first.is_visible()
    req = CollaborationRequest.objects.get(subject="个体户登记信息查询（拒绝后裁定）")
    assert req.refusal_ruling == RefusalRuling.UNJUSTIFIED
    assert req.status == Status.ACCEPTED


def test_the_new_request_form_follows_the_unit_and_shows_the_deadline(page, live_server, demo):
    """Issue 14 (8): assignees follow the chosen unit and the deadline shows before submitting."""
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/requests/new/")
    target = page.get_by_label("承办单位")
    # the bureau itself is not offered; units are grouped by kind
    assert "国家税务总局" not in target.inner_text()
    assert target.locator("optgroup").count() > 3
    target.select_option(label="蒸湘区市场监督管理局")
    assignee = page.get_by_label("承办人")
    assignee.locator("option", has_text="李志强").wait_for(state="attached")
    assert "赵文静" not in assignee.inner_text()  # the court's liaison is not the market's
    page.get_by_label("事项类型").select_option(label="涉税信息查询")
    preview = page.locator("#deadline-preview")
    preview.get_by_text(re.compile(r"默认办理期限：\d{4}-\d{2}-\d{2}")).wait_for()
    assert "个工作日" in preview.inner_text()
