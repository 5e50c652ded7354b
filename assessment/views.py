"""Pages of the assessment app: dashboards, drill-down, evidence, schemes, orders (Art. 25, 28)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Unit
from zhengxiang_portal import charts
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.uploads import attachment_response
from zhengxiang_portal.documents.render import docx_response, print_response
from zhengxiang_portal.documents.services import document_for
from zhengxiang_portal.exports import list_export_response

from . import selectors, services
from .documents import ORDER_DOCUMENT, order_document
from .facts import (
    BAD_TAGS,
    EVIDENCE_TAGS,
    content_type_for,
    kind_name,
    readable_name,
    related_facts,
    source_status,
)
from .forms import (
    AccountabilityForm,
    AdjustForm,
    AnswerForm,
    BreachForm,
    DecideForm,
    IndicatorFormSet,
    OrderForm,
    PeriodCreateForm,
)
from .models import ConfidentialityBreach, OrderAttachment, Period, RectificationOrder, Score
from .permissions import (
    can_answer_order,
    can_freeze,
    can_issue_orders,
    can_manage,
    can_view_all,
    visible_unit_ids,
)
from .reports import build_workbook
from .rules import PARAMS, RuleKind

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("您没有权限访问此页面。"))


def _period_or_404(pk: int) -> Period:
    try:
        return selectors.period_get(pk=pk)
    except Period.DoesNotExist as exc:
        raise Http404 from exc


def _selected_period(request) -> Period | None:
    pk = request.GET.get("period")
    if pk and pk.isdigit():
        return Period.objects.filter(pk=int(pk)).first()
    return selectors.period_current()


def _score_url(score_id: int, tag: str = "") -> str:
    url = reverse("assessment:score_detail", args=[score_id])
    return f"{url}?tag={tag}" if tag else url


def _unit_url(period: Period, unit_id: int) -> str:
    return reverse("assessment:unit_detail", args=[period.pk, unit_id])


# --- dashboards ------------------------------------------------------------------------------


def dashboard_view(request):
    """The leaders' dashboard: ranking with trend, distributions, overdue work by unit."""
    if not can_view_all(request.user):
        return redirect("assessment:my_unit")
    period = _selected_period(request)
    if period is None:
        return render(
            request,
            "assessment/dashboard.html",
            {"period": None, "can_manage": can_manage(request.user)},
        )
    dash = selectors.dashboard_get(user=request.user, period=period)
    score_base = reverse("assessment:score_detail", args=[0])[: -len("0/")]
    unit_base = reverse("assessment:unit_detail", args=[period.pk, 0])[: -len("0/")]
    _score_cells(dash.rows, score_base, unit_base)
    ranking_chart = charts.hbar_chart(
        [
            charts.Bar(
                label=r.unit.short_name or r.unit.name,
                value=r.total,
                url=r.url,
                note=_trend_note(r.trend),
            )
            for r in dash.ranked
        ],
        title=_("%(period)s 单位得分排名") % {"period": period.name},
        show_title=False,
    )
    dist_charts = [(d, _distribution_chart(period, d)) for d in dash.distributions]
    context = {
        "period": period,
        "dash": dash,
        "periods": selectors.period_list(),
        "ranking_chart": ranking_chart,
        "dist_charts": dist_charts,
        "sources": source_status(),
        "can_manage": can_manage(request.user),
        "can_freeze": can_freeze(request.user),
        # Reversed once, not per cell: a 300-unit table has thousands of links.
        "score_base": score_base,
        "order_create_url": reverse("assessment:order_create"),
    }
    return render(request, "assessment/dashboard.html", context)


def _distribution_chart(period: Period, d: selectors.IndicatorDistribution) -> SafeString:
    """Bars of units per score band; each bar links to the indicator's units in that band."""
    url = reverse("assessment:indicator_detail", args=[period.pk, d.indicator.pk])
    bars = [
        charts.Bar(label=label, value=count, url=f"{url}?bucket={i}")
        for i, (label, count) in enumerate(zip(selectors.BUCKET_LABELS, d.buckets, strict=True))
    ]
    return charts.vbar_chart(bars, title=d.indicator.name)


def _score_cells(rows: list[selectors.RankingRow], score_base: str, unit_base: str) -> None:
    """Each row's score cells as HTML, built here: a 300-unit table has 2,400 of them and the
    template engine would spend most of the page's time on them."""
    not_applicable = escape(_("不适用"))
    for row in rows:
        row.url = f"{unit_base}{row.unit.pk}/"
        on_time = row.by_kind.get(RuleKind.ON_TIME_UPLOAD_RATE)
        collab = row.by_kind.get(RuleKind.COLLABORATION_ON_TIME)
        row.on_time_url = f"{score_base}{on_time.pk}/" if on_time else ""
        row.collab_url = f"{score_base}{collab.pk}/" if collab else ""
        cells = []
        for s in row.scores:
            href = f"{score_base}{s.pk}/"
            if s.not_applicable:
                cells.append(
                    f'<td class="num"><a href="{href}" class="muted" '
                    f'title="{not_applicable}">—</a></td>'
                )
            else:
                mark = "*" if s.adjusted else ""
                cells.append(f'<td class="num"><a href="{href}">{s.value}</a>{mark}</td>')
        row.cells = mark_safe("".join(cells))  # noqa: S308 — numbers and escaped text only


def _trend_note(trend: Decimal | None) -> str:
    if trend is None:
        return ""
    if trend > 0:
        return f"↑{trend}"
    if trend < 0:
        return f"↓{-trend}"
    return "→0"


def my_unit_view(request):
    """A liaison's entry: their unit's page in the latest period."""
    period = selectors.period_current()
    unit_id = request.user.unit_id
    if period is None or unit_id is None:
        return render(request, "assessment/dashboard.html", {"period": None})
    return redirect("assessment:unit_detail", period.pk, unit_id)


def unit_detail_view(request, period_pk: int, unit_pk: int):
    """One unit's scores, the weight redistribution, its trend and open orders (drill-down)."""
    period = _period_or_404(period_pk)
    if not selectors.unit_visible(user=request.user, unit_id=unit_pk):
        raise Http404
    unit = get_object_or_404(Unit, pk=unit_pk)
    scores = selectors.unit_scores(user=request.user, period=period, unit_id=unit.pk)
    result = selectors.result_list(user=request.user, period=period).filter(unit=unit).first()
    history = selectors.unit_history(unit_id=unit.pk, kind=period.kind)
    trend_chart = charts.line_chart(
        [
            charts.Point(label=p.name, value=total, url=_unit_url(p, unit.pk))
            for p, total in history
        ],
        title=_("%(unit)s 总分趋势") % {"unit": unit.short_name or unit.name},
    )
    score_chart = charts.hbar_chart(
        [
            charts.Bar(
                label=s.indicator.name,
                value=None if s.not_applicable else (s.value * 100 / s.max if s.max else 0),
                url=_score_url(s.pk),
                note=_("不适用") if s.not_applicable else "",
            )
            for s in scores
        ],
        title=_("各指标得分率（%）"),
    )
    not_applicable = [s for s in scores if s.not_applicable]
    context = {
        "period": period,
        "unit": unit,
        "scores": scores,
        "result": result,
        "not_applicable": not_applicable,
        "trend_chart": trend_chart,
        "score_chart": score_chart,
        "orders": selectors.order_list(user=request.user).filter(unit=unit)[:20],
        "can_issue": can_issue_orders(request.user),
        "can_view_all": can_view_all(request.user),
    }
    return render(request, "assessment/unit_detail.html", context)


def indicator_detail_view(request, period_pk: int, indicator_pk: int):
    """Every unit's score on one indicator (the distribution's evidence)."""
    _require(can_view_all(request.user))
    period = _period_or_404(period_pk)
    indicator = get_object_or_404(period.scheme.indicators, pk=indicator_pk)
    scores = list(
        selectors.score_list(user=request.user, period=period)
        .filter(indicator=indicator)
        .order_by("not_applicable", "-value", "unit__code")
    )
    bucket = request.GET.get("bucket")
    if bucket and bucket.isdigit():
        scores = [
            s for s in scores
            if not s.not_applicable and s.max and selectors._bucket(s.value / s.max) == int(bucket)
        ]  # fmt: skip
    return render(
        request,
        "assessment/indicator_detail.html",
        {"period": period, "indicator": indicator, "scores": scores,
         "bucket_label": selectors.BUCKET_LABELS[int(bucket)] if bucket and bucket.isdigit()
         and int(bucket) < len(selectors.BUCKET_LABELS) else ""},
    )  # fmt: skip


# --- scores and evidence ---------------------------------------------------------------------


def _score_or_404(request, pk: int) -> Score:
    try:
        return selectors.score_get(user=request.user, pk=pk)
    except Score.DoesNotExist as exc:
        raise Http404 from exc


def evidence_items(score: Score, tag: str = "") -> list[dict[str, Any]]:
    """The score's evidence with a link for each (the object's own page, else ours)."""
    items = []
    for index, ref in enumerate(score.evidence):
        if tag and ref.get("tag") != tag:
            continue
        url = ref.get("url") or reverse("assessment:evidence_detail", args=[score.pk, index])
        items.append(
            {
                **ref,
                "href": url,
                "kind": kind_name(ref),
                "tag_label": EVIDENCE_TAGS.get(ref.get("tag", ""), ref.get("tag", "")),
                "bad": ref.get("tag") in BAD_TAGS,
            }
        )
    return items


def score_detail_view(request, pk: int):
    """A score explains itself: rule, facts, weights, adjustments and the evidence behind it."""
    score = _score_or_404(request, pk)
    tag = request.GET.get("tag", "")
    items = evidence_items(score, tag)
    tags: dict[str, int] = {}
    for ref in score.evidence:
        tags[ref.get("tag", "")] = tags.get(ref.get("tag", ""), 0) + 1
    adjustments = score.indicator.adjustments.filter(
        period=score.period, unit=score.unit
    ).select_related("actor")
    manage = can_manage(request.user) and not score.period.is_frozen
    context = {
        "score": score,
        "period": score.period,
        "items": items,
        "tag": tag,
        "tags": [(t, EVIDENCE_TAGS.get(t, t), n) for t, n in tags.items()],
        "adjustments": adjustments,
        "params": [
            (spec.label, score.indicator.params.get(spec.name))
            for spec in PARAMS[score.indicator.kind]
        ],
        "adjust_form": AdjustForm(initial={"value": score.value}) if manage else None,
        "can_issue": can_issue_orders(request.user),
    }
    return render(request, "assessment/score_detail.html", context)


_HIDDEN_FIELDS = {
    "password", "file", "file_sha256", "entry_hash", "prev_hash", "report", "warnings",
    "claim_token",
}  # fmt: skip


def evidence_detail_view(request, pk: int, index: int):
    """The fact behind a piece of evidence, when its app has no page of its own."""
    score = _score_or_404(request, pk)
    if not 0 <= index < len(score.evidence):
        raise Http404
    ref = score.evidence[index]
    ct = content_type_for(ref)
    obj = None
    rows: list[tuple[str, Any]] = []
    if ct is not None and ct.app_label in {"sharing_catalog", "collaboration", "assessment"}:
        model = ct.model_class()
        obj = model._default_manager.filter(pk=ref.get("id")).first() if model else None
    if obj is not None:
        for f in obj._meta.concrete_fields:
            if f.name in _HIDDEN_FIELDS:
                continue
            if f.is_relation:
                value = getattr(obj, f.name, None)
            else:
                display = getattr(obj, f"get_{f.name}_display", None)
                value = display() if callable(display) else getattr(obj, f.attname)
            rows.append((str(f.verbose_name), value))
    return render(
        request,
        "assessment/evidence_detail.html",
        {"score": score, "period": score.period, "ref": ref, "obj": obj, "rows": rows,
         "name": readable_name(obj) if obj is not None else ref.get("label", ""),
         "kind": kind_name(ref),
         "related": related_facts(obj) if obj is not None else [],
         "tag_label": EVIDENCE_TAGS.get(ref.get("tag", ""), ref.get("tag", ""))},
    )  # fmt: skip


@require_POST
def score_adjust_view(request, pk: int):
    score = _score_or_404(request, pk)
    _require(can_manage(request.user))
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            services.score_adjust(
                actor=request.user,
                score=score,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("得分已调整，调整理由已记入台账。"))
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("请填写调整后得分和理由。"))
    return redirect("assessment:score_detail", score.pk)


# --- periods and schemes ---------------------------------------------------------------------


def period_list_view(request):
    _require(can_view_all(request.user))
    form = PeriodCreateForm(request.POST or None)
    if request.method == "POST":
        _require(can_manage(request.user))
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
    _require(can_manage(request.user))
    period = _period_or_404(pk)
    indicators = selectors.indicator_list(period=period)
    import json

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
    period = _period_or_404(pk)
    _require(can_manage(request.user))
    try:
        n = services.period_recompute(period=period, actor=request.user)
        messages.success(request, _("已重新计算 %(n)s 项得分。") % {"n": n})
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('assessment:dashboard')}?period={period.pk}")


@require_POST
def period_freeze_view(request, pk: int):
    period = _period_or_404(pk)
    _require(can_freeze(request.user))
    services.period_freeze(actor=request.user, period=period)
    messages.success(request, _("考核期间已冻结，得分不再变化。"))
    return redirect(f"{reverse('assessment:dashboard')}?period={period.pk}")


def report_view(request, pk: int):
    """The period's assessment as an Excel workbook (what the user may see)."""
    period = _period_or_404(pk)
    _require(can_view_all(request.user) or bool(visible_unit_ids(request.user)))
    buffer = io.BytesIO()
    build_workbook(user=request.user, period=period).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    filename = f"assessment-{period.year}-{period.quarter or 'Y'}.xlsx"
    chinese = quote(f"考核报告-{period.name}.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{chinese}"
    )
    return response


# --- confidentiality breaches ----------------------------------------------------------------


def breach_list_view(request):
    _require(can_manage(request.user))
    form = BreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.breach_record(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已记录，相关考核期间将重新计算。"))
            return redirect("assessment:breach_list")
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    breaches = ConfidentialityBreach.objects.select_related("unit", "recorded_by")[:200]
    return render(request, "assessment/breach_list.html", {"form": form, "breaches": breaches})


# --- rectification orders --------------------------------------------------------------------


def _listed_orders(request):
    """The list page's status filter and its rows (the page and its export share them)."""
    orders = selectors.order_list(user=request.user)
    status = request.GET.get("status")
    if status in RectificationOrder.Status.values:
        orders = orders.filter(status=status)
    return status, orders


def order_export_view(request, format: str):
    """What the list shows, with its filter, as .xlsx or CSV (an export in the audit log)."""
    _status, orders = _listed_orders(request)
    headers = [
        _("编号"), _("单位"), _("考核期间"), _("问题类型"), _("下达时间"), _("整改截止"),
        _("状态"), _("反馈时间"),
    ]  # fmt: skip
    rows = (
        [
            str(o),
            o.unit.name,
            o.period.name if o.period else "",
            o.get_failure_display(),
            o.issued_at,
            o.due_date,
            o.get_status_display(),
            o.answered_at,
        ]
        for o in orders
    )
    return list_export_response(
        request=request, fmt=format, basename=_("责令改正通知"), what=_("责令改正通知列表"),
        headers=headers, rows=rows,
    )  # fmt: skip


def order_list_view(request):
    status, orders = _listed_orders(request)
    return render(
        request,
        "assessment/order_list.html",
        {"orders": orders[:200], "status": status, "statuses": RectificationOrder.Status.choices,
         "can_issue": can_issue_orders(request.user)},
    )  # fmt: skip


def order_create_view(request):
    """Issue an order (Art. 28), with the bad evidence of a score attached when given."""
    _require(can_issue_orders(request.user))
    score = None
    score_pk = request.GET.get("score") or request.POST.get("score")
    if score_pk and str(score_pk).isdigit():
        score = _score_or_404(request, int(score_pk))
    initial: dict[str, Any] = {}
    evidence: list[dict[str, Any]] = []
    if score is not None:
        evidence = [
            {**ref, "score": score.pk, "index": index}
            for index, ref in enumerate(score.evidence)
            if ref.get("tag") in BAD_TAGS
        ]
        failure = (
            RectificationOrder.Failure.NOT_PROVIDING_DATA
            if score.indicator.kind in {RuleKind.ON_TIME_UPLOAD_RATE, RuleKind.FIRST_PASS_RATE,
                                        RuleKind.OBJECTIONS_UPHELD,
                                        RuleKind.OBJECTION_ANSWERS_ON_TIME}
            else RectificationOrder.Failure.CONFIDENTIALITY
            if score.indicator.kind == RuleKind.CONFIDENTIALITY_BREACHES
            else RectificationOrder.Failure.NOT_COOPERATING
        )  # fmt: skip
        initial = {
            "unit": score.unit,
            "period": score.period,
            "failure": failure,
            "facts": _("%(period)s“%(ind)s”得分 %(value)s / %(max)s：%(why)s")
            % {"period": score.period.name, "ind": score.indicator.name, "value": score.value,
               "max": score.max, "why": score.explanation},
        }  # fmt: skip
    else:
        unit_pk = request.GET.get("unit")
        if unit_pk and unit_pk.isdigit():
            initial["unit"] = Unit.objects.filter(pk=int(unit_pk)).first()
    form = OrderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_issue(actor=request.user, evidence=evidence, **form.cleaned_data)
            messages.success(request, _("责令改正通知已下达，已通知该单位联络员。"))
            return redirect("assessment:order_detail", order.pk)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "assessment/order_form.html",
        {"form": form, "score": score, "evidence": evidence},
    )


def order_detail_view(request, pk: int):
    try:
        order = selectors.order_get(user=request.user, pk=pk)
    except RectificationOrder.DoesNotExist as exc:
        raise Http404 from exc
    answer_form = decide_form = accountability_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "answer":
                answer_form = AnswerForm(request.POST, request.FILES)
                if answer_form.is_valid():
                    services.order_answer(
                        actor=request.user, order=order,
                        correction=answer_form.cleaned_data["correction"],
                        files=answer_form.cleaned_data["files"],
                    )  # fmt: skip
                    messages.success(request, _("整改情况已反馈专项工作组。"))
                    return redirect("assessment:order_detail", order.pk)
            elif action == "decide":
                decide_form = DecideForm(request.POST)
                if decide_form.is_valid():
                    services.order_decide(
                        actor=request.user, order=order, **decide_form.cleaned_data
                    )
                    messages.success(request, _("审核结论已记录。"))
                    return redirect("assessment:order_detail", order.pk)
            elif action == "accountability":
                accountability_form = AccountabilityForm(request.POST, request.FILES)
                if accountability_form.is_valid():
                    services.order_accountability_record(
                        actor=request.user, order=order, **accountability_form.cleaned_data
                    )
                    messages.success(request, _("问责情况已记录。"))
                    return redirect("assessment:order_detail", order.pk)
            else:
                raise Http404
        except ApplicationError as exc:
            messages.error(request, exc.message)
    # One reply per order: once answered the form goes; the working group reviews it.
    can_answer = order.status == RectificationOrder.Status.OPEN and can_answer_order(
        request.user, order
    )
    can_decide = order.is_open and can_issue_orders(request.user)
    can_record_accountability = (
        order.status == RectificationOrder.Status.ESCALATED and can_issue_orders(request.user)
    )
    return render(
        request,
        "assessment/order_detail.html",
        {
            "order": order,
            "answer_form": (answer_form or AnswerForm()) if can_answer else None,
            "decide_form": (decide_form or DecideForm()) if can_decide else None,
            "accountability_form": (accountability_form or AccountabilityForm())
            if can_record_accountability
            else None,
            "accountabilities": order.accountabilities.select_related("recorded_by")
            .prefetch_related("attachments")
            .all(),
            "evidence": [
                {
                    **ref,
                    "kind": kind_name(ref),
                    "tag_label": EVIDENCE_TAGS.get(ref.get("tag", ""), ref.get("tag", "")),
                    "href": ref.get("url")
                    or (
                        reverse("assessment:evidence_detail", args=[ref["score"], ref["index"]])
                        if "score" in ref
                        else ""
                    ),
                }
                for ref in order.evidence
            ],
            "notice": document_for(target=order, kind=ORDER_DOCUMENT),
            "can_issue_notice": can_issue_orders(request.user),
        },
    )


def order_attachment_view(request, pk: int, attachment_pk: int):
    """Serve a reply's file to those who may see the order (404 otherwise); log the download."""
    try:
        order = selectors.order_get(user=request.user, pk=pk)
        attachment = order.attachments.get(pk=attachment_pk)
    except (RectificationOrder.DoesNotExist, OrderAttachment.DoesNotExist) as exc:
        raise Http404 from exc
    return attachment_response(attachment, actor=request.user, target=order)


def _order_or_404(request, pk: int) -> RectificationOrder:
    try:
        return selectors.order_get(user=request.user, pk=pk)
    except RectificationOrder.DoesNotExist as exc:
        raise Http404 from exc


@require_POST
def order_notice_issue_view(request, pk: int):
    """Number and issue the order's 责令改正通知书 (working group only)."""
    order = _order_or_404(request, pk)
    try:
        issued = services.order_document_issue(actor=request.user, order=order)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已签发 %(number)s。") % {"number": issued.number})
    return redirect("assessment:order_detail", order.pk)


def _order_notice(request, pk: int):
    order = _order_or_404(request, pk)
    issued = document_for(target=order, kind=ORDER_DOCUMENT)
    if issued is None:
        raise Http404(_("该通知尚未签发。"))
    return order, order_document(order=order, issued=issued)


def order_notice_view(request, pk: int):
    order, doc = _order_notice(request, pk)
    return print_response(
        request,
        doc,
        back_url=reverse("assessment:order_detail", args=[order.pk]),
        docx_url=reverse("assessment:order_notice_docx", args=[order.pk]),
    )


def order_notice_docx_view(request, pk: int):
    return docx_response(_order_notice(request, pk)[1])


# --- home panel ------------------------------------------------------------------------------


def home_panel_context(request) -> dict | None:
    """Open orders of the user's units; for the working group, answers waiting for review."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    from agencies.selectors import user_unit_ids

    unit_ids = user_unit_ids(user=user)
    own = list(selectors.open_orders_for_units(unit_ids=unit_ids)[:10]) if unit_ids else []
    review = []
    if can_issue_orders(user):
        review = list(
            RectificationOrder.objects.filter(status=RectificationOrder.Status.ANSWERED)
            .select_related("unit")
            .order_by("answered_at")[:10]
        )
    if not own and not review:
        return None
    return {"own": own, "review": review}
