"""协作函 (Art. 6–7) and 案件移送函 (Art. 6(三)): numbered by the requester, printed, .docx."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from docx import Document

from collaboration.services import request_letter_issue, request_withdraw
from tests.factories import CollaborationRequestFactory, DocumentSettingsFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _numbering(db):
    DocumentSettingsFactory(number_template="蒸税共治〔{year}〕{n}号")


def test_the_requesting_side_issues_a_collaboration_letter(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    client.force_login(world.staff)
    assert client.post(reverse("collaboration:letter_issue", args=[req.pk])).status_code == 302
    issued = IssuedDocument.objects.get()
    assert issued.kind == IssuedDocument.Kind.COLLABORATION_LETTER
    assert issued.issuing_unit == world.bureau.name and issued.addressee == world.market.name
    assert LedgerEntry.objects.filter(action=LedgerAction.DOCUMENT, unit=world.bureau).exists()
    page = client.get(reverse("collaboration:letter", args=[req.pk])).content.decode()
    expected = ("协作函", issued.number, "区市场监管局：", "第六条、第七条", req.subject)
    for text in expected:
        assert text in page


def test_the_asked_unit_reads_the_letter_but_cannot_issue_it(client, world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(PermissionDenied):
        request_letter_issue(actor=world.market_liaison, req=req)
    request_letter_issue(actor=world.staff, req=req)
    client.force_login(world.market_liaison)
    assert client.get(reverse("collaboration:letter", args=[req.pk])).status_code == 200
    client.force_login(world.other_liaison)
    assert client.get(reverse("collaboration:letter", args=[req.pk])).status_code == 404


def test_a_case_transfer_gets_a_transfer_letter_citing_article_6_3(client, world):
    req = CollaborationRequestFactory(
        actor=world.staff, target_unit=world.police, matter_type=world.mt("case-transfer")
    )
    issued = request_letter_issue(actor=world.staff, req=req)
    assert issued.kind == IssuedDocument.Kind.TRANSFER_LETTER
    client.force_login(world.staff)
    response = client.get(reverse("collaboration:letter_docx", args=[req.pk]))
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert texts[2] == "案件移送函" and texts[3] == "公安分局："
    assert any("第六条第（三）项" in t for t in texts)


def test_a_withdrawn_request_gets_no_letter(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    req = request_withdraw(actor=world.staff, req=req, reason="重复提交")
    with pytest.raises(ApplicationError):
        request_letter_issue(actor=world.staff, req=req)
    assert not IssuedDocument.objects.exists()
