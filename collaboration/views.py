"""Pages: list, new request, detail with timeline and step forms, oversight, statistics."""

from __future__ import annotations

import datetime as dt
import math

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Unit
from agencies.roles import is_working_group
from zhengxiang_portal import charts
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.forms import applied_filters
from zhengxiang_portal.core.tables import Paginator, sort_queryset
from zhengxiang_portal.core.uploads import attachment_response
from zhengxiang_portal.documents.models import IssuedDocument
from zhengxiang_portal.documents.render import docx_response, print_response
from zhengxiang_portal.documents.services import document_for
from zhengxiang_portal.exports import (
    XLSX_CONTENT_TYPE,
    bytes_response,
    column_widths,
    list_export_response,
    xlsx_sheets_bytes,
)
from zhengxiang_portal.statistics import StatisticsTable, statistics_tables
from zhengxiang_portal.xlsx_stream import Sheet

from . import services
from .actions import ACTIONS, make_form
from .documents import letter_kind, request_letter
from .forms import RequestCreateForm, RequestFilterForm, StatisticsForm
from .models import Attachment, Category, CollaborationRequest, Status
from .permissions import (
    acts_for_requester,
    allowed_actions,
    can_create,
    is_party,
    sees_collaboration,
)
from .selectors import (
    assignee_candidates,
    attachment_get,
    default_due_date,
    due_soon_threshold,
    oversight_list,
    request_get,
    request_list,
    request_rows,
    request_statistics,
)

REQUEST_SORTS = {
    "number": "number",
    "subject": "subject",
    "status": "status",
    "due": "due_date",
    "submitted": "submitted_at",
    "target": "target_unit__code",
    "origin": "requesting_unit__code",
}
PAGE_SIZE = 25


def _require_sees(request) -> None:
    if not sees_collaboration(request.user):
        raise PermissionDenied(_("您无权查看协作事项。"))


def _highlight_ctx() -> dict:
    return {"today": timezone.localdate(), "soon": due_soon_threshold()}


def _listed_requests(request):
    """The list page's form and its filtered, sorted rows (the page and its export share them)."""
    _require_sees(request)
    form = RequestFilterForm(request.GET or None, user=request.user)
    filters = applied_filters(form)
    qs, sort = sort_queryset(
        request_rows(request_list(user=request.user, filters=filters)),
        request,
        REQUEST_SORTS,
        default="due",
    )
    return form, qs, sort


def request_list_view(request):
    """Tax staff track, liaisons see their unit's incoming and outgoing requests (Art. 7)."""
    form, qs, sort = _listed_requests(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collaboration/request_list.html",
        {
            "page": page,
            "form": form,
            "sort": sort,
            "can_create": can_create(request.user),
            "is_wg": is_working_group(request.user),
            **_highlight_ctx(),
        },
    )


def request_export_view(request, format: str):
    """What the list shows, with its filters, as .xlsx or CSV (an export in the audit log)."""
    _form, qs, _sort = _listed_requests(request)
    headers = [
        _("编号"), _("事项标题"), _("协作类别"), _("事项类型"), _("请求单位"), _("被请求单位"),
        _("状态"), _("优先级"), _("提交时间"), _("办理期限"),
        _("案件进展"), _("行政处理结果"), _("行政处理期限"),
    ]  # fmt: skip
    rows = (
        [
            r.number,
            r.subject,
            r.get_category_display(),
            r.matter_type.name,
            r.requesting_unit.name,
            r.target_unit.name,
            r.get_status_display(),
            r.get_priority_display(),
            r.submitted_at,
            r.due_date,
            r.get_outcome_display(),
            r.get_admin_result_display(),
            r.admin_due_date,
        ]
        for r in qs
    )
    return list_export_response(
        request=request, fmt=format, basename=_("协作事项"), what=_("协作事项列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def request_create_view(request):
    if not can_create(request.user):
        raise PermissionDenied(_("您无权提出协作请求。"))
    form = RequestCreateForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.request_create(
                actor=request.user,
                requesting_unit=d["requesting_unit"],
                target_unit=d["target_unit"],
                matter_type=d["matter_type"],
                category=d["category"] or None,
                subject=d["subject"],
                body=d["body"],
                legal_basis=d["legal_basis"],
                priority=d["priority"],
                assignee=d["assignee"],
                due_date=d["due_date"],
                files=d["files"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("协作请求 %(number)s 已提交，办理期限 %(due)s。")
                % {"number": req.number, "due": req.due_date.isoformat()},
            )
            return redirect("collaboration:request_detail", pk=req.pk)
    matter_type = form.chosen(form.fields["matter_type"].queryset, "matter_type")
    return render(
        request,
        "collaboration/request_form.html",
        {"form": form, **_deadline_preview(matter_type)},
    )


def request_form_assignees_view(request):
    """The assignee <option>s for the target unit chosen on the new-request form (htmx)."""
    if not can_create(request.user):
        raise PermissionDenied(_("您无权提出协作请求。"))
    form = RequestCreateForm(request.GET, user=request.user)
    target = form.chosen(form.fields["target_unit"].queryset, "target_unit")
    people = list(assignee_candidates(unit=target)) if target is not None else []
    return render(
        request,
        "collaboration/includes/assignee_options.html",
        {"field": form.fields["assignee"], "people": people, "target": target},
    )


def request_form_deadline_view(request):
    """The default deadline of the chosen matter type, shown before submitting (htmx)."""
    if not can_create(request.user):
        raise PermissionDenied(_("您无权提出协作请求。"))
    form = RequestCreateForm(request.GET, user=request.user)
    matter_type = form.chosen(form.fields["matter_type"].queryset, "matter_type")
    return render(
        request,
        "collaboration/includes/deadline_preview.html",
        _deadline_preview(matter_type),
    )


def _deadline_preview(matter_type) -> dict:
    if matter_type is None:
        return {"preview": None}
    return {
        "preview": {
            "matter_type": matter_type,
            "due": default_due_date(matter_type=matter_type),
            "days": matter_type.default_working_days,
        }
    }


def _get_or_404(request, pk: int) -> CollaborationRequest:
    try:
        return request_get(user=request.user, pk=pk)
    except CollaborationRequest.DoesNotExist as exc:
        raise Http404 from exc


def request_detail_view(request, pk: int):
    return _detail_page(request, _get_or_404(request, pk))


def _detail_page(request, req, bound: tuple[str, forms.Form] | None = None, status: int = 200):
    """The request page; `bound` is a step's form as the user filled it, shown open (a refused
    step keeps what was typed; a browser cannot keep chosen files)."""
    names = [n for n in allowed_actions(request.user, req) if n in ACTIONS]
    step_forms = [
        (
            ACTIONS[n],
            bound[1] if bound and bound[0] == n else make_form(n, req),
            (bound[0] == n) if bound else i == 0,
        )
        for i, n in enumerate(names)
    ]
    stands_aside = (
        req.status == Status.CONTESTED
        and is_working_group(request.user)
        and is_party(request.user, req)
    )
    return render(
        request,
        "collaboration/request_detail.html",
        {
            "req": req,
            "step_forms": step_forms,
            "stands_aside": stands_aside,
            "letter": document_for(target=req, kind=letter_kind(req)),
            "letter_title": IssuedDocument.Kind(letter_kind(req)).label,
            "can_issue_letter": acts_for_requester(request.user, req),
            **_highlight_ctx(),
        },
        status=status,
    )


@require_POST
def request_letter_issue_view(request, pk: int):
    """The requesting side numbers and issues its 协作函 / 案件移送函."""
    req = _get_or_404(request, pk)
    try:
        issued = services.request_letter_issue(actor=request.user, req=req)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已签发 %(number)s。") % {"number": issued.number})
    return redirect("collaboration:request_detail", req.pk)


def _letter(request, pk: int):
    req = _get_or_404(request, pk)
    issued = document_for(target=req, kind=letter_kind(req))
    if issued is None:
        raise Http404(_("该函尚未签发。"))
    return req, request_letter(req=req, issued=issued)


def request_letter_view(request, pk: int):
    req, doc = _letter(request, pk)
    return print_response(
        request,
        doc,
        back_url=reverse("collaboration:request_detail", args=[req.pk]),
        docx_url=reverse("collaboration:letter_docx", args=[req.pk]),
    )


def request_letter_docx_view(request, pk: int):
    return docx_response(_letter(request, pk)[1])


@require_POST
def request_action_view(request, pk: int, action: str):
    """Take one step; the service checks the actor and the state."""
    req = _get_or_404(request, pk)
    if action not in ACTIONS:
        raise Http404
    form = make_form(action, req, request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return _refused(request, pk, action, form)
    try:
        ACTIONS[action].run(
            req, request.user, form.cleaned_data, form.cleaned_data.get("files", [])
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return _refused(request, pk, action, form)
    else:
        messages.success(
            request,
            _("已完成：%(action)s。") % {"action": ACTIONS[action].label},
        )
    return redirect("collaboration:request_detail", pk=req.pk)


def _refused(request, pk: int, action: str, form: forms.Form):
    """A refused step: the page again (400) with the form as filled in, nothing stored."""
    if request.FILES:
        messages.info(request, _("所选附件未保存，请重新选择。"))
    return _detail_page(request, _get_or_404(request, pk), bound=(action, form), status=400)


def attachment_download_view(request, pk: int):
    """Serve an attachment only to those who may see its request; log the download."""
    try:
        attachment: Attachment = attachment_get(user=request.user, pk=pk)
    except Attachment.DoesNotExist as exc:
        raise Http404 from exc
    return attachment_response(attachment, actor=request.user, target=attachment.request)


def oversight_view(request):
    """The working group: every overdue and every contested request."""
    if not is_working_group(request.user):
        raise PermissionDenied(_("只有共治专项工作组可以查看。"))
    qs, sort = sort_queryset(oversight_list(user=request.user), request, REQUEST_SORTS, "due")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "collaboration/oversight.html", {"page": page, "sort": sort, **_highlight_ctx()}
    )


def statistics_view(request):
    """Per-unit and per-category collaboration record for a month or a period (Art. 7, 25).

    `?format=xlsx` downloads the same tables (formula-safe, `zhengxiang_portal.exports`).
    """
    if not is_working_group(request.user):
        raise PermissionDenied(_("只有共治专项工作组可以查看。"))
    today = timezone.localdate()
    form = StatisticsForm(request.GET or {"month": today.strftime("%Y-%m")})
    rows: list = []
    categories: list = []
    sections: list = []
    charts_ctx: dict = {}
    period: tuple[dt.date, dt.date] | None = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        period = (start, end)
        stats = request_statistics(start=start, end=end)
        units = Unit.objects.in_bulk(list(stats))
        rows = sorted(
            ((units[uid], st) for uid, st in stats.items() if uid in units),
            key=lambda pair: pair[0].code,
        )
        by_category = request_statistics(start=start, end=end, by="category")
        categories = [
            (label, by_category[value]) for value, label in Category.choices if value in by_category
        ]
        tables = statistics_tables(start=start, end=end)
        if request.GET.get("format") == "xlsx":
            return _statistics_xlsx(
                start=start, end=end, rows=rows, categories=categories, tables=tables
            )
        sections = [(table, _table_chart(table)) for table in tables]
        if rows:
            charts_ctx = {
                "rate_chart": charts.hbar_chart(
                    [charts.Bar(label=u.short_name or u.name, value=st.on_time_rate)
                     for u, st in rows],
                    title=_("按期办结率（%）"),
                    width=480,  # half the page, beside the category chart
                ),
                "category_chart": charts.vbar_chart(
                    [charts.Bar(label=label, value=st.received) for label, st in categories],
                    title=_("各协作类别收到的请求"),
                ),
            }  # fmt: skip
    return render(
        request,
        "collaboration/statistics.html",
        {
            "form": form,
            "rows": rows,
            "categories": categories,
            "sections": sections,
            "period": period,
            **charts_ctx,
        },
    )


def _table_chart(table: StatisticsTable):
    """A ranking of a section's rows by their total (the last column), as the dashboard draws."""
    if not table.rows:
        return None
    return charts.hbar_chart(
        [charts.Bar(label=row[0], value=row[-1]) for row in table.rows],
        title=table.title,
        maximum=5 * math.ceil(max(row[-1] for row in table.rows) / 5) or 5,  # whole ticks
        show_title=False,
        counts=True,
    )


def _statistics_row(st) -> list:
    return [
        st.received, st.answered_on_time, st.answered_late, st.overdue_open,
        st.refused_justified, st.refused_unjustified, st.on_time_rate,
        st.avg_working_days_to_answer,
    ]  # fmt: skip


def _statistics_xlsx(*, start: dt.date, end: dt.date, rows: list, categories: list, tables: list):
    counted = [
        _("收到"), _("按期答复"), _("逾期答复"), _("逾期未办"), _("有理由拒绝"), _("无故拒绝"),
        _("按期办结率（%）"), _("平均答复用时（工作日）"),
    ]  # fmt: skip
    unit_rows = [[unit.name, *_statistics_row(st)] for unit, st in rows]
    category_rows = [[label, *_statistics_row(st)] for label, st in categories]
    period = [_("期间"), f"{start.isoformat()} — {end.isoformat()}"]
    sheets = [
        Sheet(
            _("按承办单位"),
            [period, [_("承办单位"), *counted], *unit_rows],
            widths=column_widths([_("承办单位"), *counted], unit_rows),
            title_rows=2,
        ),
        Sheet(
            _("按协作类别"),
            [[_("协作类别"), *counted], *category_rows],
            widths=column_widths([_("协作类别"), *counted], category_rows),
            title_rows=1,
        ),
    ]
    # Excel's limit on sheet names (31 characters) is kept by the writer
    sheets += [
        Sheet(
            table.title,
            [table.headers, *table.rows],
            widths=column_widths(table.headers, table.rows),
            title_rows=1,
        )
        for table in tables
    ]
    return bytes_response(
        xlsx_sheets_bytes(sheets),
        filename=f"协作统计-{start.isoformat()}-{end.isoformat()}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
