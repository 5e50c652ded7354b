"""The calendar page: which years follow an official schedule, and entering one (Chinese)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengxiang_portal.core.errors import ApplicationError

from .calendar import calendar_data, known_year, missing_years
from .forms import OfficialYearForm
from .models import OfficialYear
from .schedule_input import schedule_from_csv, schedule_from_text
from .services import can_edit_calendar, official_year_enter


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


def _render(request, form: OfficialYearForm, schedule: OfficialYear | None = None):
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
