"""Scoring rules (Art. 25): declarative kinds with parameters, implemented as pure functions.

The working group picks a rule kind and sets its parameters in the indicator scheme; nothing in
the database is ever evaluated as code. Each rule takes the plain fact numbers of one unit for one
period (`UnitFacts`) and returns a `RuleResult`: points out of a maximum, or "not applicable" when
the unit had nothing to do on that indicator (its weight is then redistributed, see `combine`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class RuleKind(models.TextChoices):
    ON_TIME_UPLOAD_RATE = "on_time_upload_rate", gettext_lazy("按时报送率")
    FIRST_PASS_RATE = "first_pass_rate", gettext_lazy("首次校验通过率")
    OBJECTIONS_UPHELD = "objections_upheld", gettext_lazy("异议成立扣分")
    OBJECTION_ANSWERS_ON_TIME = "objection_answers_on_time", gettext_lazy("异议按时答复率")
    COLLABORATION_ON_TIME = "collaboration_on_time", gettext_lazy("协作请求按时答复率")
    UNJUSTIFIED_REFUSALS = "unjustified_refusals", gettext_lazy("无正当理由拒绝扣分")
    CONFIDENTIALITY_BREACHES = "confidentiality_breaches", gettext_lazy("违反保密义务扣分")
    MANUAL = "manual", gettext_lazy("工作组评分")


TWO_PLACES = Decimal("0.01")


def q2(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class UnitFacts:
    """What one unit did in one period, as plain numbers read from the other apps' selectors.

    `None` means the source is not connected (its facts are unknown, not zero).
    """

    obligations_due: int | None = None
    obligations_on_time: int | None = None
    obligations_late: int | None = None
    obligations_overdue_open: int | None = None
    submissions_first: int | None = None
    submissions_first_passed: int | None = None
    objections_received: int | None = None
    objections_answered_on_time: int | None = None
    objections_answered_late: int | None = None
    objections_open_overdue: int | None = None
    objections_upheld: int | None = None
    requests_received: int | None = None
    requests_answered_on_time: int | None = None
    requests_answered_late: int | None = None
    requests_overdue_open: int | None = None
    requests_refused_unjustified: int | None = None
    breaches: int | None = None
    activity: int | None = None  # how much the unit had to do at all (due, received …)
    manual_value: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (str(v) if isinstance(v, Decimal) else v)
            for k, v in self.__dict__.items()
            if v is not None
        }


@dataclass(frozen=True)
class RuleResult:
    value: Decimal
    max: Decimal
    not_applicable: bool = False
    explanation: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


# --- parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamSpec:
    name: str
    label: Any
    minimum: float
    maximum: float
    default: float


_MAX = ParamSpec("max", gettext_lazy("满分"), 1, 1000, 100)
_FLOOR = ParamSpec("floor", gettext_lazy("得分起点（比率低于此值得 0 分）"), 0, 0.99, 0)
_DEDUCTION = ParamSpec("deduction", gettext_lazy("每件扣分"), 0.01, 1000, 10)

PARAMS: dict[str, tuple[ParamSpec, ...]] = {
    RuleKind.ON_TIME_UPLOAD_RATE: (_MAX, _FLOOR),
    RuleKind.FIRST_PASS_RATE: (_MAX, _FLOOR),
    RuleKind.OBJECTIONS_UPHELD: (_MAX, _DEDUCTION),
    RuleKind.OBJECTION_ANSWERS_ON_TIME: (_MAX, _FLOOR),
    RuleKind.COLLABORATION_ON_TIME: (_MAX, _FLOOR),
    RuleKind.UNJUSTIFIED_REFUSALS: (_MAX, _DEDUCTION),
    RuleKind.CONFIDENTIALITY_BREACHES: (_MAX, _DEDUCTION),
    RuleKind.MANUAL: (_MAX,),
}


def default_params(kind: str) -> dict[str, float]:
    return {spec.name: spec.default for spec in PARAMS[kind]}


def validate_params(kind: str, params: Any) -> dict[str, float]:
    """Return the parameters of `kind` cleaned, or raise ValueError with a Chinese message."""
    if kind not in PARAMS:
        raise ValueError(_("未知的评分规则：%(kind)s") % {"kind": kind})
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise ValueError(_("评分规则参数必须是 JSON 对象。"))
    specs = {s.name: s for s in PARAMS[kind]}
    unknown = sorted(set(params) - set(specs))
    if unknown:
        raise ValueError(
            _("评分规则“%(kind)s”不接受参数：%(names)s")
            % {"kind": RuleKind(kind).label, "names": "、".join(unknown)}
        )
    cleaned: dict[str, float] = {}
    for name, spec in specs.items():
        raw = params.get(name, spec.default)
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise ValueError(_("参数“%(label)s”必须是数字。") % {"label": spec.label})
        try:
            number = float(raw)
        except ValueError as exc:
            raise ValueError(_("参数“%(label)s”必须是数字。") % {"label": spec.label}) from exc
        if not spec.minimum <= number <= spec.maximum:
            raise ValueError(
                _("参数“%(label)s”应在 %(lo)s 至 %(hi)s 之间。")
                % {"label": spec.label, "lo": spec.minimum, "hi": spec.maximum}
            )
        cleaned[name] = number
    return cleaned


# --- rules -------------------------------------------------------------------------------------


def _na(maximum: Decimal, why: str, facts: dict) -> RuleResult:
    return RuleResult(Decimal(0), maximum, True, why, facts)


def _rate_score(good: int, total: int, maximum: Decimal, floor: float) -> Decimal:
    """Points for a rate: linear from `floor` (0 points) to 100 % (full points)."""
    rate = Decimal(good) / Decimal(total)
    floor_d = Decimal(str(floor))
    if rate <= floor_d:
        return Decimal(0)
    return q2(maximum * (rate - floor_d) / (Decimal(1) - floor_d))


def _deduction_score(cases: int, maximum: Decimal, deduction: float) -> Decimal:
    return q2(max(Decimal(0), maximum - Decimal(str(deduction)) * cases))


def _rate_rule(
    maximum: Decimal,
    floor: float,
    good: int | None,
    total: int | None,
    *,
    facts: dict,
    not_connected: str,
    nothing_due: str,
    explanation: str,
) -> RuleResult:
    """A share scored between `floor` and 1; not applicable with no source or nothing due."""
    if total is None:
        return _na(maximum, not_connected, facts)
    if total == 0:
        return _na(maximum, nothing_due, facts)
    good = good or 0
    return RuleResult(
        _rate_score(good, total, maximum, floor),
        maximum,
        explanation=explanation % {"good": good, "total": total},
        facts=facts,
    )


def on_time_upload_rate(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Share of due obligations uploaded and confirmed on time (Art. 20, 22, 28)."""
    return _rate_rule(
        Decimal(str(params["max"])),
        params["floor"],
        f.obligations_on_time,
        f.obligations_due,
        facts={"due": f.obligations_due, "on_time": f.obligations_on_time},
        not_connected=_("报送任务数据来源尚未接入。"),
        nothing_due=_("本期没有到期的报送任务。"),
        explanation=_("按时报送 %(good)s / 应报送 %(total)s 项。"),
    )


def first_pass_rate(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Share of first submissions (version 1) that passed validation (data quality, Art. 22)."""
    return _rate_rule(
        Decimal(str(params["max"])),
        params["floor"],
        f.submissions_first_passed,
        f.submissions_first,
        facts={"first": f.submissions_first, "passed": f.submissions_first_passed},
        not_connected=_("报送数据来源尚未接入。"),
        nothing_due=_("本期没有首次报送的数据。"),
        explanation=_("首次校验通过 %(good)s / 首次报送 %(total)s 次。"),
    )


def objections_upheld(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Deduct per objection against the unit's data that was upheld (data quality, Art. 19, 22)."""
    maximum = Decimal(str(params["max"]))
    facts = {"upheld": f.objections_upheld, "received": f.objections_received}
    if f.objections_upheld is None:
        return _na(maximum, _("异议数据来源尚未接入。"), facts)
    provided = (f.obligations_due or 0) + (f.objections_received or 0)
    if provided == 0:
        return _na(maximum, _("本期没有报送任务，也没有收到异议。"), facts)
    return RuleResult(
        _deduction_score(f.objections_upheld, maximum, params["deduction"]),
        maximum,
        explanation=_("异议成立 %(n)s 件，每件扣 %(d)s 分。")
        % {"n": f.objections_upheld, "d": params["deduction"]},
        facts=facts,
    )


def _answered_on_time(
    maximum: Decimal,
    floor: float,
    on_time: int | None,
    late: int | None,
    open_overdue: int | None,
    *,
    refused: int | None = 0,
    not_connected: str,
    nothing_due: str,
) -> RuleResult:
    """Share answered by their working-day deadline; open overdue ones (and refusals ruled
    unjustified) count as not on time. Ones whose deadline has not passed are not counted."""
    total = (
        None if on_time is None else on_time + (late or 0) + (open_overdue or 0) + (refused or 0)
    )
    return _rate_rule(
        maximum,
        floor,
        on_time,
        total,
        facts={} if total is None else {"on_time": on_time, "counted": total},
        not_connected=not_connected,
        nothing_due=nothing_due,
        explanation=(
            _("按时答复 %(good)s / 应答复 %(total)s 件（含逾期未答复、无正当理由拒绝）。")
            if refused
            else _("按时答复 %(good)s / 应答复 %(total)s 件（含逾期未答复）。")
        ),
    )


def objection_answers_on_time(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Share of objections the unit answered by their working-day deadline (Art. 22)."""
    return _answered_on_time(
        Decimal(str(params["max"])),
        params["floor"],
        f.objections_answered_on_time,
        f.objections_answered_late,
        f.objections_open_overdue,
        not_connected=_("异议数据来源尚未接入。"),
        nothing_due=_("本期没有需要答复的异议。"),
    )


def collaboration_on_time(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Share of collaboration requests answered on time (Art. 7: 不得无故拒绝、拖延).

    A refusal the working group ruled unjustified is a request not answered on time: it stays
    in the count whatever deadline the ruling sets, so a ruling can never turn this indicator
    "not applicable" and raise the unit's total by redistributing its weight.
    """
    return _answered_on_time(
        Decimal(str(params["max"])),
        params["floor"],
        f.requests_answered_on_time,
        f.requests_answered_late,
        f.requests_overdue_open,
        refused=f.requests_refused_unjustified,
        not_connected=_("协作请求数据来源尚未接入。"),
        nothing_due=_("本期没有应答复的协作请求。"),
    )


def unjustified_refusals(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Deduct per refusal the working group ruled unjustified (Art. 7, 28)."""
    maximum = Decimal(str(params["max"]))
    facts = {"refused_unjustified": f.requests_refused_unjustified}
    if f.requests_refused_unjustified is None:
        return _na(maximum, _("协作请求数据来源尚未接入。"), facts)
    if not f.requests_received and not f.requests_refused_unjustified:
        return _na(maximum, _("本期没有收到协作请求。"), facts)
    return RuleResult(
        _deduction_score(f.requests_refused_unjustified, maximum, params["deduction"]),
        maximum,
        explanation=_("无正当理由拒绝 %(n)s 件，每件扣 %(d)s 分。")
        % {"n": f.requests_refused_unjustified, "d": params["deduction"]},
        facts=facts,
    )


def confidentiality_breaches(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """Deduct per confidentiality breach the working group recorded (Art. 24, 27).

    Every unit taking part in the period owes confidentiality; a unit with no activity at all
    and no breach has nothing to be assessed on, so the indicator does not apply to it.
    """
    maximum = Decimal(str(params["max"]))
    breaches = f.breaches or 0
    if breaches == 0 and not f.activity:
        return _na(maximum, _("本期没有共治业务，也没有违反保密义务的记录。"), {"breaches": 0})
    return RuleResult(
        _deduction_score(breaches, maximum, params["deduction"]),
        maximum,
        explanation=_("记录违反保密义务 %(n)s 次，每次扣 %(d)s 分。")
        % {"n": breaches, "d": params["deduction"]},
        facts={"breaches": breaches},
    )


def manual(params: Mapping[str, float], f: UnitFacts) -> RuleResult:
    """A score the working group gives with a written reason (not applicable until given)."""
    maximum = Decimal(str(params["max"]))
    if f.manual_value is None:
        return _na(maximum, _("工作组尚未评分。"), {})
    return RuleResult(
        q2(min(max(f.manual_value, Decimal(0)), maximum)),
        maximum,
        explanation=_("工作组评分。"),
        facts={"manual": str(f.manual_value)},
    )


RULES: dict[str, Callable[[Mapping[str, float], UnitFacts], RuleResult]] = {
    RuleKind.ON_TIME_UPLOAD_RATE: on_time_upload_rate,
    RuleKind.FIRST_PASS_RATE: first_pass_rate,
    RuleKind.OBJECTIONS_UPHELD: objections_upheld,
    RuleKind.OBJECTION_ANSWERS_ON_TIME: objection_answers_on_time,
    RuleKind.COLLABORATION_ON_TIME: collaboration_on_time,
    RuleKind.UNJUSTIFIED_REFUSALS: unjustified_refusals,
    RuleKind.CONFIDENTIALITY_BREACHES: confidentiality_breaches,
    RuleKind.MANUAL: manual,
}


def evaluate(kind: str, params: Mapping[str, Any], facts: UnitFacts) -> RuleResult:
    """Apply the rule `kind` with its (validated) parameters to one unit's facts."""
    return RULES[kind](validate_params(kind, params), facts)


# --- weights -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedPart:
    weight: Decimal  # as set in the scheme
    effective_weight: Decimal  # after redistribution; 0 when not applicable
    weighted: Decimal  # points contributed to the total (out of 100)


@dataclass(frozen=True)
class Combined:
    total: Decimal | None  # None when no indicator applies
    parts: list[WeightedPart]
    redistributed: bool


def combine(items: list[tuple[Decimal, RuleResult]]) -> Combined:
    """Total = Σ effective weight × value / max.

    A unit with nothing to do on an indicator is not punished for it: the weight of each
    not-applicable indicator is redistributed over the applicable ones in proportion to their
    weights, so the effective weights still sum to 100.
    """
    applicable_weight = sum((w for w, r in items if not r.not_applicable), Decimal(0))
    total_weight = sum((w for w, _r in items), Decimal(0))
    parts: list[WeightedPart] = []
    if applicable_weight == 0:
        return Combined(
            None, [WeightedPart(w, Decimal(0), Decimal(0)) for w, _r in items], bool(items)
        )
    factor = total_weight / applicable_weight
    total = Decimal(0)
    for weight, result in items:
        if result.not_applicable or result.max == 0:
            parts.append(WeightedPart(weight, Decimal(0), Decimal(0)))
            continue
        effective = weight * factor
        weighted = effective * result.value / result.max
        total += weighted
        parts.append(WeightedPart(weight, q2(effective), q2(weighted)))
    return Combined(q2(total), parts, applicable_weight != total_weight)


def validate_weights(weights: list[Decimal]) -> None:
    """Weights must be positive and sum to exactly 100 (raise ValueError in Chinese)."""
    if not weights:
        raise ValueError(_("指标体系至少要有一项指标。"))
    if any(w <= 0 for w in weights):
        raise ValueError(_("每项指标的权重必须大于 0。"))
    total = sum(weights, Decimal(0))
    if total != 100:
        raise ValueError(
            _("各项指标权重之和必须等于 100，当前为 %(total)s。")
            % {"total": f"{q2(total).normalize():f}"}
        )
