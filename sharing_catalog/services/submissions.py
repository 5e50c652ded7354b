"""Confirming submissions, versions and their differences, receipts and downloads (Art. 22).

Every state change writes its ledger entry (台账) in the same transaction; downloads record the
SHA-256 of the exact bytes handed out.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.selectors import NoticeBook, user_can_act_for
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import FieldType, Receipt, Record, Submission
from sharing_catalog.selectors.entitlements import reader_unit_ids
from sharing_catalog.selectors.submissions import submission_readable_data, user_may_read_item
from sharing_catalog.services import reading
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.exports import (
    csv_write,
    read_whole,
    safe_cell,
    spooled_export,
    xlsx_write,
)
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from .obligations import obligation_mark_fulfilled
from .readers import FileRejected, open_table
from .record_codec import RecordCodec


def _require_provider(actor: User, submission: Submission) -> None:
    if not user_can_act_for(user=actor, unit=submission.obligation.item.provider):
        raise PermissionDenied(_("只有提供单位的联络员可以执行此操作。"))


@transaction.atomic
def submission_confirm(*, submission: Submission, actor: User) -> Submission:
    """Confirm a validated submission on behalf of the provider unit (Art. 22: 校核、确认).

    The previously confirmed version of the same obligation, if any, becomes superseded.
    """
    _require_provider(actor, submission)
    submission = (
        Submission.objects.select_for_update()
        .select_related("obligation__item__provider")
        .get(pk=submission.pk)
    )
    if submission.status != Submission.Status.VALIDATED:
        raise ApplicationError(
            code=CatalogErrorCode.NOT_VALIDATED, message=_("数据尚未通过校验，不能确认。")
        )
    previous = (
        Submission.objects.select_for_update()
        .filter(obligation=submission.obligation, status=Submission.Status.CONFIRMED)
        .first()
    )
    if previous is not None:
        previous.status = Submission.Status.SUPERSEDED
        previous.save(update_fields=["status"])
        submission.supersedes = previous
    submission.status = Submission.Status.CONFIRMED
    submission.confirmed_by = actor
    submission.confirmed_at = timezone.now()
    submission.save(update_fields=["status", "confirmed_by", "confirmed_at", "supersedes"])
    obligation_mark_fulfilled(obligation=submission.obligation, at=submission.confirmed_at)
    ledger_append(
        action=LedgerAction.CORRECT if previous else LedgerAction.CONFIRM,
        actor=actor,
        target=submission,
        digest=submission.file_sha256,
        details={
            "version": submission.version,
            "rows": submission.row_count,
            "supersedes": previous.pk if previous else None,
        },
    )
    submission_id = submission.pk
    transaction.on_commit(lambda: consumers_notify(submission_id=submission_id))
    return submission


def consumers_notify(*, submission_id: int) -> None:
    """Tell each consumer unit that new confirmed data has arrived (once each).

    Who at each unit is the one rule (agencies.selectors.NoticeBook): its liaisons, the tax
    bureau's tax staff, or the working group for a consumer with nobody active.
    """
    submission = Submission.objects.select_related("obligation__item").get(pk=submission_id)
    item = submission.obligation.item
    unit_ids = list(item.consumers.values_list("pk", flat=True))
    if not unit_ids:
        return
    book = NoticeBook(unit_ids=unit_ids)
    to = functools.reduce(operator.add, (book.recipients(pk) for pk in unit_ids))
    notice_send(
        to=to,
        key=f"submission:{submission.pk}:confirmed",
        kind="data_arrived",
        subject=_("新到共享数据：%(item)s %(period)s")
        % {"item": item.name, "period": submission.obligation.period_label},
        body=_("提供单位已确认第 %(v)s 版数据，共 %(n)s 条，请及时接收。")
        % {"v": submission.version, "n": submission.row_count},
        url=reverse("sharing_catalog:submission_detail", args=[submission.pk]),
    )


def _consumer_unit_id(actor: User, submission: Submission) -> int:
    units = reader_unit_ids(user=actor)
    consumers = set(
        submission.obligation.item.consumers.filter(pk__in=units).values_list("pk", flat=True)
    )
    if not consumers:
        raise PermissionDenied(_("您所在单位不是该数据的需求单位。"))
    if actor.unit_id is not None and actor.unit_id in consumers:
        return actor.unit_id
    return min(consumers)


@transaction.atomic
def receipt_acknowledge(*, submission: Submission, actor: User) -> Receipt:
    """Record that a consumer unit received confirmed data (接收有记录, Art. 22); idempotent."""
    if submission.status not in (Submission.Status.CONFIRMED, Submission.Status.SUPERSEDED):
        raise ApplicationError(
            code=CatalogErrorCode.NOT_CONFIRMED, message=_("数据尚未确认，不能接收。")
        )
    if not user_may_read_item(user=actor, item=submission.obligation.item):
        raise PermissionDenied(_("您所在单位无权接收该数据。"))
    unit_id = _consumer_unit_id(actor, submission)
    existing = Receipt.objects.filter(submission=submission, unit_id=unit_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            receipt = Receipt.objects.create(submission=submission, unit_id=unit_id, user=actor)
    except IntegrityError:
        return Receipt.objects.get(submission=submission, unit_id=unit_id)
    ledger_append(
        action=LedgerAction.RECEIVE,
        actor=actor,
        unit=receipt.unit,
        target=submission,
        digest=submission.file_sha256,
        details={"version": submission.version, "rows": submission.row_count},
    )
    return receipt


# --- exports ----------------------------------------------------------------------------


def _export_boolean(value: Any) -> str:
    return "是" if value else "否"


def _export_decimal(value: Any) -> Any:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value  # a masked value, or text kept as it came


# How a stored value is written into a download, by field type (others as stored).
_EXPORT_CONVERTERS = {FieldType.BOOLEAN: _export_boolean, FieldType.DECIMAL: _export_decimal}


def _parsed(texts: Iterable[str]) -> Iterator[Any]:
    for text in texts:
        try:
            yield orjson.loads(text)
        except orjson.JSONDecodeError:  # NaN or Infinity, which only SQLite's JSON may hold
            yield json.loads(text)


def _export_rows(datas: Iterable[Any], reader: Any) -> Iterator[list[Any]]:
    """Stored records as export rows: opened, masked, each value converted by its column.

    The conversions are chosen once per column, not per cell (issue 16 point 4: 100,000
    rows × 12 columns); a missing value is None (an empty cell, an empty CSV field).
    """
    keys = [f.key for f in reader.fields]
    converted = [
        (index, _EXPORT_CONVERTERS[f.field_type])
        for index, f in enumerate(reader.fields)
        if f.field_type in _EXPORT_CONVERTERS
    ]
    open_record = reader.open
    for data in datas:
        get = open_record(data).get
        row = [get(key) for key in keys]
        for index, convert in converted:
            value = row[index]
            if value is not None:
                row[index] = convert(value)
        yield row


@dataclass
class Export:
    """A written download: `file` holds its bytes (spooled to disk past a few megabytes)."""

    file: IO[bytes]
    filename: str
    sha256: str
    rows: int
    size: int

    @property
    def content(self) -> bytes:
        return read_whole(self.file)

    def close(self) -> None:
        """Release the file (a response that sends it closes it itself)."""
        self.file.close()

    def __enter__(self) -> Export:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def submission_export(
    *, submission: Submission, actor: User, fmt: str, purpose: Any = None, request: Any = None
) -> Export:
    """The submission's records as .xlsx or .csv (UTF-8 BOM), formula-safe; logged with SHA-256.

    Read through the one read path (`reading.read_open`): a consumer's download needs a
    declared statutory purpose and is written to the access log (Art. 24, 27); sensitive fields
    are masked unless this consumer sees them in clear.

    The rows are read and written outside any transaction: on the embedded SQLite every
    transaction takes the write lock (transaction_mode IMMEDIATE), and a download of 100,000
    rows would hold it for seconds, so the worker's heartbeat and every other user's writes
    would wait (issue 16 point 4: "database is locked"). One query reads the rows (one snapshot);
    only the access-log entry is written in a transaction, once the file is complete.
    """

    if fmt not in {"xlsx", "csv"}:
        raise ApplicationError(
            code=CatalogErrorCode.BAD_FORMAT, message=_("下载格式只能是 xlsx 或 csv。")
        )
    reader = reading.read_open(actor=actor, submission=submission, request=request, purpose=purpose)
    item, fields = reader.item, reader.fields
    header = [f.label for f in fields]
    records = Record.objects.filter(submission=submission).order_by("row_number")
    count = 0

    def rows() -> Any:
        nonlocal count
        # the JSON as text, parsed by orjson: half the CPU of the JSON field's own decoding
        texts = records.annotate(text=Cast("data", TextField())).values_list("text", flat=True)
        for row in _export_rows(_parsed(texts.iterator(chunk_size=5000)), reader):
            count += 1
            yield row

    # written to a spooled file (flat memory for any row count), hashed once complete
    if fmt == "csv":
        written = spooled_export(lambda fh: csv_write(fh, header, rows()))
    else:
        written = spooled_export(
            lambda fh: xlsx_write(fh, headers=header, rows=rows(), sheet_title=item.name[:31])
        )
    try:
        with transaction.atomic():
            reader.log(
                action=LedgerAction.DOWNLOAD, rows=count, digest=written.sha256,
                extra={"format": fmt},
            )  # fmt: skip
    except BaseException:
        written.file.close()
        raise
    filename = f"{item.code}_{submission.obligation.period_label}_v{submission.version}.{fmt}"
    return Export(
        file=written.file, filename=filename, sha256=written.sha256, rows=count,
        size=written.size,
    )  # fmt: skip


def submission_original_file(*, submission: Submission, actor: User) -> tuple[Path, str]:
    """The stored original upload, for the provider only."""
    _require_provider(actor, submission)
    return Path(settings.MEDIA_ROOT) / str(submission.file.name), submission.original_filename


def submission_marked_file(*, submission: Submission, actor: User) -> Export:
    """The uploaded rows as .xlsx with every bad cell filled red and commented with its error."""
    # openpyxl (heavy) is loaded only when the marked-up workbook is built.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    _require_provider(actor, submission)
    by_cell: dict[tuple[int, str], list[str]] = {}
    general: list[str] = []
    for err in submission.errors.all():
        if err.row and err.column:
            by_cell.setdefault((err.row, err.column), []).append(err.message)
        else:
            general.append(f"{err.field_label} {err.message}".strip())
    red = PatternFill(fill_type="solid", start_color="FFFFC7CE", end_color="FFFFC7CE")
    bold = Font(bold=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("数据（已标注）"))
    # openpyxl (heavy) is loaded only when the marked-up workbook is built.
    from openpyxl.utils import get_column_letter

    try:
        specs_keys = [f.key for f in submission.schema.fields.order_by("position")]
        table = open_table(
            Path(settings.MEDIA_ROOT) / str(submission.file.name),
            submission.file_kind,
            keys=specs_keys,
        )
        for row_number, row in enumerate(table.rows, start=1):
            cells = []
            for idx, value in enumerate(row):
                cell = WriteOnlyCell(sheet, value=safe_cell(value))
                messages = by_cell.get((row_number, get_column_letter(idx + 1)))
                if messages:
                    cell.fill = red
                    cell.comment = Comment("\n".join(messages), _("校验"), width=300, height=120)
                elif row_number == 1:
                    cell.font = bold
                cells.append(cell)
            sheet.append(cells)
    except FileRejected as exc:
        general.append(str(exc.message))
    notes = workbook.create_sheet(title=_("校验结果"))
    notes.append([_("单元格"), _("字段"), _("填写值"), _("错误说明")])
    for err in submission.errors.all():
        notes.append([err.cell, safe_cell(err.field_label), safe_cell(err.value), err.message])
    for message in general:
        notes.append(["", "", "", message])
    written = spooled_export(workbook.save)
    stem = Path(submission.original_filename).stem
    return Export(
        file=written.file,
        filename=f"{stem}_校验标注.xlsx",
        sha256=written.sha256,
        rows=submission.rows_processed,
        size=written.size,
    )


# --- versions and differences -------------------------------------------------------------


@dataclass
class RowChange:
    key: str
    old: dict[str, Any]
    new: dict[str, Any]
    fields: list[str]


@dataclass
class Diff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    unchanged: int = 0
    masked: bool = False  # sensitive fields (and key parts) are masked for this actor


@transaction.atomic
def submission_diff(
    *, old: Submission, new: Submission, actor: User, request: Any = None, purpose: Any = None
) -> Diff:
    """Rows added, removed and changed (with the changed fields) between two versions, by key.

    Read through the one read path: rows are compared in clear (opened from their encrypted
    form), returned masked for `actor`, and a consumer's look is written to the access log
    with the declared purpose (Art. 24, 27).
    """

    if not submission_readable_data(user=actor, submission=old):
        raise PermissionDenied(_("您无权查看该版本的数据。"))
    if old.obligation.item_id != new.obligation.item_id:
        raise ApplicationError(
            code=CatalogErrorCode.DIFFERENT_ITEMS, message=_("只能比较同一目录项的版本。")
        )
    reader = reading.read_open(actor=actor, submission=new, request=request, purpose=purpose)
    codec, mask = reader.codec, reader.mask
    old_codec = RecordCodec.for_schema(old.schema)

    def load(sub: Submission, stored_by: RecordCodec) -> dict[str, tuple[int, dict[str, Any]]]:
        # Keys stored under another configuration (the schema changed) are rebuilt from data.
        rekey = stored_by.key_config != codec.key_config
        rows = {}
        for stored, row, data in (
            Record.objects.filter(submission=sub)
            .values_list("unique_key", "row_number", "data")
            .iterator(chunk_size=5000)
        ):
            data = stored_by.open(data)
            rows[codec.stored_key(codec.clear_key(data)) if rekey else stored] = (row, data)
        return rows

    def shown(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        data = mask(data)
        return codec.display_key(data, masked=False), data  # masked above where needed

    before, after = load(old, old_codec), load(new, codec)
    diff = Diff(masked=reader.masked)
    for key, (row, data) in after.items():
        previous = before.get(key)
        if previous is None:
            label, data = shown(data)
            diff.added.append({"key": label, "row": row, "data": data})
            continue
        old_data = previous[1]
        changed = sorted(k for k in set(data) | set(old_data) if data.get(k) != old_data.get(k))
        if changed:
            label, new_data = shown(data)
            diff.changed.append(
                RowChange(key=label, old=mask(old_data), new=new_data, fields=changed)
            )
        else:
            diff.unchanged += 1
    for key, (row, data) in before.items():
        if key not in after:
            label, data = shown(data)
            diff.removed.append({"key": label, "row": row, "data": data})
    reader.log(
        action=LedgerAction.VIEW,
        rows=len(diff.changed) + len(diff.added) + len(diff.removed),
        extra={"diff_from": old.pk},
    )
    return diff
