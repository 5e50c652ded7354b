"""The 责令改正通知书 (Art. 28): numbered by the working group, printed and downloaded as .docx."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from docx.shared import Pt

from assessment.models import RectificationOrder
from assessment.services import order_document_issue
from tests.factories import DocumentSettingsFactory, RectificationOrderFactory
from zhengxiang_portal.core.errors import ApplicationError

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2026, 9, 25, 9, tzinfo=dt.UTC)


@pytest.fixture
def order(world):
    DocumentSettingsFactory(issuing_unit="区共治专项工作组")
    return RectificationOrderFactory(
        actor=world.leader, unit=world.market,
        failure=RectificationOrder.Failure.NOT_PROVIDING_DATA,
        facts="三季度登记数据逾期未报送。", requirement="补报逾期数据并说明原因。",
        working_days=10, today=DAY.date(),
    )  # fmt: skip


@time_machine.travel(DAY, tick=False)
def test_the_working_group_issues_the_notice_with_the_next_number(client, world, order):
    client.force_login(world.leader)
    response = client.post(reverse("assessment:order_notice_issue", args=[order.pk]))
    assert response.status_code == 302
    page = client.get(reverse("assessment:order_detail", args=[order.pk])).content.decode()
    assert "蒸税共治〔2026〕1号" in page


def test_the_unit_liaison_cannot_issue_but_reads_the_issued_notice(client, world, order):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        order_document_issue(actor=world.market_liaison, order=order)
    client.force_login(world.market_liaison)
    url = reverse("assessment:order_notice", args=[order.pk])
    assert client.get(url).status_code == 404  # not issued yet
    assert client.post(reverse("assessment:order_notice_issue", args=[order.pk])).status_code == 403
    order_document_issue(actor=world.leader, order=order)
    page = client.get(url).content.decode()
    for text in ("责令改正通知书", "区共治专项工作组", "区市场监管局：", "第二十八条",
                 "补报逾期数据并说明原因。", "2026年10月15日前"):  # fmt: skip
        assert text in page
    assert "document-print.css" in page and "<script>" not in page


def test_a_second_issue_is_refused(world, order):
    order_document_issue(actor=world.leader, order=order)
    with pytest.raises(ApplicationError):
        order_document_issue(actor=world.member, order=order)


@time_machine.travel(DAY, tick=False)
def test_the_docx_has_the_government_layout(client, world, order):
    issued = order_document_issue(actor=world.leader, order=order)
    client.force_login(world.leader)
    response = client.get(reverse("assessment:order_notice_docx", args=[order.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    word = Document(io.BytesIO(response.content))
    texts = [p.text for p in word.paragraphs]
    assert texts[:4] == ["区共治专项工作组", issued.number, "责令改正通知书", "区市场监管局："]
    assert texts[-2:] == ["区共治专项工作组", "2026年9月25日"]
    title, body = word.paragraphs[2], word.paragraphs[4]
    assert title.alignment == 1 and title.runs[0].font.size == Pt(22)  # centred, 二号
    assert body.runs[0].font.size == Pt(16)  # 三号
    assert word.paragraphs[-1].alignment == 2  # date bottom right
    assert any("第二十八条" in t for t in texts)
