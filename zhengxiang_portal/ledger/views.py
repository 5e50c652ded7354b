"""Ledger pages (Art. 22, 24, 27).

The working group and the auditor: the whole ledger, one object's history, the access log, the
machine exports of a slice (CSV/XLSX with the hashes, re-verifiable by
scripts/verify_ledger_export.py), and the printable daily digests. Liaisons and tax staff: their
own unit's 台账 (Art. 22 各单位…建立台账) and its readable export.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from zhengxiang_portal.core.forms import export_refused
from zhengxiang_portal.exports import bytes_response

from .actions import LedgerAction, LedgerCategory
from .exports import (
    export_csv,
    export_xlsx,
    readable_csv,
    readable_xlsx,
    row_count,
    target_labels,
)
from .forms import LedgerFilterForm
from .models import LedgerDailyDigest
from .selectors import (
    ACCESS_ACTIONS,
    access_log_list,
    digest_list,
    ledger_history,
    ledger_list,
    ledger_page,
    ledger_unit_list,
    user_may_read_ledger,
    user_may_read_unit_ledger,
)
from .services import ledger_append

EXPORT_LIMIT = 200_000  # one export stays within a worker's memory; narrow the filter for more
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(request) -> None:
    if not user_may_read_ledger(user=request.user):
        raise PermissionDenied


def _require_unit_reader(request) -> None:
    if not user_may_read_unit_ledger(user=request.user):
        raise PermissionDenied


def _named(entries: list) -> list:
    """Give each entry its target as people name it (`e.target_label`) for the page."""
    labels = target_labels(entries)
    for e in entries:
        e.target_label = labels.get(e.seq, e.target_repr)
        e.row_count = row_count(e)
    return entries


def _before(request) -> int | None:
    try:
        return int(request.GET.get("before", "")) or None
    except ValueError:
        return None


def ledger_list_view(request):
    """The whole ledger for the working group and the auditor; a unit's own for its people."""
    _require_unit_reader(request)
    form = LedgerFilterForm(request.GET or None, user=request.user)
    entries, next_before = ledger_page(
        ledger_list(user=request.user, filters=form.filters()), before=_before(request)
    )
    whole = user_may_read_ledger(user=request.user)
    return render(
        request,
        "ledger/entry_list.html",
        {
            "form": form,
            "entries": _named(entries),
            "next_before": next_before,
            "access_log": False,
            "whole": whole,
            "own_units": [] if whole else ledger_unit_list(user=request.user),
        },
    )


def access_log_view(request):
    """The access log: who viewed or downloaded which shared records, when, and why."""
    _require_reader(request)
    actions = [(a.value, a.label) for a in ACCESS_ACTIONS]
    form = LedgerFilterForm(request.GET or None, actions=actions)
    entries, next_before = ledger_page(
        access_log_list(user=request.user, filters=form.filters()), before=_before(request)
    )
    return render(
        request,
        "ledger/entry_list.html",
        {
            "form": form,
            "entries": _named(entries),
            "next_before": next_before,
            "access_log": True,
            "whole": True,
        },
    )


def _export(request, *, fmt: str, kind: str) -> HttpResponse:
    """One export of the ledger as far as the user reads it, itself written to the ledger.

    kind "ledger" / "access-log": the machine export (hashes) for whole-ledger readers;
    kind "table": the readable 台账 (Chinese headings, local time, names) for every reader.
    """
    if kind == "table":
        _require_unit_reader(request)
    else:
        _require_reader(request)
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    form = LedgerFilterForm(request.GET or None, user=request.user)
    list_url = reverse("ledger:access_log" if kind == "access-log" else "ledger:entry_list")
    refused = export_refused(request, form, list_url)
    if refused is not None:
        return refused
    filters = form.filters()
    selector = access_log_list if kind == "access-log" else ledger_list
    # Oldest first, so consecutive entries can be re-linked by the verifier.
    qs = selector(user=request.user, filters=filters).order_by("seq")[:EXPORT_LIMIT]
    entries = list(qs)
    if kind == "table":
        body = readable_xlsx(entries) if fmt == "xlsx" else readable_csv(entries)
    else:
        body = export_xlsx(entries) if fmt == "xlsx" else export_csv(entries)
    with transaction.atomic():
        ledger_append(
            action=LedgerAction.EXPORT,
            actor=request.user,
            category=LedgerCategory.AUDIT,
            target_label=kind,
            digest=hashlib.sha256(body).hexdigest(),
            details={"rows": len(entries), "format": fmt, "query": request.GET.urlencode()},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    name = f"{'台账' if kind == 'table' else kind}-{stamp}.{fmt}"
    return bytes_response(
        body, filename=name, content_type=XLSX_TYPE if fmt == "xlsx" else "text/csv"
    )


def ledger_export_view(request, fmt: str):
    return _export(request, fmt=fmt, kind="ledger")


def ledger_table_export_view(request, fmt: str):
    """The readable 台账 of what the user may read (a unit's own, or the whole ledger)."""
    return _export(request, fmt=fmt, kind="table")


def access_log_export_view(request, fmt: str):
    return _export(request, fmt=fmt, kind="access-log")


def object_history_view(request, type_label: str, pk: str):
    """One object's whole history (e.g. a submission: upload → validate → confirm → receipts)."""
    _require_reader(request)
    app_label, _sep, model = type_label.partition(".")
    try:
        ct = ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist as exc:
        raise Http404 from exc
    model_class = ct.model_class()
    if model_class is None:
        raise Http404
    target = get_object_or_404(model_class, pk=pk)
    return render(
        request,
        "ledger/object_history.html",
        {"target": target, "entries": ledger_history(target), "type_label": type_label},
    )


def digest_list_view(request):
    _require_reader(request)
    return render(request, "ledger/digest_list.html", {"digests": digest_list(user=request.user)})


def digest_print_view(request, day: str):
    """The printable sheet of one day's chain head, for the working group's paper file."""
    _require_reader(request)
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    digest = get_object_or_404(LedgerDailyDigest, day=parsed)
    return render(request, "ledger/digest_print.html", {"digest": digest})
