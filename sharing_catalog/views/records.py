"""A submission's records page: read through the one read path; consumers raise objections here.

Reading shared records is the act Art. 24 and 27 govern: `services.reading.records_read` takes
the declared purpose, masks and writes the access log; without a purpose the page sends the
user to the purpose step.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from sharing_catalog.errors import CatalogErrorCode
from sharing_catalog.models import Objection, Submission
from sharing_catalog.selectors.submissions import (
    record_list,
    submission_get,
    submission_readable_data,
    user_provides_item,
)
from sharing_catalog.services.reading import records_read
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.registry import set_nav_section

from ..forms.governance import ObjectionRaiseForm
from .governance import purpose_step
from .submissions import CONSUMER_NAV, PROVIDER_NAV

ROWS_PER_PAGE = 50


def _fields(submission: Submission) -> list:
    return list(submission.schema.fields.order_by("position"))


def submission_records_view(request, pk: int):
    """The records of one version, masked; consumers tick rows and raise an objection here."""

    try:
        submission = submission_get(user=request.user, pk=pk)
    except Submission.DoesNotExist as exc:
        raise Http404 from exc
    if not submission_readable_data(user=request.user, submission=submission):
        raise Http404
    item = submission.obligation.item
    is_provider = user_provides_item(user=request.user, item=item)
    set_nav_section(request, PROVIDER_NAV if is_provider else CONSUMER_NAV)
    fields = _fields(submission)
    page = Paginator(record_list(submission=submission), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    try:
        rows, reader = records_read(
            actor=request.user, submission=submission, records=page.object_list, request=request
        )
    except PermissionDenied as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        if exc.code == CatalogErrorCode.PURPOSE_REQUIRED:
            return purpose_step(request, item)
        raise
    objected_rows = {
        n
        for o in Objection.objects.filter(submission=submission).exclude(
            status=Objection.Status.CLOSED
        )
        for n in o.row_numbers
    }
    masked_keys = {f.key for f in reader.masked_fields}
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
                {
                    "record": r,
                    "cells": [(r.data.get(f.key, ""), f.key in masked_keys) for f in fields],
                }
                for r in rows
            ],
            "masked_labels": [f.label for f in reader.masked_fields],
            "purpose": reader.purpose,
            "can_object": can_object,
            "objected_rows": objected_rows,
            "form": ObjectionRaiseForm(fields=fields) if can_object else None,
        },
    )
