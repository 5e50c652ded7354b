"""A streaming .xlsx writer: rows go straight into the zip as SpreadsheetML, memory stays flat.

Every .xlsx of data rows the portal exports (submission downloads, list exports, the readable
台账, the audit trail, the bulletin table, the statistics) is written here, so one rule holds for
all of them: every text value goes through `cells.safe_cell` (nothing a spreadsheet could run
as a formula), strings are always written as strings (never guessed into numbers, formulas or
links), and XML cannot be broken by the data. Not here: the styled workbooks built with openpyxl
(upload templates, marked-up files, the catalog list, the assessment report), which write their
cells through `exports.xlsx_write_row`, and the ledger's hashed export, whose cells must stay
byte-exact for `verify_ledger_export.py`.

Why our own writer (issue 16 point 4): xlsxwriter in constant-memory mode spent ~9 s of Python
per 100,000 × 12 cells (a method call, a dimension check, a cell name and three regular
expressions per cell); here one row is one string built from the values, and each sheet is one
deflate stream written as it goes. Only what the downloads need is written: one or more sheets,
inline strings, numbers, booleans, dates, column widths, a bold header, heading rows frozen
and repeated on every printed page, A4 landscape one page wide (issue 18's print layout).

What the data cannot break:
- ``& < >`` are escaped and a carriage return is written as ``&#13;`` (XML readers would turn
  it into a line feed); the characters XML 1.0 forbids (controls other than tab, line feed and
  carriage return, U+FFFE, U+FFFF) are dropped, and an unpaired surrogate (not text) becomes
  U+FFFD: readers disagree on Excel's ``_xHHHH_`` escapes for them (openpyxl shows them raw), and
  they have no meaning in shared data. Text that already looks like such an escape has its
  underscore escaped (``_x005F_``), as Excel and xlsxwriter do, so Excel shows it as typed.
- Text longer than Excel's 32,767 characters per cell is cut there (Excel refuses longer cells).
- A date before 1900-03-01 (where Excel's serial numbers are wrong) is written as ISO text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from django.utils import timezone

from zhengxiang_portal.cells import FORMULA_TRIGGERS, LEADING_BLANKS, safe_cell

A4_PAPER = 9  # OOXML's paper-size code
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767
_EPOCH = dt.date(1899, 12, 30)
_EPOCH_DATETIME = dt.datetime(1899, 12, 30)  # noqa: DTZ001 (Excel's serials have no zone)
_FIRST_SERIAL_DATE = dt.date(1900, 3, 1)
# Styles (cellXfs index): 0 general, 1 date, 2 date and time, 3 time, 4 bold (header).
_S_DATE, _S_DATETIME, _S_TIME, _S_BOLD = 1, 2, 3, 4
_ROWS_PER_WRITE = 512

# A first character that makes `safe_cell` look further (a formula trigger or a leading blank).
_RISKY_FIRST = FORMULA_TRIGGERS | frozenset(LEADING_BLANKS)
_NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff\ud800-\udfff]|_x[0-9A-Fa-f]{4}_")
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_MARKUP = re.compile("[&<>\r]|_x[0-9A-Fa-f]{4}_")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
# First and last characters that send a text cell down the careful path (`_text_cell`): a
# formula trigger or leading blank first, or whitespace at either end (xml:space="preserve").
_WHITESPACE = frozenset(chr(c) for c in range(0x3001) if chr(c).isspace())
_SLOW_FIRST = _RISKY_FIRST | _WHITESPACE
_SLOW_LAST = _WHITESPACE
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def _drop_forbidden(match: re.Match[str]) -> str:
    return "\ufffd" if "\ud800" <= match.group() <= "\udfff" else ""


def _escape_markup(match: re.Match[str]) -> str:
    found = match.group()
    # literal text that Excel would read as an escape keeps its underscore
    return _ENTITIES[found] if len(found) == 1 else "_x005F" + found


def _column_names(count: int) -> list[str]:
    names = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, rem = divmod(n - 1, 26)
            name = chr(65 + rem) + name
        names.append(name)
    return names


_COLUMNS = _column_names(EXCEL_MAX_COLUMNS)


def sheet_title(title: Any, used: set[str] | None = None) -> str:
    """A valid, unique worksheet name: no ``[]:*?/\\``, not quoted, at most 31 characters."""
    name = _SHEET_NAME_FORBIDDEN.sub("_", str(title)).strip("'").strip()[:31] or "数据"
    if used is not None:
        base, n = name, 2
        while name.casefold() in used:
            suffix = f"({n})"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.casefold())
    return name


@dataclass
class Sheet:
    """One worksheet: its rows (any iterable, consumed once) and how it is shown."""

    title: Any
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] = ()
    bold_header: bool = False
    title_rows: int = 0  # heading rows: frozen on screen, repeated on every printed page
    landscape: bool = True


def _text_cell(ref: str, value: str) -> str:
    special = _NEEDS_ESCAPE.search(value) is not None
    if special:
        # dropped first, so that a formula behind a dropped character is still quoted
        value = _FORBIDDEN.sub(_drop_forbidden, value)
        if not value:
            return ""  # nothing but characters XML cannot hold
    if value[0] in _RISKY_FIRST:
        value = safe_cell(value)
    if len(value) > EXCEL_MAX_CELL_CHARS:
        value = value[:EXCEL_MAX_CELL_CHARS]
    if special:
        value = _MARKUP.sub(_escape_markup, value)
    if value[0].isspace() or value[-1].isspace():
        return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _other_cell(ref: str, value: Any, style: int) -> str:
    """Any value that is not plain text or an int (rarer: checked in order)."""
    cls = value.__class__
    s = f' s="{style}"' if style else ""
    if cls is bool:
        return f'<c r="{ref}" t="b"{s}><v>{int(value)}</v></c>'
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and math.isfinite(value):
            return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
        if isinstance(value, Decimal) and value.is_finite():
            return f'<c r="{ref}"{s}><v>{value}</v></c>'
        return _text_cell(ref, str(value))
    if isinstance(value, int):  # int subclasses (enums)
        return f'<c r="{ref}"{s}><v>{int(value)}</v></c>'
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)
        if value.date() < _FIRST_SERIAL_DATE:
            return _text_cell(ref, value.isoformat(sep=" "))
        serial = (value - _EPOCH_DATETIME) / dt.timedelta(days=1)
        return f'<c r="{ref}" s="{_S_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, dt.date):
        if value < _FIRST_SERIAL_DATE:
            return _text_cell(ref, value.isoformat())
        return f'<c r="{ref}" s="{_S_DATE}"><v>{(value - _EPOCH).days}</v></c>'
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{ref}" s="{_S_TIME}"><v>{seconds / 86400!r}</v></c>'
    text = str(value)
    return _text_cell(ref, text) if text else ""


def _sheet_xml_head(sheet: Sheet) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    ]
    # printed as a working group would: A4, all columns on one page width (pageSetup below)
    parts.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
    if sheet.title_rows:
        n = sheet.title_rows
        parts.append(
            f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{n}" topLeftCell="A{n + 1}" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        )
    if sheet.widths:
        parts.append("<cols>")
        for n, width in enumerate(sheet.widths[:EXCEL_MAX_COLUMNS], start=1):
            parts.append(f'<col min="{n}" max="{n}" width="{float(width)!r}" customWidth="1"/>')
        parts.append("</cols>")
    parts.append("<sheetData>")
    return "".join(parts)


def _write_sheet_rows(stream: IO[bytes], sheet: Sheet) -> None:
    columns = _COLUMNS
    needs_escape = _NEEDS_ESCAPE.search
    buffer: list[str] = []
    append = buffer.append
    for number, row in enumerate(sheet.rows, start=1):
        if number > EXCEL_MAX_ROWS:
            raise ValueError(f"a worksheet holds at most {EXCEL_MAX_ROWS} rows")
        r = str(number)
        style = _S_BOLD if number == 1 and sheet.bold_header else 0
        append(f'<row r="{r}">')
        for col, value in enumerate(row):
            cls = value.__class__
            # The common cells inline (1.2 million a 100,000-row download); the rest by function.
            if style:
                if value is not None and value != "":
                    cell = _other_cell(columns[col] + r, value, style)
                    append(cell.replace(' t="inlineStr"', f' s="{style}" t="inlineStr"', 1))
            elif cls is str:
                if not value:
                    continue
                if (
                    value[0] in _SLOW_FIRST
                    or value[-1] in _SLOW_LAST
                    or len(value) > EXCEL_MAX_CELL_CHARS
                    or needs_escape(value)
                ):
                    append(_text_cell(columns[col] + r, value))
                else:
                    append(f'<c r="{columns[col]}{r}" t="inlineStr"><is><t>{value}</t></is></c>')
            elif cls is int or (cls is Decimal and value.is_finite()):
                append(f'<c r="{columns[col]}{r}"><v>{value}</v></c>')
            elif value is not None:
                append(_other_cell(columns[col] + r, value, 0))
        append("</row>")
        if number % _ROWS_PER_WRITE == 0:
            stream.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    orientation = "landscape" if sheet.landscape else "portrait"
    buffer.append(
        '</sheetData><pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
        f'footer="0.3"/><pageSetup paperSize="{A4_PAPER}" orientation="{orientation}" '
        'fitToWidth="1" fitToHeight="0"/></worksheet>'
    )
    stream.write("".join(buffer).encode("utf-8"))


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "{sheets}</Types>"
)
_SHEET_CONTENT_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd\\ hh:mm:ss"/>'
    '<numFmt numFmtId="166" formatCode="hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _quoted_sheet(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _workbook_xml(titles: list[str], sheets: Sequence[Sheet]) -> str:
    listed = "".join(
        f'<sheet name={quoteattr(t)} sheetId="{n}" r:id="rId{n}"/>'
        for n, t in enumerate(titles, start=1)
    )
    # the heading rows printed on every page
    names = "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{index}">'
        f"{escape(_quoted_sheet(title))}!$1:${sheet.title_rows}</definedName>"
        for index, (title, sheet) in enumerate(zip(titles, sheets, strict=True))
        if sheet.title_rows
    )
    defined = f"<definedNames>{names}</definedNames>" if names else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f"<bookViews><workbookView/></bookViews><sheets>{listed}</sheets>{defined}</workbook>"
    )


def _workbook_rels(count: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{n}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, count + 1)
    )
    styles = (
        f'<Relationship Id="rId{count + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rels}{styles}</Relationships>"
    )


def write_xlsx(fileobj: IO[bytes], sheets: Sequence[Sheet], *, compresslevel: int = 1) -> None:
    """Write `sheets` as one .xlsx into `fileobj`, each sheet's rows streamed as they come.

    Deflate level 1: ~3× faster than the default for a file ~15 % larger (rows of text and
    numbers compress well at any level).
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    used: set[str] = set()
    titles = [sheet_title(s.title, used) for s in sheets]
    with zipfile.ZipFile(
        fileobj, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
    ) as archive:
        overrides = "".join(_SHEET_CONTENT_TYPE.format(n=n) for n in range(1, len(sheets) + 1))
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(sheets=overrides))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _workbook_xml(titles, sheets))
        archive.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        archive.writestr("xl/styles.xml", _STYLES)
        for n, sheet in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{n}.xml", "w") as stream:
                stream.write(_sheet_xml_head(sheet).encode("utf-8"))
                _write_sheet_rows(stream, sheet)
