"""The request list exports what it shows: its filters, Chinese headings, local times, formula-safe,
and each export is an entry in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 9, 25, 1, 30, tzinfo=dt.UTC), tick=False)  # 09:30 local
def test_export_follows_the_filter_in_local_time_and_is_logged(client, world):
    CollaborationRequestFactory(
        actor=world.staff, target_unit=world.market, subject='=HYPERLINK("http://x")查询股权'
    )
    CollaborationRequestFactory(
        actor=world.staff, subject="查询不动产登记", target_unit=world.other
    )
    client.force_login(world.staff)
    url = reverse("collaboration:request_export", args=["csv"]) + "?q=股权"
    text = client.get(url).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["编号", "事项标题", "协作类别"]
    assert len(rows) == 2  # the filter applies: one request, not two
    assert rows[1][1].startswith("'=HYPERLINK")  # formula-safe
    assert rows[1][8] == "2026-09-25 09:30"  # submitted, local time
    entry = LedgerEntry.objects.get(action=LedgerAction.EXPORT)
    assert entry.details["rows"] == 1 and entry.details["format"] == "csv"
    assert "q=" in entry.details["filters"]


def test_xlsx_export_holds_only_what_the_user_may_see(client, world):
    CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    CollaborationRequestFactory(actor=world.staff, target_unit=world.other)
    client.force_login(world.market_liaison)
    response = client.get(reverse("collaboration:request_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][5] == world.market.name


def test_an_unknown_format_is_not_found(client, world):
    client.force_login(world.staff)
    assert client.get(reverse("collaboration:request_export", args=["pdf"])).status_code == 404
