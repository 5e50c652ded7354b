"""Measure what an .xlsx will expand to in memory, before anything materialises it.

Issue 16 point 1: a 108 KB workbook whose 40,000 cells all point at one 32,767-character shared
string inflates to gigabytes inside calamine (each cell gets its own copy of the string), and a
sheet with one cell in column A and one in XFD becomes a dense range of 16,384 columns per row.
The zip guards (ratio, declared sizes) cannot see either. So the workbook's XML is streamed once
through expat, holding only one integer per shared string: each sheet's bounding box (calamine
stores a dense rows × columns range), its cell count and the characters its cells will hold
(shared strings once per referencing cell, inline strings, cached formula text) give the bytes the
sheet will take; one over the budget (INGEST_MEMORY_BUDGET_MB) is refused with a message saying
so. The same pass notes formula cells saved without their cached value, which calamine reads as
empty (issue 16 point 5).
"""

from __future__ import annotations

import contextlib
import functools
import posixpath
import re
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from django.conf import settings

# What calamine holds per position of its dense range (its cell enum) and per parsed cell before
# the range is built (position + value); a byte of UTF-8 text is one byte in calamine's copy and
# at most one more in the Python string made from it while its row is read.
DENSE_CELL_BYTES = 32
SPARSE_CELL_BYTES = 48
TEXT_BYTE_COST = 2
CHUNK = 1 << 22
# A row longer than this (bytes of XML) is measured the slow, exact way.
MAX_PIECE = 1 << 26
_CELL_REF = re.compile(r"([A-Za-z]{0,3})(\d*)")

# The fast measure: plain counts and simple patterns over the XML as Excel, WPS, openpyxl and
# most generators write it (no namespace prefixes, an r on every cell, t="s" as written).
# Each count is checked against another; a file written any other way gets the exact, slower
# expat measure instead. The range is counted from A1 (calamine's rows are padded from there).
_CELL_ROW = re.compile(rb' r="[A-Z]{1,3}(\d+)"')
_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,3})\d')
# a cell not written `<c r="A1"` with plain capitals and digits (no reference, lower case,
# other spacing, no attributes): the exact measure
_NOT_PLAIN = re.compile(rb'<c(?! r="[A-Z]{1,3}\d+")[\s/>]')
_LAST_REF = re.compile(rb'<c r="[A-Z]{1,3}(\d+)"')
_SHARED_INDEX = re.compile(rb't="s"[^>]*><v>(\d+)</v>')
_TEXT = re.compile(rb">([^<]+)<")
_BARE_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>'
)
_SI = re.compile(rb"<si>(.*?)</si>", re.S)
# namespace prefixes, declarations and CDATA, cells without attributes: the exact measure
_UNUSUAL = re.compile(rb"</?[\w.-]+:|<!|<c/?>")
# The same three, looked for only where a cheap byte test says they may be: a prefix needs a
# colon, a declaration or CDATA an exclamation mark, a cell without attributes makes "<c" more
# frequent than "<c " (a one-byte search or a count is ~10× a pattern tried at every "<").
_PREFIXED = re.compile(rb"</?[\w.-]+:")
_BARE_CELL = re.compile(rb"<c/?>")


class SheetTooLarge(Exception):
    """The sheet would take more memory than the budget; `estimate` is in bytes."""

    def __init__(self, estimate: int, budget: int) -> None:
        super().__init__(estimate, budget)
        self.estimate = estimate
        self.budget = budget


class _Refused(Exception):
    """A document type declaration or entity in workbook XML: nothing legitimate has one."""


def sheet_budget_bytes() -> int:
    """Bytes one sheet's cells may take: half the ingestion budget (the rest is the process,
    the validator's state and the rows on their way to the database)."""
    return int(settings.INGEST_MEMORY_BUDGET_MB) * 1024 * 1024 // 2


@dataclass
class SheetMeasure:
    """One worksheet as calamine will hold it."""

    cells: int = 0
    text_bytes: int = 0
    min_row: int = -1
    max_row: int = -1
    min_col: int = -1
    max_col: int = -1
    # (row, column) from 0 of formula cells with no cached value
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)

    @property
    def dense_cells(self) -> int:
        if self.max_row < 0:
            return 0
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)

    @property
    def estimate(self) -> int:
        return (
            self.dense_cells * DENSE_CELL_BYTES
            + self.cells * SPARSE_CELL_BYTES
            + self.text_bytes * TEXT_BYTE_COST
        )


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _parser() -> Any:
    parser = expat.ParserCreate()

    def refuse(*_args: Any) -> None:
        raise _Refused

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.buffer_text = True
    return parser


def _feed(archive: zipfile.ZipFile, name: str, parser: Any) -> None:
    with archive.open(name) as fh:
        while chunk := fh.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _shared_string_lengths(archive: zipfile.ZipFile, name: str | None) -> array[int]:
    """The length in UTF-8 bytes of each shared string, in order (one integer each)."""
    lengths: array[int] = array("q")
    if name is None:
        return lengths
    parser = _parser()
    depth_si = 0
    current = 0

    def start(tag: str, _attrs: Any) -> None:
        nonlocal depth_si, current
        if _local(tag) == "si":
            depth_si += 1
            current = 0

    def end(tag: str) -> None:
        nonlocal depth_si
        if _local(tag) == "si":
            depth_si -= 1
            lengths.append(current)

    def text(data: str) -> None:
        nonlocal current
        if depth_si:
            current += len(data.encode())

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    _feed(archive, name, parser)
    return lengths


def _pieces(archive: zipfile.ZipFile, name: str, end: bytes) -> Any:
    """The part's bytes in pieces of about CHUNK cut after an `end` tag (a row, a shared
    string), so no pattern spans two pieces; None when a piece would pass MAX_PIECE or the part
    is written in a way the fast measure does not count."""
    rest = b""
    with archive.open(name) as fh:
        while chunk := fh.read(CHUNK):
            data = rest + chunk
            cut = data.rfind(end)
            if cut < 0:
                if len(data) > MAX_PIECE:
                    yield None
                    return
                rest = data
                continue
            cut += len(end)
            piece, rest = data[:cut], data[cut:]
            yield piece
    if rest:
        yield rest


def _unusual(piece: bytes, cells: int | None = None) -> bool:
    """True when `piece` holds what the fast measure does not count (same answer as
    `_UNUSUAL.search`, in a fraction of its time on ordinary XML); `cells` is
    `piece.count(b"<c ")` when the caller has it."""
    if b"!" in piece and b"<!" in piece:
        return True
    if b":" in piece and _PREFIXED.search(piece):
        return True
    if cells is None:
        cells = piece.count(b"<c ")
    return piece.count(b"<c") != cells and bool(_BARE_CELL.search(piece))


def _beyond(value: bytes, low: int, high: int, more: bytes) -> list[bytes]:
    """Pattern options matching a string of the same alphabet (`low`..`high`, e.g. A..Z or
    0..9) that sorts after `value` as a number does: longer (`more`, e.g. rb"[A-Z]{4,3}" is
    never) or as long and greater at the first difference."""
    options = [more] if more else []
    for i, char in enumerate(value):
        if char < high:
            rest = len(value) - i - 1
            options.append(
                re.escape(value[:i])
                + rb"[%c-%c]" % (char + 1, high)
                + rb"[%c-%c]{%d}" % (low, high, rest)
            )
    return options


@functools.lru_cache(maxsize=64)
def _columns_beyond(letters: bytes) -> re.Pattern[bytes]:
    """A pattern finding a cell reference whose column comes after `letters` (A < Z < AA)."""
    options = _beyond(
        letters,
        ord("A"),
        ord("Z"),
        rb"[A-Z]{%d,3}" % (len(letters) + 1) if len(letters) < 3 else b"",
    )
    if not options:
        return re.compile(rb"(?!)")
    return re.compile(rb' r="(?:' + rb"|".join(options) + rb")\d")


def _up_to(value: bytes, low: int, high: int) -> bytes:
    """A pattern matching exactly the strings of the alphabet `low`..`high` (A..Z, 0..9) that
    sort no later than `value` as numbers do: shorter, or as long and not greater."""
    options = [rb"[%c-%c]{1,%d}" % (low, high, len(value) - 1)] if len(value) > 1 else []
    for i, char in enumerate(value):
        if char > low:
            rest = len(value) - i - 1
            options.append(
                re.escape(value[:i])
                + rb"[%c-%c]" % (low, char - 1)
                + rb"[%c-%c]{%d}" % (low, high, rest)
            )
    options.append(re.escape(value))
    return rb"(?:" + rb"|".join(options) + rb")"


@functools.lru_cache(maxsize=64)
def _outside(letters: bytes, row: bytes) -> re.Pattern[bytes]:
    """A pattern finding, in one pass, any cell the range up to column `letters` and row `row`
    (1-based digits) does not already cover: a cell not written `<c r="A1"` with plain capitals
    and digits (no reference, lower case, other spacing, no attributes), or one in a later
    column or row. Where it finds nothing, every cell of the piece is one `<c r="` in range."""
    inside = _up_to(letters, ord("A"), ord("Z")) + _up_to(row, ord("0"), ord("9"))
    return re.compile(rb'<c(?! r="' + inside + rb'")[\s/>]')


def _fast_shared_lengths(archive: zipfile.ZipFile, name: str) -> array[int] | None:
    lengths: array[int] = array("q")
    for piece in _pieces(archive, name, b"</si>"):
        if piece is None or _unusual(piece):
            return None
        found = _SI.findall(piece)
        if len(found) != piece.count(b"<si>") + piece.count(b"<si ") + piece.count(b"<si/>"):
            return None
        lengths.extend(map(len, found))
    return lengths


def _piece_text(m: SheetMeasure, piece: bytes, shared: array[int], size: int) -> bool:
    """Add a piece's text (shared strings by reference, every other value as the text between
    its tags) and its formulas without a cached value to `m`; False when its shared-string
    references are written in a way the patterns do not count."""
    if size:
        strings = _SHARED_INDEX.findall(piece)
        if len(strings) != piece.count(b't="s"') or b"t='s'" in piece:
            return False
        for index, count in Counter(strings).items():
            number = int(index)
            if number < size:
                m.text_bytes += count * shared[number]
    # (no shared-string table: a reference reads as nothing, there is nothing to count)
    # every other value is text between tags (numbers, inline strings, formula results)
    m.text_bytes += sum(map(len, _TEXT.findall(piece)))
    if b"<f" in piece:
        for letters, row in _BARE_FORMULA.findall(piece):
            m.uncached_formulas.add((int(row) - 1, _column(letters.decode())))
    return True


def _fast_sheet(
    archive: zipfile.ZipFile, name: str, shared: array[int], budget: int, table_bytes: int
) -> SheetMeasure | None:
    """The measure by counts and simple patterns (~10× expat); None when the sheet is written
    in a way they do not count exactly."""
    m = SheetMeasure(text_bytes=table_bytes)
    size = len(shared)
    column = b""  # the furthest column seen, as letters
    for piece in _pieces(archive, name, b"</row>"):
        if piece is None:
            return None
        # prefixes and declarations here; a cell without a plain reference (attributes
        # missing or written otherwise) is found by _outside, or _NOT_PLAIN below
        if (b"!" in piece and b"<!" in piece) or (b":" in piece and _PREFIXED.search(piece)):
            return None
        cells = piece.count(b"<c ")
        if cells and column and m.max_row >= 0:
            # the usual piece: its last cell's row extends the range, and one search says no
            # cell lies outside it (rows ascend, the widest column came early)
            last = _LAST_REF.match(piece, piece.rfind(b'<c r="'))
            if last is not None:
                high = max(m.max_row, int(last.group(1)) - 1)
                if not _outside(column, b"%d" % (high + 1)).search(piece):
                    m.cells += cells
                    m.max_row = high
                    if not _piece_text(m, piece, shared, size):
                        return None
                    if m.estimate > budget:
                        raise SheetTooLarge(m.estimate, budget)
                    continue
        rows = _CELL_ROW.findall(piece)
        if len(rows) != cells or _NOT_PLAIN.search(piece):
            return None  # a cell without its reference: positions need the exact measure
        if not cells:
            continue
        m.cells += cells
        digits = set(map(len, rows))
        longest = max(digits)
        if len(digits) == 1:  # same number of digits: compare as bytes
            high = int(max(rows)) - 1
        else:
            high = max(int(row) for row in rows if len(row) == longest) - 1
        # the columns are read only where one lies beyond the furthest seen (a search, no list)
        if not column or _columns_beyond(column).search(piece):
            column = max(set(_CELL_COLUMN.findall(piece)) | {column}, key=lambda c: (len(c), c))
        m.min_row = m.min_col = 0
        m.max_row = max(m.max_row, high)
        m.max_col = max(m.max_col, _column(column.decode()))
        if not _piece_text(m, piece, shared, size):
            return None
        if m.estimate > budget:
            raise SheetTooLarge(m.estimate, budget)
    return m


def _column(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col - 1


class _SheetScan:
    """expat handlers for one worksheet: positions, cell count, characters, bare formulas."""

    def __init__(self, m: SheetMeasure, shared: array[int], budget: int) -> None:
        self.m, self.shared, self.budget = m, shared, budget
        self.row = -1
        self.col = -1
        self.type = ""
        self.in_v = False
        self.in_is = 0
        self.has_f = False
        self.has_v = False
        self.value: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "c":
            self._cell(attrs)
        elif local == "row":
            ref = attrs.get("r")
            self.row = int(ref) - 1 if ref and ref.isdigit() else self.row + 1
            self.col = -1
        elif local == "v":
            self.in_v = self.has_v = True
            self.value.clear()
        elif local == "f":
            self.has_f = True
        elif local == "is":
            self.in_is += 1

    def _cell(self, attrs: dict[str, str]) -> None:
        m = self.m
        row, col = self.row, self.col + 1
        ref = attrs.get("r")
        if ref:
            match = _CELL_REF.fullmatch(ref)
            if match:
                if match.group(1):
                    col = _column(match.group(1))
                if match.group(2):
                    row = int(match.group(2)) - 1
        row = max(row, 0)
        self.row, self.col, self.type = row, col, attrs.get("t", "")
        self.has_f = self.has_v = False
        m.cells += 1
        if m.max_row < 0:
            m.min_row = m.max_row = row
            m.min_col = m.max_col = col
        else:
            m.min_row, m.max_row = min(m.min_row, row), max(m.max_row, row)
            m.min_col, m.max_col = min(m.min_col, col), max(m.max_col, col)

    def end(self, tag: str) -> None:
        local = _local(tag)
        m = self.m
        if local == "v":
            self.in_v = False
            text = "".join(self.value)
            if self.type == "s":
                with contextlib.suppress(ValueError, IndexError):
                    m.text_bytes += self.shared[int(text)]
            else:
                m.text_bytes += len(text.encode())
            if not text.strip():
                self.has_v = False
        elif local == "is":
            self.in_is -= 1
        elif local == "c":
            if self.has_f and not self.has_v:
                m.uncached_formulas.add((self.row, self.col))
            if m.cells % 4096 == 0 and m.estimate > self.budget:
                raise SheetTooLarge(m.estimate, self.budget)

    def text(self, data: str) -> None:
        if self.in_v:
            self.value.append(data)
        elif self.in_is:
            self.m.text_bytes += len(data.encode())


def _measure_sheet(
    archive: zipfile.ZipFile, name: str, shared: array[int], budget: int, table_bytes: int
) -> SheetMeasure:
    fast = _fast_sheet(archive, name, shared, budget, table_bytes)
    if fast is not None:
        return fast
    m = SheetMeasure(text_bytes=table_bytes)
    scan = _SheetScan(m, shared, budget)
    parser = _parser()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    _feed(archive, name, parser)
    if m.estimate > budget:
        raise SheetTooLarge(m.estimate, budget)
    return m


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    import defusedxml.ElementTree as ET

    try:
        return ET.fromstring(archive.read(name))
    except Exception:  # a broken part: calamine will say the file is corrupt
        return None


def _parts(archive: zipfile.ZipFile) -> tuple[str | None, list[str], dict[str, str]]:
    """The shared-strings part, the worksheet parts as the workbook's relationships name them
    (plus any xl/worksheets/*.xml, so a sheet cannot hide behind an odd target), and the part
    of each sheet by its name."""
    names = set(archive.namelist())
    shared: str | None = None
    sheets: set[str] = {n for n in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)}
    by_id: dict[str, str] = {}
    rels = (
        _xml(archive, "xl/_rels/workbook.xml.rels")
        if "xl/_rels/workbook.xml.rels" in names
        else None
    )
    for rel in rels if rels is not None else ():
        target = rel.get("Target") or ""
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        path = posixpath.normpath(path)
        if path not in names:
            continue
        if kind == "worksheet":
            sheets.add(path)
            by_id[rel.get("Id") or ""] = path
        elif kind == "sharedStrings":
            shared = path
    if shared is None and "xl/sharedStrings.xml" in names:
        shared = "xl/sharedStrings.xml"
    by_name: dict[str, str] = {}
    book = _xml(archive, "xl/workbook.xml") if "xl/workbook.xml" in names else None
    for el in book.iter() if book is not None else ():
        if _local(el.tag.rsplit("}", 1)[-1]) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        if rid in by_id and el.get("name"):
            by_name[el.get("name")] = by_id[rid]
    return shared, sorted(sheets), by_name


def measure_workbook(path: Path, budget: int | None = None) -> dict[str, SheetMeasure]:
    """Every worksheet of the .xlsx at `path`, measured, keyed by sheet name (or part name when
    the workbook does not name it); raises SheetTooLarge for the first one over `budget`
    (default: sheet_budget_bytes()). Raises ValueError for XML no workbook has."""
    budget = sheet_budget_bytes() if budget is None else budget
    with zipfile.ZipFile(path) as archive:
        shared_name, parts, by_name = _parts(archive)
        try:
            shared = _fast_shared_lengths(archive, shared_name) if shared_name else array("q")
            if shared is None:
                shared = _shared_string_lengths(archive, shared_name)
            # calamine holds the shared-string table itself beside the sheet
            table_bytes = sum(shared)
            measured = {
                part: _measure_sheet(archive, part, shared, budget, table_bytes) for part in parts
            }
        except (_Refused, expat.ExpatError) as exc:
            raise ValueError(str(exc)) from exc
    named = {name: measured[part] for name, part in by_name.items() if part in measured}
    named.update({part: m for part, m in measured.items() if part not in by_name.values()})
    return named
