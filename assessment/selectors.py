"""Reads of the assessment app, scoped to what the user may see (Art. 24, 25).

Leaders (view_all_scores) see every unit; a liaison sees their own unit's scores and evidence.
Every dashboard read is a fixed number of queries, whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from zhengxiang_portal.ledger.selectors import target_scope
from zhengxiang_portal.statistics import StatisticsTable, crosstab

from .facts import EVIDENCE_TAGS, content_type_for, kind_name, readable_name, related_facts
from .models import (
    ConfidentialityBreach,
    Indicator,
    Period,
    RectificationOrder,
    Score,
    ScoreAdjustment,
    UnitResult,
)
from .permissions import can_issue_orders, visible_unit_ids


def period_list() -> QuerySet[Period]:
    return Period.objects.order_by("-start", "kind")


def period_get(*, pk: int) -> Period:
    return Period.objects.select_related("scheme").get(pk=pk)


def period_current() -> Period | None:
    """The latest period with computed scores, else the latest period."""
    return (
        Period.objects.filter(computed_at__isnull=False).order_by("-start", "kind").first()
        or Period.objects.order_by("-start", "kind").first()
    )


def period_previous(period: Period) -> Period | None:
    return (
        Period.objects.filter(kind=period.kind, start__lt=period.start).order_by("-start").first()
    )


def indicator_list(*, period: Period) -> list[Indicator]:
    return list(Indicator.objects.filter(scheme__period=period).order_by("position", "pk"))


def score_list(*, user: User, period: Period | None = None) -> QuerySet[Score]:
    qs = Score.objects.select_related("period", "unit", "indicator")
    ids = visible_unit_ids(user)
    if ids is not None:
        qs = qs.filter(unit_id__in=ids)
    if period is not None:
        qs = qs.filter(period=period)
    return qs.order_by("period__start", "unit__code", "indicator__position")


def score_get(*, user: User, pk: int) -> Score:
    """One score if the user may see it (raises Score.DoesNotExist otherwise)."""
    return score_list(user=user).get(pk=pk)


def result_list(*, user: User, period: Period) -> QuerySet[UnitResult]:
    qs = UnitResult.objects.filter(period=period).select_related("unit")
    ids = visible_unit_ids(user)
    if ids is not None:
        qs = qs.filter(unit_id__in=ids)
    return qs.order_by(F("rank").asc(nulls_last=True), "unit__code")


def unit_visible(*, user: User, unit_id: int) -> bool:
    ids = visible_unit_ids(user)
    return ids is None or unit_id in ids


class ScoreCell(NamedTuple):
    """The few fields of a Score that dashboards and the report's ranking sheet need."""

    pk: int
    unit_id: int
    indicator_id: int
    value: Decimal
    max: Decimal
    not_applicable: bool
    adjusted: bool
    weighted: Decimal
    effective_weight: Decimal


@dataclass
class RankingRow:
    unit: Unit
    total: Decimal | None
    rank: int | None
    previous_total: Decimal | None
    redistributed: bool
    facts: dict[str, Any]
    scores: list[ScoreCell] = field(default_factory=list)
    by_kind: dict[str, ScoreCell] = field(default_factory=dict)
    cells: str = ""  # rendered score cells and links (views._score_cells)
    url: str = ""
    on_time_url: str = ""
    collab_url: str = ""

    trend: Decimal | None = None  # total minus the previous period's total

    def __post_init__(self) -> None:
        if self.total is not None and self.previous_total is not None:
            self.trend = self.total - self.previous_total


@dataclass
class IndicatorDistribution:
    indicator: Indicator
    applicable: int
    not_applicable: int
    average: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    buckets: list[int]  # counts of units by score share: 0-59, 60-69, 70-79, 80-89, 90-100


BUCKET_LABELS = ["<60%", "60–69%", "70–79%", "80–89%", "≥90%"]


def _bucket(share: Decimal) -> int:
    if share < Decimal("0.6"):
        return 0
    if share >= Decimal("0.9"):
        return 4
    return int((share * 10) - 5)


@dataclass
class Dashboard:
    period: Period
    previous: Period | None
    indicators: list[Indicator]
    rows: list[RankingRow]
    distributions: list[IndicatorDistribution]
    open_orders: int

    @property
    def ranked(self) -> list[RankingRow]:
        return [r for r in self.rows if r.total is not None]

    @property
    def unranked(self) -> list[RankingRow]:
        return [r for r in self.rows if r.total is None]

    @property
    def overdue_rows(self) -> list[RankingRow]:
        """Units with overdue obligations or requests, most overdue first."""
        rows = [
            r
            for r in self.rows
            if r.facts.get("obligations_overdue_open") or r.facts.get("requests_overdue_open")
        ]
        return sorted(
            rows,
            key=lambda r: (
                -(
                    (r.facts.get("obligations_overdue_open") or 0)
                    + (r.facts.get("requests_overdue_open") or 0)
                )
            ),
        )


def dashboard_get(*, user: User, period: Period, with_scores: bool = True) -> Dashboard:
    """Everything the leaders' dashboard shows, in a constant number of queries."""
    previous = period_previous(period)
    indicators = indicator_list(period=period)
    results = list(result_list(user=user, period=period))
    prev_totals: dict[int, Decimal | None] = {}
    if previous is not None:
        prev_qs = UnitResult.objects.filter(period=previous)
        ids = visible_unit_ids(user)
        if ids is not None:
            prev_qs = prev_qs.filter(unit_id__in=ids)
        prev_totals = dict(prev_qs.values_list("unit_id", "total"))
    rows = [
        RankingRow(
            unit=r.unit,
            total=r.total,
            rank=r.rank,
            previous_total=prev_totals.get(r.unit_id),
            redistributed=r.redistributed,
            facts=r.facts,
        )
        for r in results
    ]
    distributions: list[IndicatorDistribution] = []
    if with_scores:
        by_unit: dict[int, list[ScoreCell]] = defaultdict(list)
        per_indicator: dict[int, list[ScoreCell]] = defaultdict(list)
        score_qs = Score.objects.filter(period=period)
        ids = visible_unit_ids(user)
        if ids is not None:
            score_qs = score_qs.filter(unit_id__in=ids)
        # Plain tuples, not model instances: the dashboard reads thousands of these.
        for values in score_qs.values_list(*ScoreCell._fields):
            s = ScoreCell(*values)
            by_unit[s.unit_id].append(s)
            per_indicator[s.indicator_id].append(s)
        order = {ind.pk: ind.position for ind in indicators}
        kind_of = {ind.pk: ind.kind for ind in indicators}
        for row in rows:
            row.scores = sorted(
                by_unit.get(row.unit.pk, []), key=lambda s: order.get(s.indicator_id, 0)
            )
            for s in row.scores:
                row.by_kind.setdefault(kind_of.get(s.indicator_id, ""), s)
        for ind in indicators:
            applicable = [s for s in per_indicator.get(ind.pk, []) if not s.not_applicable]
            shares = [s.value / s.max for s in applicable if s.max]
            buckets = [0] * len(BUCKET_LABELS)
            for share in shares:
                buckets[_bucket(share)] += 1
            values = [s.value for s in applicable]
            distributions.append(
                IndicatorDistribution(
                    indicator=ind,
                    applicable=len(applicable),
                    not_applicable=len(per_indicator.get(ind.pk, [])) - len(applicable),
                    average=(sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
                    if values
                    else None,
                    minimum=min(values) if values else None,
                    maximum=max(values) if values else None,
                    buckets=buckets,
                )
            )
    open_orders = (
        order_list(user=user)
        .filter(status__in=[RectificationOrder.Status.OPEN, RectificationOrder.Status.ANSWERED])
        .count()
    )
    return Dashboard(period, previous, indicators, rows, distributions, open_orders)


def unit_history(*, unit_id: int, kind: str, limit: int = 8) -> list[tuple[Period, Decimal | None]]:
    """The unit's totals over the latest periods of one kind, oldest first (for the trend)."""
    rows = list(
        UnitResult.objects.filter(unit_id=unit_id, period__kind=kind)
        .select_related("period")
        .order_by("-period__start")[:limit]
    )
    return [(r.period, r.total) for r in reversed(rows)]


def unit_scores(*, user: User, period: Period, unit_id: int) -> list[Score]:
    return list(
        score_list(user=user, period=period).filter(unit_id=unit_id).order_by("indicator__position")
    )


def order_list(*, user: User) -> QuerySet[RectificationOrder]:
    """Orders the user may see: all for the working group, their units' orders otherwise."""
    qs = RectificationOrder.objects.select_related("unit", "period", "issued_by")
    if can_issue_orders(user):
        return qs
    ids = visible_unit_ids(user)
    if ids is None:
        return qs
    return qs.filter(unit_id__in=ids)


def order_get(*, user: User, pk: int) -> RectificationOrder:
    return order_list(user=user).get(pk=pk)


def open_orders_for_units(*, unit_ids: set[int]) -> QuerySet[RectificationOrder]:
    return RectificationOrder.objects.filter(
        Q(status=RectificationOrder.Status.OPEN) | Q(status=RectificationOrder.Status.ANSWERED),
        unit_id__in=unit_ids,
    ).select_related("unit")


def ledger_unit_scope(unit_ids: Any) -> Q:
    """Ledger entries about rectification orders issued to the units (their own 台账, Art. 22)."""

    return target_scope(
        RectificationOrder, RectificationOrder.objects.filter(unit_id__in=list(unit_ids))
    )


def order_statistics(start: dt.date, end: dt.date) -> StatisticsTable:
    """Rectification orders issued in [start, end] (local days) by unit and state (Art. 28)."""
    counts = (
        RectificationOrder.objects.filter(issued_at__date__gte=start, issued_at__date__lte=end)
        .values_list("unit__name", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return crosstab(
        title=_("责令改正（按单位与状态）"),
        first_heading=_("被责令单位"),
        counts=counts,
        columns=RectificationOrder.Status.choices,
    )


def period_or_current(*, pk: int | None) -> Period | None:
    """The period a page asked for (None if there is none such), else the current one."""
    if pk is not None:
        return Period.objects.filter(pk=pk).first()
    return period_current()


def indicator_scores(
    *, user: User, period: Period, indicator: Indicator, bucket: int | None = None
) -> list[Score]:
    """Every visible unit's score on one indicator, best first; only one band when given."""
    scores = list(
        score_list(user=user, period=period)
        .filter(indicator=indicator)
        .order_by("not_applicable", "-value", "unit__code")
    )
    if bucket is None:
        return scores
    return [
        s for s in scores if not s.not_applicable and s.max and _bucket(s.value / s.max) == bucket
    ]


def score_adjustments(*, score: Score) -> QuerySet[ScoreAdjustment]:
    """The working group's adjustments behind a score (shown with their reasons)."""
    return score.indicator.adjustments.filter(period=score.period, unit=score.unit).select_related(
        "actor"
    )


# Columns an evidence page never shows, whatever the model: secrets (password), stored files
# and their digests, the ledger's chain hashes, validation internals and worker claim tokens.
EVIDENCE_HIDDEN_FIELDS = frozenset(
    {"password", "file", "file_sha256", "entry_hash", "prev_hash", "report", "warnings",
     "claim_token"}
)  # fmt: skip
# Only the facts the scores are computed from may be opened through an evidence reference.
EVIDENCE_APPS = frozenset({"sharing_catalog", "collaboration", "assessment"})


@dataclass
class EvidenceFact:
    """The object behind one evidence reference of a score, as its evidence page shows it."""

    ref: dict[str, Any]
    obj: Any
    rows: list[tuple[str, Any]]
    name: str
    kind: str
    tag_label: str
    related: list[dict[str, Any]]


def evidence_fact_get(*, score: Score, index: int) -> EvidenceFact:
    """The fact behind `score.evidence[index]`, its shown columns (raises IndexError)."""
    if not 0 <= index < len(score.evidence):
        raise IndexError(index)
    ref = score.evidence[index]
    ct = content_type_for(ref)
    obj = None
    if ct is not None and ct.app_label in EVIDENCE_APPS:
        model = ct.model_class()
        obj = model._default_manager.filter(pk=ref.get("id")).first() if model else None
    rows: list[tuple[str, Any]] = []
    if obj is not None:
        for f in obj._meta.concrete_fields:
            if f.name in EVIDENCE_HIDDEN_FIELDS:
                continue
            if f.is_relation:
                value = getattr(obj, f.name, None)
            else:
                display = getattr(obj, f"get_{f.name}_display", None)
                value = display() if callable(display) else getattr(obj, f.attname)
            rows.append((str(f.verbose_name), value))
    return EvidenceFact(
        ref=ref,
        obj=obj,
        rows=rows,
        name=readable_name(obj) if obj is not None else ref.get("label", ""),
        kind=kind_name(ref),
        tag_label=evidence_tag_label(ref),
        related=related_facts(obj) if obj is not None else [],
    )


def evidence_tag_label(ref: dict[str, Any]) -> str:
    """The evidence reference's tag in words (逾期完成 …), the raw tag if it has none."""
    tag = ref.get("tag", "")
    return str(EVIDENCE_TAGS.get(tag, tag))


def breach_list(*, limit: int = 200) -> QuerySet[ConfidentialityBreach]:
    """The latest recorded confidentiality breaches (the working group's page)."""
    return ConfidentialityBreach.objects.select_related("unit", "recorded_by")[:limit]


def orders_awaiting_review(*, limit: int = 10) -> list[RectificationOrder]:
    """Answered orders the working group has still to review, oldest answer first."""
    return list(
        RectificationOrder.objects.filter(status=RectificationOrder.Status.ANSWERED)
        .select_related("unit")
        .order_by("answered_at")[:limit]
    )
