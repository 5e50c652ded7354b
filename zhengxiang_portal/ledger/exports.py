"""Export of a ledger slice with everything needed to re-verify it outside the portal.

The leading columns are exactly the fields the entry hash covers (chain.entry_fields), written
so that `scripts/verify_ledger_export.py` can rebuild them without Django; the trailing columns
are for people (local time, action and unit names).

Spreadsheet formula injection: a cell starting with = + - @ (or a tab, CR, or an apostrophe)
gets one leading apostrophe. The verifier strips exactly one leading apostrophe, so the mapping
is reversible and the hashes still verify.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.utils import timezone

from .chain import canonical_json, entry_fields
from .models import LedgerEntry

HASHED_COLUMNS = [
    "seq",
    "created_at",
    "category",
    "action",
    "outcome",
    "actor_id",
    "actor_label",
    "unit_id",
    "target_type",
    "target_id",
    "target_repr",
    "digest",
    "details",
    "ip_address",
    "hash_algo",
    "prev_hash",
]
COLUMNS = [*HASHED_COLUMNS, "entry_hash", "local_time", "action_label", "unit_name"]
_DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(value: str) -> str:
    """Keep a spreadsheet from executing a cell as a formula (reversibly)."""
    return "'" + value if value.startswith(_DANGEROUS_FIRST) else value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return canonical_json(value)
    return str(value)


def export_rows(entries: Iterable[LedgerEntry]) -> Iterator[list[str]]:
    """Header, then one row per entry; every cell a neutralised string."""
    yield COLUMNS
    for entry in entries:
        fields = entry_fields(entry)
        row = [_cell(fields[c]) for c in HASHED_COLUMNS]
        row += [
            entry.entry_hash,
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            entry.get_action_display(),
            entry.unit.name if entry.unit_id and entry.unit else "",
        ]
        yield [neutralise(c) for c in row]


def export_csv(entries: Iterable[LedgerEntry]) -> bytes:
    """UTF-8 with BOM so Excel opens Chinese text correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in export_rows(entries):
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(entries: Iterable[LedgerEntry]) -> bytes:
    """Write-only workbook; every cell typed as a string so nothing is read as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    for row in export_rows(entries):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
