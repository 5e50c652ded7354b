"""Exports of a ledger slice: the machine export (verifiable) and the readable one.

`export_csv` / `export_xlsx` are the machine export for the working group and the auditor:
the leading columns are exactly the fields the entry hash covers (chain.entry_fields), written
so that `scripts/verify_ledger_export.py` can rebuild them without Django; the trailing columns
are for people (local time, action and unit names).

Spreadsheet formula injection: a cell starting with = + - @ (or a tab, CR, or an apostrophe)
gets one leading apostrophe. The verifier strips exactly one leading apostrophe, so the mapping
is reversible and the hashes still verify.

`readable_csv` / `readable_xlsx` are the 台账 for people, a unit's own included (Art. 22):
Chinese headings, local time (Asia/Shanghai), units and objects by name.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengxiang_portal.exports import csv_rows, xlsx_bytes

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
    # openpyxl (heavy) is loaded only when a workbook is built.
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


# --- the readable export: a unit's own 台账 for people (Art. 22) ---------------------------

READABLE_COLUMNS = [
    gettext_lazy("序号"),
    gettext_lazy("时间（北京时间）"),
    gettext_lazy("类别"),
    gettext_lazy("动作"),
    gettext_lazy("操作人"),
    gettext_lazy("操作单位"),
    gettext_lazy("对象"),
    gettext_lazy("用途"),
    gettext_lazy("行数"),
    gettext_lazy("结果"),
    gettext_lazy("本条哈希"),
]

# Apps name their ledger targets as a person reads them ("司法拍卖成交信息 2026年11月 第2版",
# not "21 v2"): `labeller(pks) -> {pk: label}`, keyed by "app_label.model".
_labellers: dict[str, Callable[[list[str]], dict[str, str]]] = {}


def register_target_labeller(
    model_label: str, labeller: Callable[[list[str]], dict[str, str]]
) -> None:
    """Name the targets of one model in readable exports, in bulk (one query per model)."""
    _labellers[model_label.lower()] = labeller


def target_labels(entries: list[LedgerEntry]) -> dict[int, str]:
    """Each entry's target as people name it today, by entry seq; the stored text otherwise."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for e in entries:
        if e.target_type_id and e.target_id:
            wanted[f"{e.target_type.app_label}.{e.target_type.model}"].add(e.target_id)
    names: dict[tuple[str, str], str] = {}
    for label, pks in wanted.items():
        labeller = _labellers.get(label)
        if labeller is None:
            continue
        for pk, name in labeller(sorted(pks)).items():
            names[(label, str(pk))] = name
    out = {}
    for e in entries:
        name = None
        if e.target_type_id:
            name = names.get((f"{e.target_type.app_label}.{e.target_type.model}", e.target_id))
        out[e.seq] = name or e.target_repr
    return out


def row_count(entry: LedgerEntry) -> int | None:
    """How many records an entry concerned, when it says (an objection's `rows` lists them)."""
    rows = entry.details.get("rows") if isinstance(entry.details, dict) else None
    return rows if isinstance(rows, int) and not isinstance(rows, bool) else None


def readable_rows(entries: Iterable[LedgerEntry]) -> Iterator[list[object]]:
    """Chinese headings, local time, names instead of ids; no hashed machine columns."""
    entries = list(entries)
    labels = target_labels(entries)
    yield [str(c) for c in READABLE_COLUMNS]
    for e in entries:
        rows = row_count(e)
        yield [
            e.seq,
            timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.get_category_display(),
            e.get_action_display(),
            e.actor_display,
            e.unit.name if e.unit_id and e.unit else "",
            labels.get(e.seq, e.target_repr),
            (e.details or {}).get("purpose_label", ""),
            rows if rows is not None else "",
            _("成功") if e.outcome == "success" else e.outcome,
            e.entry_hash,
        ]


def readable_csv(entries: Iterable[LedgerEntry]) -> bytes:
    """UTF-8 with BOM (Excel on Chinese Windows), formula-safe cells."""
    rows = readable_rows(entries)
    return ("\ufeff" + csv_rows(next(rows), rows)).encode("utf-8")


def readable_xlsx(entries: Iterable[LedgerEntry]) -> bytes:
    """The same rows as `readable_csv` in one formula-safe sheet (A4, heading repeated)."""
    rows = readable_rows(entries)
    headers = next(rows)
    return xlsx_bytes(headers=headers, rows=list(rows), sheet_title=str(_("台账")))
