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

from zhengxiang_portal.exports import bytes_response

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REGULATION = "《蒸湘区税费精诚共治实施办法（试行）》"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
TITLE_PT = 22  # 二号
BODY_PT = 16  # 三号
TABLE_PT = 12  # 小四, for a table's cells


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


def _run_font(run: Any, *, name: str, size: int, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), name)


def docx_bytes(doc: OfficialDocument) -> bytes:
    """The document as a Word file in the usual government layout (A4, 仿宋 三号 body)."""
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
        table = word.add_table(rows=1, cols=len(doc.table_headers))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, doc.table_headers, strict=True):
            _run_font(cell.paragraphs[0].add_run(str(text)), name=HEADING_FONT, size=TABLE_PT)
        for values in doc.table_rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                text = "—" if value is None else str(value)
                _run_font(cell.paragraphs[0].add_run(text), name=BODY_FONT, size=TABLE_PT)
    for text in doc.closing:
        para(text, indent=True)
    para(f"依据：{doc.basis_text}", indent=True)
    para("")
    para(doc.issuing_unit, align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(doc.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


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
