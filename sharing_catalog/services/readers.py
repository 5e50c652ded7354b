"""Reading uploaded tables safely: type by content, size and zip-bomb guards, encodings.

等保 / issue 7 item 5: the type is decided by the file's bytes, not its name; a zip's declared sizes
are checked before anything is decompressed; encrypted and macro-enabled workbooks are refused;
nothing in a file is ever executed. python-calamine reads .xlsx and .xls (FACTS: fastest, and it
never evaluates formulas or macros); CSV is decoded as UTF-16 when it starts with that BOM, else
as UTF-8 (with or without BOM), then GB18030; its cells are split by commas, or by tabs or
semicolons when the header line has no comma.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from sharing_catalog.errors import CatalogErrorCode
from zhengxiang_portal.core.errors import ApplicationError

from .sheet_measure import SheetMeasure, SheetTooLarge, measure_workbook, sheet_budget_bytes
from .templates import DATA_SHEET

logger = logging.getLogger(__name__)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# The OLE stream an Office-encrypted .xlsx is wrapped in (MS-OFFCRYPTO), as UTF-16LE.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
BINARY_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"Rar!",
    b"7z\xbc\xaf",
)

EXTENSION_KINDS = {".xlsx": "xlsx", ".xls": "xls", ".csv": "csv", ".txt": "csv", ".json": "json"}
KIND_NAMES = {
    "xlsx": "Excel 工作簿（.xlsx）",
    "xls": "Excel 97-2003 工作簿（.xls）",
    "csv": "CSV 文本",
}


class FileRejected(ApplicationError):
    """The file cannot be read safely; the message tells the uploader what to do."""

    def __init__(
        self, message: Any, code: CatalogErrorCode = CatalogErrorCode.FILE_REJECTED
    ) -> None:
        super().__init__(code=code, message=message)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_uncompressed: int
    max_ratio: int
    max_entries: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_bytes=settings.PORTAL_UPLOAD_MAX_BYTES,
            # A 200,000-row × 12-column sheet unpacks to ~60 MB; 1 GiB leaves room and stops bombs.
            max_uncompressed=getattr(settings, "PORTAL_UPLOAD_MAX_UNCOMPRESSED_BYTES", 1 << 30),
            # Real workbooks compress 5–30×; a bomb declares hundreds or thousands.
            max_ratio=getattr(settings, "PORTAL_UPLOAD_MAX_ZIP_RATIO", 150),
            # A workbook has a few dozen parts; thousands means a crafted archive.
            max_entries=getattr(settings, "PORTAL_UPLOAD_MAX_ZIP_ENTRIES", 2000),
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}"


def check_size(size: int, limits: Limits | None = None) -> None:
    limits = limits or Limits.from_settings()
    if size > limits.max_bytes:
        raise FileRejected(
            _("文件大小 %(size)s MB，超过平台允许的 %(limit)s MB。请分期或分批上传。")
            % {"size": _mb(size), "limit": _mb(limits.max_bytes)},
            code=CatalogErrorCode.FILE_TOO_LARGE,
        )
    if size == 0:
        raise FileRejected(
            _("文件是空的，请选择要上传的数据文件。"), code=CatalogErrorCode.FILE_EMPTY
        )


def detect_kind(head: bytes) -> str:
    """Decide the file type from its first bytes: xlsx (zip), xls (OLE), csv (text) or unknown."""
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith(UTF16_BOMS):
        return "csv"  # text saved as "Unicode" (UTF-16) by Excel, WPS or a reporting system
    if head.startswith(BINARY_SIGNATURES) or b"\x00" in head[:4096]:
        return "unknown"
    return "csv"


def _extension_kind(filename: str) -> str | None:
    suffix = Path(filename or "").suffix.lower()
    if suffix in {".xlsm", ".xltm", ".xlsb"}:
        raise FileRejected(
            _("不接收含宏或二进制格式的工作簿（%(ext)s）。请在 Excel 中另存为 .xlsx 后上传。")
            % {"ext": suffix},
            code=CatalogErrorCode.FILE_MACRO,
        )
    return EXTENSION_KINDS.get(suffix)


def _check_zip(path: Path, limits: Limits) -> None:
    """Refuse zip bombs and non-workbooks from the central directory, before any inflation."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected(
            _("文件已损坏，无法作为 Excel 工作簿打开。请在 Excel 中重新保存后上传。"),
            code=CatalogErrorCode.FILE_CORRUPT,
        ) from exc
    if len(infos) > limits.max_entries:
        raise FileRejected(
            _("压缩包内文件数量异常（%(n)s 个），疑似恶意文件，已拒绝。") % {"n": len(infos)},
            code=CatalogErrorCode.FILE_ZIP_BOMB,
        )
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRejected(
            _("文件已加密或设有密码，平台无法读取。请取消密码后重新上传。"),
            code=CatalogErrorCode.FILE_ENCRYPTED,
        )
    if "xl/vbaProject.bin" in names:
        raise FileRejected(
            _("不接收含宏的工作簿。请在 Excel 中另存为 .xlsx（不含宏）后上传。"),
            code=CatalogErrorCode.FILE_MACRO,
        )
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise FileRejected(
            _("该文件是压缩包但不是 Excel 工作簿（.xlsx），请上传 Excel 或 CSV 文件。"),
            code=CatalogErrorCode.FILE_WRONG_TYPE,
        )
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if total > limits.max_uncompressed:
        raise FileRejected(
            _("工作簿解压后达 %(size)s MB，超过 %(limit)s MB 的上限，疑似压缩炸弹，已拒绝。")
            % {"size": _mb(total), "limit": _mb(limits.max_uncompressed)},
            code=CatalogErrorCode.FILE_ZIP_BOMB,
        )
    worst = max(
        (info.file_size / max(info.compress_size, 1) for info in infos if info.file_size > 1 << 20),
        default=total / packed,
    )
    if worst > limits.max_ratio or total / packed > limits.max_ratio:
        raise FileRejected(
            _("工作簿压缩比异常（约 %(ratio)s 倍），疑似压缩炸弹，已拒绝。")
            % {"ratio": int(max(worst, total / packed))},
            code=CatalogErrorCode.FILE_ZIP_BOMB,
        )


def _check_ole(path: Path) -> None:
    """An OLE file is either a legacy .xls or an encrypted .xlsx wrapped in OLE."""
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if ENCRYPTED_PACKAGE in tail + chunk:
                raise FileRejected(
                    _("文件已加密或设有密码，平台无法读取。请取消密码后重新上传。"),
                    code=CatalogErrorCode.FILE_ENCRYPTED,
                )
            tail = chunk[-len(ENCRYPTED_PACKAGE) :]


def inspect_file(path: Path, filename: str, limits: Limits | None = None) -> str:
    """Check a stored upload before reading it; return its kind ("xlsx", "xls" or "csv")."""
    limits = limits or Limits.from_settings()
    check_size(path.stat().st_size, limits)
    declared = _extension_kind(filename)
    with path.open("rb") as fh:
        head = fh.read(8192)
    kind = detect_kind(head)
    if declared == "json":
        return "json"
    if kind == "unknown":
        raise FileRejected(
            _("文件内容不是 Excel 或 CSV 表格（可能是程序、图片或其他文件），已拒绝。"),
            code=CatalogErrorCode.FILE_WRONG_TYPE,
        )
    if declared is None:
        raise FileRejected(
            _("只接收 .xlsx、.xls 或 .csv 文件。"), code=CatalogErrorCode.FILE_WRONG_TYPE
        )
    if declared != kind:
        raise FileRejected(
            _(
                "文件扩展名是 %(ext)s，但内容实际是%(actual)s。"
                "请改正扩展名或另存为正确格式后重新上传。"
            )
            % {"ext": Path(filename).suffix.lower(), "actual": KIND_NAMES[kind]},
            code=CatalogErrorCode.FILE_WRONG_TYPE,
        )
    if kind == "xlsx":
        _check_zip(path, limits)
    elif kind == "xls":
        _check_ole(path)
    return kind


@dataclass
class Table:
    """Rows of a table: `rows` yields lists of cell values, header first; `total` is an estimate.
    `formula_cells` are (row number from 1, column from 0) of formulas saved without a value."""

    rows: Iterator[list[Any]]
    total: int
    formula_cells: frozenset[tuple[int, int]] = frozenset()


def too_large(estimate: int | None = None) -> FileRejected:
    """The one message for a sheet whose cells would take more memory than the budget, whether
    measured beforehand or met as a MemoryError (issue 16 point 1)."""
    budget = _mb(sheet_budget_bytes())
    if estimate is None:
        message = _(
            "单元格内容总量过大，超出平台处理一个文件的内存上限（%(limit)s MB）。"
            "请删除超长的单元格内容、多余的空列，或把数据分成几个文件上传。"
        ) % {"limit": budget}
    else:
        message = _(
            "单元格内容总量过大：展开后约 %(size)s MB，超过平台处理一个文件的上限 %(limit)s MB。"
            "请删除超长的单元格内容、多余的空列，或把数据分成几个文件上传。"
        ) % {"size": _mb(estimate), "limit": budget}
    return FileRejected(message, code=CatalogErrorCode.FILE_TOO_LARGE_EXPANDED)


def _data_sheet(workbook: Any) -> Any:
    """The sheet holding the data: the portal template's "数据" sheet when there is one, else
    the first visible worksheet with content (a file may open on a cover or instructions sheet
    left empty, or keep a hidden helper sheet first), else the first sheet."""
    # Calamine is loaded only when a workbook is read.
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    if DATA_SHEET in workbook.sheet_names:
        return workbook.get_sheet_by_name(DATA_SHEET)
    for meta in workbook.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        if sheet.height:
            return sheet
    return workbook.get_sheet_by_index(0)


def _measure(path: Path) -> dict[str, SheetMeasure]:
    """Measure an .xlsx before calamine expands it; refuse one too large for the budget."""
    try:
        return measure_workbook(path)
    except SheetTooLarge as exc:
        raise too_large(exc.estimate) from exc
    except (ValueError, zipfile.BadZipFile, OSError, KeyError, RuntimeError) as exc:
        raise FileRejected(
            _("文件已损坏或格式无法识别，请在 Excel 中重新保存后上传。"),
            code=CatalogErrorCode.FILE_CORRUPT,
        ) from exc


def measure_table(path: Path) -> dict[str, SheetMeasure]:
    """What each sheet of a workbook will take once read (empty for a non-zip .xls); raises
    FileRejected for one over the budget or XML no workbook has."""
    with path.open("rb") as fh:
        return _measure(path) if fh.read(4) == ZIP_MAGIC else {}


def _calamine_table(path: Path, measures: dict[str, SheetMeasure] | None) -> Table:
    # Calamine is loaded only when a workbook is read.
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    if measures is None:
        measures = measure_table(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = _data_sheet(workbook)
        height = sheet.height
        start_row, start_col = sheet.start or (0, 0)
        rows = sheet.iter_rows()
        if start_col:
            # calamine pads leading rows but not leading columns; pad so letters stay true (A1).
            pad = [""] * start_col
            rows = (pad + row for row in rows)
    except PasswordError as exc:
        raise FileRejected(
            _("文件已加密或设有密码，平台无法读取。请取消密码后重新上传。"),
            code=CatalogErrorCode.FILE_ENCRYPTED,
        ) from exc
    except MemoryError as exc:  # the last guard, when the measure could not foresee it
        raise too_large() from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise FileRejected(
            _("文件已损坏或格式无法识别，请在 Excel 中重新保存后上传。"),
            code=CatalogErrorCode.FILE_CORRUPT,
        ) from exc
    except Exception as exc:  # anything else a hostile file provokes: refused, and logged whole
        logger.warning("workbook %s refused: %r", path.name, exc, exc_info=True)
        raise FileRejected(
            _("文件已损坏或格式无法识别，请在 Excel 中重新保存后上传。"),
            code=CatalogErrorCode.FILE_CORRUPT,
        ) from exc
    measure = measures.get(sheet.name)
    formulas = (
        frozenset((r + 1, c) for r, c in measure.uncached_formulas) if measure else frozenset()
    )
    return Table(rows=rows, total=max(height + start_row - 1, 0), formula_cells=formulas)


@dataclass
class _TextScan:
    encoding: str
    newlines: int
    ends_with_newline: bool
    has_nul: bool


def _scan_text(path: Path, encoding: str) -> _TextScan:
    """Decode the whole file in chunks, keeping nothing of the text; UnicodeDecodeError if it
    is not in `encoding`."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines, last, has_nul = 0, "", False
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            text = decoder.decode(chunk, final=not chunk)
            if text:
                newlines += text.count("\n")
                has_nul = has_nul or "\x00" in text
                last = text[-1]
            if not chunk:
                break
    return _TextScan(encoding, newlines, last == "\n", has_nul)


def text_encoding(path: Path) -> _TextScan:
    """The CSV's encoding: UTF-16 when it starts with its BOM, else UTF-8 (BOM or not), then
    GB18030 (a superset of GBK), then a guess. The file is decoded in chunks, never held
    whole (issue 16 point 1: a 100 MB CSV would be ~300 MB as one string)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    encodings = ["utf-16"] if head.startswith(UTF16_BOMS) else ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            return _scan_text(path, encoding)
        except UnicodeDecodeError:
            continue
    # charset-normalizer is loaded only for a CSV of unknown encoding.
    from charset_normalizer import from_bytes

    best = from_bytes(head).best()
    if best is not None and best.encoding:
        try:
            return _scan_text(path, best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    raise FileRejected(
        _("无法识别 CSV 文件的文字编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后上传。"),
        code=CatalogErrorCode.FILE_ENCODING,
    )


def _delimiter(lines: Iterable[str]) -> str:
    """Comma, unless the header line has none and is split by tabs (Excel's "Unicode text") or
    semicolons (CSV saved where the comma is the decimal sign)."""
    header = next((line for line in lines if line.strip()), "")
    if "," in header:
        return ","
    for candidate in ("\t", ";"):
        if candidate in header:
            return candidate
    return ","


def _csv_table(path: Path) -> Table:
    scan = text_encoding(path)
    if scan.has_nul:
        raise FileRejected(
            _("CSV 文件中含有非法的空字符，文件可能已损坏。"), code=CatalogErrorCode.FILE_CORRUPT
        )
    total = max(scan.newlines - (0 if scan.ends_with_newline else -1) - 1, 0)
    with path.open(encoding=scan.encoding, newline="") as fh:
        delimiter = _delimiter(fh)

    def rows() -> Iterator[list[Any]]:
        try:
            with path.open(encoding=scan.encoding, newline="") as fh:
                yield from csv.reader(fh, delimiter=delimiter)
        except csv.Error as exc:
            raise FileRejected(
                _("CSV 文件格式有误（%(detail)s），请检查引号与分隔符。") % {"detail": exc},
                code=CatalogErrorCode.FILE_CORRUPT,
            ) from exc

    return Table(rows=rows(), total=total)


def json_rows_table(rows: list[dict[str, Any]], keys: list[str]) -> Table:
    """Rows pushed through the API as objects keyed by field key, laid out like a sheet."""
    extra = sorted({k for row in rows for k in row} - set(keys))
    header = keys + extra

    def gen() -> Iterator[list[Any]]:
        yield list(header)
        for row in rows:
            yield [_json_cell(row.get(k)) for k in header]

    return Table(rows=gen(), total=len(rows))


def _json_cell(value: Any) -> Any:
    # JSON integers are exact (unlike Excel's floats), so they arrive as their digits.
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def open_table(
    path: Path,
    kind: str,
    *,
    keys: list[str] | None = None,
    measures: dict[str, SheetMeasure] | None = None,
) -> Table:
    """Open a checked file of `kind` for streaming its rows. A workbook is measured first
    (`measure_table`) unless `measures` are given: the caller measured it, or reads it in a
    process whose memory is capped (then `{}`, and no formula cells are known)."""
    if kind in {"xlsx", "xls"}:
        return _calamine_table(path, measures)
    if kind == "csv":
        return _csv_table(path)
    if kind == "json":
        try:
            payload = json.loads(path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileRejected(
                _("JSON 数据无法解析。"), code=CatalogErrorCode.FILE_CORRUPT
            ) from exc
        rows = payload.get("rows") if isinstance(payload, dict) else payload
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise FileRejected(
                _("JSON 数据须为对象数组，每个对象以字段标识为键。"),
                code=CatalogErrorCode.FILE_CORRUPT,
            )
        return json_rows_table(rows, keys or [])
    raise FileRejected(
        _("只接收 .xlsx、.xls 或 .csv 文件。"), code=CatalogErrorCode.FILE_WRONG_TYPE
    )
