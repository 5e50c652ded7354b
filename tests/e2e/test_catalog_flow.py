"""Catalog flow in a browser: the working group publishes an item with its schema; the provider's
liaison finds the obligation on the home page and downloads the Excel template from it."""

import io
from importlib import import_module

import pytest
from django.db import connection
from openpyxl import load_workbook

from agencies.demo import DEMO_PASSWORD
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _empty_ledger_before_flush(transactional_db):
    """Let the end-of-test flush run on SQLite, whose DELETE the append-only triggers refuse.

    Torn down before pytest-django's flush: empty the ledger with the triggers lifted, then put
    them back, so later tests still run against an append-only ledger. (PostgreSQL flushes with
    TRUNCATE, which the row triggers do not see.)
    """
    yield
    if connection.vendor != "sqlite":
        return
    triggers = import_module("zhengxiang_portal.ledger.migrations.0002_append_only_triggers")
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_REVERSE:
            cursor.execute(sql)
        cursor.execute("DELETE FROM ledger_ledgerentry")
        for sql in triggers.SQLITE_FORWARD:
            cursor.execute(sql)


def test_working_group_publishes_an_item_and_the_liaison_downloads_its_template(
    page, live_server, demo
):
    # Given a working-group member on the catalog page
    login(page, live_server, "wg_member", DEMO_PASSWORD)
    page.get_by_role("link", name="目录清单").first.click()
    page.get_by_role("link", name="新建目录项").click()

    # When they describe a new item …
    page.get_by_label("目录编码").fill("ZX-ML-101")
    page.get_by_label("信息资源名称").fill("非税收入缴款信息")
    page.get_by_label("提供单位").select_option(label="蒸湘区财政局")
    page.get_by_label("共享类型").select_option(label="无条件共享")
    page.get_by_label("法律依据").fill("《政府非税收入管理办法》；《实施办法》第二十条")
    page.get_by_label("更新周期").select_option(label="每月")
    page.get_by_label("传送方式").select_option(label="平台上传")
    page.get_by_label("需求单位").select_option(label="国家税务总局衡阳市蒸湘区税务局")
    page.get_by_role("button", name="保存").click()

    # … give it a schema in the editor and put it in force …
    assert "字段规范：非税收入缴款信息" in page.get_by_role("heading", level=1).inner_text()
    rows = [
        ("payer_code", "缴款人统一社会信用代码", "统一社会信用代码", True, True),
        ("payer", "缴款人名称", "文本", True, False),
        ("paid_on", "缴款日期", "日期", True, False),
        ("amount", "缴款金额", "小数/金额", False, False),
    ]
    page.locator('[name="fields-0-label"]').fill(rows[0][1])
    page.get_by_role("link", name="增加空行").click()  # a fourth row, typed data kept
    assert page.locator('[name="fields-0-label"]').input_value() == rows[0][1]
    for i, (key, label, type_label, required, unique) in enumerate(rows):
        page.locator(f'[name="fields-{i}-label"]').fill(label)
        page.locator(f'[name="fields-{i}-key"]').fill(key)
        page.locator(f'[name="fields-{i}-field_type"]').select_option(label=type_label)
        if required:
            page.locator(f'[name="fields-{i}-required"]').check()
        if unique:
            page.locator(f'[name="fields-{i}-is_unique_key"]').check()
    page.get_by_role("button", name="保存并启用").click()
    assert page.get_by_text("字段规范 v1 已保存并启用。").is_visible()

    # … and publish it
    page.get_by_role("button", name="发布目录项").click()
    assert page.get_by_text("目录项已发布，报送任务已生成。").is_visible()
    assert page.get_by_role("cell", name="缴款人统一社会信用代码").is_visible()
    page.get_by_role("button", name="退出").click()

    # Then the finance bureau's liaison sees the obligation on the home page
    login(page, live_server, "liaison_finance", DEMO_PASSWORD)
    panel = page.locator("section.panel", has_text="本单位待报送数据")
    panel.get_by_role("link", name="非税收入缴款信息").click()
    assert "非税收入缴款信息" in page.get_by_role("heading", level=1).inner_text()

    # and downloads the template from the obligation page
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载报送模板").click()
    download = download_info.value
    assert download.suggested_filename.startswith("ZX-ML-101_")
    content = download.path().read_bytes()
    workbook = load_workbook(io.BytesIO(content))
    assert [c.value for c in workbook["数据"][1]] == [
        "缴款人统一社会信用代码",
        "缴款人名称",
        "缴款日期",
        "缴款金额",
    ]
    assert workbook["数据"].column_dimensions["A"].number_format == "@"
    assert "填写说明" in workbook.sheetnames
