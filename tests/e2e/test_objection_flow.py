"""Issue 4 "Done when", in a real browser: an objection on two rows corrected by the provider,
the diff and the ledger showing it; masking in page and download; a conditional item hidden
until its grant is approved; `verify_ledger` naming an altered entry."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from agencies.roles import Role
from sharing_catalog.models import CatalogItem, Objection, Submission
from tests.e2e.conftest import click_to_next_page, login
from tests.factories import PASSWORD, UserFactory
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    id_number,
    private_media_root,
    xlsx_file,
)
from tests.sharing_catalog.test_objections import confirmed_version
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sensitive_world(**kw) -> World:
    world = World(**kw)
    world.item.schema_versions.get().fields.filter(key__in=["legal_id", "phone"]).update(
        is_sensitive=True
    )
    world.v1 = confirmed_version(world, [good_row(n) for n in range(1, 6)])
    return world


def _accept_dialogs(page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_objection_on_two_rows_is_corrected_and_the_ledger_shows_it(
    page, live_server, roles, tmp_path
):
    world = _sensitive_world()
    _accept_dialogs(page)
    # the consumer opens the confirmed data, declares a purpose, sees sensitive fields masked
    login(page, live_server, world.consumer_liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/submissions/{world.v1.pk}/")
    page.get_by_role("link", name=re.compile("查看数据")).click()
    page.get_by_label("用途（法定职责）").select_option(label="税费征收管理")
    page.get_by_role("button", name="确认用途并继续").click()
    table = page.locator("#records")
    assert "139****0000" in table.inner_text()
    assert id_number(1) not in page.content()
    # … ticks two rows and raises an objection on the amount
    page.get_by_label("选择第 2 行").check()
    page.get_by_label("选择第 3 行").check()
    page.get_by_label("异议类别").select_option(label="明显错误")
    page.get_by_label("成交金额").check()
    page.get_by_label("异议说明").fill("第2、3行成交金额与法院拍卖公告不一致")
    page.get_by_role("button", name="提出异议").click()
    assert page.locator("#objection-status").inner_text() == "待答复"
    objection = Objection.objects.get()
    assert objection.row_numbers == [2, 3]
    # … and downloads the data: masked in the file too
    page.goto(f"{live_server.url}/catalog/submissions/{world.v1.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 CSV").click()
    path = tmp_path / "download.csv"
    download_info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[1][rows[0].index("联系电话")] == "139****0000"
    assert id_number(1) not in path.read_text(encoding="utf-8-sig")

    # the provider uploads a corrected file, confirms it and links it to the objection
    corrected = [good_row(n) for n in range(1, 6)]
    corrected[0][2], corrected[1][2] = "2000.00", "3000.00"
    upload = tmp_path / "corrected.xlsx"
    upload.write_bytes(xlsx_file(corrected).read())
    page.context.clear_cookies()
    login(page, live_server, world.liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/objections/{objection.pk}/")
    page.get_by_role("link", name="上传更正数据").click()
    page.get_by_label("数据文件").set_input_files(str(upload))
    page.get_by_role("button", name="上传并校验").click()
    click_to_next_page(page, page.get_by_role("button", name="校核无误，确认数据"))
    v2 = Submission.objects.get(version=2)
    assert v2.status == Submission.Status.CONFIRMED
    page.goto(f"{live_server.url}/catalog/objections/{objection.pk}/")
    page.get_by_label("更正后的数据版本").select_option(str(v2.pk))
    page.get_by_role("button", name="关联更正版本").click()
    assert page.locator("#objection-status").inner_text() == "已更正"
    # the diff shows the change of the two amounts
    page.locator("#correction-diff").click()
    body = page.locator("main").inner_text()
    assert "变更 2 行" in body
    assert "2000" in body and "3000" in body
    # the consumer accepts the correction; the objection's timeline shows every step
    page.context.clear_cookies()
    login(page, live_server, world.consumer_liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/objections/{objection.pk}/")
    page.get_by_role("button", name="认可答复，办结").click()
    assert page.locator("#objection-status").inner_text() == "已办结"
    timeline = page.locator(".timeline").inner_text()
    for step in ("异议", "更正"):
        assert step in timeline

    # the auditor sees the whole history in the ledger, filtered by the item
    auditor = UserFactory(roles=[Role.AUDITOR])
    page.context.clear_cookies()
    login(page, live_server, auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/ledger/")
    page.get_by_label("目录项").select_option(str(world.item.pk))
    page.get_by_role("button", name="筛选").click()
    ledger_text = page.locator("table").inner_text()
    for label in ("上传", "确认", "查看", "下载", "异议", "更正"):
        assert label in ledger_text, label
    page.goto(f"{live_server.url}/ledger/history/sharing_catalog.submission/{world.v1.pk}/")
    history = page.locator(".timeline").inner_text()
    for label in ("上传", "确认", "查看", "下载"):
        assert label in history, label


def test_a_conditional_item_stays_hidden_until_its_grant_is_approved(page, live_server, roles):
    world = _sensitive_world(sharing_class=CatalogItem.SharingClass.CONDITIONAL)
    detail = f"{live_server.url}/catalog/submissions/{world.v1.pk}/"
    login(page, live_server, world.consumer_liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/received/")
    assert world.item.name not in page.locator("main").inner_text()
    assert page.goto(detail).status == 404
    # the consumer applies from the catalog item page, with a purpose and legal basis
    page.goto(f"{live_server.url}/catalog/{world.item.pk}/")
    page.get_by_role("link", name="申请共享授权").click()
    page.get_by_label("用途（法定职责）").select_option(label="税费风险监控")
    page.get_by_label("法律依据").fill("《税收征收管理法》第五条；《实施办法》第十九条")
    page.get_by_role("button", name="提交申请").click()
    assert page.goto(detail).status == 404  # not before approval
    # the provider approves from its inbox
    page.context.clear_cookies()
    login(page, live_server, world.liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/grants/")
    page.get_by_role("link", name=re.compile(world.item.name)).first.click()
    page.get_by_label("同意", exact=True).check()
    page.get_by_role("button", name="提交决定").click()
    assert "已批准" in page.locator("main").inner_text()
    # now the consumer sees it
    page.context.clear_cookies()
    login(page, live_server, world.consumer_liaison.username, PASSWORD)
    page.goto(f"{live_server.url}/catalog/received/")
    assert world.item.name in page.locator("main").inner_text()
    assert page.goto(detail).status == 200


def test_verify_ledger_names_an_entry_altered_in_the_database(roles):
    world = _sensitive_world()
    call_command("verify_ledger")
    victim = LedgerEntry.objects.filter(target_id=str(world.v1.pk)).order_by("seq").first()

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = replica")
            else:
                cursor.execute("DROP TRIGGER ledger_no_update")
            cursor.execute(
                "UPDATE ledger_ledgerentry SET details = %s WHERE seq = %s",
                ['{"rows": 999}', victim.seq],
            )
        with pytest.raises(CommandError, match=f"#{victim.seq}"):
            call_command("verify_ledger")
        raise Rollback  # leave the test database (and its triggers) as they were
    call_command("verify_ledger")
