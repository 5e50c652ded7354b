from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from zhengxiang_portal.core.forms import applied_filters
from zhengxiang_portal.core.tables import sort_queryset

from .forms import UnitFilterForm
from .models import Unit
from .roles import is_working_group
from .selectors import unit_get, unit_list, units_unreachable, units_unreachable_cached

UNIT_SORTS = {"code": "code", "name": "name", "kind": "kind", "liaisons": "liaison_count"}


def unit_list_view(request):
    form = UnitFilterForm(request.GET or None)
    filters = applied_filters(form)
    qs, sort = sort_queryset(
        unit_list(user=request.user, filters=filters), request, UNIT_SORTS, default="code"
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    unreachable = dict(units_unreachable().values_list("pk", "name"))
    return render(
        request,
        "agencies/unit_list.html",
        {"page": page, "form": form, "sort": sort, "unreachable": unreachable},
    )


def unit_detail_view(request, pk: int):
    try:
        unit = unit_get(user=request.user, pk=pk)
    except Unit.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "agencies/unit_detail.html", {"unit": unit})


def unreachable_units_panel(request):
    """Home panel for the working group: units with duties and nobody active (issue 14)."""
    if not is_working_group(request.user):
        return None
    units = units_unreachable_cached()
    return {"units": units} if units else None
