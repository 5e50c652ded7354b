"""Writing the audit trail to CSV/XLSX, every cell neutralised against formula injection.

The neutralising rule is the portal's one `zhengxiang_portal.exports.safe_cell`.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence

from zhengxiang_portal.exports import safe_cell


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
