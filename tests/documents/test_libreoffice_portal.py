"""Every .docx and .xlsx the portal offers for download opens in LibreOffice (issue 18, done-when).

Unlike test_libreoffice.py (one file of each layout, built from unsaved objects), this test asks
the pages for their downloads on the demo data, as the working group, a tax officer and liaisons
would: the three numbered documents, the bulletin (.docx, .xlsx), the month statistics, every
list export, the ledger and catalog workbooks, the Excel template, the assessment report, a
submission's data and its marked-up file. One soffice call converts them all to PDF; each PDF
must exist and have at least one page. Skips without soffice locally; fails in CI.
"""

from __future__ import annotations

import shutil

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import User
from assessment.models import Period, RectificationOrder
from assessment.services import order_document_issue
from collaboration.models import CollaborationRequest
from collaboration.services.letters import request_letter_issue
from sharing_catalog.models import CatalogItem, Submission
from sharing_catalog.services.ingest.pipeline import submission_ingest
from sharing_catalog.services.ingest.upload import submission_upload
from tests.conftest import require
from tests.documents.office import pdf_pages, soffice_to_pdf
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    private_media_root,
    xlsx_file,
)

pytestmark = pytest.mark.django_db(transaction=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _as(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _get(client: Client, url: str, content_type: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith(content_type), (url, response["Content-Type"])
    return response.content


def portal_downloads() -> dict[str, bytes]:
    """Every generated office file, fetched from the pages that offer it (name → bytes)."""
    leader, staff = _as("wg_leader"), _as("tax_staff")
    files: dict[str, bytes] = {}

    def xlsx(name: str, client: Client, url: str) -> None:
        files[f"{name}.xlsx"] = _get(client, url, XLSX)

    def docx(name: str, client: Client, url: str) -> None:
        files[f"{name}.docx"] = _get(client, url, DOCX)

    # numbered documents: 责令改正通知书, 协作函, 案件移送函
    order = RectificationOrder.objects.order_by("pk").first()
    assert order is not None
    order_document_issue(actor=User.objects.get(username="wg_leader"), order=order)
    docx("order_notice", leader, reverse("assessment:order_notice_docx", args=[order.pk]))
    tax = User.objects.get(username="tax_staff")
    requests = CollaborationRequest.objects.filter(requesting_unit=tax.unit).order_by("pk")
    letter = requests.filter(matter_type__is_case_transfer=False).first()
    transfer = requests.filter(matter_type__is_case_transfer=True).first()
    assert letter is not None and transfer is not None
    for name, req in (("collaboration_letter", letter), ("transfer_letter", transfer)):
        request_letter_issue(actor=tax, req=req)
        docx(name, staff, reverse("collaboration:letter_docx", args=[req.pk]))
    # the bulletin and the month statistics
    docx("bulletin", leader, reverse("sharing_catalog:bulletin_docx") + "?period=2026-Q4")
    xlsx("bulletin_sheet", leader, reverse("sharing_catalog:bulletin_xlsx") + "?period=2026-Q4")
    xlsx("statistics", leader, reverse("collaboration:statistics") + "?month=2026-11&format=xlsx")
    # every list export
    for name, url_name in [
        ("requests", "collaboration:request_export"),
        ("obligations", "sharing_catalog:obligation_export"),
        ("objections", "sharing_catalog:objection_export"),
        ("grants", "sharing_catalog:grant_export"),
        ("agreements", "sharing_catalog:agreement_export"),
        ("coordination", "sharing_catalog:coordination_export"),
        ("orders", "assessment:order_export"),
    ]:
        xlsx(f"list_{name}", leader, reverse(url_name, args=["xlsx"]))
    # the ledger (readable 台账 and machine export), the catalog, an item's template
    xlsx("ledger_table", leader, reverse("ledger:table_export", args=["xlsx"]))
    xlsx("ledger_export", leader, reverse("ledger:export", args=["xlsx"]))
    xlsx("catalog", leader, reverse("sharing_catalog:catalog_xlsx"))
    item = CatalogItem.objects.order_by("pk").first()
    assert item is not None
    xlsx("item_template", leader, reverse("sharing_catalog:item_template", args=[item.pk]))
    # the assessment report
    period = Period.objects.order_by("pk").first()
    assert period is not None
    xlsx("assessment_report", leader, reverse("assessment:report", args=[period.pk]))
    # a consumer's received list and a confirmed submission's data (after declaring a purpose)
    shared = (
        Submission.objects.filter(status="confirmed", obligation__item__consumers__isnull=False)
        .select_related("obligation__item")
        .order_by("pk")
        .first()
    )
    assert shared is not None
    consumer_unit = shared.obligation.item.consumers.order_by("pk").first()
    reader = User.objects.filter(unit=consumer_unit, is_active=True).order_by("pk").first()
    assert reader is not None
    consumer = Client()
    consumer.force_login(reader)
    xlsx("list_received", consumer, reverse("sharing_catalog:received_export", args=["xlsx"]))
    consumer.post(
        reverse("sharing_catalog:purpose", args=[shared.obligation.item.pk]),
        {"purpose": "collection"},
    )
    xlsx("submission_data", consumer, reverse("sharing_catalog:submission_export",
                                               args=[shared.pk, "xlsx"]))  # fmt: skip
    # a provider's marked-up file of an upload that failed validation (the demo has none)
    world = World()
    invalid = submission_upload(
        obligation=world.obligation, actor=world.liaison,
        uploaded_file=xlsx_file([good_row(1, amount="不是金额")]),
    )  # fmt: skip
    submission_ingest(submission_id=invalid.pk)
    invalid.refresh_from_db()
    assert invalid.status == "invalid"
    own = Client()
    own.force_login(world.liaison)
    xlsx("submission_marked", own, reverse("sharing_catalog:submission_marked", args=[invalid.pk]))
    return files


def test_every_download_the_portal_offers_converts_to_pdf_in_libreoffice(demo, tmp_path):
    require(shutil.which("soffice") is not None, "LibreOffice (soffice) is not installed")
    files = portal_downloads()
    assert len(files) == 21
    pdfs = soffice_to_pdf(files, tmp_path)
    failed = [name for name, pdf in pdfs.items() if pdf_pages(pdf) < 1]
    assert failed == []
