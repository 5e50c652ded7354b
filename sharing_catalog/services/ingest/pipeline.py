"""Processing a submission in the background (Art. 22: 校核): what the Celery task runs.

`submission_ingest` (run by `ingest_submission_task`, idempotent):

1. claims the submission (a fresh claim token) unless another attempt holds a live lease, and
   deletes anything a dead worker left;
2. streams the rows through the validator (a large workbook on PostgreSQL: through two reader
   processes, `parallel`), writing valid rows as COPY text (`batches`) and updating progress
   every few thousand rows — each update renews the lease, so only an attempt that stopped
   progressing (dead, frozen) is taken over after INGEST_LEASE_SECONDS;
3. in ONE transaction stores the records (PostgreSQL COPY, or bulk_create on SQLite) or the
   error report, and sets the final status — so a worker that dies leaves nothing half-stored,
   and a re-run completes exactly once: the claim token is checked under the row lock in that
   same transaction, and a superseded attempt rolls back everything it wrote.

`submission_ingest_sweep` (a periodic task) re-sends what a broker outage or a dead worker left.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import queue
import tempfile
import threading
import uuid
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from sharing_catalog.models import (
    Record,
    Submission,
    SubmissionError,
)
from zhengxiang_portal.core.dispatch import send_task_now, task_named
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_append

from ..obligations import obligation_mark_submitted
from ..readers import FileRejected, open_table
from ..record_codec import RecordCodec
from ..validation.cells import FieldSpec, error, specs_for_schema
from ..validation.plausibility import plausibility_warnings
from ..validation.rows import RowValidator, is_blank_row
from . import parallel
from .batches import (
    PROGRESS_EVERY,
    ROW_BATCH,
    Encoder,
    IngestResult,
    PreviousSnapshot,
    Progress,
    copy_lines,
    copy_unescape,
    read_header,
)
from .readers_pair import ReaderFailed, ReaderPair
from .upload import INGEST_TASK, _media_path

if TYPE_CHECKING:
    import psycopg

logger = logging.getLogger(__name__)

SQLITE_BATCH = 2000


def submission_ingest_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Re-send ingestion for submissions whose task was lost; return their ids.

    A submission still "received" after INGEST_REDISPATCH_AFTER_SECONDS never reached a worker
    (broker down when it was uploaded, or the message lost); one "processing" whose lease was not
    renewed for INGEST_LEASE_SECONDS belongs to a worker that died (SIGKILL, OOM, host lost) —
    the broker would redeliver it only after its visibility timeout. Re-running is safe: each
    run takes a fresh claim token, discards what a dead run left, and a stale run can no longer
    finish.
    """
    now = now or timezone.now()
    redispatch_after = dt.timedelta(seconds=settings.INGEST_REDISPATCH_AFTER_SECONDS)
    lease = dt.timedelta(seconds=settings.INGEST_LEASE_SECONDS)
    stuck = list(
        Submission.objects.filter(
            Q(status=Submission.Status.RECEIVED, created_at__lt=now - redispatch_after)
            | Q(status=Submission.Status.PROCESSING, lease_renewed_at__lt=now - lease)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    return [pk for pk in stuck if send_task_now(task_named(INGEST_TASK), submission_id=pk)]


def _claim(submission_id: int) -> tuple[Submission, str] | None:
    with transaction.atomic():
        # FOR NO KEY UPDATE: a running attempt's COPY holds FOR KEY SHARE on this row (its
        # records' foreign key is checked per statement), which a plain FOR UPDATE would wait on
        # for as long as that attempt lives, and a frozen attempt lives forever.
        submission = (
            Submission.objects.select_for_update(no_key=True)
            .select_related("obligation__item", "schema")
            .get(pk=submission_id)
        )
        if submission.is_final or _lease_alive(submission):
            return None  # done, or another attempt is making progress: leave it alone
        token = uuid.uuid4().hex
        # A previous attempt may have died; whatever it left is thrown away before starting over.
        # (It committed nothing: its writes are fenced by its token, see _finish.)
        Record.objects.filter(submission=submission).delete()
        SubmissionError.objects.filter(submission=submission).delete()
        submission.status = Submission.Status.PROCESSING
        submission.claim_token = token
        submission.attempts += 1
        submission.rows_processed = 0
        submission.stage = Submission.Stage.READING
        submission.lease_renewed_at = timezone.now()
        submission.save(
            update_fields=[
                "status",
                "claim_token",
                "attempts",
                "rows_processed",
                "stage",
                "lease_renewed_at",
            ]
        )
    return submission, token


def _lease_alive(submission: Submission) -> bool:
    if submission.status != Submission.Status.PROCESSING or submission.lease_renewed_at is None:
        return False
    lease = dt.timedelta(seconds=settings.INGEST_LEASE_SECONDS)
    return submission.lease_renewed_at > timezone.now() - lease


def _previous_confirmed(submission: Submission) -> Submission | None:
    return (
        Submission.objects.filter(
            obligation__item_id=submission.obligation.item_id,
            status=Submission.Status.CONFIRMED,
        )
        .exclude(pk=submission.pk)
        .order_by("-confirmed_at")
        .first()
    )


def _validate_into(
    submission: Submission,
    specs: list[FieldSpec],
    write: Callable[[bytes], Any],
    result: IngestResult,
    *,
    track: bool,
    progress: Progress,
) -> list[FieldSpec]:
    """Stream the file through the validator, writing valid rows as COPY text lines.

    Once an error is found nothing more is written (the rows will not be stored), but the
    rest of the file is still checked so the report lists every problem. Sensitive values are
    sealed and sensitive keys hashed here, before anything reaches the database (Art. 24).
    """
    encoder = Encoder(specs, submission.pk)
    seal = encoder.codec.seal if encoder.codec.sensitive else None
    hash_key = encoder.hash_key
    stored_keys: set[str] = set()
    decimal_keys = encoder.decimal_keys
    table = open_table(
        _media_path(str(submission.file.name)), submission.file_kind, keys=[s.key for s in specs]
    )
    progress(0, table.total)
    rows = iter(table.rows)
    header, row_number = read_header(rows)
    if header is None:
        result.add_errors([error(row=None, col=None, message=_("文件中没有任何内容。"))])
        return specs
    validator = RowValidator(specs, header)
    validator.formula_cells = table.formula_cells
    result.add_errors(validator.header_errors)
    result.header_errors = len(validator.header_errors)
    result.key_checked = validator.key_complete
    result.warnings.extend(validator.header_warnings)
    prefix = encoder.prefix
    processed = 0
    # Lines are handed to the writer in batches: one COPY write per row costs a thread hand-off.
    batch: list[bytes] = []
    validate, validate_batch = validator.validate, validator.validate_batch
    while chunk := list(itertools.islice(rows, ROW_BATCH)):
        first_row = row_number + 1
        if processed and processed % PROGRESS_EVERY == 0:
            progress(processed, max(table.total, processed))
            if batch:
                write(b"".join(batch))
                batch = []
        row_number += len(chunk)
        processed += len(chunk)
        checked = validate_batch(chunk, first_row)
        if checked is not None:  # every row valid: converted column by column
            keys = encoder.clean(
                checked, first_row, result, track=track, lines=None if result.error_count else batch
            )
            if hash_key is not None and track:
                stored_keys.update(keys)
            continue
        for number, row in enumerate(chunk, first_row):
            first = row[0] if row else ""
            if (first == "" or first is None) and is_blank_row(row):
                continue
            data, key, errors = validate(row, number)
            if errors or data is None:
                result.add_errors(errors)
                continue
            result.row_count += 1
            if hash_key is not None:
                key = hash_key(key)
                if track:
                    stored_keys.add(key)
            if track and decimal_keys:
                result.note_decimals(key, data, decimal_keys)
            if not result.error_count:
                batch.extend(
                    copy_lines(prefix, number, [key], [seal(data) if seal is not None else data])
                )
    if batch and not result.error_count:
        write(b"".join(batch))
    result.processed = processed
    # the validator's own keys, not a copy (a 1,000,000-row file: ~60 MB saved)
    result.keys = stored_keys if hash_key is not None else validator.seen_keys.keys()
    return specs


def _load_records(spool: IO[bytes]) -> None:
    """Bulk-load the spooled rows: COPY on PostgreSQL, batched bulk_create on SQLite."""
    spool.seek(0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            table = Record._meta.db_table
            with raw.copy(
                f"COPY {table} (submission_id, row_number, unique_key, data) FROM STDIN"
            ) as copy:
                while chunk := spool.read(1 << 20):
                    copy.write(chunk)
        return
    # SQLite: the spooled JSON text goes in as it is (a JSON column is text there); building a
    # model and re-encoding its data cost ~18 s of the 28 s a 100,000-row file sat at 99 %.
    unescape = copy_unescape
    sql = (
        f"INSERT INTO {Record._meta.db_table} "  # noqa: S608 (our table name)
        "(submission_id, row_number, unique_key, data) VALUES (%s, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        batch: list[tuple[int, int, str, str]] = []
        for line in spool:
            sid, row_number, key, payload = line.decode().rstrip("\n").split("\t")
            if "\\" in key:
                key = unescape(key)
            if "\\" in payload:
                payload = unescape(payload)
            batch.append((int(sid), int(row_number), key, payload))
            if len(batch) >= SQLITE_BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


@transaction.atomic
def _finish(
    submission_id: int, token: str, result: IngestResult, load: Callable[[], None] | None
) -> bool:
    """Store records or the error report and the final status, all in one transaction."""
    submission = (
        Submission.objects.select_for_update(no_key=True)  # see _claim
        .select_related("obligation")
        .get(pk=submission_id)
    )
    if submission.claim_token != token or submission.is_final:
        return False  # another attempt took over or already finished: store nothing
    valid = result.error_count == 0
    if valid:
        if load is not None:
            load()
        submission.status = Submission.Status.VALIDATED
        obligation_mark_submitted(obligation=submission.obligation, at=timezone.now())
    else:
        SubmissionError.objects.bulk_create(
            [SubmissionError(submission=submission, **e) for e in result.errors]
        )
        submission.status = Submission.Status.INVALID
    submission.rows_processed = result.processed
    submission.rows_total = result.processed
    submission.stage = Submission.Stage.DONE
    submission.row_count = result.row_count if valid else 0
    submission.error_count = result.error_count
    submission.warnings = result.warnings
    submission.report = {
        "rows": result.processed,
        "valid_rows": result.row_count,
        "errors": result.error_count,
        "header_errors": result.header_errors,
        "key_checked": result.key_checked,
        "errors_stored": len(result.errors),
        "truncated": result.error_count > len(result.errors),
        "attempts": submission.attempts,
    }
    submission.processed_at = timezone.now()
    submission.save()
    ledger_append(
        action=LedgerAction.VALIDATE,
        actor=None,
        unit=submission.unit,
        target=submission,
        digest=submission.file_sha256,
        outcome="success" if valid else "failure",
        details={"rows": result.processed, "errors": result.error_count},
    )
    return True


def submission_ingest(*, submission_id: int) -> Submission:
    """Validate and store one submission; safe to run again after a crash (idempotent)."""
    claimed = _claim(submission_id)
    if claimed is None:
        return Submission.objects.get(pk=submission_id)
    submission, token = claimed
    specs = specs_for_schema(submission.schema)
    snapshot = _previous_snapshot(RecordCodec(specs), _previous_confirmed(submission))
    if connection.vendor == "postgresql":
        _ingest_streaming(submission, token, specs, snapshot)
    else:
        _ingest_spooled(submission, token, specs, snapshot)
    return Submission.objects.get(pk=submission_id)


def _orm_progress(submission: Submission, token: str) -> Progress:
    def progress(processed: int, total: int, stage: str = Submission.Stage.VALIDATING) -> None:
        Submission.objects.filter(pk=submission.pk, claim_token=token).update(
            rows_processed=processed, rows_total=total, stage=stage, lease_renewed_at=Now()
        )

    return progress


def _previous_snapshot(codec: RecordCodec, previous: Submission | None) -> PreviousSnapshot | None:
    if previous is None:
        return None
    specs = codec.key_specs
    decimal_keys = set(codec.decimal_fields)
    has_key = bool(specs)
    snapshot = PreviousSnapshot(previous.row_count, set(), {}, has_key)
    snapshot.decimal_fields = order = tuple(codec.decimal_fields)
    if not has_key:
        return snapshot
    before = RecordCodec.for_schema(previous.schema)
    # Keys stored under another key configuration (the schema changed) are rebuilt from the data.
    rekey = before.key_config != codec.key_config
    must_open = rekey or codec.hashes_key or bool(decimal_keys & set(before.sensitive))
    for stored, data in (
        Record.objects.filter(submission=previous)
        .values_list("unique_key", "data")
        .iterator(chunk_size=5000)
    ):
        if must_open:
            data = before.open(data)
        key = codec.stored_key(codec.clear_key(data)) if rekey else stored
        snapshot.keys.add(key)
        if codec.hashes_key:
            snapshot.labels[key] = codec.display_key(data)
        if decimal_keys:
            snapshot.decimals[key] = tuple(data.get(k) for k in order)
    return snapshot


def _validate_safely(
    submission: Submission,
    specs: list[FieldSpec],
    write: Callable[[bytes], Any],
    result: IngestResult,
    snapshot: PreviousSnapshot | None,
    progress: Progress,
    pair: ReaderPair | None = None,
) -> None:
    """Validate (no database access: on PostgreSQL this runs while a COPY is open), through the
    reader processes when `pair` is given."""
    result.previous = snapshot
    try:
        if pair is not None:
            parallel.validate_parallel(pair, submission, write, result, progress)
        else:
            _validate_into(
                submission, specs, write, result, track=snapshot is not None, progress=progress
            )
    except FileRejected as exc:
        result.add_errors([error(row=None, col=None, message=str(exc.message))])
        return
    if result.row_count == 0 and not result.error_count:
        result.add_errors([error(row=None, col=None, message=_("文件中没有数据行。"))])
    if snapshot is not None and not result.error_count:
        result.warnings.extend(
            plausibility_warnings(
                specs=specs,
                row_count=result.row_count,
                keys=result.keys if snapshot.has_key else set(),
                decimals=result.decimals,
                previous_count=snapshot.row_count,
                previous_keys=snapshot.keys,
                previous_decimals={
                    key: amounts for key in result.decimals if (amounts := snapshot.amounts(key))
                },
                describe=snapshot.describe,
            )
        )


def _ingest_spooled(
    submission: Submission, token: str, specs: list[FieldSpec], snapshot: PreviousSnapshot | None
) -> None:
    """SQLite: validate into a spool file, then bulk-load it with the status in one transaction."""
    result = IngestResult()
    progress = _orm_progress(submission, token)
    with tempfile.TemporaryFile("w+b") as spool:
        _validate_safely(submission, specs, spool.write, result, snapshot, progress)
        if not result.error_count:
            progress(result.processed, result.processed, Submission.Stage.STORING)
        _finish(submission.pk, token, result, lambda: _load_records(spool))


class _InvalidRows(Exception):
    """Aborts the COPY (and its transaction) once the file turned out to have errors."""


class _CopyAborted(Exception):
    """Raised inside the feeder's COPY so that psycopg ends it with CopyFail."""


_END = object()  # put after the last chunk; None aborts
COPY_CHUNKS_PER_STATEMENT = (
    5  # ~10,000 rows a COPY: its key checks run while the next rows validate
)
COPY_QUEUE_DEPTH = 8  # chunks waiting for the database (~1 MB each): bounds the memory held


class _CopyFeeder:
    """COPY rows into the records table from a second thread (issue 16 point 6).

    The validating thread hands over chunks of COPY text; this thread writes them with
    psycopg (which releases the GIL while it waits on the socket), so PostgreSQL parses,
    indexes and checks the rows on the other core while Python validates the next ones.
    The rows go in several COPY statements of a few thousand rows; at the end of each, the
    records' trigger checks their submissions as a set (migration 0010: one lookup per
    statement, not per row) and refuses any record whose submission does not exist. Everything
    stays inside the caller's transaction on the same connection: nothing is visible before
    it commits.
    """

    def __init__(self, raw: psycopg.Connection[Any], table: str) -> None:
        self._raw = raw  # the psycopg connection under Django's; the caller does not use it
        self._sql = f"COPY {table} (submission_id, row_number, unique_key, data) FROM STDIN"
        self._queue: queue.Queue[object] = queue.Queue(maxsize=COPY_QUEUE_DEPTH)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="ingest-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._raw.cursor() as cur:
                chunk = self._queue.get()
                while isinstance(chunk, bytes | str):
                    with cur.copy(self._sql) as copy:
                        for _n in range(COPY_CHUNKS_PER_STATEMENT):
                            copy.write(chunk)
                            chunk = self._queue.get()
                            if not isinstance(chunk, bytes | str):
                                break
                        if chunk is None:
                            raise _CopyAborted
                if chunk is None:
                    raise _CopyAborted
        except BaseException as exc:  # handed to the validating thread, which raises it
            self._error = exc
            while True:  # never leave the producer blocked on a full queue
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break

    def write(self, chunk: bytes | str) -> None:
        if not chunk:
            return
        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(chunk, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise RuntimeError("the COPY thread stopped") from self._error

    def _close(self, last: object) -> None:
        while self._thread.is_alive():
            try:
                self._queue.put(last, timeout=0.5)
                break
            except queue.Full:
                continue
        self._thread.join()

    def finish(self) -> None:
        """Wait for every row to be in (and checked); raise what the COPY thread met."""
        self._close(_END)
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """End the COPY with an error (the transaction rolls back) and wait for the thread."""
        self._close(None)


class _Superseded(Exception):
    """Aborts the transaction of an attempt whose claim another attempt took over."""


def _ingest_streaming(
    submission: Submission, token: str, specs: list[FieldSpec], snapshot: PreviousSnapshot | None
) -> None:
    """PostgreSQL: COPY valid rows while validating, inside the one final transaction.

    The database parses and indexes rows on the other core while Python validates the next
    ones; a large workbook is read and validated by two reader processes (`parallel.start_readers`),
    forked before any thread starts. Progress goes through a separate autocommit connection so
    the page sees it live; nothing of the records is visible (or kept) unless the whole
    transaction commits.
    """
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    table = Record._meta.db_table
    pair = None
    if parallel.parallel_wanted(submission):
        pair = parallel.start_readers(submission, specs, snapshot)
    try:
        with psycopg.connect(**params, autocommit=True) as side:

            def progress(
                processed: int, total: int, stage: str = Submission.Stage.VALIDATING
            ) -> None:
                side.execute(
                    f"UPDATE {Submission._meta.db_table} SET rows_processed = %s, "  # noqa: S608
                    "rows_total = %s, stage = %s, lease_renewed_at = now() "
                    "WHERE id = %s AND claim_token = %s",
                    [processed, total, str(stage), submission.pk, token],
                )

            try:
                _copy_attempt(submission, token, specs, snapshot, table, progress, pair)
            except (parallel.Irregular, ReaderFailed) as exc:
                if isinstance(exc, ReaderFailed):
                    logger.warning("reader of submission %s failed:\n%s", submission.pk, exc)
                pair.stop() if pair is not None else None
                progress(0, 0, Submission.Stage.READING)
                _copy_attempt(submission, token, specs, snapshot, table, progress, None)
    finally:
        if pair is not None:
            pair.stop()


def _copy_attempt(
    submission: Submission,
    token: str,
    specs: list[FieldSpec],
    snapshot: PreviousSnapshot | None,
    table: str,
    progress: Progress,
    pair: ReaderPair | None,
) -> None:
    """One pass over the file into one transaction; Irregular or ReaderFailed (readers only)
    leave the transaction rolled back for the row path to start again."""
    result = IngestResult()
    try:
        with transaction.atomic():
            connection.ensure_connection()
            feeder = _CopyFeeder(connection.connection, table)
            try:
                _validate_safely(submission, specs, feeder.write, result, snapshot, progress, pair)
                if result.error_count:
                    raise _InvalidRows
                # the rest of the COPY, the key checks and the commit
                progress(result.processed, result.processed, Submission.Stage.STORING)
                feeder.finish()
            except BaseException:
                feeder.abort()
                raise
            if not _finish(submission.pk, token, result, None):
                # Superseded: the COPY'd rows are in this transaction; roll them back, so a
                # stale attempt never commits rows beside the attempt that took over.
                raise _Superseded
    except _InvalidRows:
        _finish(submission.pk, token, result, None)
    except _Superseded:
        logger.warning("ingestion of submission %s superseded; rolled back", submission.pk)
