"""The one read path (purpose, masking, access log) behind page, downloads, diff and API.

Art. 23, 24, 27: a purpose declared once holds for the item until the end of the local day;
what a consumer sees in clear is decided per item, field, consuming unit and purpose by the
working group (FieldDisclosure); every view and download is logged with the purpose.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from sharing_catalog.models import FieldDisclosure
from sharing_catalog.services import reading
from sharing_catalog.services.masking import field_disclosure_add, field_disclosure_remove
from tests.factories import (
    PASSWORD,
    FieldDisclosureFactory,
    UnitFactory,
    WorkingGroupMemberFactory,
    make_liaison,
)
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    id_number,
    private_media_root,
)
from tests.sharing_catalog.test_objections import confirmed_version
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.selectors import ACCESS_ACTIONS

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
CLEAR_ID = id_number(1)
MASKED_ID = CLEAR_ID[:4] + "*" * 10 + CLEAR_ID[-4:]


def _world() -> World:
    """Provider, two consuming units (the second also consumes), legal_id and phone sensitive."""
    world = World()
    world.other_consumer = UnitFactory()
    world.other_liaison = make_liaison(world.other_consumer)
    world.item.consumers.add(world.other_consumer)
    world.item.schema_versions.get().fields.filter(key__in=["legal_id", "phone"]).update(
        is_sensitive=True
    )
    world.v1 = confirmed_version(world, [good_row(n) for n in range(1, 4)])
    world.v2 = confirmed_version(world, [good_row(n) for n in range(1, 5)], name="v2.xlsx")
    return world


def _declare(client, world, purpose="collection"):
    url = reverse("sharing_catalog:purpose", args=[world.item.pk])
    assert client.post(url, {"purpose": purpose}).status_code == 302


def _access(actor) -> list[tuple[str, str]]:
    return list(
        LedgerEntry.objects.filter(actor=actor, action__in=ACCESS_ACTIONS)
        .order_by("seq")
        .values_list("action", "details__purpose")
    )


def _at(hour: int, minute: int = 0, day: int = 7) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def _entry_points(world):
    """The four ways to read records: page, downloads, diff, API (records and download)."""
    v1, v2 = world.v1.pk, world.v2.pk
    return [
        (reverse("sharing_catalog:submission_records", args=[v2]), {}),
        (reverse("sharing_catalog:submission_export", args=[v2, "csv"]), {}),
        (reverse("sharing_catalog:submission_export", args=[v2, "xlsx"]), {}),
        (reverse("sharing_catalog:submission_diff") + f"?old={v1}&new={v2}", {}),
        (f"/api/submissions/{v2}/records/", {"purpose": "collection"}),
        (f"/api/submissions/{v2}/download/", {"fmt": "csv", "purpose": "collection"}),
    ]


def test_every_entry_point_reads_through_the_one_read_path(client, roles, monkeypatch):
    # given a consumer who declared a purpose, and a spy on the read path
    world = _world()
    calls = []
    real = reading.read_open

    def spy(**kwargs):
        calls.append(kwargs["submission"].pk)
        return real(**kwargs)

    monkeypatch.setattr(reading, "read_open", spy)
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    # when each entry point is used once
    for url, params in _entry_points(world):
        assert client.get(url, params).status_code == 200, url
    # then each went through read_open once and wrote exactly one access-log entry with purpose
    assert calls == [world.v2.pk] * 6
    assert _access(world.consumer_liaison) == [
        ("view", "collection"),
        ("download", "collection"),
        ("download", "collection"),
        ("view", "collection"),
        ("view", "collection"),
        ("download", "collection"),
    ]


def test_every_entry_point_masks_alike_for_a_consumer_without_a_rule(client, roles):
    world = _world()
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    for url, params in _entry_points(world):
        body = client.get(url, params).content
        text = body.decode("utf-8-sig", errors="ignore")
        assert CLEAR_ID not in text, url
    page = client.get(_entry_points(world)[0][0]).content.decode()
    assert MASKED_ID in page


def test_a_purpose_declared_once_holds_until_the_end_of_the_local_day(client, roles):
    world = _world()
    records = reverse("sharing_catalog:submission_records", args=[world.v2.pk])
    download = reverse("sharing_catalog:submission_export", args=[world.v2.pk, "xlsx"])
    with time_machine.travel(_at(9), tick=False):
        client.login(username=world.consumer_liaison.username, password=PASSWORD)
        # given no purpose: the page and the download send the user to the purpose step
        assert client.get(records)["Location"].startswith(
            reverse("sharing_catalog:purpose", args=[world.item.pk])
        )
        assert client.get(download).status_code == 302
        _declare(client, world)
    # when the same user views and downloads later that day (signed in anew), nothing is asked
    with time_machine.travel(_at(16, 30), tick=False):
        client.login(username=world.consumer_liaison.username, password=PASSWORD)
        assert client.get(records).status_code == 200
        assert client.get(download).status_code == 200
    with time_machine.travel(_at(23, 59), tick=False):
        client.login(username=world.consumer_liaison.username, password=PASSWORD)
        assert client.get(download).status_code == 200
    # then the next day (signed in again) the purpose is asked again
    with time_machine.travel(_at(0, 1, day=8), tick=False):
        client.login(username=world.consumer_liaison.username, password=PASSWORD)
        assert client.get(records).status_code == 302
        assert client.get(download).status_code == 302
    # and every view and download of the day was logged with the purpose
    assert _access(world.consumer_liaison) == [
        ("view", "collection"),
        ("download", "collection"),
        ("download", "collection"),
    ]


def test_a_purpose_is_the_users_own(client, roles):
    world = _world()
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    client.login(username=world.other_liaison.username, password=PASSWORD)
    url = reverse("sharing_catalog:submission_records", args=[world.v2.pk])
    assert client.get(url).status_code == 302


def test_a_purpose_holds_for_that_item_only(client, roles):
    world = _world()
    other = World()
    other.item.consumers.add(world.consumer)
    other.v1 = confirmed_version(other, [good_row(1)])
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    url = reverse("sharing_catalog:submission_records", args=[other.v1.pk])
    assert client.get(url).status_code == 302


def test_a_disclosure_rule_shows_the_field_in_clear_to_that_unit_for_that_purpose(client, roles):
    # given the working group lets the consumer see legal_id in clear for 税费征收管理
    world = _world()
    wg = WorkingGroupMemberFactory().user
    field_disclosure_add(
        actor=wg,
        item=world.item,
        consumer=world.consumer,
        field_key="legal_id",
        purpose="collection",
    )
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    # when the consumer downloads under that purpose
    url = reverse("sharing_catalog:submission_export", args=[world.v2.pk, "csv"])
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    id_col, phone_col = rows[0].index("法定代表人身份证号码"), rows[0].index("联系电话")
    # then legal_id is in clear, the phone (no rule) stays masked, and the clear read is logged
    assert rows[1][id_col] == CLEAR_ID
    assert rows[1][phone_col] == "139****0000"
    download = LedgerEntry.objects.get(action=LedgerAction.DOWNLOAD, actor=world.consumer_liaison)
    assert download.details["clear_fields"] == ["legal_id"]
    unmask = LedgerEntry.objects.get(action=LedgerAction.UNMASK, actor=world.consumer_liaison)
    assert unmask.details["fields"] == ["legal_id"]


def test_a_disclosure_rule_does_not_reach_another_purpose_or_another_consumer(client, roles):
    world = _world()
    FieldDisclosureFactory(item=world.item, consumer=world.consumer)
    records = reverse("sharing_catalog:submission_records", args=[world.v2.pk])
    # the same unit under another purpose: masked
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world, purpose="risk")
    page = client.get(records).content.decode()
    assert CLEAR_ID not in page and MASKED_ID in page
    # another consuming unit under the rule's purpose: masked
    client.login(username=world.other_liaison.username, password=PASSWORD)
    _declare(client, world)
    page = client.get(records).content.decode()
    assert CLEAR_ID not in page and MASKED_ID in page
    # the API of the other unit: masked too
    api = client.get(f"/api/submissions/{world.v2.pk}/records/", {"purpose": "collection"})
    assert all("*" in r["data"]["legal_id"] for r in api.json()["results"])
    assert not LedgerEntry.objects.filter(action=LedgerAction.UNMASK).exists()


def test_only_the_working_group_decides_disclosure_rules_each_change_in_the_ledger(roles):
    world = _world()
    wg = WorkingGroupMemberFactory().user
    for actor in (world.liaison, world.consumer_liaison):
        with pytest.raises(PermissionDenied):
            field_disclosure_add(
                actor=actor,
                item=world.item,
                consumer=world.consumer,
                field_key="legal_id",
                purpose="collection",
            )
    with pytest.raises(ApplicationError):  # not a sensitive field
        field_disclosure_add(
            actor=wg, item=world.item, consumer=world.consumer, field_key="name", purpose="risk"
        )
    with pytest.raises(ApplicationError):  # not a consumer of the item
        field_disclosure_add(
            actor=wg,
            item=world.item,
            consumer=world.outsider_unit,
            field_key="legal_id",
            purpose="risk",
        )
    rule = field_disclosure_add(
        actor=wg, item=world.item, consumer=world.consumer, field_key="legal_id", purpose="risk"
    )
    field_disclosure_remove(actor=wg, rule=rule)
    entries = LedgerEntry.objects.filter(action=LedgerAction.ROLE, actor=wg).order_by("seq")
    assert [(e.details.get("granted"), e.details.get("revoked")) for e in entries] == [
        ("field_disclosure", None),
        (None, "field_disclosure"),
    ]
    assert entries[0].details["field_label"] == "法定代表人身份证号码"
    assert not FieldDisclosure.objects.exists()


def test_the_working_group_manages_rules_on_the_unmask_page(client, roles):
    world = _world()
    wg = WorkingGroupMemberFactory().user
    url = reverse("sharing_catalog:unmask_manage", args=[world.item.pk])
    client.force_login(wg)
    response = client.post(
        url,
        {
            "disclose": "1",
            "consumer": world.consumer.pk,
            "field_key": "legal_id",
            "purpose": "collection",
        },
    )
    assert response.status_code == 302
    rule = FieldDisclosure.objects.get()
    assert (rule.consumer, rule.field_key, rule.purpose) == (
        world.consumer,
        "legal_id",
        "collection",
    )
    page = client.get(url).content.decode()
    assert "法定代表人身份证号码" in page and "税费征收管理" in page
    client.post(url, {"withdraw": rule.pk})
    assert not FieldDisclosure.objects.exists()
    # the provider sees the rules but cannot change them
    client.force_login(world.liaison)
    client.post(
        url,
        {
            "disclose": "1",
            "consumer": world.consumer.pk,
            "field_key": "legal_id",
            "purpose": "collection",
        },
    )
    assert not FieldDisclosure.objects.exists()


def test_the_records_page_names_only_the_fields_it_masks(client, roles):
    # given legal_id is disclosed to the consumer for 税费征收管理; the phone is not
    world = _world()
    field_disclosure_add(
        actor=WorkingGroupMemberFactory().user,
        item=world.item,
        consumer=world.consumer,
        field_key="legal_id",
        purpose="collection",
    )
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    # when the consumer opens the records page
    url = reverse("sharing_catalog:submission_records", args=[world.v2.pk])
    page = client.get(url).content.decode()
    # then the notice names the phone as masked, and not the identity number shown in clear
    notice = page[page.index('id="masked-fields"') :].split("</p>", 1)[0]
    assert "联系电话。" in notice  # the label people know, not the field's key
    assert "法定代表人身份证号码" not in notice
    assert CLEAR_ID in page


def test_the_records_page_highlights_shared_data_for_a_consumer_and_obligations_for_the_provider(
    client, roles
):
    # given a confirmed version read by its consumer (purpose declared) and by its provider
    world = _world()
    url = reverse("sharing_catalog:submission_records", args=[world.v2.pk])
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    _declare(client, world)
    consumer_page = client.get(url).content.decode()
    client.login(username=world.liaison.username, password=PASSWORD)
    provider_page = client.get(url).content.decode()
    # then the navigation marks the section the page belongs to, not 目录清单 (its URL prefix)
    assert 'aria-current="page">共享数据<' in consumer_page
    assert 'aria-current="page">报送任务<' in provider_page
    assert 'aria-current="page">目录清单<' not in consumer_page + provider_page
