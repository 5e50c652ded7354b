"""Writing the audit trail to CSV/XLSX, every cell neutralised against formula injection.

The neutralising rule is the portal's one `zhengxiang_portal.cells.safe_cell`; the .xlsx is
written by the portal's one streamed writer (`exports.xlsx_bytes`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence

from zhengxiang_portal.cells import safe_cell
from zhengxiang_portal.exports import xlsx_bytes


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
    """One streamed sheet (`exports.xlsx_bytes`: text stays text, never a formula)."""
    count = 0

    def counted() -> Iterable[Sequence[object]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    return xlsx_bytes(headers=header, rows=counted(), sheet_title="审计记录"), count


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
