"""Receipt and download of confirmed data by entitled consumers (Art. 22, 24, 27)."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from agencies.roles import Role
from sharing_catalog.models import Receipt
from sharing_catalog.selectors.submissions import new_data_for, submission_visible_to
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.submissions import (
    receipt_acknowledge,
    submission_confirm,
    submission_export,
)
from tests.factories import PASSWORD, UserFactory, make_tax_bureau
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    World,
    csv_file,
    good_row,
    private_media_root,
)
from zhengxiang_portal.exports import safe_cell
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

INJECTED = '=HYPERLINK("http://evil.example","点我")'


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def confirmed(world, django_capture_on_commit_callbacks):
    row = good_row(1)
    row[1] = INJECTED  # a company name that is a formula
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=csv_file([row, good_row(2)]),
        )
    submission.refresh_from_db()
    return submission_confirm(submission=submission, actor=world.liaison)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-A1", "'-A1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\x00=1", "'=1"),
        ("\n=1", "'\n=1"),
        ("  =1", "'  =1"),
        ("\u00a0=1", "'\u00a0=1"),
        ("-12.50", "'-12.50"),  # text that looks negative is quoted; real amounts are numbers
        ("衡阳", "衡阳"),
        (12, 12),
        (None, None),
    ],
)
def test_safe_cell_neutralises_formula_prefixes(value, expected):
    assert safe_cell(value) == expected


def test_consumer_sees_new_data_and_acknowledges_once(world, confirmed):
    assert list(new_data_for(user=world.consumer_liaison)) == [confirmed]
    receipt = receipt_acknowledge(submission=confirmed, actor=world.consumer_liaison)
    again = receipt_acknowledge(submission=confirmed, actor=world.consumer_liaison)
    assert receipt == again
    assert Receipt.objects.count() == 1
    assert receipt.unit == world.consumer
    assert not new_data_for(user=world.consumer_liaison).exists()
    assert LedgerEntry.objects.filter(action="receive").count() == 1


@pytest.mark.parametrize("who", ["outsider", "liaison"])
def test_receipt_refused_to_non_consumers(world, confirmed, who):
    with pytest.raises(PermissionDenied):
        receipt_acknowledge(submission=confirmed, actor=getattr(world, who))


def test_tax_staff_read_data_consumed_by_their_bureau(db, django_capture_on_commit_callbacks):
    w = World()
    bureau = make_tax_bureau()
    w.item.consumers.add(bureau)
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF])
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_upload(
            obligation=w.obligation, actor=w.liaison, uploaded_file=csv_file([good_row(1)])
        )
    sub.refresh_from_db()
    assert not submission_visible_to(user=staff).exists()  # not before confirmation
    sub = submission_confirm(submission=sub, actor=w.liaison)
    assert list(submission_visible_to(user=staff)) == [sub]
    assert receipt_acknowledge(submission=sub, actor=staff).unit == bureau


def test_the_tax_bureau_without_liaison_hears_of_new_data_through_its_tax_staff(
    db, django_capture_on_commit_callbacks
):
    # Given the tax bureau consumes an item and has tax staff but no liaison (the demo's shape)
    w = World()
    bureau = make_tax_bureau()
    w.item.consumers.add(bureau)
    staff = UserFactory(unit=bureau, roles=[Role.TAX_STAFF])
    with django_capture_on_commit_callbacks(execute=True):
        sub = submission_upload(
            obligation=w.obligation, actor=w.liaison, uploaded_file=csv_file([good_row(1)])
        )
    # When the provider confirms the data
    with django_capture_on_commit_callbacks(execute=True):
        submission_confirm(submission=sub, actor=w.liaison)
    # Then the tax staff are told that new data has arrived, naming the item and the period
    notice = staff.notifications.get(key=f"submission:{sub.pk}:confirmed")
    assert w.item.name in notice.subject


def test_csv_download_is_utf8_bom_formula_safe_and_logged(world, confirmed):
    with submission_export(
        submission=confirmed, actor=world.consumer_liaison, fmt="csv", purpose="collection"
    ) as export:
        content = export.content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["统一社会信用代码", "企业名称"]
    assert rows[1][1] == "'" + INJECTED
    entry = LedgerEntry.objects.get(action="download")
    assert entry.digest == hashlib.sha256(content).hexdigest()
    assert entry.actor == world.consumer_liaison


def test_xlsx_download_holds_no_live_formula(world, confirmed):
    with submission_export(
        submission=confirmed, actor=world.consumer_liaison, fmt="xlsx", purpose="collection"
    ) as export:
        sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].value == "'" + INJECTED
    assert sheet["C2"].value == 1000.5  # amounts stay numbers


def test_download_refused_to_another_unit(world, confirmed):
    with pytest.raises(PermissionDenied):
        submission_export(submission=confirmed, actor=world.outsider, fmt="csv")
    assert not LedgerEntry.objects.filter(action="download").exists()


def test_pages_receipt_and_download_for_consumer_only(world, confirmed, client):
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    home = client.get("/").content.decode()
    assert "新到数据" in home
    detail = client.get(reverse("sharing_catalog:submission_detail", args=[confirmed.pk]))
    assert "确认接收" in detail.content.decode()
    client.post(reverse("sharing_catalog:submission_acknowledge", args=[confirmed.pk]))
    assert Receipt.objects.filter(unit=world.consumer).exists()
    # a download needs a declared statutory purpose first (Art. 24, 27)
    purpose = reverse("sharing_catalog:purpose", args=[confirmed.obligation.item_id])
    client.post(purpose, {"purpose": "collection"})
    response = client.get(reverse("sharing_catalog:submission_export", args=[confirmed.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    received = client.get(reverse("sharing_catalog:received_list")).content.decode()
    assert "已接收" in received
    client.logout()
    client.login(username=world.outsider.username, password=PASSWORD)
    for name, args in [
        ("submission_detail", [confirmed.pk]),
        ("submission_export", [confirmed.pk, "csv"]),
        ("submission_export", [confirmed.pk, "xlsx"]),
    ]:
        assert client.get(reverse(f"sharing_catalog:{name}", args=args)).status_code == 404
    ack = reverse("sharing_catalog:submission_acknowledge", args=[confirmed.pk])
    assert client.post(ack).status_code == 404
    assert "新到数据" not in client.get("/").content.decode()


def test_received_list_query_count_is_flat(world, confirmed, client, django_assert_max_num_queries):
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("sharing_catalog:received_list"))
    assert response.status_code == 200
