"""A large workbook is read and checked by two reader processes (issue 16 point 6: two cores),
with the same outcome, to the row and to the word, as the row path gives; a reader that needs
more memory than the budget ends in the one "too large" message (issue 16 point 1)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sharing_catalog.models import Record, Submission, SubmissionError
from sharing_catalog.services.ingest import parallel
from sharing_catalog.services.ingest.readers_pair import (
    ReaderFailed,
    ReaderOutOfMemory,
    ReaderPair,
)
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.record_codec import RecordCodec
from tests.conftest import require
from tests.factories import ObligationFactory
from tests.sharing_catalog.hostile_workbooks import shared_string_bomb
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    LABELS,
    World,
    good_row,
    private_media_root,
    xlsx_file,
)

pytestmark = pytest.mark.django_db

# more than two chunks, so each reader checks at least one and the second reader ends first
ROWS = parallel.PROGRESS_EVERY * 2 + 700


@pytest.fixture
def world(db):
    require(connection.vendor == "postgresql", "the reader processes are PostgreSQL's path")
    return World()


@pytest.fixture
def passes(monkeypatch):
    """Which path each attempt took: "readers" (completed), "fallback" (the readers gave way
    to the row path) or "rows"."""
    seen: list[str] = []
    real = parallel.validate_parallel

    def spy(*args: Any, **kwargs: Any) -> None:
        try:
            real(*args, **kwargs)
        except (parallel.Irregular, ReaderFailed):
            seen.append("fallback")
            raise
        seen.append("readers")

    monkeypatch.setattr(parallel, "validate_parallel", spy)
    return seen


def _ingest(world, rows, settings, django_capture_on_commit_callbacks, *, readers, **kw):
    settings.INGEST_PARALLEL_READERS = readers
    settings.INGEST_PARALLEL_MIN_BYTES = 0
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=xlsx_file(rows, **kw),
        )
    submission.refresh_from_db()
    return submission


def _outcome(submission: Submission) -> dict[str, Any]:
    codec = RecordCodec.for_schema(submission.schema)
    return {
        "status": submission.status,
        "rows": (submission.rows_processed, submission.row_count, submission.error_count),
        "warnings": submission.warnings,
        "report": {k: v for k, v in submission.report.items() if k != "attempts"},
        "errors": list(
            SubmissionError.objects.filter(submission=submission)
            .order_by("pk")
            .values("row", "column", "cell", "field_label", "value", "message")
        ),
        "records": [
            (r.row_number, r.unique_key, codec.open(r.data))
            for r in Record.objects.filter(submission=submission).order_by("row_number")
        ],
    }


def _both(world, rows, settings, django_capture_on_commit_callbacks, passes, **kw):
    """The same rows through the readers and through the row path (a second obligation of
    the same item: the same file may not be uploaded twice to one)."""
    readers = _ingest(world, rows, settings, django_capture_on_commit_callbacks, readers=True, **kw)
    world.obligation = ObligationFactory(item=world.item, month=9)
    taken = list(passes)
    row_path = _ingest(
        world, rows, settings, django_capture_on_commit_callbacks, readers=False, **kw
    )
    assert passes == taken, "the row path ran without the readers"
    return _outcome(readers), _outcome(row_path), taken


def test_a_clean_workbook_read_by_two_readers_stores_what_the_row_path_stores(
    world, settings, django_capture_on_commit_callbacks, passes
):
    rows = [good_row(n) for n in range(1, ROWS + 1)]
    readers, row_path, taken = _both(
        world, rows, settings, django_capture_on_commit_callbacks, passes
    )
    assert taken == ["readers"]
    assert readers["status"] == Submission.Status.VALIDATED
    assert readers["rows"] == (ROWS, ROWS, 0)
    assert [r[0] for r in readers["records"]] == list(range(2, ROWS + 2))
    assert readers == row_path


def test_blank_rows_between_and_after_the_data_are_skipped_by_the_readers_too(
    world, settings, django_capture_on_commit_callbacks, passes
):
    rows: list[list[Any]] = [good_row(n) for n in range(1, ROWS + 1)]
    for at in (10, 2600, 2601, 4100):  # in each reader's chunks, and two together
        rows.insert(at, [None] * len(LABELS))
    rows += [[""] * len(LABELS)] * 3
    readers, row_path, taken = _both(
        world, rows, settings, django_capture_on_commit_callbacks, passes
    )
    assert taken == ["readers"]
    assert readers["rows"][1:] == (ROWS, 0)
    assert readers == row_path


@pytest.mark.parametrize("where", ["first reader", "second reader"])
def test_an_error_met_by_a_reader_is_reported_by_the_row_path_with_every_other(
    world, settings, django_capture_on_commit_callbacks, passes, where
):
    rows = [good_row(n) for n in range(1, ROWS + 1)]
    bad = 100 if where == "first reader" else parallel.PROGRESS_EVERY + 100
    rows[bad][2] = "一千元"  # an amount that is no number
    rows[-1][0] = "91430400ABCDEFGHIJ"  # and a wrong credit code in the last chunk
    readers, row_path, taken = _both(
        world, rows, settings, django_capture_on_commit_callbacks, passes
    )
    assert taken == ["fallback"]
    assert readers["status"] == Submission.Status.INVALID
    assert [e["cell"] for e in readers["errors"]] == [f"C{bad + 2}", f"A{ROWS + 1}"]
    assert readers["records"] == []
    assert readers == row_path


def test_a_key_in_both_readers_halves_is_reported_with_both_rows(
    world, settings, django_capture_on_commit_callbacks, passes
):
    rows = [good_row(n) for n in range(1, ROWS + 1)]
    # row 12 (first reader's chunk) and the same credit code again in the second reader's
    rows[parallel.PROGRESS_EVERY + 5] = good_row(11)
    readers, row_path, taken = _both(
        world, rows, settings, django_capture_on_commit_callbacks, passes
    )
    assert taken == ["fallback"]
    assert readers["status"] == Submission.Status.INVALID
    (duplicate,) = readers["errors"]
    assert f"第 12 行与第 {parallel.PROGRESS_EVERY + 7} 行" in duplicate["message"]
    assert readers == row_path


def test_a_missing_column_is_one_header_error_through_the_readers_as_through_the_rows(
    world, settings, django_capture_on_commit_callbacks, passes
):
    rows = [good_row(n)[1:] for n in range(1, ROWS + 1)]
    readers, row_path, taken = _both(
        world, rows, settings, django_capture_on_commit_callbacks, passes, header=LABELS[1:]
    )
    assert taken == ["fallback"]
    assert readers["rows"][2] == 1
    assert "统一社会信用代码" in readers["errors"][0]["message"]
    assert readers == row_path


def test_a_reader_that_raises_gives_way_to_the_row_path(
    world, settings, django_capture_on_commit_callbacks, passes, monkeypatch, caplog
):
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("a bug in a reader")

    monkeypatch.setattr(parallel, "_validate_share", broken)
    rows = [good_row(n) for n in range(1, ROWS + 1)]
    submission = _ingest(world, rows, settings, django_capture_on_commit_callbacks, readers=True)
    assert passes == ["fallback"]
    assert submission.status == Submission.Status.VALIDATED
    assert Record.objects.filter(submission=submission).count() == ROWS
    assert "a bug in a reader" in caplog.text  # its traceback is logged for the operator


def test_a_workbook_that_outgrows_the_readers_memory_cap_is_refused_as_too_large(
    world, settings, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    # Given a shared-string bomb the measure does not foresee (as if it had a blind spot), and
    # a budget the bomb's cells exceed many times over
    monkeypatch.setattr(parallel, "measure_table", lambda _path: {})
    settings.INGEST_MEMORY_BUDGET_MB = 64
    settings.INGEST_PARALLEL_MIN_BYTES = 0
    path = shared_string_bomb(tmp_path / "bomb.xlsx", rows=4000)

    # When it is ingested
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=SimpleUploadedFile("bomb.xlsx", path.read_bytes()),
        )
    submission.refresh_from_db()
    # Then the reader died against its cap, and the liaison reads the one clear message
    assert submission.status == Submission.Status.INVALID
    (only,) = SubmissionError.objects.filter(submission=submission)
    assert only.message.startswith("单元格内容总量过大")
    assert not Record.objects.filter(submission=submission).exists()


def _never(_table: Any, _index: int, _send: Any) -> None:
    raise AssertionError("a share ran after its load failed")


def test_a_reader_killed_by_its_cap_or_the_kernel_reads_as_out_of_memory():
    # A native allocation past RLIMIT_AS aborts the process; the OOM killer sends SIGKILL
    for load in (os.abort, lambda: os.kill(os.getpid(), 9)):
        pair = ReaderPair.start(load, _never, budget_bytes=1 << 30)
        with pytest.raises(ReaderOutOfMemory):
            pair.recv(0)


def test_a_reader_past_its_budget_meets_a_memory_error_not_the_machines_memory():
    def greedy() -> bytes:
        return bytes(256 << 20)  # a quarter of a gigabyte, four times the budget

    pair = ReaderPair.start(greedy, _never, budget_bytes=64 << 20)
    with pytest.raises(ReaderOutOfMemory):
        pair.recv(0)


def test_each_reader_sends_its_half_and_both_are_reaped():
    def share(loaded: list[int], index: int, send: Any) -> None:
        send((index, loaded[index::2]))

    pair = ReaderPair.start(lambda: list(range(7)), share, budget_bytes=1 << 30)
    assert pair.recv(0) == (0, [0, 2, 4, 6])
    assert pair.recv(1) == (1, [1, 3, 5])
    pair.finish()
    with pytest.raises(ChildProcessError):
        os.waitpid(pair.pid, os.WNOHANG)
