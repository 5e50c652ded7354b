"""The 报送情况通报 for the working group: page, print view, .xlsx and .docx (Art. 20, 22, 28)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agencies.roles import is_working_group
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.documents.render import OfficialDocument, docx_response, print_response
from zhengxiang_portal.documents.services import document_settings_get
from zhengxiang_portal.exports import xlsx_response

from ..selectors.bulletin import BulletinPeriod, UnitReporting, bulletin_period, reporting_bulletin


def _headers() -> list[str]:
    return [
        _("排名"), _("单位"), _("应报"), _("按时"), _("逾期报送"), _("未报"), _("未到期"),
        _("按时率(%)"), _("首次校验通过率(%)"), _("未办结异议"), _("点名督促"),
    ]  # fmt: skip


def _row(r: UnitReporting) -> list[Any]:
    return [
        r.rank, r.unit_name, r.due, r.on_time, r.late, r.missing, r.pending,
        r.on_time_rate, r.first_pass_rate, r.open_objections, _("是") if r.to_be_named else "",
    ]  # fmt: skip


def _load(request) -> tuple[BulletinPeriod, list[UnitReporting]]:
    """The period asked for (this month by default) and its ranked rows; ApplicationError if bad."""
    if not is_working_group(request.user):
        raise PermissionDenied(_("只有专项工作组可以查看报送情况通报。"))
    today = timezone.localdate()
    period = bulletin_period(request.GET.get("period") or f"{today.year}-{today.month:02d}")
    return period, reporting_bulletin(period=period)


def _load_file(request) -> tuple[BulletinPeriod, list[UnitReporting]]:
    try:
        return _load(request)
    except ApplicationError as exc:
        raise BadRequest(exc.message) from exc


def bulletin_document(period: BulletinPeriod, rows: list[UnitReporting]) -> OfficialDocument:
    named = [r for r in rows if r.to_be_named]
    due = sum(r.due for r in rows)
    summary = _(
        "%(period)s，%(units)s个单位应报送共享数据%(due)s期次，按时%(on_time)s期次，"
        "逾期报送%(late)s期次，未报%(missing)s期次。现将各单位报送情况通报如下。"
    ) % {
        "period": period.label, "units": len(rows), "due": due,
        "on_time": sum(r.on_time for r in rows), "late": sum(r.late for r in rows),
        "missing": sum(r.missing for r in rows),
    }  # fmt: skip
    if named:
        urge = _(
            "以下单位存在未报或逾期报送，予以点名督促：%(units)s。请相关单位立即补报，"
            "并于5个工作日内向专项工作组说明原因。"
        ) % {"units": "、".join(r.unit_name for r in named)}
    else:
        urge = _("本期各单位均按时报送，予以通报表扬。")
    settings = document_settings_get()
    return OfficialDocument(
        title=_("%(period)s共享数据报送情况通报") % {"period": period.label},
        number="",
        issuing_unit=settings.issuing_unit,
        issued_on=timezone.localdate(),
        addressee=_("各共治单位"),
        basis=[_("第二十条"), _("第二十二条"), _("第二十八条")],
        paragraphs=[summary],
        table_headers=_headers(),
        table_rows=[_row(r) for r in rows],
        closing=[urge],
    )


def bulletin_view(request):
    try:
        period, rows = _load(request)
    except ApplicationError as exc:
        today = timezone.localdate()
        return render(
            request,
            "sharing_catalog/bulletin.html",
            {"error": exc.message, "period_key": request.GET.get("period", ""),
             "default_key": f"{today.year}-{today.month:02d}"},
            status=400,
        )  # fmt: skip
    query = urlencode({"period": period.key})
    return render(
        request,
        "sharing_catalog/bulletin.html",
        {
            "period": period,
            "period_key": period.key,
            "headers": _headers(),
            "rows": [_row(r) for r in rows],
            "named": [r for r in rows if r.to_be_named],
            "query": query,
        },
    )


def bulletin_print_view(request):
    period, rows = _load_file(request)
    query = urlencode({"period": period.key})
    return print_response(
        request,
        bulletin_document(period, rows),
        back_url=f"{reverse('sharing_catalog:bulletin')}?{query}",
        docx_url=f"{reverse('sharing_catalog:bulletin_docx')}?{query}",
    )


def bulletin_xlsx_view(request):
    period, rows = _load_file(request)
    return xlsx_response(
        filename=_("报送情况通报%(key)s.xlsx") % {"key": period.key},
        headers=_headers(),
        rows=[_row(r) for r in rows],
        sheet_title=period.key,
    )


def bulletin_docx_view(request):
    period, rows = _load_file(request)
    return docx_response(bulletin_document(period, rows))
