"""Downloads print properly from the office suite: A4, headings repeated, columns sized."""

from __future__ import annotations

import io

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from sharing_catalog.selectors.bulletin import UnitReporting, bulletin_period
from sharing_catalog.views import bulletin as bulletin_views
from zhengxiang_portal.documents.render import docx_bytes
from zhengxiang_portal.exports import column_widths, display_width, xlsx_bytes


def test_widths_count_a_chinese_character_as_two_and_stay_within_bounds():
    assert display_width("区财政局") == 8 and display_width("100.0") == 5
    assert column_widths(["单位", "数"], [["国网湖南省电力有限公司衡阳供电分公司", 1]]) == [
        38,
        6,
    ]
    assert column_widths(["说明"], [["长" * 60]]) == [50]


def test_a_row_workbook_prints_on_a4_landscape_one_page_wide_with_its_heading_repeated():
    content = xlsx_bytes(headers=["单位", "应报"], rows=[["区财政局", 3]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["B"].width


@pytest.mark.django_db  # the issuing authority is a setting in the database
def test_the_bulletin_table_in_word_repeats_its_heading_and_never_splits_a_row():
    rows = [
        UnitReporting(
            unit_id=1, unit_name="国网湖南省电力有限公司衡阳供电分公司", due=3, on_time=3
        ),
        UnitReporting(unit_id=2, unit_name="甲局", due=3, on_time=1, late=1, missing=1),
    ]
    doc = bulletin_views.bulletin_document(bulletin_period("2026-Q3"), rows)
    table = Document(io.BytesIO(docx_bytes(doc))).tables[0]
    heading, *body = table.rows
    assert heading._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in body)
    widths = [cell.width for cell in heading.cells]
    # the unit column is the widest; the table spans the text width (156 mm) of A4 portrait
    assert max(widths) == widths[1]
    assert abs(sum(widths) / 36000 - 156) < 1
