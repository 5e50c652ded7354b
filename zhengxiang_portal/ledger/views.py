"""Ledger pages for the working group and the auditor (Art. 22, 24, 27).

The ledger list, one object's history, the access log, exports of a slice (CSV/XLSX with the
hashes, re-verifiable by scripts/verify_ledger_export.py), and the printable daily digests.
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

from .actions import LedgerAction, LedgerCategory
from .exports import export_csv, export_xlsx
from .forms import LedgerFilterForm
from .models import LedgerDailyDigest
from .selectors import (
    ACCESS_ACTIONS,
    access_log_list,
    digest_list,
    ledger_history,
    ledger_list,
    ledger_page,
    user_may_read_ledger,
)
from .services import ledger_append

EXPORT_LIMIT = 200_000  # one export stays within a worker's memory; narrow the filter for more
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(request) -> None:
    if not user_may_read_ledger(user=request.user):
        raise PermissionDenied


def _before(request) -> int | None:
    try:
        return int(request.GET.get("before", "")) or None
    except ValueError:
        return None


def ledger_list_view(request):
    _require_reader(request)
    form = LedgerFilterForm(request.GET or None)
    entries, next_before = ledger_page(
        ledger_list(user=request.user, filters=form.filters()), before=_before(request)
    )
    return render(
        request,
        "ledger/entry_list.html",
        {"form": form, "entries": entries, "next_before": next_before, "access_log": False},
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
        {"form": form, "entries": entries, "next_before": next_before, "access_log": True},
    )


def _export(request, *, fmt: str, access_only: bool) -> HttpResponse:
    _require_reader(request)
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    form = LedgerFilterForm(request.GET or None)
    list_url = reverse("ledger:access_log" if access_only else "ledger:entry_list")
    refused = export_refused(request, form, list_url)
    if refused is not None:
        return refused
    filters = form.filters()
    selector = access_log_list if access_only else ledger_list
    # Oldest first, so consecutive entries can be re-linked by the verifier.
    qs = selector(user=request.user, filters=filters).order_by("seq")[:EXPORT_LIMIT]
    entries = list(qs)
    body = export_xlsx(entries) if fmt == "xlsx" else export_csv(entries)
    with transaction.atomic():
        ledger_append(
            action=LedgerAction.EXPORT,
            actor=request.user,
            category=LedgerCategory.AUDIT,
            target_label="access-log" if access_only else "ledger",
            digest=hashlib.sha256(body).hexdigest(),
            details={"rows": len(entries), "format": fmt, "query": request.GET.urlencode()},
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
    name = f"{'access-log' if access_only else 'ledger'}-{stamp}.{fmt}"
    response = HttpResponse(body, content_type=XLSX_TYPE if fmt == "xlsx" else "text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def ledger_export_view(request, fmt: str):
    return _export(request, fmt=fmt, access_only=False)


def access_log_export_view(request, fmt: str):
    return _export(request, fmt=fmt, access_only=True)


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
