"""The working group picks a month on the statistics page of the demo data, reads the request
tables, the charts and the month's objections, uploads and orders, and downloads the workbook."""

import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from agencies.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, click_to_next_page, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_leader_reads_a_months_statistics_and_downloads_them(page, live_server, demo):
    month = timezone.localdate().strftime("%Y-%m")
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/requests/statistics/")
    assert page.get_by_label("月份").input_value() == month  # the page opens on this month
    page.get_by_label("月份").fill(month)
    click_to_next_page(page, page.get_by_role("button", name="统计"))
    assert f"month={month}" in page.url
    for heading in ["按协作类别", "异议（按信息资源与办理状态）", "数据上传（按信息资源与状态）"]:
        assert page.get_by_role("heading", name=heading).is_visible()
    assert page.locator("svg.chart").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics-month.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book.sheetnames[:2] == ["按承办单位", "按协作类别"]
