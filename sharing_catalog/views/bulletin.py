"""The 报送情况通报 for the working group: page, print view, .xlsx and .docx (Art. 20, 22, 28)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.roles import is_working_group
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.documents.render import docx_response, print_response
from zhengxiang_portal.exports import xlsx_response

from ..documents import bulletin_document, bulletin_headers, bulletin_row
from ..selectors.bulletin import Bulletin, bulletin_for_period, bulletin_period
from ..services.bulletin import bulletin_publish


def _load(request) -> Bulletin:
    """The period asked for (this month by default): as published once it was, or the current
    figures with ?live=1; ApplicationError if the period is not one."""
    if not is_working_group(request.user):
        raise PermissionDenied(_("只有专项工作组可以查看报送情况通报。"))
    today = timezone.localdate()
    period = bulletin_period(request.GET.get("period") or f"{today.year}-{today.month:02d}")
    return bulletin_for_period(period=period, live=request.GET.get("live") == "1")


def _query(bulletin: Bulletin) -> str:
    params = {"period": bulletin.period.key}
    if bulletin.publication is not None and not bulletin.frozen:
        params["live"] = "1"
    return urlencode(params)


def _load_file(request) -> Bulletin:
    try:
        return _load(request)
    except ApplicationError as exc:
        raise BadRequest(exc.message) from exc


def bulletin_view(request):
    try:
        bulletin = _load(request)
    except ApplicationError as exc:
        today = timezone.localdate()
        return render(
            request,
            "sharing_catalog/bulletin.html",
            {"error": exc.message, "period_key": request.GET.get("period", ""),
             "default_key": f"{today.year}-{today.month:02d}"},
            status=400,
        )  # fmt: skip
    period, rows = bulletin.period, bulletin.rows
    return render(
        request,
        "sharing_catalog/bulletin.html",
        {
            "period": period,
            "period_key": period.key,
            "headers": bulletin_headers(),
            "rows": [bulletin_row(r) for r in rows],
            "named": [r for r in rows if r.to_be_named],
            "query": _query(bulletin),
            "publication": bulletin.publication,
            "frozen": bulletin.frozen,
            "published_query": urlencode({"period": period.key}),
            "may_publish": period.end < timezone.localdate(),
        },
    )


@require_POST
def bulletin_publish_view(request):
    """Publish the period's bulletin to every unit's liaisons and the working group (once)."""
    period_key = request.POST.get("period", "")
    try:
        period = bulletin_period(period_key)
        publication = bulletin_publish(actor=request.user, period=period)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        text = _("已发布%(title)s，已通知%(people)s人（各单位在岗联络员和专项工作组）。") % {
            "title": publication.title,
            "people": len(publication.told),
        }
        if publication.unreachable:
            text += _("%(n)s个应报单位无人可通知：%(units)s。") % {
                "n": len(publication.unreachable),
                "units": "、".join(publication.unreachable),
            }
        messages.success(request, text)
    return redirect(f"{reverse('sharing_catalog:bulletin')}?{urlencode({'period': period_key})}")


def bulletin_print_view(request):
    bulletin = _load_file(request)
    query = _query(bulletin)
    return print_response(
        request,
        bulletin_document(bulletin.period, bulletin.rows, bulletin.issued_on),
        back_url=f"{reverse('sharing_catalog:bulletin')}?{query}",
        docx_url=f"{reverse('sharing_catalog:bulletin_docx')}?{query}",
    )


def bulletin_xlsx_view(request):
    bulletin = _load_file(request)
    return xlsx_response(
        filename=_("报送情况通报%(key)s.xlsx") % {"key": bulletin.period.key},
        headers=bulletin_headers(),
        rows=[bulletin_row(r) for r in bulletin.rows],
        sheet_title=bulletin.period.key,
    )


def bulletin_docx_view(request):
    bulletin = _load_file(request)
    return docx_response(bulletin_document(bulletin.period, bulletin.rows, bulletin.issued_on))
