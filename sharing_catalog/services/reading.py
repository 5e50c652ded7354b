"""The one path for reading shared records: purpose, masking, access log (Art. 23, 24, 27).

The records page, the downloads (Excel/CSV), the version diff and the API all open a
submission's records through `read_open`: it checks that the user may read the data, takes
the statutory purpose (passed, or declared for the item today through the purpose step),
decides which sensitive fields this consumer sees in clear for that purpose (`masking`), and
its `log` writes the access-log entry (plus UNMASK when sensitive fields were shown in clear).
Views render what it returns; they never mask, log or check purposes themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import User
from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import CatalogItem, Record, SchemaField, Submission
from sharing_catalog.selectors.submissions import submission_readable_data, user_provides_item
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.services import ledger_append

from .access import Purpose, access_log_record, declared_purpose, purpose_validate
from .masking import clear_field_keys, field_masker, hidden_fields, record_unmasked_access
from .record_codec import RecordCodec


@dataclass
class RecordReader:
    """What one user may see of one submission's records, decided once for a read."""

    actor: User
    submission: Submission
    item: CatalogItem
    fields: list[SchemaField]
    purpose: Purpose | None
    is_provider: bool
    clear: set[str]
    masked: bool
    mask: Callable[[Mapping[str, Any]], dict[str, Any]]
    request: Any = None
    codec: RecordCodec = field(init=False)

    def __post_init__(self) -> None:
        self.codec = RecordCodec(self.fields)

    @property
    def masked_fields(self) -> list[SchemaField]:
        """The sensitive fields this reader sees masked (the page names them)."""
        return hidden_fields(self.fields, self.clear) if self.masked else []

    def open(self, stored: Mapping[str, Any]) -> dict[str, Any]:
        """One stored record's data decrypted, then masked for this user."""
        return self.mask(self.codec.open(stored))

    def rows(self, records: Iterable[Record]) -> list[Record]:
        """Unsaved copies of `records` opened and masked; `unique_key` as people read it."""
        out = []
        for r in records:
            data = self.open(r.data)
            key = self.codec.display_key(data, masked=False)  # data is already masked
            out.append(Record(pk=r.pk, row_number=r.row_number, unique_key=key, data=data))
        return out

    def log(
        self, *, action: str, rows: int, digest: str = "", extra: dict[str, Any] | None = None
    ) -> None:
        """The access-log entry for this read; the provider's own views are not logged."""
        extra = {"version": self.submission.version, "masked": self.masked, **(extra or {})}
        if self.is_provider:
            if action == LedgerAction.DOWNLOAD:
                ledger_append(
                    action=action,
                    actor=self.actor,
                    target=self.submission,
                    digest=digest,
                    details={"rows": rows, **extra},
                )
            return
        if self.clear:
            extra["clear_fields"] = sorted(self.clear)
        access_log_record(
            actor=self.actor,
            item=self.item,
            target=self.submission,
            action=action,
            purpose=self.purpose,
            rows=rows,
            digest=digest,
            request=self.request,
            extra=extra,
        )
        if self.clear:
            record_unmasked_access(
                actor=self.actor,
                item=self.item,
                target=self.submission,
                rows=rows,
                request=self.request,
                fields=self.clear,
            )


def read_open(
    *,
    actor: User,
    submission: Submission,
    request: Any = None,
    purpose: Purpose | str | None = None,
) -> RecordReader:
    """Open a submission's records for reading by `actor` (no log yet: call `reader.log`).

    Raises PermissionDenied when the user may not read the data, and ApplicationError
    `purpose_required` when a consumer has declared no statutory purpose (Art. 24, 27).
    """
    if not submission_readable_data(user=actor, submission=submission):
        raise PermissionDenied(_("您无权查看该版本的数据。"))
    item = submission.obligation.item
    is_provider = user_provides_item(user=actor, item=item)
    if isinstance(purpose, str):
        purpose = purpose_validate(code=purpose)
    if purpose is None and request is not None:
        purpose = declared_purpose(request=request, item=item)
    if purpose is None and not is_provider:
        raise ApplicationError(
            code=CatalogErrorCode.PURPOSE_REQUIRED, message=_("查看或下载数据前须声明用途。")
        )
    fields = list(submission.schema.fields.order_by("position"))
    clear = clear_field_keys(user=actor, item=item, fields=fields, purpose=purpose)
    mask, masked = field_masker(fields, clear)
    return RecordReader(
        actor=actor,
        submission=submission,
        item=item,
        fields=fields,
        purpose=purpose,
        is_provider=is_provider,
        clear=set() if is_provider else clear,
        masked=masked,
        mask=mask,
        request=request,
    )


@transaction.atomic
def records_read(
    *,
    actor: User,
    submission: Submission,
    records: Iterable[Record],
    request: Any = None,
    purpose: Purpose | str | None = None,
) -> tuple[list[Record], RecordReader]:
    """One page of records, opened and masked for `actor`, written to the access log."""
    reader = read_open(actor=actor, submission=submission, request=request, purpose=purpose)
    rows = reader.rows(records)
    reader.log(action=LedgerAction.VIEW, rows=len(rows))
    return rows, reader


def records_masked(
    *, actor: User, submission: Submission, records: Iterable[Record], request: Any = None
) -> tuple[list[Record], bool]:
    """Records named in an objection, for its parties: opened and masked, no purpose.

    The caller has checked that `actor` may see the objection; no disclosure rule applies
    without a purpose, so only the provider and unmask-permission holders see clear values.
    Someone outside the provider who sees sensitive fields in clear here is recorded (ledger
    UNMASK, Art. 24) as on the records page.
    """
    item = submission.obligation.item
    fields = list(submission.schema.fields.order_by("position"))
    clear = clear_field_keys(user=actor, item=item, fields=fields)
    mask, masked = field_masker(fields, clear)
    reader = RecordReader(
        actor=actor,
        submission=submission,
        item=item,
        fields=fields,
        purpose=None,
        is_provider=False,
        clear=clear,
        masked=masked,
        mask=mask,
        request=request,
    )
    rows = reader.rows(records)
    if rows and clear:
        record_unmasked_access(
            actor=actor, item=item, target=submission, rows=len(rows), request=request,
            fields=clear,
        )  # fmt: skip
    return rows, masked
