"""The streaming .xlsx writer behind every export: what goes in reads back, and nothing runs.

Read back with openpyxl and python-calamine (two independent readers); LibreOffice reads the
same files in tests/documents/test_libreoffice.py.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from zhengxiang_portal.exports import xlsx_bytes, xlsx_sheets_bytes
from zhengxiang_portal.xlsx_stream import EXCEL_MAX_CELL_CHARS, Sheet

LONG = "蒸" * 40_000
ROW = [
    "蒸湘区税务局",
    "a & b < c > d \"e\" 'f'",
    "第一行\n第二行\t制表",
    "回车\r换行",
    " 前后空格 ",
    42,
    -3.25,
    Decimal("1000.50"),
    True,
    dt.date(2026, 12, 6),
    dt.datetime(2026, 12, 6, 9, 30, 15),  # noqa: DTZ001 (a wall-clock time, as a sheet holds it)
    "91430400MA4L0XXX1",
    "0012",
    "http://example.com",
    "蒸" * EXCEL_MAX_CELL_CHARS,
]


def _openpyxl_rows(content: bytes, title: str | None = None) -> list[list]:
    book = load_workbook(io.BytesIO(content))
    sheet = book[title] if title else book.active
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _calamine_rows(content: bytes, index: int = 0) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(index).to_python()


def test_values_read_back_as_written_in_two_readers():
    content = xlsx_bytes(headers=[f"列{n}" for n in range(len(ROW))], rows=[ROW])
    expected = [*ROW]
    expected[7] = 1000.5  # a number, as a spreadsheet holds it
    assert _openpyxl_rows(content)[1][:9] == expected[:9]
    assert _calamine_rows(content)[1][:9] == expected[:9]
    # dates are dates (openpyxl gives every date cell as a datetime)
    midnight = dt.datetime.combine(ROW[9], dt.time())
    assert _openpyxl_rows(content)[1][9:11] == [midnight, ROW[10]]
    assert _calamine_rows(content)[1][9:11] == [ROW[9], ROW[10]]
    # identifiers, leading zeros and links stay text; Excel's longest cell is kept whole
    for rows in (_openpyxl_rows(content), _calamine_rows(content)):
        assert rows[0][0] == "列0"
        assert rows[1][11:] == ROW[11:]


def test_an_aware_time_is_written_as_the_local_wall_clock(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    content = xlsx_bytes(headers=None, rows=[[dt.datetime(2026, 12, 6, 1, 0, tzinfo=dt.UTC)]])
    assert _calamine_rows(content) == [[dt.datetime(2026, 12, 6, 9, 0)]]  # noqa: DTZ001


def test_numbers_are_numbers_and_text_is_text():
    content = xlsx_bytes(headers=None, rows=[["0012", 12, Decimal("-0.50"), 1.5, "1.5"]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert [c.data_type for c in sheet[1]] == ["s", "n", "n", "n", "s"]


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+86 0734", "-5", "@SUM(A1)", "\t=cmd", "\r=cmd", "\u3000=1", "  =HYPERLINK(1)"],
)
def test_no_cell_can_run_as_a_formula(value):
    content = xlsx_bytes(headers=[value], rows=[[value, "x"]])
    for rows in (_openpyxl_rows(content), _calamine_rows(content)):
        assert rows[0][0] == rows[1][0] == "'" + value
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_a_formula_behind_a_character_xml_cannot_hold_is_still_quoted():
    content = xlsx_bytes(headers=None, rows=[["\x01=1+1", "\x00@SUM(A1)", "a\x0bb\x1fc"]])
    assert _openpyxl_rows(content) == [["'=1+1", "'@SUM(A1)", "abc"]]
    assert _calamine_rows(content) == [["'=1+1", "'@SUM(A1)", "abc"]]


def test_characters_xml_forbids_are_dropped_and_the_file_stays_valid():
    hostile = ["\x00\x01\x02\x08\x0b\x0c\x0e\x1f", "\ufffe\uffff", "前\x07后", "坏\ud800代理"]
    content = xlsx_bytes(headers=None, rows=[["首", *hostile, "尾"]])
    # an all-forbidden value is an empty cell; the cells after it keep their columns
    assert _openpyxl_rows(content) == [["首", None, None, "前后", "坏\ufffd代理", "尾"]]
    assert _calamine_rows(content) == [["首", "", "", "前后", "坏\ufffd代理", "尾"]]


def test_text_that_looks_like_an_excel_escape_reads_as_typed():
    # Excel and calamine decode _xHHHH_; the writer escapes the underscore so they show it as
    # typed (openpyxl does not decode these escapes at all)
    content = xlsx_bytes(headers=None, rows=[["_x0041_ 与 _x000D_"]])
    assert _calamine_rows(content) == [["_x0041_ 与 _x000D_"]]


def test_text_longer_than_an_excel_cell_is_cut_at_excels_limit():
    content = xlsx_bytes(headers=None, rows=[[LONG]])
    for rows in (_openpyxl_rows(content), _calamine_rows(content)):
        assert rows[0][0] == LONG[:EXCEL_MAX_CELL_CHARS]


def test_empty_values_leave_empty_cells_in_place():
    content = xlsx_bytes(headers=["a", "b", "c"], rows=[[None, "", "c"], ["a"]])
    assert _openpyxl_rows(content) == [["a", "b", "c"], [None, None, "c"], ["a", None, None]]


def test_several_sheets_with_names_excel_accepts():
    content = xlsx_sheets_bytes(
        [
            Sheet("统计[2026]/第三季度:按单位*汇总?超过三十一个字符的名称", [["甲", 1]]),
            Sheet("数据", [["乙", 2]], widths=[20, 8], bold_header=True, title_rows=1),
            Sheet("数据", [["丙", 3]]),
        ]
    )
    book = load_workbook(io.BytesIO(content))
    names = book.sheetnames
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert names[1:] == ["数据", "数据(2)"]
    assert [_openpyxl_rows(content, n)[0] for n in names] == [["甲", 1], ["乙", 2], ["丙", 3]]
    assert book["数据"]["A1"].font.b
    assert book["数据"].freeze_panes == "A2"
    assert book["数据"].column_dimensions["A"].width == 20
    assert book["数据"].print_title_rows == "$1:$1"
    assert book["数据(2)"].print_title_rows is None
    assert int(book["数据"].page_setup.paperSize) == 9  # A4
    assert _calamine_rows(content, 2) == [["丙", 3]]


def test_rows_are_consumed_as_they_come():
    # A generator is read once, in order, and never turned into a list by the writer
    seen = []

    def rows():
        for n in range(3000):
            seen.append(n)
            yield [n, f"行{n}"]

    content = xlsx_bytes(headers=["序号", "名称"], rows=rows())
    assert seen == list(range(3000))
    assert _calamine_rows(content)[-1] == [2999.0, "行2999"]
