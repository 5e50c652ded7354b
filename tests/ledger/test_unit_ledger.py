"""Each unit's own 台账 (Art. 22 各单位…建立台账): liaisons and tax staff see and export theirs.

A unit's ledger holds what its people did (uploads, confirmations, receipts, views) and what
others did about its objects (views and downloads of its data, objections, requests, orders);
never another unit's entries. The working group and the auditor keep the whole view and the
machine export with hashes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from agencies.roles import Role
from collaboration.demo import ensure_matter_types
from tests.factories import (
    PASSWORD,
    CollaborationRequestFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    private_media_root,
)
from tests.sharing_catalog.test_objections import confirmed_version
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.selectors import ledger_list
from zhengxiang_portal.ledger.services import ledger_append, ledger_verify

pytestmark = pytest.mark.django_db
HEADINGS = [
    "序号",
    "时间（北京时间）",
    "类别",
    "动作",
    "操作人",
    "操作单位",
    "对象",
    "用途",
    "行数",
]


@pytest.fixture
def world(roles):
    """Provider (uploads, confirms), consumer (reads with a purpose), an unrelated unit."""
    with time_machine.travel(dt.datetime(2026, 12, 7, 1, 30, tzinfo=dt.UTC), tick=False):
        w = World()
        w.v1 = confirmed_version(w, [good_row(n) for n in range(1, 4)])
        other = World()  # another provider's own activity, never in w's ledgers
        other.v1 = confirmed_version(other, [good_row(1)])
        w.other = other
    return w


def _consumer_reads(client, w):
    client.login(username=w.consumer_liaison.username, password=PASSWORD)
    client.post(reverse("sharing_catalog:purpose", args=[w.item.pk]), {"purpose": "collection"})
    client.get(reverse("sharing_catalog:submission_records", args=[w.v1.pk]))
    client.get(reverse("sharing_catalog:submission_export", args=[w.v1.pk, "csv"]))


def _seqs(user) -> set[int]:
    return set(ledger_list(user=user).values_list("seq", flat=True))


def test_a_provider_sees_its_uploads_and_other_units_reads_of_its_data(client, world):
    _consumer_reads(client, world)
    entries = ledger_list(user=world.liaison)
    actions = {(e.action, e.actor_id) for e in entries}
    assert (LedgerAction.UPLOAD, world.liaison.pk) in actions
    assert (LedgerAction.CONFIRM, world.liaison.pk) in actions
    assert (LedgerAction.VIEW, world.consumer_liaison.pk) in actions
    assert (LedgerAction.DOWNLOAD, world.consumer_liaison.pk) in actions


def test_a_liaison_never_sees_another_units_entries(client, world):
    _consumer_reads(client, world)
    other_entries = set(
        LedgerEntry.objects.filter(unit=world.other.provider).values_list("seq", flat=True)
    )
    assert other_entries
    for user in (world.liaison, world.consumer_liaison, world.outsider):
        assert not (_seqs(user) & other_entries)
    # the consumer reads its own views, not the provider's uploads; the outsider reads nothing
    consumer_actions = set(
        ledger_list(user=world.consumer_liaison).values_list("action", flat=True)
    )
    assert LedgerAction.VIEW in consumer_actions and LedgerAction.UPLOAD not in consumer_actions
    assert not _seqs(world.outsider) - set(
        LedgerEntry.objects.filter(unit=world.outsider_unit).values_list("seq", flat=True)
    )


def test_the_security_trail_is_not_part_of_a_units_ledger(client, world):
    client.login(username=world.liaison.username, password=PASSWORD)  # a LOGIN audit entry
    assert LedgerEntry.objects.filter(action=LedgerAction.LOGIN, actor=world.liaison).exists()
    assert not ledger_list(user=world.liaison).filter(action=LedgerAction.LOGIN).exists()


def test_the_page_shows_the_units_own_ledger_with_readable_names(client, world):
    _consumer_reads(client, world)
    client.login(username=world.liaison.username, password=PASSWORD)
    response = client.get(reverse("ledger:entry_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "本单位台账" in page
    assert f"{world.item.name} {world.obligation.period_label} 第1版" in page
    table = page[page.index("<table") :]
    assert (world.other.provider.short_name or world.other.provider.name) not in table
    # the whole-ledger tools stay with the working group and the auditor
    assert reverse("ledger:access_log") not in page
    assert client.get(reverse("ledger:export", args=["csv"])).status_code == 403
    assert client.get(reverse("ledger:access_log")).status_code == 403


def test_the_units_export_has_chinese_headings_local_time_and_names(client, world):
    _consumer_reads(client, world)
    client.login(username=world.liaison.username, password=PASSWORD)
    csv_response = client.get(reverse("ledger:table_export", args=["csv"]))
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][: len(HEADINGS)] == HEADINGS
    upload = next(r for r in rows[1:] if r[3] == "上传")
    # uploaded at 01:30 UTC = 09:30 in Shanghai
    assert upload[1] == "2026-12-07 09:30:00"
    assert upload[5] == world.provider.name
    assert upload[6] == f"{world.item.name} {world.obligation.period_label} 第1版"
    download = next(r for r in rows[1:] if r[3] == "下载")
    assert (download[5], download[7], download[8]) == (
        world.consumer.name,
        "税费征收管理",
        "3",
    )
    assert all(world.other.provider.name not in c for r in rows for c in r)
    xlsx = client.get(reverse("ledger:table_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][: len(HEADINGS)] == HEADINGS
    # the export itself is on the record, and the chain still verifies
    assert LedgerEntry.objects.filter(action=LedgerAction.EXPORT, actor=world.liaison).count() == 2
    assert ledger_verify().ok


def test_the_working_group_and_auditor_keep_the_whole_view(client, world):
    wg = WorkingGroupMemberFactory().user
    auditor = UserFactory(roles=[Role.AUDITOR])
    everything = set(LedgerEntry.objects.values_list("seq", flat=True))
    assert _seqs(wg) == everything
    assert _seqs(auditor) == everything
    client.force_login(auditor)
    assert client.get(reverse("ledger:export", args=["csv"])).status_code == 200


def test_a_request_is_in_both_parties_ledgers_and_nobody_elses(roles):
    ensure_matter_types()
    bureau = make_tax_bureau()
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF])
    market = UnitFactory()
    market_liaison = make_liaison(market)
    other_liaison = make_liaison(UnitFactory())
    req = CollaborationRequestFactory(actor=staff, requesting_unit=bureau, target_unit=market)
    about = set(
        LedgerEntry.objects.filter(target_id=str(req.pk), action=LedgerAction.REQUEST).values_list(
            "seq", flat=True
        )
    )
    assert about
    assert about <= _seqs(staff)  # the tax bureau's staff: the requesting unit
    assert about <= _seqs(market_liaison)  # the unit that must answer
    assert not about & _seqs(other_liaison)


def test_local_time_on_the_page_is_shanghai_time(client, world):
    client.login(username=world.liaison.username, password=PASSWORD)
    page = client.get(reverse("ledger:entry_list")).content.decode()
    upload = LedgerEntry.objects.filter(action=LedgerAction.UPLOAD, unit=world.provider).first()
    local = upload.created_at.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in page


def test_the_units_page_query_count_is_flat(client, world, django_assert_max_num_queries):
    client.login(username=world.liaison.username, password=PASSWORD)
    client.get(reverse("ledger:entry_list"))
    with django_assert_max_num_queries(14):
        few = client.get(reverse("ledger:entry_list"))
    _consumer_reads(client, world)
    for _ in range(10):
        client.get(reverse("sharing_catalog:submission_records", args=[world.v1.pk]))
    client.login(username=world.liaison.username, password=PASSWORD)
    client.get(reverse("ledger:entry_list"))
    with django_assert_max_num_queries(14):
        many = client.get(reverse("ledger:entry_list"))
    assert len(many.context["entries"]) > len(few.context["entries"]) + 10


def test_entries_no_person_made_show_the_system_as_actor(client, world):
    # Given the validation task (no actor) and a deadline scan (stored label "system") acted
    ledger_append(
        action=LedgerAction.DEADLINE,
        category=LedgerCategory.WORKFLOW,
        actor="system",
        unit=world.provider,
        target=world.obligation,
        details={"event": "reminder"},
    )
    assert LedgerEntry.objects.filter(action=LedgerAction.VALIDATE, actor=None).exists()
    # When the provider's liaison reads the unit's ledger and exports it
    client.login(username=world.liaison.username, password=PASSWORD)
    page = client.get(reverse("ledger:entry_list")).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("ledger:table_export", args=["csv"])).content.decode("utf-8-sig")
            )
        )
    )
    # Then both say 系统 (not the stored English label, not a blank)
    table = page[page.index("<table") :]
    assert ">system<" not in table
    assert {r[4] for r in rows[1:] if r[3] in ("期限通知", "校验")} == {"系统"}


def test_the_unit_and_item_filters_offer_all_by_default(client, world):
    # Given a liaison on the unit's ledger page
    client.login(username=world.liaison.username, password=PASSWORD)
    # When the filter is shown
    page = client.get(reverse("ledger:entry_list")).content.decode()
    # Then 单位 and 目录项 read 全部 like the other filters, not Django's dashes
    assert "---------" not in page
    assert page.count('<option value="" selected>全部</option>') == 4


def test_a_liaisons_filters_list_only_the_units_and_items_of_its_own_ledger(client, world):
    # Given a liaison of the provider, and another provider's unit and item in the catalog
    client.login(username=world.liaison.username, password=PASSWORD)
    # When the liaison opens the unit's 台账
    form = client.get(reverse("ledger:entry_list")).context["form"]
    # Then the 单位 and 目录项 filters list only the liaison's unit and the items it provides
    assert list(form.fields["unit"].queryset) == [world.provider]
    assert list(form.fields["item"].queryset) == [world.item]
    # and naming another unit is refused as a filter (not silently widened)
    other = client.get(reverse("ledger:entry_list"), {"unit": world.other.provider.pk})
    assert "unit" in other.context["form"].errors
    # while the working group's filters still list every unit and item
    client.force_login(WorkingGroupMemberFactory().user)
    whole = client.get(reverse("ledger:entry_list")).context["form"]
    assert {world.provider, world.other.provider} <= set(whole.fields["unit"].queryset)
    assert {world.item, world.other.item} <= set(whole.fields["item"].queryset)


def test_the_api_gives_a_liaison_its_units_ledger_as_the_page_does(client, world):
    _consumer_reads(client, world)
    client.login(username=world.liaison.username, password=PASSWORD)
    response = client.get("/api/ledger/unit-entries/")
    assert response.status_code == 200
    rows = response.json()["results"]
    # the same entries as the page's selector, newest first
    assert [r["seq"] for r in rows] == sorted(_seqs(world.liaison), reverse=True)[: len(rows)]
    download = next(r for r in rows if r["action"] == LedgerAction.DOWNLOAD)
    assert download["purpose"] and download["rows"] == 3
    assert download["target"] == f"{world.item.name} {world.obligation.period_label} 第1版"
    # what the page leaves out, the API leaves out: addresses and the machine hash columns
    assert not {"ip_address", "entry_hash", "prev_hash", "details"} & set(download)
    # filtered as the page filters; another unit's id is not accepted as a filter
    uploads = client.get("/api/ledger/unit-entries/", {"action": LedgerAction.UPLOAD}).json()
    assert {r["action"] for r in uploads["results"]} == {LedgerAction.UPLOAD}
    other = client.get("/api/ledger/unit-entries/", {"unit": world.other.provider.pk})
    assert not {r["seq"] for r in other.json().get("results", [])} & set(
        LedgerEntry.objects.filter(unit=world.other.provider).values_list("seq", flat=True)
    )


def test_the_unit_ledger_api_refuses_someone_with_no_unit_ledger(client, world):
    nobody = UserFactory(unit=None)
    client.login(username=nobody.username, password=PASSWORD)
    response = client.get("/api/ledger/unit-entries/")
    assert response.status_code == 403
    assert "查阅台账" in response.json()["error"]["message"]
    client.logout()
    assert client.get("/api/ledger/unit-entries/").status_code in (401, 403)
