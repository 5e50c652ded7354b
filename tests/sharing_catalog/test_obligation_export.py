"""The obligation list exports what it shows: filters, Chinese headings, audit-log entry."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.roles import Role
from tests.factories import DueObligationFactory, UnitFactory, UserFactory, make_liaison
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def test_export_follows_the_status_filter_and_is_logged(client, roles):
    unit = UnitFactory(name="甲局")
    DueObligationFactory(unit=unit, due=dt.date(2026, 9, 10), status="open")
    DueObligationFactory(unit=unit, due=dt.date(2026, 8, 10), fulfilled_on=dt.date(2026, 8, 10))
    client.force_login(UserFactory(roles=[Role.WG_LEADER]))
    url = reverse("sharing_catalog:obligation_export", args=["csv"]) + "?status=open"
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["目录项编码", "目录项", "提供单位"]
    assert len(rows) == 2 and rows[1][4] == "2026-09-10" and rows[1][6] == "待报送"
    entry = LedgerEntry.objects.get(action=LedgerAction.EXPORT)
    assert entry.details["rows"] == 1


def test_a_liaison_exports_only_their_units_obligations(client, roles):
    mine, other = UnitFactory(name="甲局"), UnitFactory(name="乙局")
    DueObligationFactory(unit=mine, due=dt.date(2026, 9, 10), status="open")
    DueObligationFactory(unit=other, due=dt.date(2026, 9, 10), status="open")
    client.force_login(make_liaison(mine))
    response = client.get(reverse("sharing_catalog:obligation_export", args=["xlsx"]))
    values = [
        [c.value for c in r] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows()
    ]
    assert [v[2] for v in values[1:]] == ["甲局"]
