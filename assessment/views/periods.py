"""Assessment periods, indicator schemes, recomputation, the Excel report, breaches."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengxiang_portal.core.errors import ApplicationError

from .. import selectors, services
from ..forms import BreachForm, IndicatorFormSet, PeriodCreateForm
from ..permissions import can_freeze, can_manage, can_view_all, visible_unit_ids
from ..reports import build_workbook
from ..rules import PARAMS, RuleKind
from .common import period_or_404, require

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def period_list_view(request):
    require(can_view_all(request.user))
    form = PeriodCreateForm(request.POST or None)
    if request.method == "POST":
        require(can_manage(request.user))
        if form.is_valid():
            try:
                period = services.period_create(
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    year=form.cleaned_data["year"],
                    quarter=form.cleaned_data.get("quarter"),
                )
                messages.success(request, _("考核期间已设立，指标体系沿用上一期。"))
                return redirect("assessment:scheme_edit", period.pk)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
    return render(
        request,
        "assessment/period_list.html",
        {"periods": selectors.period_list(), "form": form, "can_manage": can_manage(request.user)},
    )


def scheme_edit_view(request, pk: int):
    """The working group edits a period's indicators; weights must sum to 100."""
    require(can_manage(request.user))
    period = period_or_404(pk)
    indicators = selectors.indicator_list(period=period)
    initial = [
        {"name": i.name, "weight": i.weight, "kind": i.kind,
         "params": json.dumps(i.params, ensure_ascii=False), "description": i.description}
        for i in indicators
    ]  # fmt: skip
    formset = IndicatorFormSet(request.POST or None, initial=initial, prefix="ind")
    error = ""
    if request.method == "POST" and not period.is_frozen and formset.is_valid():
        rows = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("name")
        ]
        try:
            services.scheme_save(actor=request.user, period=period, indicators=rows)
            messages.success(request, _("指标体系已保存，得分将重新计算。"))
            return redirect("assessment:scheme_edit", period.pk)
        except ApplicationError as exc:
            error = exc.message
    total = sum((i.weight for i in indicators), Decimal(0))
    return render(
        request,
        "assessment/scheme_edit.html",
        {"period": period, "formset": formset, "error": error, "total": total,
         "params_help": [(k.label, [str(s.label) + "（" + s.name + "）" for s in PARAMS[k]])
                         for k in RuleKind]},
    )  # fmt: skip


@require_POST
def period_recompute_view(request, pk: int):
    period = period_or_404(pk)
    require(can_manage(request.user))
    try:
        n = services.period_recompute(period=period, actor=request.user)
        messages.success(request, _("已重新计算 %(n)s 项得分。") % {"n": n})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('assessment:dashboard')}?period={period.pk}")


@require_POST
def period_freeze_view(request, pk: int):
    period = period_or_404(pk)
    require(can_freeze(request.user))
    services.period_freeze(actor=request.user, period=period)
    messages.success(request, _("考核期间已冻结，得分不再变化。"))
    return redirect(f"{reverse('assessment:dashboard')}?period={period.pk}")


def report_view(request, pk: int):
    """The period's assessment as an Excel workbook (what the user may see)."""
    period = period_or_404(pk)
    require(can_view_all(request.user) or bool(visible_unit_ids(request.user)))
    buffer = io.BytesIO()
    build_workbook(user=request.user, period=period).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    filename = f"assessment-{period.year}-{period.quarter or 'Y'}.xlsx"
    chinese = quote(f"考核报告-{period.name}.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{chinese}"
    )
    return response


def breach_list_view(request):
    """Confidentiality breaches (Art. 24) the working group records; scores count them."""
    require(can_manage(request.user))
    form = BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_record(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已记录，相关考核期间将重新计算。"))
            return redirect("assessment:breach_list")
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "assessment/breach_list.html",
        {"form": form, "breaches": selectors.breach_list()},
    )
