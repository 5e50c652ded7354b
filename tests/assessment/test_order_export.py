"""The rectification order list exports what it shows: its status filter, only the user's unit's
orders, Chinese headings, local times, an export entry in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assessment.models import RectificationOrder
from tests.assessment.object_factories import _leader, _order
from tests.factories import UnitFactory, make_liaison
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db
NOON_LOCAL = dt.datetime(2026, 9, 24, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai


def test_order_list_links_its_two_exports_with_the_filter(client, roles):
    client.force_login(_leader())
    page = client.get(reverse("assessment:order_list") + "?status=open").content.decode()
    for fmt in ("xlsx", "csv"):
        assert reverse("assessment:order_export", args=[fmt]) + "?status=open" in page


def test_order_export_follows_the_status_filter_in_local_time_and_is_logged(client, roles):
    leader = _leader()
    shown = _order(UnitFactory(name="甲局"), leader)
    RectificationOrder.objects.filter(pk=shown.pk).update(issued_at=NOON_LOCAL)
    done = _order(UnitFactory(name="乙局"), leader)
    RectificationOrder.objects.filter(pk=done.pk).update(status=RectificationOrder.Status.CLOSED)
    client.force_login(leader)
    url = reverse("assessment:order_export", args=["csv"]) + "?status=open"
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "单位", "考核期间"]
    assert [r[1] for r in rows[1:]] == ["甲局"]
    assert rows[1][4] == "2026-09-24 12:00"  # issued, local time
    entry = LedgerEntry.objects.get(action=LedgerAction.EXPORT)
    assert entry.details["rows"] == 1 and "status=open" in entry.details["filters"]


def test_a_liaison_exports_only_their_units_orders(client, roles):
    mine = UnitFactory(name="甲局")
    leader = _leader()
    _order(mine, leader)
    _order(UnitFactory(name="乙局"), leader)
    client.force_login(make_liaison(mine))
    response = client.get(reverse("assessment:order_export", args=["xlsx"]))
    values = [
        [c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    assert [v[1] for v in values[1:]] == ["甲局"]


def test_an_unknown_format_is_not_found(client, roles):
    client.force_login(_leader())
    assert client.get(reverse("assessment:order_export", args=["pdf"])).status_code == 404
