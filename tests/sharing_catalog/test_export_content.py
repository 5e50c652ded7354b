"""What a submission's download holds: every record, typed, masked for the reader, formula-safe.

Issue 16 point 4 made the .xlsx download a streamed writer; these pin what it writes (the same
rows as the CSV download) for the provider (in clear) and for a consumer (masked, Art. 24).
"""

from __future__ import annotations

import csv
import io

import pytest
from python_calamine import CalamineWorkbook

from sharing_catalog.services.submissions import submission_export
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    LABELS,
    good_row,
    private_media_root,
)
from tests.sharing_catalog.test_objections import confirmed_version
from tests.sharing_catalog.test_read_path import CLEAR_ID, MASKED_ID, _world

pytestmark = pytest.mark.django_db


def _xlsx_rows(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_provider_downloads_every_record_in_clear_with_typed_cells(roles):
    world = _world()
    with submission_export(submission=world.v2, actor=world.liaison, fmt="xlsx") as export:
        rows = _xlsx_rows(export.content)
    assert export.rows == 4
    assert rows[0] == LABELS
    first = good_row(1)
    assert rows[1][:2] == first[:2]
    assert rows[1][2] == 1000.5  # the decimal is a number, not text
    assert rows[1][3:] == first[3:]  # the date as stored, the ID number and phone in clear
    assert rows[1][5] == CLEAR_ID
    assert [r[1] for r in rows[1:]] == [good_row(n)[1] for n in range(1, 5)]


def test_a_consumer_downloads_the_sensitive_fields_masked_in_both_formats(roles):
    world = _world()
    for fmt, read in (("xlsx", _xlsx_rows), ("csv", _csv_rows)):
        with submission_export(
            submission=world.v2, actor=world.consumer_liaison, fmt=fmt, purpose="collection"
        ) as export:
            rows = read(export.content)
        assert rows[1][5] == MASKED_ID, fmt
        assert all(CLEAR_ID not in str(cell) for row in rows for cell in row), fmt
        assert rows[1][6].startswith("139") and "*" in rows[1][6], fmt


def test_text_that_could_run_as_a_formula_downloads_quoted(roles):
    world = _world()
    row = good_row(9)
    row[1] = "@SUM(1+1)*cmd|'/c calc'!A0"  # text in the uploaded file (not a formula there)
    version = confirmed_version(world, [row], name="v3.xlsx")
    for fmt, read in (("xlsx", _xlsx_rows), ("csv", _csv_rows)):
        with submission_export(submission=version, actor=world.liaison, fmt=fmt) as export:
            assert read(export.content)[1][1] == "'" + row[1], fmt


@pytest.mark.django_db(transaction=True)
def test_a_download_reads_its_rows_outside_any_transaction_and_logs_once_complete(
    roles, monkeypatch
):
    # On the embedded SQLite every transaction holds the write lock (IMMEDIATE): a long download
    # inside one made the worker's heartbeat fail with "database is locked" (issue 16 point 4).
    from django.db import connection

    from sharing_catalog.services import submissions
    from zhengxiang_portal.ledger.models import LedgerEntry

    world = _world()
    seen = []
    real_rows = submissions._export_rows

    def watched(datas, reader):
        for row in real_rows(datas, reader):
            seen.append(connection.in_atomic_block)
            yield row

    monkeypatch.setattr(submissions, "_export_rows", watched)
    before = LedgerEntry.objects.filter(action="download").count()
    with submission_export(
        submission=world.v2, actor=world.consumer_liaison, fmt="xlsx", purpose="collection"
    ) as export:
        pass
    assert seen == [False] * 4
    logged = LedgerEntry.objects.filter(action="download").order_by("-seq").first()
    assert LedgerEntry.objects.filter(action="download").count() == before + 1
    assert logged.digest == export.sha256 and logged.details["rows"] == 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_download_past_the_spool_size_is_sent_from_disk_as_logged(
    client, roles, fmt, monkeypatch
):
    # Given an export larger than what stays in memory (here: anything over 256 bytes)
    import hashlib

    from django.urls import reverse

    from tests.factories import PASSWORD
    from zhengxiang_portal import exports
    from zhengxiang_portal.ledger.actions import LedgerAction
    from zhengxiang_portal.ledger.models import LedgerEntry

    monkeypatch.setattr(exports, "EXPORT_SPOOL_BYTES", 256)
    world = _world()
    # Then the service hands over a file on disk, whole and hashed
    with submission_export(submission=world.v2, actor=world.liaison, fmt=fmt) as export:
        assert export.file._rolled  # written to a temporary file, not held in memory
        assert export.size == len(export.content) > 256
        assert hashlib.sha256(export.content).hexdigest() == export.sha256
    # And the page streams exactly the bytes whose SHA-256 the ledger holds
    client.login(username=world.liaison.username, password=PASSWORD)
    url = reverse("sharing_catalog:submission_export", args=[world.v2.pk, fmt])
    response = client.get(url)
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert "attachment;" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = LedgerEntry.objects.filter(action=LedgerAction.DOWNLOAD).latest("seq")
    assert entry.digest == hashlib.sha256(body).hexdigest()
    rows = _csv_rows(body) if fmt == "csv" else _xlsx_rows(body)
    assert rows[0] == LABELS and len(rows) == 5
    if fmt == "csv":
        assert body.startswith("\ufeff".encode())  # Excel on Chinese Windows reads UTF-8
