"""Issue 14 "Done when", in Chromium on the demo data: the tax bureau's daily use and a unit's
own 台账.

tax_staff declares a purpose once, reads 买受人证件号码 in clear (the working group's rule for
税费征收管理) while 被执行人证件号码 stays masked, then downloads without being asked again;
liaison_court opens its own 台账 — the tax bureau's views of its data among its entries — and
exports it with Chinese headings. Screenshots of both pages are kept in test-artifacts/.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from agencies.demo import DEMO_PASSWORD
from sharing_catalog.demo_governance import KNOWN_VALUES
from sharing_catalog.models import Submission
from tests.e2e.conftest import ARTIFACTS, login
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _workbook(download):
    return load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active


def _auction(demo) -> Submission:
    return (
        Submission.objects.filter(
            obligation__item__code="ZX-ML-003", status=Submission.Status.CONFIRMED
        )
        .select_related("obligation__item")
        .order_by("-pk")
        .first()
    )


def test_tax_staff_declares_once_reads_the_buyer_id_and_the_court_exports_its_ledger(
    page, live_server, demo
):
    submission = _auction(demo)
    buyer_id, debtor_id = KNOWN_VALUES["buyer_id"](1), KNOWN_VALUES["debtor_id"](1)
    ARTIFACTS.mkdir(exist_ok=True)

    # tax_staff opens the auction data: the purpose step comes first, once
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/catalog/submissions/{submission.pk}/records/")
    assert "/purpose/" in page.url
    page.get_by_label("用途（法定职责）").select_option(label="税费征收管理")
    page.get_by_role("button", name="确认用途并继续").click()
    table = page.locator("#records")
    assert buyer_id in table.inner_text()  # 买受人证件号码 in clear for 税费征收管理
    assert debtor_id not in page.content()  # 被执行人证件号码 masked
    assert "税费征收管理" in page.locator("#declared-purpose").inner_text()
    page.screenshot(path=str(ARTIFACTS / "readpath_records_tax_staff.png"), full_page=True)

    # … and downloads the Excel without being asked again
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 Excel").click()
    sheet = _workbook(download_info.value)
    values = [str(c.value) for row in sheet.iter_rows(min_row=2) for c in row]
    assert buyer_id in values and debtor_id not in values
    # a second look the same day: no purpose step either
    page.goto(f"{live_server.url}/catalog/submissions/{submission.pk}/records/")
    assert "/records/" in page.url
    reads = LedgerEntry.objects.filter(
        actor__username="tax_staff", action__in=["view", "download"]
    ).values_list("action", "details__purpose")
    assert list(reads) == [
        ("view", "collection"),
        ("download", "collection"),
        ("view", "collection"),
    ]

    # liaison_court opens its own 台账: its data's readers included, other units' entries not
    page.context.clear_cookies()
    login(page, live_server, "liaison_court", DEMO_PASSWORD)
    page.get_by_role("link", name="台账").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "本单位台账"
    rows = page.locator("table tbody tr")
    text = rows.all_inner_texts()
    obligation = submission.obligation
    label = f"{obligation.item.name} {obligation.period_label} 第{submission.version}版"
    assert any("查看" in r and label in r and "税费征收管理" in r for r in text)
    assert not any("区医保局" in r for r in text)
    page.screenshot(path=str(ARTIFACTS / "readpath_unit_ledger_court.png"), full_page=True)

    # … and exports it in Chinese
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    sheet = _workbook(download_info.value)
    headings = [c.value for c in sheet[1]]
    assert headings[:7] == [
        "序号",
        "时间（北京时间）",
        "类别",
        "动作",
        "操作人",
        "操作单位",
        "对象",
    ]
    exported = [[str(c.value or "") for c in row] for row in sheet.iter_rows(min_row=2)]
    assert any(r[3] == "查看" and r[6] == label and r[7] == "税费征收管理" for r in exported)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r[1]) for r in exported)

    # the working group sees (and manages) the rule that put 买受人证件号码 in clear
    page.context.clear_cookies()
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/catalog/items/{submission.obligation.item_id}/unmask/")
    rule = page.locator("section", has_text="按需求单位与用途").locator("tbody tr")
    assert rule.count() == 1
    assert "买受人证件号码" in rule.inner_text() and "税费征收管理" in rule.inner_text()
    page.screenshot(path=str(ARTIFACTS / "readpath_disclosure_rules_wg.png"), full_page=True)
