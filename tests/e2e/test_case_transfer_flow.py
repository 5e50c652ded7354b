"""Issue 18 #5 in a real browser: a transferred case reported on twice, returned for
administrative handling (退回行政处理, Art. 6(三)), and the tax bureau's penalty recorded.

The police liaison reports 已受理 and then returns the demo case as 不立案 with reasons; the tax
staff see both reports on the request page and record a 行政处罚决定 with its number and date.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from agencies.demo import DEMO_PASSWORD
from collaboration.models import CollaborationRequest, Status
from tests.e2e.conftest import click_to_next_page, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SUBJECT = "【演示】涉嫌虚开增值税专用发票案件移送"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def open_step(page, label: str):
    """Open the step's panel on the request page and return it."""
    summary = page.locator("summary", has_text=re.compile(rf"^{re.escape(label)}(\s|$)"))
    panel = page.locator("details", has=summary).first
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    return panel


def submit(page, panel, label: str) -> None:
    click_to_next_page(page, panel.get_by_role("button", name=label, exact=True))
    assert page.get_by_text(f"已完成：{label}。").is_visible()


def test_case_reported_returned_and_handled(page, live_server, demo):
    case = CollaborationRequest.objects.get(subject=SUBJECT)
    url = f"{live_server.url}/requests/{case.pk}/"
    today = timezone.localdate().isoformat()

    # The police report a first stage, then return the case with their decision
    login(page, live_server, "liaison_police", DEMO_PASSWORD)
    page.goto(url)
    panel = open_step(page, "反馈案件进展")
    panel.get_by_label("案件进展").select_option(label="已受理")
    panel.get_by_label("进展说明").fill("经侦大队已受理，开展初查。")
    submit(page, panel, "反馈案件进展")
    panel = open_step(page, "退回行政处理")
    panel.locator("select[name='return_case-outcome']").select_option(label="不立案")
    panel.get_by_label("决定日期").fill(today)
    panel.get_by_label("决定理由及行政处理意见").fill(
        "当事人已补缴税款及滞纳金，依法不予立案，建议税务机关依法给予行政处罚。"
    )
    submit(page, panel, "退回行政处理")
    assert not page.locator("summary", has_text="反馈案件进展").count()  # the case went back

    # The tax staff see the whole history and record their penalty decision
    page.context.clear_cookies()
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    page.goto(url)
    history = page.locator("#transfer-reports").inner_text()
    assert "经侦大队已受理" in history and "不立案" in history and "退回行政处理" in history
    assert page.get_by_text("待税务部门登记").is_visible()
    panel = open_step(page, "登记行政处理结果")
    panel.locator("input[name='record_handling-result'][value='penalty']").check()
    panel.get_by_label("处罚决定书文号").fill("衡蒸税稽罚〔2026〕31号")
    panel.get_by_label("决定日期").fill(today)
    submit(page, panel, "登记行政处理结果")
    assert page.get_by_text("衡蒸税稽罚〔2026〕31号").is_visible()
    assert page.get_by_text("按期处理").is_visible()
    case.refresh_from_db()
    assert (case.status, case.admin_result) == (Status.CLOSED, "penalty")
