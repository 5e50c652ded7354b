"""The calendar page: which years follow an official schedule, and entering one (Chinese)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengxiang_portal.core.errors import ApplicationError

from .calendar import calendar_data, known_year, missing_years
from .forms import CalendarOverrideForm, OfficialYearForm
from .models import CalendarOverride, OfficialYear
from .schedule_input import schedule_from_csv, schedule_from_text
from .services import (
    calendar_override_delete,
    calendar_override_set,
    can_edit_calendar,
    official_year_enter,
)


def _require_editor(request) -> None:
    if not can_edit_calendar(request.user):
        raise PermissionDenied(_("只有系统管理员或安全管理员可以维护工作日历。"))


def _schedule_text(schedule: OfficialYear) -> str:
    """The entered days as lines the form reads back (one line per day)."""
    return "\n".join(
        f"{d.day:%Y-%m-%d} {'班' if d.is_working_day else '休'} {d.name}".rstrip()
        for d in schedule.days.all()
    )


def _handle(request, form: OfficialYearForm):
    """Read and save the form's schedule; None and the form's errors when it cannot."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        if data.get("file") is not None:
            entries = schedule_from_csv(data["file"].read())
        else:
            entries = schedule_from_text(data["text"])
        return official_year_enter(
            actor=request.user, year=data["year"], entries=entries, source=data["source"]
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        for line in exc.details.get("errors", []):
            form.add_error(None, line)
    return None


def _render(
    request,
    form: OfficialYearForm,
    schedule: OfficialYear | None = None,
    override_form: CalendarOverrideForm | None = None,
):
    today = timezone.localdate()
    data = calendar_data()
    years = (
        OfficialYear.objects.select_related("entered_by")
        .annotate(
            holiday_count=Count("days", filter=Q(days__is_working_day=False)),
            workday_count=Count("days", filter=Q(days__is_working_day=True)),
        )
        .order_by("-year")
    )
    status = [
        {
            "year": year,
            "entered": year in data.entered_years,
            "known": known_year(year, data),
        }
        for year in (today.year, today.year + 1)
    ]
    return render(
        request,
        "deadlines/schedule.html",
        {
            "form": form,
            "years": years,
            "status": status,
            "missing": missing_years(today, data),
            "package_through": settings.CALENDAR_PACKAGE_OFFICIAL_THROUGH,
            "schedule": schedule,
            "override_form": override_form or CalendarOverrideForm(),
            "overrides": CalendarOverride.objects.filter(day__gte=today.replace(month=1, day=1)),
        },
    )


def schedule_list_view(request):
    _require_editor(request)
    if request.method == "POST":
        form = OfficialYearForm(request.POST, request.FILES)
        saved = _handle(request, form)
        if saved is not None:
            schedule, moves = saved
            messages.success(
                request,
                _("%(year)d 年节假日安排已保存；%(n)d 个未到期的期限随之调整，已通知相关人员。")
                % {"year": schedule.year, "n": len(moves)},
            )
            return redirect("deadlines:schedule_detail", year=schedule.year)
    else:
        missing = missing_years(timezone.localdate())
        form = OfficialYearForm(initial={"year": missing[0] if missing else None})
    return _render(request, form)


def schedule_detail_view(request, year: int):
    _require_editor(request)
    schedule = get_object_or_404(OfficialYear.objects.select_related("entered_by"), year=year)
    form = OfficialYearForm(
        initial={"year": year, "source": schedule.source, "text": _schedule_text(schedule)}
    )
    return _render(request, form, schedule)


@require_POST
def override_set_view(request):
    _require_editor(request)
    form = CalendarOverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            calendar_override_set(
                day=data["day"],
                is_working_day=data["is_working_day"],
                note=data["note"],
                actor=request.user,
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(day)s 已调整；受影响的未到期期限已重新计算，并已通知相关人员。")
                % {"day": data["day"].isoformat()},
            )
            return redirect("deadlines:schedule_list")
    return _render(request, OfficialYearForm(), override_form=form)


@require_POST
def override_delete_view(request, day: str):
    _require_editor(request)
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    calendar_override_delete(day=parsed, actor=request.user)
    messages.success(request, _("%(day)s 的调整已撤销。") % {"day": parsed.isoformat()})
    return redirect("deadlines:schedule_list")
