"""The received-data list exports what it shows: only the data the user's units consume, Chinese
headings, local times, receipt state, an export entry in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sharing_catalog.models import Submission
from tests.factories import UnitFactory, WorkingGroupMemberFactory
from tests.sharing_catalog.governance_factories import _Shared
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db
NOON_LOCAL = dt.datetime(2026, 9, 24, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai


def test_received_list_links_its_two_exports(client, roles):
    shared = _Shared(UnitFactory())
    client.force_login(shared.consumer_liaison)
    page = client.get(reverse("sharing_catalog:received_list")).content.decode()
    for fmt in ("xlsx", "csv"):
        assert reverse("sharing_catalog:received_export", args=[fmt]) in page


def test_received_export_holds_the_users_data_in_local_time_and_is_logged(client, roles):
    mine = _Shared(UnitFactory(name="甲局"))
    _Shared(UnitFactory(name="乙局"))  # another consumer's data
    Submission.objects.filter(pk=mine.v1.pk).update(confirmed_at=NOON_LOCAL)
    client.force_login(mine.consumer_liaison)
    url = reverse("sharing_catalog:received_export", args=["csv"])
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["目录项编码", "目录项", "期间"]
    assert [r[3] for r in rows[1:]] == ["甲局"]
    assert rows[1][6] == "2026-09-24 12:00" and rows[1][8] == "新到"
    assert LedgerEntry.objects.get(action=LedgerAction.EXPORT).details["rows"] == 1


def test_received_xlsx_export_leaves_out_other_units_data(client, roles):
    mine = _Shared(UnitFactory(name="甲局"))
    _Shared(UnitFactory(name="乙局"))
    client.force_login(mine.consumer_liaison)
    response = client.get(reverse("sharing_catalog:received_export", args=["xlsx"]))
    values = [
        [c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    assert values[0][0] == "目录项编码" and [v[3] for v in values[1:]] == ["甲局"]


def test_an_unknown_format_is_not_found(client, roles):
    shared = _Shared(UnitFactory())
    client.force_login(shared.consumer_liaison)
    url = reverse("sharing_catalog:received_export", args=["pdf"])
    assert client.get(url).status_code == 404


def test_the_received_list_export_is_a_download_in_the_access_log(client, roles):
    from zhengxiang_portal.ledger.selectors import access_log_list

    mine = _Shared(UnitFactory(name="甲局"))
    client.force_login(mine.consumer_liaison)
    client.get(reverse("sharing_catalog:received_export", args=["xlsx"]))
    (entry,) = access_log_list(user=WorkingGroupMemberFactory().user)
    assert entry.action == LedgerAction.DOWNLOAD and entry.unit_id == mine.consumer.pk
    assert entry.details["list"] == "共享数据接收列表" and entry.details["rows"] == 1
