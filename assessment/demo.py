"""Assessment demo: 2026 Q3 and Q4 with the default scheme, scores computed from the demo facts
of the other apps, a few working-group scores and one rectification order (idempotent)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from agencies.models import Unit, User

from .models import ConfidentialityBreach, Period, RectificationOrder, Score, ScoreAdjustment
from .rules import RuleKind
from .services import period_create, period_recompute
from .services.rectification import order_evidence_from_scores, order_issue

# Working-group overall evaluation (manual indicator), per quarter: unit code -> (score, reason)
MANUAL = {
    3: {
        "ZX-FIN": (95, "主动牵头财政收支数据共享，配合度高。"),
        "ZX-SAMR": (70, "登记数据多次延迟报送，经督促后补报。"),
        "ZX-COURT": (90, "司法拍卖信息按时推送，协作顺畅。"),
        "ZX-ICBC": (85, "账户信息协查响应及时。"),
        "ZX-NR": (80, "不动产登记数据字段缺失较多。"),
        "ZX-POWER": (88, "用电数据按月报送。"),
    },
    4: {
        "ZX-FIN": (96, "持续保持高质量共享。"),
        "ZX-SAMR": (62, "本季度仍有逾期报送，已责令改正。"),
        "ZX-COURT": (92, "协作顺畅。"),
        "ZX-ICBC": (88, "协查响应及时。"),
        "ZX-NR": (84, "数据质量有所提升。"),
        "ZX-POWER": (86, "报送稳定。"),
    },
}


def _period(quarter: int) -> Period:
    existing = Period.objects.filter(kind=Period.Kind.QUARTER, year=2026, quarter=quarter).first()
    return existing or period_create(
        actor=None, kind=Period.Kind.QUARTER, year=2026, quarter=quarter, check=False
    )


def seed() -> str:
    leader = User.objects.filter(username="wg_leader").first()
    units = {
        u.code: u for u in Unit.objects.filter(code__in=[c for q in MANUAL.values() for c in q])
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
        for code, (value, reason) in MANUAL[period.quarter or 0].items():
            unit = units.get(code)
            if unit is None:
                continue
            ScoreAdjustment.objects.get_or_create(
                period=period,
                unit=unit,
                indicator=manual,
                defaults={"value": Decimal(value), "reason": reason, "actor": leader},
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
