"""A large workbook read by two reader processes (issue 16 point 6: the second core).

`start_readers` forks them (`readers_pair`) before the worker starts any thread: the first loads
the sheet under its memory cap while the worker measures it (`validate_parallel`), then forks the
second; each checks every other chunk of PROGRESS_EVERY rows column by column (`_validate_share`)
and sends COPY text with its keys. The worker COPYs the chunks in row order and compares keys
across the halves. Anything to report raises `Irregular`: the row path (`pipeline`) reads the file
again and writes the report exactly as it always does.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection

from sharing_catalog.models import Submission

from ..readers import Table, measure_table, open_table, too_large
from ..validation.cells import FieldSpec
from ..validation.rows import RowValidator, is_blank_row
from .batches import (
    PROGRESS_EVERY,
    ROW_BATCH,
    Encoder,
    IngestResult,
    PreviousSnapshot,
    Progress,
    read_header,
)
from .readers_pair import ReaderOutOfMemory, ReaderPair, Send
from .upload import _media_path


class Irregular(Exception):
    """The readers met a row the column-by-column check does not take (an error, an empty
    required cell, a key also in the other half, a formula without its value…): the row path
    reads the file again and reports every problem exactly as it always does."""


IRREGULAR, HEADER, ROWS, END = "irregular", "header", "rows", "end"


def parallel_wanted(submission: Submission) -> bool:
    """Large workbooks are read by two reader processes (PostgreSQL only: its COPY runs beside
    them; the embedded default's SQLite keeps one process)."""
    return (
        connection.vendor == "postgresql"
        and submission.file_kind == "xlsx"
        and bool(settings.INGEST_PARALLEL_READERS)
        and (submission.file_size or 0) >= settings.INGEST_PARALLEL_MIN_BYTES
        and hasattr(os, "fork")
    )


def start_readers(
    submission: Submission, specs: list[FieldSpec], snapshot: PreviousSnapshot | None
) -> ReaderPair:
    # The reader imports nothing: a module first imported after a fork may wait on a lock
    # another thread of the worker held when it forked.
    import python_calamine  # noqa: F401

    path = _media_path(str(submission.file.name))
    keys = [s.key for s in specs]

    def load() -> Table:
        # measured by the caller meanwhile; here the address-space cap is the guard
        return open_table(path, submission.file_kind, keys=keys, measures={})

    def share(table: Table, index: int, send: Send) -> None:
        _validate_share(
            table,
            index,
            send,
            specs=specs,
            submission_id=submission.pk,
            snapshot=snapshot,
        )

    budget = int(settings.INGEST_MEMORY_BUDGET_MB) * 1024 * 1024
    return ReaderPair.start(load, share, budget_bytes=budget)


def _non_blank_runs(rows: list[list[Any]], first_row: int) -> Iterator[tuple[int, list[list[Any]]]]:
    """Consecutive non-blank rows of `rows` with the number of the first (the row path skips
    blank rows)."""
    run: list[list[Any]] = []
    start = first_row
    for number, row in enumerate(rows, first_row):
        if is_blank_row(row):
            if run:
                yield start, run
                run = []
            continue
        if not run:
            start = number
        run.append(row)
    if run:
        yield start, run


def _validate_share(
    table: Table,
    index: int,
    send: Send,
    *,
    specs: list[FieldSpec],
    submission_id: int,
    snapshot: PreviousSnapshot | None,
) -> None:
    """A reader's half: every other chunk of PROGRESS_EVERY rows, checked column by column and
    sent as COPY text with its keys; the first row that needs the row path stops it."""
    rows = iter(table.rows)
    header, row_number = read_header(rows)
    validator = RowValidator(specs, header) if header is not None else None
    if index == 0:
        warnings = validator.header_warnings if validator is not None else []
        send((HEADER, table.total, warnings, bool(validator and validator.key_columns)))
    if validator is None or validator.header_errors or not validator.key_complete:
        send((IRREGULAR,))
        return
    encoder = Encoder(specs, submission_id)
    result = IngestResult(previous=snapshot)
    track = snapshot is not None
    processed = 0
    for n in itertools.count():
        chunk = list(itertools.islice(rows, PROGRESS_EVERY))
        if not chunk:
            break
        first_row = row_number + 1
        row_number += len(chunk)
        processed += len(chunk)
        if n % 2 != index:
            continue
        lines: list[bytes] = []
        keys: list[str] = []
        for start in range(0, len(chunk), ROW_BATCH):
            batch, first = chunk[start : start + ROW_BATCH], first_row + start
            checked = validator.validate_batch(batch, first)
            runs = [(first, checked)] if checked is not None else []
            if checked is None:
                for number, run in _non_blank_runs(batch, first):
                    checked = validator.validate_batch(run, number)
                    if checked is None:
                        send((IRREGULAR,))
                        return
                    runs.append((number, checked))
            for number, clean in runs:
                keys.extend(encoder.clean(clean, number, result, track=track, lines=lines))
        send((ROWS, processed, b"".join(lines), keys, result.decimals))
        result.decimals = {}
    send((END, processed))


def validate_parallel(
    pair: ReaderPair,
    submission: Submission,
    write: Callable[[bytes], Any],
    result: IngestResult,
    progress: Progress,
) -> None:
    """Measure the workbook while the first reader loads it, then COPY what the two readers
    send, in row order. Raises Irregular when the row path must read the file instead."""
    measures = measure_table(_media_path(str(submission.file.name)))
    if any(m.uncached_formulas for m in measures.values()):
        raise Irregular  # the row path names each such cell
    try:
        message = pair.recv(0)
        if message[0] != HEADER:
            raise Irregular
        _kind, total, warnings, keyed = message
        progress(0, total)
        result.warnings.extend(warnings)
        seen: set[str] = set()
        index = 0
        while (message := pair.recv(index))[0] == ROWS:
            _kind, processed, text, keys, decimals = message
            if keyed and not seen.isdisjoint(keys):
                raise Irregular  # a key of the other half: the row path names both rows
            seen.update(keys)
            result.row_count += len(keys)
            result.decimals.update(decimals)
            write(text)
            progress(processed, max(total, processed))
            index = 1 - index
        if message[0] != END or pair.recv(1 - index)[0] != END:
            raise Irregular
    except ReaderOutOfMemory:
        raise too_large() from None
    pair.finish()
    result.processed = message[1]
    result.keys = seen
