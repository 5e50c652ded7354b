"""A submission's records page: masked, access-logged, and where consumers raise objections.

Reading shared records is the act Art. 24 and 27 govern: a consumer declares a statutory purpose
first (the purpose step), every page view is written to the access log, and sensitive fields are
masked unless the user holds the item's unmask permission (clear views are logged as UNMASK).
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from sharing_catalog.models import Objection, Record, Submission
from sharing_catalog.selectors.submissions import (
    record_list,
    submission_get,
    submission_readable_data,
    user_provides_item,
)
from sharing_catalog.services.access import access_log_record, declared_purpose
from sharing_catalog.services.masking import record_masker, record_unmasked_access
from sharing_catalog.services.record_codec import RecordCodec
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction

from ..forms.governance import ObjectionRaiseForm

ROWS_PER_PAGE = 50


def _fields(submission: Submission) -> list:
    return list(submission.schema.fields.order_by("position"))


def log_records_view(
    *, request, submission: Submission, rows: int, masked: bool, purpose, extra=None
) -> None:
    """A consumer saw records: the access log entry, and the unmask entry when shown in clear."""
    item = submission.obligation.item
    access_log_record(
        actor=request.user,
        item=item,
        target=submission,
        action=LedgerAction.VIEW,
        purpose=purpose,
        rows=rows,
        request=request,
        extra={"version": submission.version, "masked": masked, **(extra or {})},
    )
    if not masked and any(f.is_sensitive for f in _fields(submission)):
        record_unmasked_access(
            actor=request.user, item=item, target=submission, rows=rows, request=request
        )


def masked_rows(*, user: Any, submission: Submission, records) -> tuple[list[Record], bool]:
    """Copies of the records opened (decrypted) and then masked for this user.

    The copies' `unique_key` is the key as people read it ("A / B"), its sensitive parts
    masked like the fields; the stored key may be a keyed hash (record_codec).
    """
    fields = _fields(submission)
    codec = RecordCodec(fields)
    mask, masked = record_masker(fields, user, submission.obligation.item)
    out = []
    for r in records:
        data = mask(codec.open(r.data))
        key = codec.display_key(data, masked=False)  # data is already masked as needed
        out.append(Record(pk=r.pk, row_number=r.row_number, unique_key=key, data=data))
    return out, masked


def records_api_page(*, request, submission: Submission, records) -> list[Record]:
    """The API's records page: purpose (query `purpose`) required from consumers; masked; logged."""
    item = submission.obligation.item
    rows, masked = masked_rows(user=request.user, submission=submission, records=records)
    if not user_provides_item(user=request.user, item=item):
        purpose = declared_purpose(request=request, item=item)
        if purpose is None:
            raise ApplicationError(
                code="purpose_required",
                message="查看数据前须声明用途（purpose 参数）。",
            )
        log_records_view(
            request=request, submission=submission, rows=len(rows), masked=masked, purpose=purpose
        )
    return rows


def submission_records_view(request, pk: int):
    """The records of one version, masked; consumers tick rows and raise an objection here."""
    from .governance import require_purpose

    try:
        submission = submission_get(user=request.user, pk=pk)
    except Submission.DoesNotExist as exc:
        raise Http404 from exc
    if not submission_readable_data(user=request.user, submission=submission):
        raise Http404
    item = submission.obligation.item
    is_provider = user_provides_item(user=request.user, item=item)
    if not is_provider and (step := require_purpose(request, item)) is not None:
        return step
    fields = _fields(submission)
    page = Paginator(record_list(submission=submission), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows, masked = masked_rows(user=request.user, submission=submission, records=page.object_list)
    if not is_provider:
        log_records_view(
            request=request,
            submission=submission,
            rows=len(rows),
            masked=masked,
            purpose=declared_purpose(request=request, item=item),
        )
    objected_rows = {
        n
        for o in Objection.objects.filter(submission=submission).exclude(
            status=Objection.Status.CLOSED
        )
        for n in o.row_numbers
    }
    can_object = not is_provider and submission.status == Submission.Status.CONFIRMED
    return render(
        request,
        "sharing_catalog/records.html",
        {
            "submission": submission,
            "item": item,
            "fields": fields,
            "page": page,
            "rows": [
                {"record": r, "values": [r.data.get(f.key, "") for f in fields]} for r in rows
            ],
            "masked": masked,
            "can_object": can_object,
            "objected_rows": objected_rows,
            "form": ObjectionRaiseForm(fields=fields) if can_object else None,
        },
    )
