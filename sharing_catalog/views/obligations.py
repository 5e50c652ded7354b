"""Obligation pages: what each unit owes and by when; the working group's overdue view."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit
from agencies.roles import is_working_group
from agencies.selectors import user_unit_ids
from zhengxiang_portal.core.forms import applied_filters
from zhengxiang_portal.core.tables import Paginator, sort_queryset
from zhengxiang_portal.exports import list_export_response, xlsx_response

from ..forms.obligations import ObligationFilterForm
from ..models import Obligation
from ..selectors.catalog import schema_in_force
from ..selectors.obligations import (
    obligation_get,
    obligation_home_list,
    obligation_list,
    obligation_overdue_by_unit,
    obligation_state,
)
from ..services.templates import template_filename, template_workbook

OBLIGATION_SORTS = {
    "due": "due_date",
    "item": "item__code",
    "provider": "item__provider__code",
    "period": "period_start",
    "status": "status",
}


def _with_state(obligations, today=None):
    today = today or timezone.localdate()
    for obligation in obligations:
        obligation.state_class = obligation_state(obligation, today)
    return obligations


def _listed_obligations(request):
    """The list page's form and its filtered, sorted rows (the page and its export share them)."""
    wg = is_working_group(request.user)
    units = Unit.objects.filter(provided_items__isnull=False).distinct() if wg else None
    form = ObligationFilterForm(request.GET or None, units=units)
    filters = applied_filters(form)
    if request.GET.get("mine"):
        filters["mine"] = True
    qs, sort = sort_queryset(
        obligation_list(user=request.user, filters=filters), request, OBLIGATION_SORTS, "-due"
    )
    return wg, form, qs, sort


def obligation_export_view(request, format: str):
    """What the list shows, with its filters, as .xlsx or CSV (an export in the audit log)."""
    _wg, _form, qs, _sort = _listed_obligations(request)
    headers = [
        _("目录项编码"), _("目录项"), _("提供单位"), _("期间"), _("报送截止日"),
        _("宽限截止日"), _("状态"), _("确认时间"),
    ]  # fmt: skip
    rows = (
        [
            o.item.code,
            o.item.name,
            o.item.provider.name,
            o.period_label,
            o.due_date,
            o.grace_until,
            o.get_status_display(),
            o.fulfilled_at,
        ]
        for o in qs.select_related("item__provider")
    )
    return list_export_response(
        request=request, fmt=format, basename=_("报送任务"), what=_("报送任务列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def obligation_list_view(request):
    """Liaisons see their unit's (and consumed items') obligations; the working group all."""
    wg, form, qs, sort = _listed_obligations(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    _with_state(page.object_list)
    return render(
        request,
        "sharing_catalog/obligations/obligation_list.html",
        {
            "page": page,
            "form": form,
            "sort": sort,
            "overdue_by_unit": obligation_overdue_by_unit(user=request.user) if wg else None,
            "is_wg": wg,
        },
    )


def _obligation_or_404(request, pk: int) -> Obligation:
    try:
        return obligation_get(user=request.user, pk=pk)
    except Obligation.DoesNotExist as exc:
        raise Http404 from exc


def obligation_detail_view(request, pk: int):
    """One obligation: item, period, due date, template; the submission part plugs in below."""
    obligation = _obligation_or_404(request, pk)
    _with_state([obligation])
    return render(
        request,
        "sharing_catalog/obligations/obligation_detail.html",
        {
            "obligation": obligation,
            "item": obligation.item,
            "schema": schema_in_force(item=obligation.item),
            "is_provider": obligation.item.provider_id in user_unit_ids(user=request.user),
        },
    )


def obligation_template_view(request, pk: int):
    """The Excel template to fill in for this obligation (schema in force)."""
    obligation = _obligation_or_404(request, pk)
    schema = schema_in_force(item=obligation.item)
    if schema is None:
        raise Http404
    return xlsx_response(filename=template_filename(schema), workbook=template_workbook(schema))


# --- home-page panels -------------------------------------------------------------------------


def home_panel_context(request) -> dict | None:
    """The provider's obligations still to be done, by due date (hidden when there are none)."""
    obligations = obligation_home_list(user=request.user)
    if not obligations:
        return None
    return {"obligations": _with_state(obligations)}


def working_group_panel_context(request) -> dict | None:
    """For the working group: overdue obligations counted per unit."""
    if not is_working_group(request.user):
        return None
    rows = obligation_overdue_by_unit(user=request.user)
    return {"rows": rows, "total": sum(r["count"] for r in rows)}
