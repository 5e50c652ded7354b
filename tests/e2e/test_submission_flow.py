"""Issue 3 "Done when", submission part: a liaison uploads, fixes, confirms; a consumer receives.

Celery runs eagerly in tests, so an upload is already validated when the page appears; the live
progress bar is shown separately on a submission held in "processing" that finishes while the
page is open (htmx swaps in the result without a reload).
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from sharing_catalog.models import Receipt, Submission
from tests.e2e.conftest import click_to_next_page, login
from tests.factories import PASSWORD
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    LABELS,
    World,
    good_row,
    private_media_root,
)
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fill_template(template_bytes, tmp_path, name, rows):
    """The liaison fills the downloaded template's data sheet."""
    book = load_workbook(io.BytesIO(template_bytes))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][: len(LABELS)] == LABELS
    for offset, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=offset, column=column, value=value)
    path = tmp_path / name
    book.save(path)
    return path


def _download(page, name):
    with page.expect_download() as info:
        page.get_by_role("link", name=name).first.click()
    with open(info.value.path(), "rb") as fh:
        return fh.read()


def _logout(page):
    click_to_next_page(page, page.get_by_role("button", name="退出"))


def test_liaison_uploads_fixes_confirms_and_consumer_receives(page, live_server, tmp_path):
    world = World()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, world.liaison.username, PASSWORD)

    # the liaison uploads a file with two bad rows
    bad_rows = [good_row(1), good_row(2), good_row(3)]
    bad_rows[1][3] = "2026-13-45"  # D3: no such date
    bad_rows[2][0] = bad_rows[2][0][:17] + ("0" if bad_rows[2][0][17] != "0" else "1")  # A4
    page.goto(f"{live_server.url}/catalog/obligations/{world.obligation.pk}/")
    page.get_by_role("link", name="上传数据与报送版本").click()
    template = _download(page, "下载报送模板")
    bad = _fill_template(template, tmp_path, "司法拍卖10月.xlsx", bad_rows)
    page.get_by_label("数据文件").set_input_files(str(bad))
    click_to_next_page(page, page.get_by_role("button", name="上传并校验"))

    # sees the errors by cell
    assert page.get_by_text("校验未通过").first.is_visible()
    table = page.locator("table").last
    assert table.get_by_role("cell", name="D3", exact=True).is_visible()
    assert table.get_by_role("cell", name="A4", exact=True).is_visible()
    assert page.get_by_text("日期不存在").is_visible()

    # downloads the marked-up file: bad cells red with the message as a comment
    marked = load_workbook(io.BytesIO(_download(page, "下载标注错误的文件")))
    sheet = marked.worksheets[0]
    assert sheet["D3"].fill.fgColor.rgb == "FFFFC7CE"
    assert "日期不存在" in sheet["D3"].comment.text
    assert "校验位错误" in sheet["A4"].comment.text

    # uploads the corrected file
    fixed = _fill_template(
        template, tmp_path, "司法拍卖10月（更正）.xlsx", [good_row(n) for n in (1, 2, 3)]
    )
    page.get_by_role("link", name="上传更正后的文件").click()
    page.get_by_label("数据文件").set_input_files(str(fixed))
    click_to_next_page(page, page.get_by_role("button", name="上传并校验"))
    assert "第 2 版" in page.get_by_role("heading", level=1).inner_text()
    progress = page.locator("progress")
    assert progress.get_attribute("value") == "100"
    assert page.get_by_text("校验通过待确认").first.is_visible()

    # confirms (校核、确认)
    click_to_next_page(page, page.get_by_role("button", name="校核无误，确认数据"))
    assert page.get_by_text("数据已确认").is_visible()
    confirmed = Submission.objects.get(status=Submission.Status.CONFIRMED)
    assert confirmed.version == 2
    _logout(page)

    # a consumer sees it, acknowledges it and downloads it
    login(page, live_server, world.consumer_liaison.username, PASSWORD)
    page.get_by_role("link", name=re.compile("司法拍卖成交信息")).first.click()
    click_to_next_page(page, page.get_by_role("button", name="确认接收"))
    assert page.get_by_text("本单位已接收").is_visible()
    assert Receipt.objects.filter(submission=confirmed, unit=world.consumer).exists()
    # the purpose step comes first (Art. 24, 27: statutory duty declared, then logged)
    detail_url = page.url
    page.get_by_role("link", name="查看数据").first.click()
    page.get_by_label("用途（法定职责）").select_option(label="税费征收管理")
    page.get_by_role("button", name="确认用途并继续").click()
    page.goto(detail_url)
    content = _download(page, "下载 CSV")
    assert content.startswith(b"\xef\xbb\xbf")
    assert "衡阳测试有限公司3" in content.decode("utf-8-sig")
    exported = load_workbook(io.BytesIO(_download(page, "下载 Excel")))
    assert exported.active.max_row == 4
    actions = set(LedgerEntry.objects.values_list("action", flat=True))
    assert {"upload", "validate", "confirm", "receive", "download"} <= actions


def test_progress_bar_updates_live_until_the_result_appears(page, live_server, tmp_path):
    from django.core.files.base import ContentFile

    world = World()
    submission = Submission(
        obligation=world.obligation,
        version=1,
        uploaded_by=world.liaison,
        unit=world.provider,
        source=Submission.Source.UPLOAD,
        original_filename="big.xlsx",
        file_kind="xlsx",
        file_sha256="0" * 64,
        schema=world.item.schema_versions.get(),
        status=Submission.Status.PROCESSING,
        stage=Submission.Stage.VALIDATING,
        rows_total=200_000,
        rows_processed=80_000,
    )
    submission.file.save("big.xlsx", ContentFile(b"x"), save=False)
    submission.save()
    login(page, live_server, world.liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/submissions/{submission.pk}/")
    assert page.locator("progress").get_attribute("value") == "40"
    assert page.get_by_text("已处理 80000 / 200000 行").is_visible()
    Submission.objects.filter(pk=submission.pk).update(rows_processed=150_000)
    # htmx polls the status fragment every second: the bar moves without a reload
    expect(page.locator("progress")).to_have_attribute("value", "75", timeout=5000)
    assert page.locator('[aria-current="step"]').inner_text() == "逐行校验"
    # every row checked: the page says it is writing to the database, with a running bar
    Submission.objects.filter(pk=submission.pk).update(
        rows_processed=200_000, stage=Submission.Stage.STORING
    )
    page.get_by_text("校验已完成，正在写入数据库…").wait_for(timeout=5000)
    assert page.locator('[aria-current="step"]').inner_text() == "写入数据库"
    assert page.locator("progress").get_attribute("value") is None
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.VALIDATED,
        stage=Submission.Stage.DONE,
        rows_processed=200_000,
        row_count=200_000,
    )
    page.get_by_role("button", name="校核无误，确认数据").wait_for(timeout=5000)
    assert page.locator("progress").get_attribute("value") == "100"
