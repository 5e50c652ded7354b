"""Assessment demo: 2026 Q3 and Q4 with the default scheme, scores computed from the demo facts
of the other apps, a few working-group scores and one rectification order (idempotent)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from agencies.models import Unit, User
from zhengxiang_portal.core.demo_data import load_demo_data

from .models import ConfidentialityBreach, Period, RectificationOrder, Score, ScoreAdjustment
from .rules import RuleKind
from .services import period_create, period_recompute
from .services.rectification import order_evidence_from_scores, order_issue

DATA_FILE = Path(__file__).parent / "demo_data" / "manual_scores.yaml"


@dataclass(frozen=True)
class ManualScore:
    """The working group's score of one unit on the manual indicator, with its reason."""

    unit: str
    score: int
    reason: str


@dataclass(frozen=True)
class QuarterScores:
    quarter: int
    scores: tuple[ManualScore, ...]


@dataclass(frozen=True)
class DemoManualScores:
    quarters: tuple[QuarterScores, ...]


def _period(quarter: int) -> Period:
    existing = Period.objects.filter(kind=Period.Kind.QUARTER, year=2026, quarter=quarter).first()
    return existing or period_create(
        actor=None, kind=Period.Kind.QUARTER, year=2026, quarter=quarter, check=False
    )


def seed() -> str:
    manual_scores = {
        q.quarter: q.scores for q in load_demo_data(DATA_FILE, DemoManualScores).quarters
    }
    leader = User.objects.filter(username="wg_leader").first()
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in=[s.unit for q in manual_scores.values() for s in q])
    }
    periods = [_period(3), _period(4)]
    housing = Unit.objects.filter(code="ZX-HOUS").first()
    if housing and not ConfidentialityBreach.objects.filter(unit=housing).exists():
        ConfidentialityBreach.objects.create(
            unit=housing,
            occurred_on=dt.date(2026, 8, 18),
            description="工作人员将共享的纳税人名单转发至无关工作群，违反保密义务（第二十四条）。",
            reference="蒸共治〔2026〕9号",
            recorded_by=leader,
        )
    for period in periods:
        manual = period.scheme.indicators.filter(kind=RuleKind.MANUAL).first()
        if manual is None:
            continue
        for spec in manual_scores.get(period.quarter or 0, ()):
            unit = units.get(spec.unit)
            if unit is None:
                continue
            ScoreAdjustment.objects.get_or_create(
                period=period,
                unit=unit,
                indicator=manual,
                defaults={"value": Decimal(spec.score), "reason": spec.reason, "actor": leader},
            )
    computed = sum(period_recompute(period=p) for p in periods)
    market = Unit.objects.filter(code="ZX-SAMR").first()
    orders = 0
    if market and leader and not RectificationOrder.objects.filter(unit=market).exists():
        q4 = periods[1]
        # the facts behind the order: whatever the unit's Q4 scores counted against it
        evidence = order_evidence_from_scores(Score.objects.filter(period=q4, unit=market))
        order_issue(
            actor=leader,
            unit=market,
            period=q4,
            failure=RectificationOrder.Failure.NOT_COOPERATING,
            facts="2026 年第四季度协作请求逾期未答复，经提醒仍未办理，未按规定履行税费精诚共治"
            "协作义务（第七条、第二十八条）。",
            requirement="请于期限内答复逾期的协作请求，说明原因并明确专人负责按期办理。",
            working_days=10,
            evidence=evidence,
        )
        orders = 1
    return f"{len(periods)} periods, {computed} scores, {orders} rectification order(s)"
