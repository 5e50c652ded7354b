"""One layout for every official document: the print page and the .docx (GB/T 9704-like).

Title centred in 二号 (22 pt) 小标宋, the 文号 line, the addressee flush left with a colon, the
body in 三号 (16 pt) 仿宋 with a two-character first-line indent, the issuing unit and date at the
bottom right. The office opens the .docx in WPS or Word to finish and stamp it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from zhengxiang_portal.exports import bytes_response, display_width

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REGULATION = "《蒸湘区税费精诚共治实施办法（试行）》"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
TABLE_PT = 10.5  # 五号, for a table's cells (11 columns of the 通报 across A4 portrait)
TABLE_LINE_PT = 14


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class OfficialDocument:
    """What a numbered document says; apps build it from their facts."""

    title: str
    number: str
    issuing_unit: str
    issued_on: dt.date
    addressee: str
    basis: list[str]  # articles, e.g. ["第二十八条"]
    paragraphs: list[str]
    facts: list[tuple[str, str]] = field(default_factory=list)  # labelled lines (事项、期限 …)
    table_headers: list[str] = field(default_factory=list)  # a table after the body (通报)
    table_rows: list[list[Any]] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)  # paragraphs after the table

    @property
    def basis_text(self) -> str:
        return REGULATION + "、".join(self.basis)

    @property
    def date_text(self) -> str:
        return cn_date(self.issued_on)


def _run_font(run: Any, *, name: str, size: float, bold: bool = False) -> None:
    # python-docx (heavy) is loaded only when a .docx is built.
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def docx_bytes(doc: OfficialDocument) -> bytes:
    """The document as a Word file in the usual government layout (A4, 仿宋 三号 body)."""
    # python-docx (heavy) is loaded only when a .docx is built.
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    word = Document()
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    def para(
        text: str,
        *,
        align: Any = None,
        font: str = BODY_FONT,
        size: int = BODY_PT,
        bold: bool = False,
        indent: bool = False,
        space_after: int = 0,
    ) -> None:
        p = word.add_paragraph()
        if align is not None:
            p.alignment = align
        p.paragraph_format.line_spacing = Pt(28)
        p.paragraph_format.space_after = Pt(space_after)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        _run_font(p.add_run(text), name=font, size=size, bold=bold)

    para(doc.issuing_unit, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_PT)
    if doc.number:
        para(doc.number, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=18)
    para(doc.title, align=WD_ALIGN_PARAGRAPH.CENTER, font=TITLE_FONT, size=TITLE_PT, space_after=18)
    para(f"{doc.addressee}：")
    for text in doc.paragraphs:
        para(text, indent=True)
    for label, value in doc.facts:
        para(f"{label}：{value}", indent=True)
    if doc.table_headers:
        _docx_table(word, doc, text_width_mm=210 - 28 - 26)
    for text in doc.closing:
        para(text, indent=True)
    para(f"依据：{doc.basis_text}", indent=True)
    para("")
    para(doc.issuing_unit, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def table_column_shares(headers: list[Any], rows: list[list[Any]]) -> list[float]:
    """Each column's share of the text width: as wide as its longest cell, a long heading
    a long heading wrapping after 3 Chinese characters, a long name after 12."""

    widths = [min(display_width(h), 6) for h in headers]
    for row in rows:
        for col, value in enumerate(row):
            widths[col] = max(widths[col], display_width("—" if value is None else value))
    widths = [min(w + 3, 24) for w in widths]
    total = sum(widths)
    return [w / total for w in widths]


def _docx_table(word: Any, doc: OfficialDocument, *, text_width_mm: float) -> None:
    """The document's table across the text width: columns sized to their content, the heading
    row repeated on each page, no row split across two pages, cells in 五号 (10.5 pt)."""
    # python-docx (heavy) is loaded only when a .docx is built.
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    table = word.add_table(rows=1, cols=len(doc.table_headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = OxmlElement("w:tblCellMar")  # 1 mm each side: "100.0" fits a narrow column
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)
    shares = table_column_shares(doc.table_headers, doc.table_rows)
    widths = [Mm(text_width_mm * share) for share in shares]

    def fill(row: Any, values: list[Any], font: str, *, heading: bool = False) -> None:
        tr_pr = row._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader" if heading else "w:cantSplit")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)
        for cell, value, width in zip(row.cells, values, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.line_spacing = Pt(TABLE_LINE_PT)
            text = "—" if value is None else str(value)
            _run_font(paragraph.add_run(text), name=font, size=TABLE_PT)

    fill(table.rows[0], doc.table_headers, HEADING_FONT, heading=True)
    for values in doc.table_rows:
        fill(table.add_row(), values, BODY_FONT)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


def docx_response(doc: OfficialDocument) -> HttpResponse:
    return bytes_response(
        docx_bytes(doc), filename=f"{doc.title}{doc.number}.docx", content_type=DOCX_CONTENT_TYPE
    )


def print_response(
    request: Any, doc: OfficialDocument, *, back_url: str, docx_url: str
) -> HttpResponse:
    """The A4 print page (static/css/document-print.css; the print button: static/js/print.js)."""
    return render(
        request, "documents/print.html", {"doc": doc, "back_url": back_url, "docx_url": docx_url}
    )
