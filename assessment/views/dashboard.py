"""The leaders' dashboard, a unit's and an indicator's drill-down, scores and their evidence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agencies.models import Unit
from zhengxiang_portal import charts
from zhengxiang_portal.core.errors import ApplicationError

from .. import selectors, services
from ..facts import BAD_TAGS, EVIDENCE_TAGS, kind_name, source_status
from ..forms import AdjustForm
from ..models import Period, Score
from ..permissions import can_freeze, can_issue_orders, can_manage, can_view_all
from ..rules import PARAMS, RuleKind
from .common import digits, period_or_404, require, score_or_404


def _score_url(score_id: int, tag: str = "") -> str:
    url = reverse("assessment:score_detail", args=[score_id])
    return f"{url}?tag={tag}" if tag else url


def _unit_url(period: Period, unit_id: int) -> str:
    return reverse("assessment:unit_detail", args=[period.pk, unit_id])


def dashboard_view(request):
    """The leaders' dashboard: ranking with trend, distributions, overdue work by unit."""
    if not can_view_all(request.user):
        return redirect("assessment:my_unit")
    period = selectors.period_or_current(pk=digits(request.GET.get("period")))
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
    period = period_or_404(period_pk)
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
    require(can_view_all(request.user))
    period = period_or_404(period_pk)
    indicator = get_object_or_404(period.scheme.indicators, pk=indicator_pk)
    bucket = digits(request.GET.get("bucket"))
    scores = selectors.indicator_scores(
        user=request.user, period=period, indicator=indicator, bucket=bucket
    )
    labels = selectors.BUCKET_LABELS
    return render(
        request,
        "assessment/indicator_detail.html",
        {"period": period, "indicator": indicator, "scores": scores,
         "bucket_label": labels[bucket] if bucket is not None and bucket < len(labels) else ""},
    )  # fmt: skip


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
                "tag_label": selectors.evidence_tag_label(ref),
                "bad": ref.get("tag") in BAD_TAGS,
            }
        )
    return items


def score_detail_view(request, pk: int):
    """A score explains itself: rule, facts, weights, adjustments and the evidence behind it."""
    score = score_or_404(request, pk)
    tag = request.GET.get("tag", "")
    tags: dict[str, int] = {}
    for ref in score.evidence:
        tags[ref.get("tag", "")] = tags.get(ref.get("tag", ""), 0) + 1
    manage = can_manage(request.user) and not score.period.is_frozen
    context = {
        "score": score,
        "period": score.period,
        "items": evidence_items(score, tag),
        "tag": tag,
        "tags": [(t, EVIDENCE_TAGS.get(t, t), n) for t, n in tags.items()],
        "adjustments": selectors.score_adjustments(score=score),
        "params": [
            (spec.label, score.indicator.params.get(spec.name))
            for spec in PARAMS[score.indicator.kind]
        ],
        "adjust_form": AdjustForm(initial={"value": score.value}) if manage else None,
        "can_issue": can_issue_orders(request.user),
    }
    return render(request, "assessment/score_detail.html", context)


def evidence_detail_view(request, pk: int, index: int):
    """The fact behind a piece of evidence, when its app has no page of its own."""
    score = score_or_404(request, pk)
    try:
        fact = selectors.evidence_fact_get(score=score, index=index)
    except IndexError as exc:
        raise Http404 from exc
    return render(
        request,
        "assessment/evidence_detail.html",
        {"score": score, "period": score.period, "ref": fact.ref, "obj": fact.obj,
         "rows": fact.rows, "name": fact.name, "kind": fact.kind, "related": fact.related,
         "tag_label": fact.tag_label},
    )  # fmt: skip


@require_POST
def score_adjust_view(request, pk: int):
    score = score_or_404(request, pk)
    require(can_manage(request.user))
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
