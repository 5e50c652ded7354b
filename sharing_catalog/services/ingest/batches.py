"""What validated rows become on their way to the database (Art. 22 and 24): the running result
of one ingestion, the previous version's snapshot plausibility compares against, and the COPY
text of clean batches (keys in stored form, sensitive values sealed). Shared by the row path
(`pipeline`) and the reader processes (`parallel`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import orjson

from sharing_catalog.models import FieldType

from ..record_codec import RecordCodec
from ..validation.cells import FieldSpec
from ..validation.plausibility import decimal_jumps
from ..validation.rows import KEY_SEPARATOR, is_blank_row

MAX_STORED_ERRORS = 5000  # a file with more errors is wrong as a whole; the count is still exact
PROGRESS_EVERY = 2000  # rows between progress updates (one small UPDATE each)
ROW_BATCH = 500  # rows validated column by column at a time (divides PROGRESS_EVERY)
Progress = Callable[..., None]  # (processed, total, stage=Submission.Stage.VALIDATING)


def _copy_escape(text: str) -> str:
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


_COPY_LINE = b"%b%d\t%b\t%b\n".__mod__


def copy_lines(
    prefix: bytes, first_row: int, keys: list[str], datas: list[dict[str, Any]]
) -> Iterator[bytes]:
    """COPY text lines (UTF-8) of consecutive rows: "submission<TAB>row<TAB>key<TAB>json" each.

    A batch at a time: orjson writes every control character of a payload as an escape, so
    the payloads joined by NUL (which JSON never holds raw) need one backslash doubling for the
    whole batch; the keys are escaped only if any of them needs it. Bytes all the way to the
    socket: text would be decoded here, then encoded again to cross a pipe and to reach the
    database (~0.4 s of CPU for 200,000 rows)."""
    blob = b"\x00".join(map(orjson.dumps, datas))
    if b"\\" in blob:
        blob = blob.replace(b"\\", b"\\\\")
    if _COPY_SPECIAL.search("".join(keys)):
        keys = list(map(_copy_escape, keys))
    return map(
        _COPY_LINE,
        zip(
            itertools.repeat(prefix),
            itertools.count(first_row),
            map(str.encode, keys),
            blob.split(b"\x00"),
        ),
    )


_UNESCAPE = re.compile(r"\\(.)")
_UNESCAPE_MAP = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}


def copy_unescape(text: str) -> str:
    return _UNESCAPE.sub(lambda m: _UNESCAPE_MAP.get(m.group(1), m.group(1)), text)


@dataclass
class IngestResult:
    processed: int = 0
    row_count: int = 0  # rows that passed their own checks, even when the file is refused
    error_count: int = 0
    header_errors: int = 0
    key_checked: bool = True  # False when a key column is missing: duplicates were not compared
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    keys: AbstractSet[str] = field(default_factory=set)
    # Amounts kept for the tenfold-jump warning: only those of rows that jumped against the
    # previous version (`previous`). Keeping every row's took ~400 MB for a
    # 1,000,000-row second version, over the 1 GB budget (issue 16 point 6).
    decimals: dict[str, dict[str, str]] = field(default_factory=dict)
    previous: PreviousSnapshot | None = None

    def note_decimals(self, key: str, data: Mapping[str, Any], decimal_keys: list[str]) -> None:
        before = self.previous.amounts(key) if self.previous is not None else None
        if before:
            values = {k: data[k] for k in decimal_keys if k in data}
            if decimal_jumps(before, values):
                self.decimals[key] = values

    def add_errors(self, errors: list[dict[str, Any]]) -> None:
        self.error_count += len(errors)
        room = MAX_STORED_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


class Encoder:
    """What a batch of valid rows becomes: keys in stored form (hashed where sensitive), the
    amounts plausibility compares, sealed values, COPY lines (Art. 24: sealed before anything
    reaches the database). One piece for the row path and for the reader processes."""

    def __init__(self, specs: list[FieldSpec], submission_id: int) -> None:
        self.codec = codec = RecordCodec(specs)
        self.prefix = b"%d\t" % submission_id
        self.hash_key = codec.stored_key if codec.hashes_key else None
        self._seal_rows = codec.seal_rows if codec.sensitive else None
        self.decimal_keys = [s.key for s in specs if s.field_type == FieldType.DECIMAL]

    def clean(
        self,
        checked: tuple[list[dict[str, Any]], list[str]],
        first_row: int,
        result: IngestResult,
        *,
        track: bool,
        lines: list[bytes] | None,
    ) -> list[str]:
        """Count a clean batch (`RowValidator.validate_batch`'s answer) in `result`, add its
        COPY lines to `lines` (None once the file has errors: nothing will be stored), and
        return its keys as stored."""
        datas, keys = checked
        result.row_count += len(datas)
        if self.hash_key is not None:
            keys = list(map(self.hash_key, keys))
        if track and self.decimal_keys:
            for key, clear in zip(keys, datas, strict=True):
                result.note_decimals(key, clear, self.decimal_keys)
        if lines is not None:
            if self._seal_rows is not None:
                self._seal_rows(datas)
            lines.extend(copy_lines(self.prefix, first_row, keys, datas))
        return keys


def read_header(rows: Iterator[list[Any]]) -> tuple[list[Any] | None, int]:
    """The header row and its row number, past any blank lines above it."""
    row_number = 1
    header = next(rows, None)
    while header is not None and is_blank_row(header):
        row_number += 1
        header = next(rows, None)
    return header, row_number


@dataclass
class PreviousSnapshot:
    """What plausibility checks need of the previous confirmed version, read up front.

    Keys are in the current schema's stored form (hashed where sensitive); `labels` gives the
    masked key to show for a hashed one.
    """

    row_count: int
    keys: set[str]
    # Each record's amounts as a tuple in `decimal_fields` order: a dict per record took
    # ~130 MB more for 1,000,000 records (issue 16 point 6: a second version within 1 GB).
    decimals: dict[str, tuple[Any, ...]]
    has_key: bool
    labels: dict[str, str] = field(default_factory=dict)
    decimal_fields: tuple[str, ...] = ()

    def describe(self, key: str) -> str:
        return self.labels.get(key) or key.replace(KEY_SEPARATOR, " / ")

    def amounts(self, key: str) -> dict[str, str] | None:
        """The previous version's amounts of the record with `key` (field → text), if any."""
        values = self.decimals.get(key)
        if values is None:
            return None
        return {k: v for k, v in zip(self.decimal_fields, values, strict=True) if v is not None}
