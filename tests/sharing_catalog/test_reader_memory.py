"""Memory bounded by design (issue 16 point 1): a workbook is measured before calamine expands it.

The hostile workbooks are written by hand (zipfile + XML), small on disk; each is refused with
"单元格内容总量过大…" before anything is materialised, with little memory used for it.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from sharing_catalog.services.readers import FileRejected, inspect_file, open_table
from sharing_catalog.services.sheet_measure import measure_workbook
from tests.sharing_catalog.hostile_workbooks import (
    column_letter,
    inline_string_bomb,
    shared_string_bomb,
    shared_string_bomb_without_references,
    wide_sheet,
    write_xlsx,
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize(
    "build",
    [shared_string_bomb, shared_string_bomb_without_references, inline_string_bomb, wide_sheet],
    ids=["shared", "shared-exact-measure", "inline", "wide"],
)
def test_a_workbook_that_would_expand_past_the_budget_is_refused_before_it_is_read(
    tmp_path, settings, build
):
    # Given a small workbook whose cells would take gigabytes once expanded
    settings.INGEST_MEMORY_BUDGET_MB = 600
    path = build(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 3 * 1024 * 1024
    before = _peak_mb()
    # When it is opened for reading (the zip guards let it through)
    kind = inspect_file(path, "bomb.xlsx")
    with pytest.raises(FileRejected) as refused:
        list(open_table(path, kind).rows)
    # Then it is refused with the message, naming the limit, and without using much memory
    message = str(refused.value.message)
    assert message.startswith("单元格内容总量过大")
    assert "300 MB" in message
    assert "分成几个文件" in message
    assert _peak_mb() - before < 150


def test_the_budget_is_a_setting(tmp_path, settings):
    # Given a sheet of 2,000 × 10 cells of a 1,000-character string (~40 MB expanded)
    path = tmp_path / "mid.xlsx"
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letter(c)}{r}" t="s"><v>0</v></c>' for c in range(10))
        + "</row>"
        for r in range(1, 2001)
    )
    write_xlsx(path, body, ["z" * 1000])
    # When the budget is the default, it is read
    settings.INGEST_MEMORY_BUDGET_MB = 600
    assert len(list(open_table(path, inspect_file(path, "mid.xlsx")).rows)) == 2000
    # When the budget is lowered, the same file is refused
    settings.INGEST_MEMORY_BUDGET_MB = 60
    with pytest.raises(FileRejected, match="单元格内容总量过大"):
        open_table(path, "xlsx")


def test_a_normal_workbook_is_measured_small_and_read(tmp_path):
    # Given an ordinary workbook: a header and 3,000 rows of short values
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>' + "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>案号{r}</t></is></c>'
        f'<c r="B{r}"><v>{r}.5</v></c></row>'
        for r in range(2, 3002)
    )
    path = write_xlsx(tmp_path / "ok.xlsx", body, ["案号", "金额"])
    # When it is measured and read
    measure = measure_workbook(path)["数据"]
    rows = list(open_table(path, inspect_file(path, "ok.xlsx")).rows)
    # Then it is far under the budget and every row arrives
    assert measure.cells == 6002
    assert measure.estimate < 2 * 1024 * 1024
    assert rows[0] == ["案号", "金额"]
    assert rows[-1] == ["案号3001", 3001.5]


def test_a_memory_error_while_reading_becomes_the_same_message(tmp_path, monkeypatch):
    # Given a workbook the measure lets through but whose reading runs out of memory
    path = write_xlsx(
        tmp_path / "ok.xlsx", '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', ["案号"]
    )
    import python_calamine

    def exhausted(*_a, **_k):
        raise MemoryError

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", exhausted)
    # When it is read, then the process-level guard turns it into the same message
    with pytest.raises(FileRejected, match="单元格内容总量过大"):
        open_table(path, "xlsx")


def test_a_formula_saved_without_its_value_is_recorded_by_cell(tmp_path):
    # Given a sheet where B2 is a formula with no cached value and B3 one with its value
    body = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>A2*2</f></c></row>'
        '<row r="3"><c r="A3"><v>1</v></c><c r="B3"><f>A3*2</f><v>2</v></c></row>'
    )
    path = write_xlsx(tmp_path / "f.xlsx", body, ["案号"])
    # When it is opened, then the table names B2 (row 2, column index 1) only
    assert open_table(path, "xlsx").formula_cells == frozenset({(2, 1)})


def test_a_csv_is_read_in_chunks_never_held_whole(tmp_path, monkeypatch):
    # Given a GBK CSV of 5,000 rows (decoded by trying UTF-8 first, then GB18030)
    text = "企业名称,成交金额\r\n" + "".join(
        f"衡阳蒸湘商贸有限公司{n},{n}\r\n" for n in range(5000)
    )
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("gbk"))

    # When it is read while reading a file whole is not possible
    def whole(*_a, **_k):
        raise AssertionError("the CSV was read whole")

    monkeypatch.setattr(Path, "read_bytes", whole)
    monkeypatch.setattr(Path, "read_text", whole)
    table = open_table(path, "csv")
    rows = list(table.rows)
    # Then every row arrives decoded, and the total is known beforehand
    assert table.total == 5000
    assert rows[0] == ["企业名称", "成交金额"]
    assert rows[-1] == ["衡阳蒸湘商贸有限公司4999", "4999"]
