"""Issue 18 (6): 问责 after an escalated order (Art. 27–28) is recorded by the working group."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import OrderAccountability, OrderAttachment
from assessment.services import order_accountability_record, order_decide
from tests.factories import OrderAccountabilityFactory, RectificationOrderFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def order(world):
    order = RectificationOrderFactory(
        actor=world.leader, unit=world.market, failure="not_providing_data",
        facts="三季度登记数据逾期未报送。", requirement="补报逾期数据并说明原因。",
    )  # fmt: skip
    return order_decide(
        actor=world.leader, order=order, decision="escalate", note="逾期未整改，升级问责。"
    )


def _detail(order) -> str:
    return reverse("assessment:order_detail", args=[order.pk])


def _post(**overrides):
    data = {
        "action": "accountability",
        "persons": "张三，办公室主任\n\n李四，信息科科长",
        "decision": "给予张三诫勉谈话，李四通报批评。",
        "referred_to": "区纪委监委",
        "decided_on": "2026-01-05",
    }
    data.update(overrides)
    return data


def test_the_working_group_records_accountability_with_files_shown_to_the_unit(
    client, world, order
):
    # given an escalated order, when the working group records the 问责 on the order page
    client.force_login(world.member)
    assert "记录问责情况" in client.get(_detail(order)).content.decode()
    response = client.post(
        _detail(order), _post(files=[SimpleUploadedFile("问责决定书.pdf", b"%PDF-1.4 decision")])
    )
    assert response.status_code == 302
    # then the record holds the persons line by line, the decision, the body and the date
    record = order.accountabilities.get()
    assert record.person_lines == ["张三，办公室主任", "李四，信息科科长"]
    assert record.referred_to == "区纪委监委" and record.decided_on == dt.date(2026, 1, 5)
    # and its file went through the shared upload checks and belongs to the record, not the reply
    attachment = record.attachments.get()
    assert attachment.sha256 and attachment.uploaded_by == world.member
    assert not order.reply_attachments.exists()
    # and the unit's liaison sees it read-only, with the file to download
    client.force_login(world.market_liaison)
    page = client.get(_detail(order)).content.decode()
    assert "区纪委监委" in page and "李四，信息科科长" in page and "问责决定书.pdf" in page
    assert "记录问责情况" not in page
    url = reverse("assessment:order_attachment", args=[order.pk, attachment.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 decision"


def test_recording_writes_a_ledger_entry_naming_who_was_told(world, order):
    files = [SimpleUploadedFile("决定.pdf", b"%PDF")]
    record = order_accountability_record(
        actor=world.leader, order=order, persons="张三，办公室主任", decision="诫勉谈话。",
        referred_to="区市场监管局党组", decided_on=dt.date(2026, 1, 5), files=files,
    )  # fmt: skip
    entry = LedgerEntry.objects.filter(
        target_id=str(order.pk), details__event="accountability"
    ).get()
    assert entry.details["accountability"] == record.pk
    assert entry.details["referred_to"] == "区市场监管局党组"
    assert entry.details["attachments"] == [record.attachments.get().sha256]
    assert "market" in entry.details["told"]
    assert Notification.objects.filter(
        recipient=world.market_liaison, key=f"rectification:{order.pk}:accountability:{record.pk}"
    ).exists()


@pytest.mark.parametrize("who", ["market_liaison", "land_liaison", "staff"])
def test_liaisons_and_tax_staff_cannot_record_accountability(client, world, order, who):
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        order_accountability_record(
            actor=user, order=order, persons="张三", decision="诫勉谈话。",
            referred_to="区纪委监委", decided_on=dt.date(2026, 1, 5),
        )  # fmt: skip
    client.force_login(user)
    response = client.post(_detail(order), _post())
    assert response.status_code in (403, 404)
    assert not OrderAccountability.objects.exists()


def test_an_empty_decision_is_refused_in_chinese_and_saves_nothing(client, world, order):
    client.force_login(world.leader)
    response = client.post(
        _detail(order),
        _post(decision="   ", files=[SimpleUploadedFile("a.pdf", b"%PDF")]),
        follow=True,
    )
    assert "请写明问责决定。" in response.content.decode()
    assert not OrderAccountability.objects.exists() and not OrderAttachment.objects.exists()
    assert not LedgerEntry.objects.filter(details__event="accountability").exists()


def test_an_oversized_file_refuses_the_whole_record(world, order, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ApplicationError) as err:
        order_accountability_record(
            actor=world.leader, order=order, persons="张三", decision="诫勉谈话。",
            referred_to="区纪委监委", decided_on=dt.date(2026, 1, 5),
            files=[SimpleUploadedFile("大.pdf", b"x" * 11)],
        )  # fmt: skip
    assert err.value.code == "file_too_large"
    assert not OrderAccountability.objects.exists()


def test_an_order_not_escalated_takes_no_accountability(world):
    order = RectificationOrderFactory(
        actor=world.leader, unit=world.market, failure="not_providing_data",
        facts="三季度登记数据逾期未报送。", requirement="补报逾期数据并说明原因。",
    )  # fmt: skip
    with pytest.raises(ApplicationError) as err:
        order_accountability_record(
            actor=world.leader, order=order, persons="张三", decision="诫勉谈话。",
            referred_to="区纪委监委", decided_on=dt.date(2026, 1, 5),
        )  # fmt: skip
    assert err.value.code == "not_escalated"


def test_the_order_api_lists_the_accountability(client, world, order):
    OrderAccountabilityFactory(order=order, recorded_by=world.leader)
    client.force_login(world.market_liaison)
    data = client.get(reverse("assessment-order-detail", args=[order.pk])).json()
    assert data["accountabilities"][0]["persons"] == [
        "张三，区市场监管局办公室主任",
        "李四，信息科科长",
    ]
    assert data["accountabilities"][0]["referred_to"] == "区纪委监委"
