"""Writing the audit trail to CSV/XLSX, every cell neutralised against formula injection.

main has no shared zhengxiang_portal/exports.py yet (issue 7 item 6 is built by the catalog
engineers); `safe_cell` follows the same rule and is to be replaced by theirs once merged.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence

# A cell that a spreadsheet would read as a formula or command: = + - @, tab, CR, NUL — also
# after leading ordinary or non-breaking spaces.
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "\x00")
_LEADING_SPACES = " \u00a0\u3000"


def safe_cell(value: object) -> object:
    if not isinstance(value, str):
        return value
    if value.lstrip(_LEADING_SPACES).startswith(_DANGEROUS_FIRST):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[bytes, int]:
    """UTF-8 with BOM (Excel in China opens it correctly); returns (bytes, row count)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[bytes, int]:
    """Write-only openpyxl workbook; every string cell is typed as text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计记录")

    def cells(values):
        out = []
        for v in values:
            cell = WriteOnlyCell(ws, value=safe_cell(v))
            if isinstance(v, str):
                cell.data_type = "s"
            out.append(cell)
        return out

    ws.append(cells(header))
    count = 0
    for row in rows:
        ws.append(cells(row))
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), count


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
