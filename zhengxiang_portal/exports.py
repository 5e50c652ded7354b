"""Safe Excel/CSV writing: the ONE place that neutralises spreadsheet formula injection.

Every export of the portal (shared data, reports, audit exports) passes each cell through
`safe_cell`, so a value such as ``=HYPERLINK(...)`` or ``@SUM(...)`` supplied by one unit is never
executed by Excel on another unit's desk (OWASP "CSV injection"; 等保 data-security duty, Art. 24).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

# Characters that make Excel/LibreOffice treat a cell as a formula or a DDE command, plus the
# control characters that can hide such a prefix (tab, CR, NUL).
_DANGEROUS_FIRST = frozenset("=+-@\t\r\x00")
# Leading blanks Excel skips before looking at the first character.
_LEADING_BLANKS = " \u00a0\u3000"
# A plain number ("-12.50") cannot start a formula; it stays a number so amounts remain usable.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?\Z")

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: Any) -> Any:
    """Return `value` made inert for a spreadsheet: a risky text gets a leading apostrophe.

    Non-text values (numbers, dates, booleans, None) are returned unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    stripped = value.lstrip(_LEADING_BLANKS)
    if not stripped:
        return value
    if stripped[0] in _DANGEROUS_FIRST and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with BOM (so Excel opens Chinese text correctly), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def xlsx_bytes(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet_title: str = "Sheet1"
) -> bytes:
    """A one-sheet .xlsx (openpyxl write-only, flat memory), every text cell made safe."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    header_cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(value))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    return _attachment(content, XLSX_CONTENT_TYPE, filename)


def csv_response(content: bytes, filename: str) -> HttpResponse:
    return _attachment(content, CSV_CONTENT_TYPE, filename)
