"""Safe spreadsheet and CSV writing shared by every app (formula-injection defence).

Excel, WPS and LibreOffice execute a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and
some also after a leading tab or carriage return, or after leading spaces) as a formula — the
"CSV injection" of OWASP. Shared data comes from other units (Art. 22), so every text value we
write into a download goes through `safe_cell` first: a dangerous value is prefixed with an
apostrophe-like single quote, which spreadsheets show as text and never evaluate.

Use `xlsx_response` / `csv_response` to send a file; both call `safe_cell` on every value.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import IO, Any
from urllib.parse import quote

from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone

from zhengxiang_portal.cells import safe_cell
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.security.audit import audit_export
from zhengxiang_portal.xlsx_stream import Sheet, write_xlsx

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _content_disposition(filename: str) -> str:
    """Attachment header with an ASCII fallback and the UTF-8 (Chinese) file name (RFC 6266)."""
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    ascii_name = ascii_name.replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def display_width(value: Any) -> int:
    """Characters a cell's text takes in a spreadsheet column: a Chinese character counts two."""
    if value is None:
        return 0
    text = value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value)
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def column_widths(
    headers: Sequence[Any] | None, rows: Iterable[Sequence[Any]] = (), *, sample: int = 1000
) -> list[int]:
    """Column widths (in characters) that fit the headers and the first `sample` rows: at least
    6, at most 50 (a long text wraps in the cell rather than widening the printed page)."""
    widths: list[int] = [display_width(h) for h in headers or []]
    for n, row in enumerate(rows):
        if n >= sample:
            break
        for col, value in enumerate(row):
            width = display_width(value)
            if col >= len(widths):
                widths.append(width)
            elif width > widths[col]:
                widths[col] = width
    return [min(max(w + 2, 6), 50) for w in widths]


A4_PAPER = 9  # OOXML's paper-size code of A4 (openpyxl's and xlsx_stream's)


def sheet_print_setup(
    worksheet: Any, *, widths: Sequence[int] = (), title_rows: int = 1, landscape: bool = True
) -> None:
    """Print an openpyxl worksheet (normal or write-only, before its first row) as a working
    group would: A4, landscape, all columns on one page width, the heading rows repeated on
    every page and frozen on screen, each column as wide as its content."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    for col, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(col)].width = width
    worksheet.page_setup.paperSize = A4_PAPER
    worksheet.page_setup.orientation = "landscape" if landscape else "portrait"
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if title_rows:
        worksheet.print_title_rows = f"1:{title_rows}"
        worksheet.freeze_panes = f"A{title_rows + 1}"


def xlsx_write_row(worksheet: Any, values: Iterable[Any]) -> None:
    """Append one row of safe values to an openpyxl worksheet (normal or write-only)."""
    worksheet.append([safe_cell(v) for v in values])


def xlsx_write(
    fileobj: IO[bytes],
    *,
    headers: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    sheet_title: str = "数据",
    widths: Sequence[int] | None = None,
) -> None:
    """Write a one-sheet .xlsx of `headers` + `rows` into `fileobj`, every value through
    `safe_cell`.

    Streamed by `xlsx_stream` (flat memory whatever the row count: issue 16 point 4). Strings
    are always strings: nothing is guessed into a formula, a number or a link. Dates show as
    2026-09-25.

    The sheet prints on A4 landscape, one page wide, the heading row on every page (and frozen
    on screen); columns are `widths` wide, or fit the headers and (when `rows` is a list) the
    first rows.
    """
    if widths is None:
        widths = column_widths(headers, rows if isinstance(rows, list | tuple) else ())
    sheet = Sheet(
        sheet_title,
        chain([headers] if headers else [], rows),
        widths=widths,
        title_rows=1 if headers else 0,
    )
    write_xlsx(fileobj, [sheet])


def xlsx_bytes(
    *,
    headers: Sequence[Any] | None,
    rows: Iterable[Sequence[Any]],
    sheet_title: str = "数据",
    widths: Sequence[int] | None = None,
) -> bytes:
    """`xlsx_write` into memory, for the small lists and documents the pages export."""
    buffer = io.BytesIO()
    xlsx_write(buffer, headers=headers, rows=rows, sheet_title=sheet_title, widths=widths)
    return buffer.getvalue()


def xlsx_sheets_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An .xlsx of several sheets (`xlsx_stream.Sheet`: title, rows, widths, heading rows),
    each printed on A4, one page wide, its heading rows repeated."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets)
    return buffer.getvalue()


def workbook_bytes(workbook: Any) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    *,
    filename: str,
    workbook: Any = None,
    headers: Sequence[Any] | None = None,
    rows: Iterable[Sequence[Any]] = (),
    sheet_title: str = "数据",
) -> HttpResponse:
    """Send an .xlsx download: a prepared openpyxl `workbook`, or `headers` + `rows` to write.

    When rows are given, the workbook is written by `xlsx_bytes` (flat memory, every value
    through `safe_cell`). A prepared workbook is sent as it is: its builder is responsible for
    writing its cells through `safe_cell` (see `xlsx_write_row`).
    """
    if workbook is None:
        content = xlsx_bytes(headers=headers, rows=rows, sheet_title=sheet_title)
    else:
        content = workbook_bytes(workbook)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _content_disposition(filename)
    return response


def _csv_lines(headers: Sequence[Any] | None, rows: Iterable[Sequence[Any]]) -> Iterable[str]:
    """CSV text in pieces of CSV_PIECE_ROWS rows, every value through `safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if headers:
        writer.writerow([safe_cell(v) for v in headers])
    for n, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
        if n % CSV_PIECE_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


CSV_PIECE_ROWS = 2000


def csv_rows(headers: Sequence[Any] | None, rows: Iterable[Sequence[Any]]) -> str:
    """Render rows as CSV text with every value through `safe_cell` (small lists)."""
    return "".join(_csv_lines(headers, rows))


def csv_write(fileobj: IO[bytes], headers: Sequence[Any] | None, rows: Iterable[Sequence[Any]]):
    """Write rows as CSV in UTF-8 with a BOM (Excel on Chinese Windows opens it right) into
    `fileobj`, a piece at a time: memory stays flat whatever the row count."""
    fileobj.write("\ufeff".encode())
    for piece in _csv_lines(headers, rows):
        fileobj.write(piece.encode("utf-8"))


def csv_response(
    *, filename: str, headers: Sequence[Any] | None, rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """Send a CSV download in UTF-8 with a BOM, so Excel on Chinese Windows opens it correctly."""
    body = "\ufeff" + csv_rows(headers, rows)
    response = HttpResponse(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _content_disposition(filename)
    return response


CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def bytes_response(content: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """Send already-built export bytes (e.g. whose SHA-256 went into the ledger) as a download.

    The bytes must have been written through `safe_cell` (`csv_rows`, `xlsx_write_row`).
    """
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = _content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# An export up to this size stays in memory; a larger one is written to a temporary file and
# sent from there, so a download of any size takes the web process a fixed amount of memory.
EXPORT_SPOOL_BYTES = 8 * 1024 * 1024


@dataclass
class SpooledExport:
    """A written export: its bytes in `file` (at position 0), their SHA-256 and size."""

    file: IO[bytes]
    sha256: str
    size: int

    def read(self) -> bytes:
        return read_whole(self.file)


def read_whole(fileobj: IO[bytes]) -> bytes:
    """A spooled export's whole content (tests and small callers; a response streams it)."""
    fileobj.seek(0)
    data = fileobj.read()
    fileobj.seek(0)
    return data


def spooled_export(write: Callable[[IO[bytes]], Any]) -> SpooledExport:
    """Run `write(fileobj)` into a spooled temporary file and hash what it wrote.

    The SHA-256 is of the finished file, read back a megabyte at a time (the .xlsx writer seeks
    back to finish each part, so the bytes are final only once it returns).
    """
    # closed by the response that sends it (or here, on failure)
    fileobj: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115
    try:
        write(fileobj)
        fileobj.flush()
        size = fileobj.tell()
        fileobj.seek(0)
        digest = hashlib.sha256()
        while chunk := fileobj.read(1 << 20):
            digest.update(chunk)
        fileobj.seek(0)
    except BaseException:
        fileobj.close()
        raise
    return SpooledExport(file=fileobj, sha256=digest.hexdigest(), size=size)


def file_response(
    fileobj: IO[bytes], *, filename: str, content_type: str, size: int
) -> HttpResponse | FileResponse:
    """Send an export written by `spooled_export` (through `safe_cell`) as a download.

    One that stayed in memory goes as it is; a larger one (on disk) is streamed from its file,
    which the response closes once sent: the web process holds a fixed amount either way.
    """
    response: HttpResponse | FileResponse
    if size <= EXPORT_SPOOL_BYTES:
        with fileobj:
            response = HttpResponse(read_whole(fileobj), content_type=content_type)
    else:
        response = FileResponse(fileobj, content_type=content_type)
    response["Content-Disposition"] = _content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


LIST_EXPORT_FORMATS = ("xlsx", "csv")


def local_text(value: Any) -> Any:
    """A datetime as local wall-clock text ("2026-09-25 17:00"); anything else unchanged."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def list_export_response(
    *,
    request: Any,
    fmt: str,
    basename: str,
    what: str,
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    shared: bool = False,
) -> HttpResponse:
    """A list page's rows (with its filters) as .xlsx or CSV, in local time, formula-safe, and
    recorded as an export in the audit log (what, how many rows, the file's SHA-256).

    `shared`: the list tells of other units' shared data (received data, objections to it), so
    its download is also an entry of the access log (Art. 24, 27: 数据传送接收有记录), in the
    exporting unit's own 台账, like a download of the records themselves.
    """
    data = [[local_text(v) for v in row] for row in rows]
    if fmt == "csv":
        content = ("\ufeff" + csv_rows(headers, data)).encode("utf-8")
        content_type = CSV_CONTENT_TYPE
    elif fmt == "xlsx":
        content = xlsx_bytes(headers=headers, rows=data, sheet_title=basename)
        content_type = XLSX_CONTENT_TYPE
    else:
        raise Http404
    digest = hashlib.sha256(content).hexdigest()
    details = {"format": fmt, "filters": request.GET.urlencode()}
    with transaction.atomic():  # both entries or neither
        audit_export(
            actor=request.user, what=what, rows=len(data), digest=digest, request=request,
            details=details,
        )  # fmt: skip
        if shared:
            ledger_append(
                action=LedgerAction.DOWNLOAD, actor=request.user,
                unit=getattr(request.user, "unit", None), target_label=what, digest=digest,
                details={"list": what, "rows": len(data), **details},
                category=LedgerCategory.TRANSFER,
            )  # fmt: skip
    return bytes_response(content, filename=f"{basename}.{fmt}", content_type=content_type)
