"""The faster ingestion (issue 16 point 6) gives the answers the plain paths give.

Rows are validated column by column when a batch is clean, sealed a batch at a time, the
workbook's measure uses byte tests before its patterns, and on PostgreSQL the rows reach COPY
through a second thread, several COPY statements each checking the records' foreign key. Each
test holds a fast path to the slow one it replaces, or to the guarantee it must keep.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from psycopg.errors import ForeignKeyViolation

from sharing_catalog.models import FieldType, Record, SchemaField, Submission
from sharing_catalog.services import sheet_measure
from sharing_catalog.services.ingest import pipeline, upload
from sharing_catalog.services.record_codec import RecordCodec
from sharing_catalog.services.validation.cells import FieldSpec
from sharing_catalog.services.validation.rows import RowValidator
from tests.factories import SubmissionFactory
from tests.sharing_catalog.hostile_workbooks import column_letter, write_xlsx
from tests.sharing_catalog.submission_builders import (  # noqa: F401  (autouse fixture)
    FIELDS,
    LABELS,
    World,
    credit_code,
    good_row,
    id_number,
    private_media_root,
    xlsx_file,
)
from zhengxiang_portal.security.crypto import FieldCipher

SPECS = [
    FieldSpec(
        key=key,
        label=label,
        field_type=ftype,
        required=required,
        is_unique_key=unique,
        is_sensitive=ftype in (FieldType.ID_NUMBER, FieldType.PHONE),
        max_length=extra.get("max_length"),
        enum_values=extra.get("enum_values", []),
    )
    for key, label, ftype, required, unique, extra in FIELDS
]


def _row_by_row(validator: RowValidator, rows: list[list[Any]], first: int) -> list[Any]:
    return [validator.validate(row, number) for number, row in enumerate(rows, first)]


def _clean_rows(count: int, start: int = 1) -> list[list[Any]]:
    rng = random.Random(count)
    rows = []
    for n in range(start, start + count):
        row: list[Any] = good_row(n)
        row[2] = rng.choice(["1000.50", 12.5, 3, "  7  ", "１２３．５０"])
        row[3] = rng.choice(["2026-11-20", dt.datetime(2026, 11, 20), 46000.0])  # noqa: DTZ001
        row[4] = rng.choice(["不动产", "", "车辆", "  "])  # optional: blanks are left out
        row[6] = rng.choice(["13907340000", "0734-8123456", ""])
        rows.append(row)
    return rows


def test_a_clean_batch_checked_column_by_column_equals_the_row_by_row_answer():
    # Given the same clean rows, with blanks in optional columns and mixed value types
    rows = _clean_rows(600)
    by_row = RowValidator(SPECS, LABELS)
    by_column = RowValidator(SPECS, LABELS)
    # When one validator checks them row by row and the other a batch at a time
    expected = _row_by_row(by_row, rows, 2)
    checked = by_column.validate_batch(rows[:300], 2)
    checked_rest = by_column.validate_batch(rows[300:], 302)
    # Then the data, the keys and the keys seen are the same, in the same order
    assert checked is not None and checked_rest is not None
    assert [(d, k, []) for d, k in zip(*checked, strict=True)] + [
        (d, k, []) for d, k in zip(*checked_rest, strict=True)
    ] == expected
    assert list(by_column.seen_keys.items()) == list(by_row.seen_keys.items())


@pytest.mark.parametrize(
    "spoil",
    [
        lambda rows: rows[7].__setitem__(0, credit_code(7)[:-1] + "0"),  # check character
        lambda rows: rows[7].__setitem__(1, ""),  # required and empty
        lambda rows: rows[7].__setitem__(5, 430404199001010010.0),  # an ID as a number
        lambda rows: rows[7].__setitem__(0, rows[3][0]),  # duplicate key in the batch
        lambda rows: rows[7].__setitem__(0, ""),  # perhaps a blank row
        lambda rows: rows.__setitem__(7, rows[7][:3]),  # a short row
    ],
    ids=["error", "empty", "number-in-text", "duplicate", "blank-first", "short"],
)
def test_a_batch_with_anything_to_report_goes_row_by_row_and_records_nothing(spoil):
    # Given a batch with one row that needs the row-by-row answer
    rows = _clean_rows(20)
    spoil(rows)
    validator = RowValidator(SPECS, LABELS)
    # When it is checked column by column
    # Then it declines, having recorded no key, so the row-by-row path gives the exact report
    assert validator.validate_batch(rows, 2) is None
    assert validator.seen_keys == {}


def test_a_key_seen_in_an_earlier_batch_sends_the_next_batch_row_by_row():
    validator = RowValidator(SPECS, LABELS)
    assert validator.validate_batch(_clean_rows(10), 2) is not None
    again = _clean_rows(10, start=5)
    assert validator.validate_batch(again, 12) is None
    _data, _key, errors = validator.validate(again[0], 12)
    assert "唯一键" in errors[0]["message"]


def test_rows_sealed_a_batch_at_a_time_open_to_what_was_typed():
    codec = RecordCodec(SPECS)
    rows = [{"legal_id": id_number(n), "phone": "13907340000", "name": f"甲{n}"} for n in range(50)]
    rows[3]["phone"] = 'a "quoted" \\ value\t\u2028'
    rows[4].pop("phone")
    typed = [dict(r) for r in rows]
    codec.seal_rows(rows)
    assert all(r["legal_id"].startswith("enc1:") for r in rows)
    assert "phone" not in rows[4]
    assert [codec.open(r, strict=True) for r in rows] == typed
    assert len({r["legal_id"] for r in rows}) == 50  # a fresh nonce each


def test_encrypt_many_tokens_open_like_encrypt_tokens():
    cipher = FieldCipher(context="t")
    tokens = cipher.encrypt_many([b'"x"', '"身份证"'.encode(), b"12"])
    assert [cipher.decrypt(t) for t in tokens] == ['"x"', '"身份证"', "12"]
    assert cipher.encrypt_many([]) == []


@pytest.mark.parametrize(
    "piece",
    [
        b'<row r="1"><c r="A1"><v>1</v></c></row>',
        b'<row r="1"><x:c r="A1"><v>1</v></x:c></row>',
        b'<row r="1"><c r="A1" t="str"><v>09:30</v></c></row>',
        b'<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>',
        b'<row r="1"><c r="A1" t="str"><v>hello!</v></c></row>',
        b'<cols><col min="1" max="2"/></cols><row r="1"><c r="A1"><v>1</v></c></row>',
        b'<row r="1"><c><v>1</v></c></row>',
        b'<row r="1"><c/><c r="B1"/></row>',
        b"<!DOCTYPE x><row/>",
    ],
)
def test_the_fast_unusual_test_agrees_with_the_pattern(piece):
    assert sheet_measure._unusual(piece) == bool(sheet_measure._UNUSUAL.search(piece))


def _exact(path: Path) -> sheet_measure.SheetMeasure:
    with zipfile.ZipFile(path) as archive:
        m = sheet_measure.SheetMeasure()
        scan = sheet_measure._SheetScan(m, sheet_measure.array("q"), 1 << 40)
        parser = sheet_measure._parser()
        parser.StartElementHandler = scan.start
        parser.EndElementHandler = scan.end
        parser.CharacterDataHandler = scan.text
        sheet_measure._feed(archive, "xl/worksheets/sheet1.xml", parser)
    return m


def test_the_fast_measure_finds_a_far_column_and_row_in_a_later_piece(tmp_path, monkeypatch):
    # Given a sheet read in small pieces, whose widest cell and one far row come late
    monkeypatch.setattr(sheet_measure, "CHUNK", 2048)
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letter(c)}{r}"><v>{r}</v></c>' for c in range(3))
        + (f'<c r="AB{r}"><v>1</v></c>' if r == 400 else "")
        + "</row>"
        for r in range(1, 500)
    )
    body += '<row r="1200"><c r="B1200"><v>1</v></c></row>'
    path = write_xlsx(tmp_path / "late.xlsx", body, [])
    # When it is measured the fast way
    fast = sheet_measure.measure_workbook(path)["数据"]
    exact = _exact(path)
    # Then the range is the exact measure's, from A1
    assert (fast.cells, fast.max_row, fast.max_col) == (exact.cells, exact.max_row, exact.max_col)
    assert (fast.max_row, fast.max_col) == (1199, 27)


@pytest.mark.parametrize("last", ["A", "Z", "AZ", "ZZ", "XFD", "ZZZ"])
def test_columns_beyond_finds_exactly_the_later_columns(last):
    pattern = sheet_measure._columns_beyond(last.encode())
    for other in ("A", "B", "Y", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD", "XFE", "ZZZ"):
        later = (len(other), other) > (len(last), last)
        assert bool(pattern.search(f' r="{other}12"'.encode())) == later, other


@pytest.mark.parametrize("value", ["A", "L", "Z", "AZ", "XFD", "1", "9", "10", "200001", "99"])
def test_up_to_matches_exactly_what_sorts_no_later(value):
    letters = value.isalpha()
    pattern = re.compile(
        sheet_measure._up_to(value.encode(), *((65, 90) if letters else (48, 57))) + b"$"
    )
    others = (
        [
            "A",
            "B",
            "K",
            "L",
            "M",
            "Y",
            "Z",
            "AA",
            "AZ",
            "BA",
            "ZZ",
            "AAA",
            "XFC",
            "XFD",
            "XFE",
            "ZZZ",
        ]
        if letters
        else [
            "0",
            "1",
            "8",
            "9",
            "10",
            "11",
            "99",
            "100",
            "199999",
            "200000",
            "200001",
            "200002",
            "300000",
            "1000000",
            "0000009",
        ]
    )
    for other in others:
        later = (len(other), other) > (len(value), value)
        assert (pattern.match(other.encode()) is None) == later, other


@pytest.mark.parametrize(
    "late",
    [
        '<c r="AB{r}"><v>1</v></c>',  # a far column
        '<c r="B{far}"><v>1</v></c>',  # a far row, out of order
        '<c r="b{r}"><v>1</v></c>',  # lower case
        '<c\tr="C{r}"><v>1</v></c>',  # other spacing
        '<c t="n"><v>1</v></c>',  # no reference
        "<c><v>1</v></c>",  # no attributes
        '<c r="C{r}"/><c/>',  # an empty cell without attributes
        '<c r="C0000{r}"><v>1</v></c>',  # leading zeros
    ],
)
def test_the_one_search_per_piece_never_measures_less_than_the_exact_scan(
    tmp_path, monkeypatch, late
):
    # Given a sheet read in small pieces, with one odd cell in a late piece
    monkeypatch.setattr(sheet_measure, "CHUNK", 2048)
    body = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{column_letter(c)}{r}"><v>{r}</v></c>' for c in range(3))
        + (late.format(r=r, far=5000) if r == 400 else "")
        + "</row>"
        for r in range(1, 500)
    )
    path = write_xlsx(tmp_path / "odd.xlsx", body, [])
    # When it is measured, then the range, the cells and the estimate are never below the
    # exact (expat) measure's
    fast = sheet_measure.measure_workbook(path)["数据"]
    exact = _exact(path)
    assert fast.cells >= exact.cells
    assert fast.max_row >= exact.max_row
    assert fast.max_col >= exact.max_col
    assert fast.dense_cells >= exact.dense_cells
    assert fast.estimate >= exact.estimate


# --- PostgreSQL: the records reach COPY through a second thread --------------------------------

postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the COPY feeder is PostgreSQL's path"
)


def _line(submission_id: int, row: int) -> str:
    return f'{submission_id}\t{row}\tk{row}\t{{"n": {row}}}\n'


@postgres
@pytest.mark.django_db
def test_a_record_whose_submission_does_not_exist_is_refused_by_its_copy():
    # Given a COPY fed through the thread with a row pointing at no submission
    missing = (Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 99
    with pytest.raises(ForeignKeyViolation), transaction.atomic():
        connection.ensure_connection()
        feeder = pipeline._CopyFeeder(connection.connection, Record._meta.db_table)
        try:
            feeder.write(_line(missing, 1))
            # When the rows are all in
            feeder.finish()
        except BaseException:
            feeder.abort()
            raise
    # Then the foreign key refused it (at the COPY, not at some later COMMIT), nothing stored
    assert not Record.objects.filter(submission_id=missing).exists()


@postgres
@pytest.mark.django_db
def test_an_ingestion_stopped_between_copies_leaves_no_record(
    django_capture_on_commit_callbacks,
):
    # Given a submission and more rows than one COPY statement takes
    world = World()
    with django_capture_on_commit_callbacks(execute=False):
        submission = upload.submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=xlsx_file([good_row(1)]),
        )
    chunks = pipeline.COPY_CHUNKS_PER_STATEMENT * 2 + 1

    class Stop(Exception):
        pass

    # When the validating side fails after several COPY statements went through
    with pytest.raises(Stop), transaction.atomic():
        connection.ensure_connection()
        feeder = pipeline._CopyFeeder(connection.connection, Record._meta.db_table)
        try:
            for n in range(chunks):
                feeder.write("".join(_line(submission.pk, n * 10 + i) for i in range(10)))
            raise Stop
        except BaseException:
            feeder.abort()
            raise
    # Then none of its rows is visible: they were in the one transaction that rolled back
    assert not Record.objects.filter(submission=submission).exists()


@postgres
@pytest.mark.django_db
def test_the_feeder_stores_every_row_in_order_across_copies():
    world = World()
    submission = SubmissionFactory(
        obligation=world.obligation,
        version=1,
        uploaded_by=world.liaison,
        unit=world.item.provider,
        file="x",
        original_filename="x.csv",
        file_kind="csv",
        file_size=1,
        file_sha256="0" * 64,
        schema=SchemaField.objects.filter(schema__item=world.item).first().schema,
    )
    with transaction.atomic():
        connection.ensure_connection()
        feeder = pipeline._CopyFeeder(connection.connection, Record._meta.db_table)
        for n in range(23):
            feeder.write("".join(_line(submission.pk, n * 100 + i) for i in range(100)))
        feeder.finish()
        rows = list(
            Record.objects.filter(submission=submission).values_list("row_number", flat=True)
        )
    assert rows == list(range(2300))
