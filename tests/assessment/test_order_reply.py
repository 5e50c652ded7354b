"""Issue 14 (8): a rectification reply takes files (整改材料) and is given once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import RectificationOrder
from assessment.services import order_answer
from tests.factories import RectificationOrderFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def order(world):
    return RectificationOrderFactory(
        actor=world.leader, unit=world.market, failure="not_providing_data",
        facts="三季度登记数据逾期未报送。", requirement="补报逾期数据并说明原因。",
    )  # fmt: skip


def _detail(order) -> str:
    return reverse("assessment:order_detail", args=[order.pk])


def test_the_reply_carries_files_shown_on_the_order_and_in_the_ledger(client, world, order):
    # when the unit's liaison replies with a report through the page
    client.force_login(world.market_liaison)
    response = client.post(
        _detail(order),
        {
            "action": "answer",
            "correction": "已补报 8 月数据，附整改报告。",
            "files": [SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report")],
        },
    )
    assert response.status_code == 302
    # then the file is kept with the order, its digest in the ledger entry of the reply
    attachment = order.attachments.get()
    assert (
        attachment.original_name == "整改报告.pdf"
        and attachment.uploaded_by == world.market_liaison
    )
    entry = LedgerEntry.objects.filter(target_id=str(order.pk), details__event="answer").get()
    assert entry.details["attachments"] == [attachment.sha256]
    # and the working group can download it from the order page
    client.force_login(world.leader)
    page = client.get(_detail(order)).content.decode()
    url = reverse("assessment:order_attachment", args=[order.pk, attachment.pk])
    assert url in page and "整改报告.pdf" in page
    download = client.get(url)
    assert b"".join(download.streaming_content) == b"%PDF-1.4 report"
    assert LedgerEntry.objects.filter(action="download", digest=attachment.sha256).exists()


def test_the_reply_form_disappears_once_replied(client, world, order):
    client.force_login(world.market_liaison)
    assert "反馈整改情况" in client.get(_detail(order)).content.decode()
    client.post(_detail(order), {"action": "answer", "correction": "已整改完毕并报送。"})
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ANSWERED
    assert "反馈整改情况" not in client.get(_detail(order)).content.decode()
    # and a second reply is refused by the service as well
    with pytest.raises(ApplicationError) as err:
        order_answer(actor=world.market_liaison, order=order, correction="再次反馈内容")
    assert err.value.code == "order_answered"


def test_an_oversized_file_refuses_the_whole_reply(world, order, settings):
    settings.PORTAL_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ApplicationError) as err:
        order_answer(
            actor=world.market_liaison,
            order=order,
            correction="已整改完毕并报送。",
            files=[SimpleUploadedFile("小.txt", b"ok"), SimpleUploadedFile("大.pdf", b"x" * 11)],
        )
    assert err.value.code == "file_too_large"
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.OPEN and not order.attachments.exists()


def test_an_attachment_is_404_for_another_unit(client, world, order):
    order_answer(
        actor=world.market_liaison,
        order=order,
        correction="已整改完毕并报送。",
        files=[SimpleUploadedFile("a.pdf", b"%PDF")],
    )
    url = reverse("assessment:order_attachment", args=[order.pk, order.attachments.get().pk])
    client.force_login(world.land_liaison)
    assert client.get(url).status_code == 404
