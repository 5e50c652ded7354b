"""Safe spreadsheet writing: no downloaded cell can run as a formula."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from zhengxiang_portal.exports import csv_response, safe_cell, xlsx_bytes, xlsx_response


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+86 0734",
        "-5",
        "@SUM(A1)",
        "\t=cmd",
        "\r=cmd",
        '  =HYPERLINK("http://x")',
        "\u00a0=1",
        "\u3000+1",
    ],
)
def test_text_that_could_run_as_a_formula_is_quoted(value):
    result = safe_cell(value)
    assert result.startswith("'")
    assert result[1:] == value


def test_nul_bytes_are_dropped_and_a_leading_nul_is_quoted():
    assert safe_cell("\x00=1") == "'=1"
    assert safe_cell("a\x00b") == "ab"


@pytest.mark.parametrize(
    "value",
    [
        None,
        5,
        -3,
        1.5,
        Decimal("-2.50"),
        True,
        dt.date(2026, 1, 1),
        dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC),
    ],
)
def test_typed_values_pass_unchanged(value):
    assert safe_cell(value) == value


def test_ordinary_text_is_unchanged():
    assert safe_cell("蒸湘区财政局") == "蒸湘区财政局"
    assert safe_cell("91430400MA4L0XXX1") == "91430400MA4L0XXX1"
    assert safe_cell("a=b") == "a=b"


def test_xlsx_response_writes_no_formula_cells():
    response = xlsx_response(
        filename="导出.xlsx", headers=["名称", "金额"], rows=[["=1+2", -5], ["正常", 3]]
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E5%AF%BC%E5%87%BA.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "'=1+2"
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -5


def test_xlsx_bytes_writes_text_as_text_and_numbers_as_numbers():
    # Given values a writer could guess at (formula, number-like text, a link)
    content = xlsx_bytes(
        headers=["名称", "代码", "链接", "金额"],
        rows=[["@SUM(A1)", "0012", "http://example.com", Decimal("1000.50")], ["正常", "", "", 7]],
        sheet_title="司法拍卖",
    )
    # When it is opened, then text stays text (quoted when it could run), numbers are numbers
    book = load_workbook(io.BytesIO(content))
    sheet = book["司法拍卖"]
    assert [c.value for c in sheet[2]] == ["'@SUM(A1)", "0012", "http://example.com", 1000.5]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert sheet["B2"].data_type == "s"
    assert sheet["D3"].value == 7
    assert sheet.max_row == 3


def test_xlsx_response_sends_a_prepared_workbook():
    workbook = Workbook()
    workbook.active["A1"] = "表头"
    response = xlsx_response(filename="t.xlsx", workbook=workbook)
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "表头"


def test_csv_response_has_a_bom_and_quoted_formulas():
    response = csv_response(filename="x.csv", headers=["名称"], rows=[["=1+1"], [None]])
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff名称\r\n")
    assert "'=1+1" in body
    assert body.endswith('""\r\n')
