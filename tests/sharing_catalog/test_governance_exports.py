"""The objection, grant, agreement and coordination lists export what they show: the page's
filter, only the user's units' rows, Chinese headings, local times, an export in the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from agencies.models import Unit
from sharing_catalog.models import AccessGrant, CoordinationRequest, Objection
from sharing_catalog.services.coordination import coordination_decide
from sharing_catalog.services.objections import objection_close, objection_raise
from tests.factories import UnitFactory, WorkingGroupMemberFactory, make_liaison
from tests.sharing_catalog.governance_factories import (
    _agreement,
    _coordination,
    _grant,
    _objection,
)
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.selectors import access_log_list, ledger_list

pytestmark = pytest.mark.django_db
NOON_LOCAL = dt.datetime(2026, 9, 24, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai


def _csv(client, name, query=""):
    response = client.get(reverse(f"sharing_catalog:{name}_export", args=["csv"]) + query)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx(client, name):
    response = client.get(reverse(f"sharing_catalog:{name}_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _logged_rows():
    return LedgerEntry.objects.get(action=LedgerAction.EXPORT).details["rows"]


@pytest.mark.parametrize("name", ["objection", "grant", "agreement", "coordination"])
def test_each_list_page_links_its_two_exports(client, roles, name):
    client.force_login(WorkingGroupMemberFactory().user)
    page = client.get(reverse(f"sharing_catalog:{name}_list") + "?status=x").content.decode()
    for fmt in ("xlsx", "csv"):
        assert reverse(f"sharing_catalog:{name}_export", args=[fmt]) + "?status=x" in page


@pytest.mark.parametrize("name", ["objection", "grant", "agreement", "coordination"])
def test_an_unknown_format_is_not_found(client, roles, name):
    client.force_login(WorkingGroupMemberFactory().user)
    url = reverse(f"sharing_catalog:{name}_export", args=["pdf"])
    assert client.get(url).status_code == 404
    assert not LedgerEntry.objects.filter(action=LedgerAction.EXPORT).exists()


def test_objection_export_leaves_out_closed_ones_unless_asked_in_local_time(client, roles):
    unit = UnitFactory(name="甲局")
    kept, shared = _objection(unit)
    Objection.objects.filter(pk=kept.pk).update(created_at=NOON_LOCAL)
    closed = objection_raise(
        actor=shared.consumer_liaison, submission=shared.v1, category="doubt",
        description="看不懂数据", rows=[4],
    )  # fmt: skip
    objection_close(actor=shared.consumer_liaison, objection=closed, reason="withdrawn")
    client.force_login(shared.provider_liaison)
    rows = _csv(client, "objection")
    assert rows[0][:4] == ["编号", "目录项编码", "目录项", "提供单位"]
    assert [r[0] for r in rows[1:]] == [str(kept.pk)]  # open only, as the page shows
    assert rows[1][8] == "2026-09-24 12:00"  # raised at, local time
    assert _logged_rows() == 1
    assert len(_csv(client, "objection", "?all=1")) == 3


def test_objection_export_holds_only_the_users_units(client, roles):
    mine, _shared = _objection(UnitFactory(name="甲局"))
    _objection(UnitFactory(name="乙局"))
    client.force_login(_shared.provider_liaison)
    values = _xlsx(client, "objection")
    assert values[0][0] == "编号" and [v[0] for v in values[1:]] == [mine.pk]


def test_grant_export_follows_the_status_filter_and_the_users_units(client, roles):
    unit = UnitFactory(name="甲局")
    approved, _p, consumer_liaison = _grant(provider=UnitFactory(), consumer=unit, approve=True)
    AccessGrant.objects.filter(pk=approved.pk).update(requested_at=NOON_LOCAL)
    _grant(provider=UnitFactory(), consumer=unit)  # still requested
    _grant(provider=UnitFactory(), consumer=UnitFactory(name="乙局"), approve=True)
    client.force_login(consumer_liaison)
    rows = _csv(client, "grant", "?status=approved")
    assert rows[0][:4] == ["目录项编码", "目录项", "提供单位", "申请单位"]
    assert [r[3] for r in rows[1:]] == ["甲局"] and rows[1][0] == approved.item.code
    assert rows[1][6] == "2026-09-24 12:00"
    assert _logged_rows() == 1
    assert len(_xlsx(client, "grant")) == 3  # both of 甲局's grants, never 乙局's


def test_agreement_export_follows_the_overdue_filter_and_the_users_units(client, roles):
    unit = UnitFactory(name="甲局")
    liaison = make_liaison(unit)  # today, so that their password is fresh
    with time_machine.travel(NOON_LOCAL - dt.timedelta(days=60)):
        late, _same = _agreement(unit)  # its migration date is long past
    _agreement(unit)
    _agreement(UnitFactory(name="乙局"))
    client.force_login(liaison)
    rows = _csv(client, "agreement", "?overdue=1")
    assert rows[0][:3] == ["提供单位", "需求单位", "共享内容"]
    assert len(rows) == 2 and rows[1][7] == late.target_migration_date.isoformat()
    assert rows[1][8] == "是"
    assert _logged_rows() == 1
    assert {v[0] for v in _xlsx(client, "agreement")[1:]} == {"甲局"}


def test_coordination_export_follows_the_status_filter_and_the_users_units(client, roles):
    unit = UnitFactory(name="甲局")
    decided, liaison = _coordination(unit)
    CoordinationRequest.objects.filter(pk=decided.pk).update(created_at=NOON_LOCAL)
    coordination_decide(
        actor=WorkingGroupMemberFactory().user, request=decided, decision="exempt",
        exempt_until=dt.date(2026, 12, 31), comment="同意豁免",
    )  # fmt: skip
    _coordination(unit)
    _coordination(UnitFactory(name="乙局"))
    client.force_login(liaison)
    rows = _csv(client, "coordination", "?status=exempt")
    assert rows[0][:3] == ["单位", "目录项编码", "目录项"]
    assert len(rows) == 2 and rows[1][6] == "2026-12-31" and rows[1][8] == "2026-09-24 12:00"
    assert _logged_rows() == 1
    assert {v[0] for v in _xlsx(client, "coordination")[1:]} == {"甲局"}


def test_an_objection_export_is_in_the_access_log_and_a_grant_export_is_not(client, roles):
    # Given an objection to shared records, and a grant
    _o, shared = _objection(UnitFactory(name="甲局"))
    _grant(provider=UnitFactory(), consumer=shared.consumer, approve=True)
    client.force_login(shared.consumer_liaison)
    # When the consumer exports the objection list (it tells of another unit's data)
    _csv(client, "objection")
    # Then the access log holds the download, in the consumer unit's own 台账
    wg = WorkingGroupMemberFactory().user
    (entry,) = access_log_list(user=wg)
    assert (entry.action, entry.actor_id, entry.unit_id) == (
        LedgerAction.DOWNLOAD, shared.consumer_liaison.pk, shared.consumer.pk,
    )  # fmt: skip
    assert entry.details["list"] == "数据异议列表" and entry.details["format"] == "csv"
    assert entry.seq in {e.seq for e in ledger_list(user=shared.consumer_liaison)}
    # while the grant list (no shared data) is only an export in the audit trail
    _csv(client, "grant")
    assert access_log_list(user=wg).count() == 1
    assert LedgerEntry.objects.filter(action=LedgerAction.EXPORT).count() == 2


def test_a_unit_name_that_a_spreadsheet_would_run_is_kept_as_text(client, roles):
    _o, shared = _objection(UnitFactory(name="甲局"))
    formula = '=HYPERLINK("http://evil","点我")'
    Unit.objects.filter(pk=shared.consumer.pk).update(name=formula)
    client.force_login(shared.provider_liaison)
    headers, *rows = _csv(client, "objection")
    assert [row[headers.index("提出单位")] for row in rows] == ["'" + formula]
    values = _xlsx(client, "objection")
    assert [row[values[0].index("提出单位")] for row in values[1:]] == ["'" + formula]
