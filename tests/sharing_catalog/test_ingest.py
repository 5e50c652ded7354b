"""Upload → background validation → stored records, idempotent and all-or-nothing (Art. 22)."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from sharing_catalog.models import Obligation, Record, Submission, SubmissionError
from sharing_catalog.services.ingest import pipeline, upload
from sharing_catalog.services.ingest.pipeline import submission_ingest, submission_ingest_sweep
from sharing_catalog.services.ingest.upload import DuplicateFile, submission_upload
from sharing_catalog.services.readers import FileRejected
from tests.factories import RecordFactory
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    LABELS,
    World,
    credit_code,
    csv_file,
    good_row,
    private_media_root,
    xlsx_file,
)
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return World()


def _upload(world, upload, django_capture_on_commit_callbacks, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_upload(
            obligation=world.obligation, actor=world.liaison, uploaded_file=upload, **kw
        )
    submission.refresh_from_db()
    return submission


def test_valid_file_is_stored_as_records_and_obligation_marked_submitted(
    world, django_capture_on_commit_callbacks
):
    submission = _upload(
        world, xlsx_file([good_row(n) for n in range(1, 6)]), django_capture_on_commit_callbacks
    )
    assert submission.status == Submission.Status.VALIDATED
    assert submission.row_count == 5
    assert submission.progress_percent == 100
    assert Record.objects.filter(submission=submission).count() == 5
    record = Record.objects.filter(submission=submission).first()
    assert record.row_number == 2
    assert record.data["amount"] == "1000.50"
    assert record.data["deal_date"] == "2026-11-20"
    world.obligation.refresh_from_db()
    assert world.obligation.status == Obligation.Status.SUBMITTED
    actions = list(LedgerEntry.objects.order_by("seq").values_list("action", "digest"))
    assert actions == [("upload", submission.file_sha256), ("validate", submission.file_sha256)]


def test_awkward_text_is_stored_exactly_as_typed(world, django_capture_on_commit_callbacks):
    """Quotes, backslashes, a tab inside a cell, line and paragraph separators, emoji and rare
    characters survive the row's JSON encoding and the COPY text format unchanged."""
    names = [
        '衡阳"测试"有限公司\\分公司',
        "湘江\t物流\u2028有限\u2029公司",
        "𠀀𪚥 商贸 😀 有限公司",
        "\\N 不是空值",
    ]
    rows = [good_row(n) for n in range(1, len(names) + 1)]
    for row, name in zip(rows, names, strict=True):
        row[1] = name
    submission = _upload(world, xlsx_file(rows), django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.VALIDATED
    stored = Record.objects.filter(submission=submission).order_by("row_number")
    assert [r.data["name"] for r in stored] == names


def test_invalid_file_stores_no_records_but_keeps_file_and_report(
    world, django_capture_on_commit_callbacks
):
    rows = [good_row(1), good_row(2), good_row(3)]
    rows[1][2] = "一千元"  # amount in C3
    rows[2][0] = rows[2][0][:17] + ("0" if rows[2][0][17] != "0" else "1")  # check char, A4
    submission = _upload(world, xlsx_file(rows), django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.INVALID
    assert not Record.objects.filter(submission=submission).exists()
    cells = sorted(
        SubmissionError.objects.filter(submission=submission).values_list("cell", flat=True)
    )
    assert cells == ["A4", "C3"]
    assert submission.error_count == 2
    assert submission.report["errors"] == 2
    assert (upload._media_path(submission.file.name)).exists()


def test_gbk_csv_upload_is_validated(world, django_capture_on_commit_callbacks):
    submission = _upload(
        world,
        csv_file([good_row(1), good_row(2)], encoding="gbk"),
        django_capture_on_commit_callbacks,
    )
    assert submission.status == Submission.Status.VALIDATED
    assert (
        Record.objects.get(submission=submission, row_number=2).data["name"] == "衡阳测试有限公司1"
    )


def test_unicode_text_upload_is_validated(world, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = ["\t".join(LABELS)] + ["\t".join(str(v) for v in good_row(n)) for n in (1, 2)]
    content = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-16-le")
    upload = SimpleUploadedFile("导出数据.csv", content)
    submission = _upload(world, upload, django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.VALIDATED
    assert Record.objects.filter(submission=submission).count() == 2


def test_api_json_rows_are_validated(world, django_capture_on_commit_callbacks):
    keys = ["credit_code", "name", "amount", "deal_date", "kind", "legal_id", "phone"]
    rows = [dict(zip(keys, good_row(n), strict=True)) for n in (1, 2)]
    with django_capture_on_commit_callbacks(execute=True):
        submission = submission_upload(
            obligation=world.obligation, actor=world.liaison, rows=rows, source="api_json"
        )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALIDATED
    assert submission.row_count == 2


def test_same_file_twice_points_to_the_earlier_submission(
    world, django_capture_on_commit_callbacks
):
    content = xlsx_file([good_row(1)]).read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    first = _upload(
        world, SimpleUploadedFile("a.xlsx", content), django_capture_on_commit_callbacks
    )
    with pytest.raises(DuplicateFile) as exc:
        submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=SimpleUploadedFile("renamed.xlsx", content),
        )
    assert exc.value.existing == first
    assert exc.value.details["submission"] == first.pk
    assert Submission.objects.count() == 1
    stored = list((upload._media_path("submissions") / str(world.obligation.pk)).iterdir())
    assert len(stored) == 1


def test_upload_refused_for_another_units_liaison(world):
    with pytest.raises(PermissionDenied):
        submission_upload(
            obligation=world.obligation,
            actor=world.outsider,
            uploaded_file=xlsx_file([good_row(1)]),
        )
    with pytest.raises(PermissionDenied):
        submission_upload(
            obligation=world.obligation,
            actor=world.consumer_liaison,
            uploaded_file=xlsx_file([good_row(1)]),
        )
    assert not Submission.objects.exists()


def test_wrong_type_is_refused_at_upload_and_nothing_is_stored(world):
    with pytest.raises(FileRejected):
        submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=csv_file([good_row(1)], name="data.xlsx"),
        )
    assert not Submission.objects.exists()
    assert not any(upload._media_path("submissions").rglob("*.*"))


def test_rerun_after_a_crash_while_storing_finishes_exactly_once(
    world, django_capture_on_commit_callbacks
):
    # given a worker that dies after the records are loaded, just before the commit
    def die(**kwargs):
        raise SystemExit("worker killed")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=xlsx_file([good_row(n) for n in range(1, 4)]),
        )
    with mock.patch.object(pipeline, "ledger_append", die), pytest.raises(SystemExit):
        callbacks[-1]()  # the queued task (last hook), run by a worker that then dies
    submission = Submission.objects.get()
    # then nothing is half-stored: the transaction rolled back
    assert submission.status == Submission.Status.PROCESSING
    assert not Record.objects.exists()
    # and partial rows left by an even older attempt are thrown away on the re-run
    RecordFactory(submission=submission, row_number=99, unique_key="stale", data={})
    # when the task is redelivered after the dead attempt's lease ran out
    _expire_lease(submission)
    submission = submission_ingest(submission_id=submission.pk)
    assert submission.status == Submission.Status.VALIDATED
    assert submission.attempts == 2
    assert sorted(Record.objects.values_list("row_number", flat=True)) == [2, 3, 4]
    # and a further redelivery changes nothing
    submission_ingest(submission_id=submission.pk)
    assert Record.objects.count() == 3
    assert LedgerEntry.objects.filter(action="validate").count() == 1


def _expire_lease(submission) -> None:
    from django.conf import settings

    Submission.objects.filter(pk=submission.pk).update(
        lease_renewed_at=timezone.now() - dt.timedelta(seconds=settings.INGEST_LEASE_SECONDS + 1)
    )


def test_an_attempt_within_its_lease_is_not_taken_over(world, django_capture_on_commit_callbacks):
    with mock.patch("celery.app.task.Task.apply_async", side_effect=BrokerError("down")):
        submission = _upload(world, xlsx_file([good_row(1)]), django_capture_on_commit_callbacks)
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.PROCESSING, claim_token="alive", lease_renewed_at=timezone.now()
    )
    # a redelivered or duplicate task finds the attempt making progress and leaves it alone
    assert submission_ingest(submission_id=submission.pk).claim_token == "alive"
    _expire_lease(submission)
    taken_over = submission_ingest(submission_id=submission.pk)
    assert taken_over.status == Submission.Status.VALIDATED
    assert taken_over.claim_token != "alive"


def test_progress_renews_the_lease(world, django_capture_on_commit_callbacks):
    with mock.patch("celery.app.task.Task.apply_async", side_effect=BrokerError("down")):
        submission = _upload(world, xlsx_file([good_row(1)]), django_capture_on_commit_callbacks)
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.PROCESSING, claim_token="t"
    )
    _expire_lease(submission)
    pipeline._orm_progress(submission, "t")(2000, 5000)
    assert submission_ingest_sweep(now=timezone.now()) == []  # renewed: not taken over


def test_stale_worker_cannot_store_after_another_claimed(world, django_capture_on_commit_callbacks):
    submission = _upload(world, xlsx_file([good_row(1)]), django_capture_on_commit_callbacks)
    Submission.objects.filter(pk=submission.pk).update(status="processing", claim_token="old")
    result = pipeline.IngestResult(processed=1, row_count=1)
    assert pipeline._finish(submission.pk, "someone-else", result, None) is False


def test_plausibility_warnings_compare_with_previous_confirmed(
    world, django_capture_on_commit_callbacks
):
    from sharing_catalog.services.submissions import submission_confirm

    first = _upload(
        world, xlsx_file([good_row(n) for n in range(1, 7)]), django_capture_on_commit_callbacks
    )
    submission_confirm(submission=first, actor=world.liaison)
    second = _upload(
        world,
        xlsx_file([good_row(1, amount="20000"), good_row(2)]),
        django_capture_on_commit_callbacks,
    )
    codes = [w["code"] for w in second.warnings]
    assert codes == ["row_count_drop", "keys_vanished", "amount_jump"]
    assert second.status == Submission.Status.VALIDATED


def test_a_second_version_keeps_only_the_amounts_that_jumped(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    # Memory bounded by the jumps, not the rows (issue 16 point 6: a 1,000,000-row second
    # version kept every row's amounts, ~400 MB); the warning counts and names them the same
    from sharing_catalog.services.submissions import submission_confirm

    first = _upload(
        world, xlsx_file([good_row(n) for n in range(1, 7)]), django_capture_on_commit_callbacks
    )
    submission_confirm(submission=first, actor=world.liaison)
    kept = []
    real = pipeline.plausibility_warnings

    def spy(**kwargs):
        kept.append(dict(kwargs["decimals"]))
        return real(**kwargs)

    monkeypatch.setattr(pipeline, "plausibility_warnings", spy)
    rows = [good_row(n) for n in range(1, 7)]
    rows[0], rows[2], rows[4] = good_row(1, "10005.00"), good_row(3, "50000"), good_row(5, "1.00")
    second = _upload(world, xlsx_file(rows), django_capture_on_commit_callbacks)
    assert list(kept[0]) == [credit_code(1), credit_code(3)]
    jump = next(w for w in second.warnings if w["code"] == "amount_jump")
    assert jump["message"].startswith("2 处金额比上一期增长十倍以上")
    assert credit_code(1) in jump["message"] and "1000.50 变为 10005.00" in jump["message"]


def test_missing_required_column_and_unknown_column(world, django_capture_on_commit_callbacks):
    header = [label for label in LABELS if label != "成交日期"] + ["备注"]
    rows = [[v for i, v in enumerate(good_row(n)) if i != 3] + ["x"] for n in range(1, 30)]
    submission = _upload(world, xlsx_file(rows, header=header), django_capture_on_commit_callbacks)
    assert submission.status == Submission.Status.INVALID
    assert submission.error_count == 1
    assert "缺少必填列“成交日期”" in submission.errors.get().message
    assert submission.warnings[0]["code"] == "unknown_column"


# --- recovery of lost ingestion (issue 8) -------------------------------------------------


def test_an_upload_interrupted_after_its_commit_keeps_its_file(transactional_db):
    """gunicorn's timeout (SystemExit) during the publish after commit must not orphan the row."""
    world = World()
    with (
        mock.patch("zhengxiang_portal.core.dispatch.send_task_now", side_effect=SystemExit(1)),
        pytest.raises(SystemExit),
    ):
        submission_upload(
            obligation=world.obligation, actor=world.liaison, uploaded_file=csv_file([good_row(1)])
        )
    submission = Submission.objects.get()
    assert upload._media_path(submission.file.name).is_file()


def test_an_upload_whose_transaction_fails_leaves_no_file(world):
    with (
        mock.patch.object(upload, "ledger_append", side_effect=RuntimeError("ledger down")),
        pytest.raises(RuntimeError),
    ):
        submission_upload(
            obligation=world.obligation, actor=world.liaison, uploaded_file=csv_file([good_row(1)])
        )
    assert not Submission.objects.exists()
    assert not any(upload._media_path("submissions").rglob("*.*"))


def test_an_upload_while_the_broker_is_down_succeeds_and_the_sweep_processes_it(
    world, django_capture_on_commit_callbacks, settings
):
    """The upload is kept as "received"; the sweep sends it once the broker is back."""
    with mock.patch("celery.app.task.Task.apply_async", side_effect=BrokerError("down")):
        submission = _upload(
            world, xlsx_file([good_row(n) for n in range(1, 4)]), django_capture_on_commit_callbacks
        )
    assert submission.status == Submission.Status.RECEIVED

    assert submission_ingest_sweep() == []  # too fresh: its task may still be on its way
    later = timezone.now() + dt.timedelta(seconds=settings.INGEST_REDISPATCH_AFTER_SECONDS + 1)
    assert submission_ingest_sweep(now=later) == [submission.pk]
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALIDATED
    assert submission_ingest_sweep(now=later) == []  # done: nothing to resend


def test_the_sweep_restarts_a_submission_whose_worker_died(
    world, django_capture_on_commit_callbacks, settings
):
    with mock.patch("celery.app.task.Task.apply_async", side_effect=BrokerError("down")):
        submission = _upload(
            world, xlsx_file([good_row(n) for n in range(1, 4)]), django_capture_on_commit_callbacks
        )
    # A worker claimed it and died: processing, a claim token, no records, no progress.
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.PROCESSING,
        claim_token="dead-worker",
        lease_renewed_at=timezone.now(),
    )
    assert submission_ingest_sweep() == []  # within its lease: it may still be working
    _expire_lease(submission)  # no progress for longer than the lease
    assert submission_ingest_sweep() == [submission.pk]
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALIDATED
    assert Record.objects.filter(submission=submission).count() == 3


# --- issue 16: bounded memory, clear messages ------------------------------------------------


def test_a_shared_string_bomb_is_refused_whole_with_the_expanded_size_message(
    world, tmp_path, django_capture_on_commit_callbacks
):
    # Given issue 16's 108 KB workbook: 40,000 cells pointing at one 32,767-character string
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.sharing_catalog.hostile_workbooks import shared_string_bomb

    path = shared_string_bomb(tmp_path / "bomb.xlsx")
    # When a liaison uploads it
    submission = _upload(
        world,
        SimpleUploadedFile("bomb.xlsx", path.read_bytes()),
        django_capture_on_commit_callbacks,
    )
    # Then it is refused with one message saying the cells are too large, and nothing is stored
    assert submission.status == Submission.Status.INVALID
    assert [e.message[:9] for e in submission.errors.all()] == ["单元格内容总量过大"]
    assert not Record.objects.filter(submission=submission).exists()


def test_full_width_amounts_and_formulas_without_values_through_an_upload(
    world, django_capture_on_commit_callbacks
):
    # Given a workbook with a full-width amount in row 2 and a formula saved without its value
    # (as openpyxl and some generators write them) in row 3
    rows = [good_row(1, amount="１２３．５０"), good_row(2, amount="=1000+0.5")]
    submission = _upload(world, xlsx_file(rows), django_capture_on_commit_callbacks)
    # Then the full-width number is accepted and the formula is named, with the fix
    errors = list(submission.errors.all())
    assert [(e.cell, e.message[:8]) for e in errors] == [("C3", "公式没有计算结果")]
    assert "Excel 或 WPS" in errors[0].message


def test_an_ingestion_moves_through_the_stages_a_person_understands(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    # Given the stage recorded when the file is opened and when the rows are written
    seen: dict[str, str] = {}
    real_open, real_load = pipeline.open_table, pipeline._load_records

    def stage() -> str:
        return Submission.objects.values_list("stage", flat=True).get()

    def spy_open(*args, **kwargs):
        seen["opening"] = stage()
        return real_open(*args, **kwargs)

    def spy_load(spool):
        seen["loading"] = stage()
        return real_load(spool)

    monkeypatch.setattr(pipeline, "open_table", spy_open)
    monkeypatch.setattr(pipeline, "_load_records", spy_load)
    # (the spooled path on every database: during PostgreSQL's streaming COPY the test's own
    # connection is busy and cannot read the stage)
    monkeypatch.setattr(pipeline, "_ingest_streaming", pipeline._ingest_spooled)
    # When a valid file is ingested (validated into a spool, then loaded)
    submission = _upload(
        world, xlsx_file([good_row(n) for n in range(1, 4)]), django_capture_on_commit_callbacks
    )
    # Then it read the file as 读取文件, wrote the rows as 写入数据库 and ended 完成
    assert seen == {"opening": "reading", "loading": "storing"}
    assert submission.stage == Submission.Stage.DONE
    assert submission.get_stage_display() == "完成"
    assert Record.objects.filter(submission=submission).count() == 3
