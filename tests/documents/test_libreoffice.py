"""Every generated office file opens in LibreOffice: one soffice call converts them all to PDF.

Skips without soffice locally; fails in CI (tests.conftest.require), where .ci/run installs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest

from agencies.models import Unit
from assessment.documents import order_document
from assessment.models import RectificationOrder
from collaboration.documents import request_letter
from collaboration.models import CollaborationRequest, MatterType
from sharing_catalog.selectors.bulletin import UnitReporting, bulletin_period
from sharing_catalog.views import bulletin as bulletin_views
from tests.conftest import require
from tests.documents.office import pdf_pages, soffice_to_pdf
from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.render import docx_bytes
from zhengxiang_portal.exports import xlsx_bytes, xlsx_response

DAY = dt.date(2026, 9, 25)


def _issued(kind: str, n: int, addressee: str) -> IssuedDocument:
    return IssuedDocument(
        kind=kind, number=f"蒸税共治〔2026〕{n}号", issuing_unit="区共治专项工作组",
        addressee=addressee, issued_on=DAY,
    )  # fmt: skip


def _request(*, transfer: bool) -> CollaborationRequest:
    matter = MatterType(name="案件移送" if transfer else "涉税信息查询", is_case_transfer=transfer)
    return CollaborationRequest(
        number="XZ-2026-000001", matter_type=matter, subject="某公司虚开发票案",
        body="请依法处理。", legal_basis="税收征管法第七十七条", due_date=DAY,
        working_days_allowed=30,
    )  # fmt: skip


# A download's hard cases: Chinese, XML-special and forbidden characters, formulas, numbers, dates
EXPORT_HEADERS = ["名称", "代码", "金额", "日期", "备注", "完税"]
EXPORT_ROWS = [
    ["衡阳湘江商贸有限公司", "0012", Decimal("1000.50"), dt.date(2026, 12, 6), "a & b <c>", True],
    ['=HYPERLINK("http://x")', "+86 0734", -5, None, "前\x01后\x1f", False],
    ["长" * 5000, "_x0041_", 3.25, dt.date(2026, 1, 31), "第一行\n第二行", None],
]


def _soffice(tmp_path, *args: str) -> None:
    soffice = shutil.which("soffice")
    require(soffice is not None, "LibreOffice (soffice) is not installed")
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", *args],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip


def generated_files() -> dict[str, bytes]:
    """One file of each generated kind (name → bytes), built by the code the pages use."""
    order = RectificationOrder(
        unit=Unit(name="区市场监管局"), failure=RectificationOrder.Failure.NOT_PROVIDING_DATA,
        facts="三季度登记数据逾期未报送。", requirement="补报。", working_days=10, due_date=DAY,
    )  # fmt: skip
    kinds = IssuedDocument.Kind
    notice = _issued(kinds.RECTIFICATION_NOTICE, 1, "区市场监管局")
    letter = _issued(kinds.COLLABORATION_LETTER, 2, "甲")
    transfer = _issued(kinds.TRANSFER_LETTER, 3, "乙")
    period = bulletin_period("2026-Q3")
    rows = [
        UnitReporting(unit_id=1, unit_name="乙局", due=2, on_time=2, rank=1),
        UnitReporting(unit_id=2, unit_name="甲局", due=3, on_time=1, late=1, missing=1, rank=2),
    ]
    bulletin = bulletin_views.bulletin_document(period, rows)
    sheet = xlsx_response(
        filename="b.xlsx", headers=bulletin.table_headers, rows=bulletin.table_rows
    ).content
    return {
        "bulletin.docx": docx_bytes(bulletin),
        "bulletin_sheet.xlsx": sheet,  # not "bulletin": both would convert to bulletin.pdf
        "export.xlsx": xlsx_bytes(headers=EXPORT_HEADERS, rows=EXPORT_ROWS),
        "order_notice.docx": docx_bytes(order_document(order=order, issued=notice)),
        "collaboration_letter.docx": docx_bytes(
            request_letter(req=_request(transfer=False), issued=letter)
        ),
        "transfer_letter.docx": docx_bytes(
            request_letter(req=_request(transfer=True), issued=transfer)
        ),
    }


@pytest.mark.django_db
def test_every_generated_docx_and_xlsx_converts_to_pdf_in_libreoffice(tmp_path):
    require(shutil.which("soffice") is not None, "LibreOffice (soffice) is not installed")
    pdfs = soffice_to_pdf(generated_files(), tmp_path)
    assert {name: pdf_pages(pdf) >= 1 for name, pdf in pdfs.items()} == dict.fromkeys(pdfs, True)


def test_a_streamed_export_reads_back_in_libreoffice_as_written(tmp_path):
    # Given an export with the hard cases, when LibreOffice opens it and saves it as UTF-8 CSV
    (tmp_path / "export.xlsx").write_bytes(xlsx_bytes(headers=EXPORT_HEADERS, rows=EXPORT_ROWS))
    _soffice(
        tmp_path, "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1",
        "--outdir", str(tmp_path / "csv"), str(tmp_path / "export.xlsx"),
    )  # fmt: skip
    with (tmp_path / "csv" / "export.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    # then every value reads as written: text as text, numbers and dates as such, no formula ran
    assert rows == [
        EXPORT_HEADERS,
        ["衡阳湘江商贸有限公司", "0012", "1000.5", "2026-12-06", "a & b <c>", "TRUE"],
        ['\'=HYPERLINK("http://x")', "'+86 0734", "-5", "", "前后", "FALSE"],
        ["长" * 5000, "_x0041_", "3.25", "2026-01-31", "第一行\n第二行", ""],
    ]
