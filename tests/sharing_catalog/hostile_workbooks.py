"""Hand-written .xlsx files, small on disk, that calamine would expand to gigabytes (issue 16)."""

# ruff: noqa: E501  (OOXML boilerplate is kept one part per line)

from __future__ import annotations

import random
import string
import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def column_letter(idx: int) -> str:
    letters = ""
    idx += 1
    while idx:
        idx, rem = divmod(idx - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_xlsx(path: Path, rows_xml: str, shared: list[str]) -> Path:
    """A minimal .xlsx: sheet "数据" with the given <row> elements and shared strings."""
    sst = "".join(f"<si><t>{s}</t></si>" for s in shared)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">{sst}</sst>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{rows_xml}'
            "</sheetData></worksheet>",
        )
    return path


def shared_string_bomb(
    path: Path, rows: int = 4000, cols: int = 10, *, references: bool = True
) -> Path:
    """Issue 16's file: rows × cols cells all pointing at one 32,767-character shared string
    (with `references=False` its cells carry no r="A1", as some generators write them)."""

    def ref(c: int, r: int) -> str:
        return f' r="{column_letter(c)}{r}"' if references else ""

    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c{ref(c, r)} t="s"><v>1</v></c>' for c in range(cols))
        + "</row>"
        for r in range(2, rows + 2)
    )
    header = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return write_xlsx(path, header + body, ["案号", "x" * 32767])


def inline_string_bomb(path: Path, rows: int = 600, cols: int = 10) -> Path:
    """Long inline strings: no shared-string table to look at. Each cell starts with random
    letters so that the file compresses like a real one (the zip ratio guard passes)."""
    rng = random.Random(16)

    def text() -> str:
        return "".join(rng.choices(string.ascii_letters, k=400)) + "y" * 32367

    body = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{column_letter(c)}{r}" t="inlineStr"><is><t>{text()}</t></is></c>'
            for c in range(cols)
        )
        + "</row>"
        for r in range(1, rows + 1)
    )
    return write_xlsx(path, body, [])


def wide_sheet(path: Path, rows: int = 20000) -> Path:
    """Each row has a cell in A and one in XFD (column 16,384): a dense range of 16,384 columns."""
    body = "".join(
        f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="XFD{r}"><v>2</v></c></row>'
        for r in range(1, rows + 1)
    )
    return write_xlsx(path, body, [])


def shared_string_bomb_without_references(path: Path) -> Path:
    return shared_string_bomb(path, references=False)
