"""The leader reads the assessment of the demo data, follows a score to the late upload behind it,
issues a rectification order that the unit's liaison answers, and downloads the Excel report."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from agencies.demo import DEMO_PASSWORD
from agencies.models import Unit
from tests.e2e.conftest import login
from tests.factories import DueObligationFactory, SubmissionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def late_upload(demo):
    """The market regulator confirmed October's registrations late — its first upload failed
    validation — and November's on time."""
    market = Unit.objects.get(code="ZX-SAMR")
    october = DueObligationFactory(
        unit=market,
        due=dt.date(2026, 10, 15),
        fulfilled_on=dt.date(2026, 10, 22),
        code="E2E-SAMR-REG",
    )
    SubmissionFactory(obligation=october, version=1, status="invalid")
    SubmissionFactory(obligation=october, version=2, status="confirmed")
    DueObligationFactory(
        unit=market,
        due=dt.date(2026, 11, 13),
        fulfilled_on=dt.date(2026, 11, 10),
        code="E2E-SAMR-REG",
    )
    return market


def test_leader_follows_a_score_to_its_evidence_orders_a_correction_and_exports(
    page, live_server, late_upload
):
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.get_by_role("link", name="考核评价").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "2026年第4季度 考核看板"
    page.get_by_role("button", name="重新计算").click()
    assert page.get_by_role("status").inner_text().startswith("已重新计算")
    # the ranking chart is an SVG drawn by the server, each bar a link to the unit
    chart = page.get_by_role("img", name="2026年第4季度 单位得分排名")
    assert chart.is_visible()
    chart.get_by_role("link").filter(has_text="区市场监管局").click()
    assert page.get_by_role("heading", level=1).inner_text() == "蒸湘区市场监督管理局"
    page.get_by_role("link", name="按时报送率").first.click()
    assert "按时报送" in page.locator(".facts").inner_text()
    page.get_by_role("link", name="逾期完成").click()
    page.get_by_role(
        "link", name="蒸湘区市场监督管理局登记信息 2026-10 报送任务（E2E-SAMR-REG"
    ).click()
    assert "2026年10月15日" in page.locator(".facts").inner_text()  # the late upload's due date
    versions = page.get_by_role("table", name="数据报送版本")
    assert "校验未通过" in versions.get_by_role("row").filter(has_text="第 1 版").inner_text()
    assert "已确认" in versions.get_by_role("row").filter(has_text="第 2 版").inner_text()
    page.go_back()
    page.get_by_role("link", name="据此下达责令改正通知").click()
    assert (
        "登记信息 2026-10 报送任务（E2E-SAMR-REG，截止 2026-10-15）"
        in page.locator(".evidence-list").inner_text()
    )
    page.get_by_label("整改要求").fill("补报并说明逾期原因，明确专人按期报送。")
    page.get_by_label("整改期限（工作日）").fill("5")
    page.get_by_role("button", name="下达").click()
    assert page.get_by_role("status").inner_text().startswith("责令改正通知已下达")
    order_url = page.url
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "liaison_market", DEMO_PASSWORD)
    # the open order is on the liaison's home page (newest first)
    page.get_by_role("region", name="责令改正").get_by_role("link").first.click()
    assert page.url == order_url
    page.get_by_label("整改情况").fill("已补报 10 月数据，并指定专人负责按期报送。")
    page.get_by_role("button", name="提交整改情况").click()
    assert "已反馈待审核" in page.locator(".facts").inner_text()
    page.get_by_role("button", name="退出").click()

    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.get_by_role("link", name="考核评价").first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 Excel 报告").click()
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert workbook.sheetnames[0] == "排名" and "依据明细" in workbook.sheetnames
    evidence = list(workbook["依据明细"].iter_rows(min_row=5, values_only=True))
    assert any(row[0] == "ZX-SAMR" and row[3] == "逾期完成" for row in evidence)
