"""Periods, indicator schemes, score computation and manual adjustments (Art. 25)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from assessment.errors import AssessmentErrorCode
from zhengxiang_portal.core.dispatch import on_commit_once, send_task_now, task_named
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.asof import AsOf
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append

from .. import facts as fact_sources
from ..models import (
    ConfidentialityBreach,
    Indicator,
    IndicatorScheme,
    PendingRecompute,
    Period,
    Score,
    ScoreAdjustment,
    UnitResult,
)
from ..permissions import can_freeze, can_manage
from ..rules import RuleKind, RuleResult, UnitFacts, combine, evaluate, q2, validate_params
from ..rules import validate_weights as rules_validate_weights

RECOMPUTE_PENDING_TASK = "assessment.recompute_pending"  # assessment.tasks registers it

# The default scheme (weights sum to 100); a new period copies the previous period's scheme.
#
# Art. 7 forbids both refusing without reason (无故拒绝) and delaying (拖延), and Art. 28 orders
# a unit that fails to cooperate without good reason to correct it (责令改正): a refusal ruled
# unjustified denies the tax bureau the help altogether, a late answer still gives it. So one
# unjustified refusal must cost a unit more than one late answer:
# - it counts in 协作请求按时答复率 as not answered on time, exactly as a late answer does
#   (collaboration.selectors keeps it there whatever new deadline the ruling sets), and
# - it also deducts 50 of 100 on 无正当理由拒绝协作 (weight 10): 5 points of the total per refusal,
#   at least as much as one late answer costs through the 15-weight rate once a unit has three
#   requests in the period (15 / 3), and always on top of it.
# Art. 25 asks for an assessment of the work's results (落地见效): data provided on time
# (Art. 20, 22) stays the largest share, then collaboration (Art. 7), data quality and
# objections (Art. 19, 22), confidentiality (Art. 24, 27) and the working group's evaluation.
DEFAULT_SCHEME: list[dict[str, Any]] = [
    {"name": "按时报送率", "weight": 30, "kind": RuleKind.ON_TIME_UPLOAD_RATE,
     "params": {"max": 100, "floor": 0}},
    {"name": "首次校验通过率", "weight": 15, "kind": RuleKind.FIRST_PASS_RATE,
     "params": {"max": 100, "floor": 0}},
    {"name": "异议成立扣分", "weight": 10, "kind": RuleKind.OBJECTIONS_UPHELD,
     "params": {"max": 100, "deduction": 20}},
    {"name": "异议按时答复率", "weight": 10, "kind": RuleKind.OBJECTION_ANSWERS_ON_TIME,
     "params": {"max": 100, "floor": 0}},
    {"name": "协作请求按时答复率", "weight": 15, "kind": RuleKind.COLLABORATION_ON_TIME,
     "params": {"max": 100, "floor": 0}},
    {"name": "无正当理由拒绝协作", "weight": 10, "kind": RuleKind.UNJUSTIFIED_REFUSALS,
     "params": {"max": 100, "deduction": 50}},
    {"name": "保密义务履行", "weight": 5, "kind": RuleKind.CONFIDENTIALITY_BREACHES,
     "params": {"max": 100, "deduction": 50}},
    {"name": "工作组综合评价", "weight": 5, "kind": RuleKind.MANUAL, "params": {"max": 100}},
]  # fmt: skip


# Assessment began with the regulation (2020s); a far-off year is a typing error, not a period.
MIN_PERIOD_YEAR, MAX_PERIOD_YEAR = 2000, 2100


def period_bounds(kind: str, year: int, quarter: int | None) -> tuple[dt.date, dt.date, str]:
    if not MIN_PERIOD_YEAR <= year <= MAX_PERIOD_YEAR:
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_YEAR,
            message=_("考核年度必须在 %(lo)s 至 %(hi)s 之间。")
            % {"lo": MIN_PERIOD_YEAR, "hi": MAX_PERIOD_YEAR},
        )
    if kind == Period.Kind.YEAR:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), _("%(y)s年度") % {"y": year}
    if quarter not in (1, 2, 3, 4):
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_QUARTER, message=_("季度必须是 1 至 4。")
        )
    first_month = 3 * quarter - 2
    last_month = first_month + 2
    end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return dt.date(year, first_month, 1), end, _("%(y)s年第%(q)s季度") % {"y": year, "q": quarter}


@transaction.atomic
def period_create(
    *, actor: User | None, kind: str, year: int, quarter: int | None = None, check: bool = True
) -> Period:
    """Open a period with a scheme copied from the latest earlier period, or the default one.

    `actor` None is the system (the demo, a new quarter opening by itself), with `check` False.
    """
    if check and (actor is None or not can_manage(actor)):
        raise PermissionDenied(_("只有专项工作组可以设立考核期间。"))
    if kind == Period.Kind.YEAR:
        quarter = None
    start, end, name = period_bounds(kind, year, quarter)
    if Period.objects.filter(kind=kind, year=year, quarter=quarter).exists():
        raise ApplicationError(
            code=AssessmentErrorCode.PERIOD_EXISTS, message=_("该考核期间已存在。")
        )
    period = Period.objects.create(
        kind=kind, year=year, quarter=quarter, name=name, start=start, end=end
    )
    scheme = IndicatorScheme.objects.create(period=period, updated_by=_user_or_none(actor))
    previous = (
        IndicatorScheme.objects.filter(period__kind=kind, period__start__lt=start)
        .order_by("-period__start")
        .first()
    )
    rows = (
        [
            {"name": i.name, "weight": i.weight, "kind": i.kind, "params": i.params,
             "description": i.description}
            for i in previous.indicators.all()
        ]
        if previous
        else DEFAULT_SCHEME
    )  # fmt: skip
    Indicator.objects.bulk_create(_clean_indicators(scheme, rows))
    ledger_append(
        action=LedgerAction.ASSESSMENT,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=period,
        details={"event": "period_create", "start": str(start), "end": str(end)},
    )
    return period


def _user_or_none(actor: User | AnonymousUser | None) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# Longer text is refused, not cut: the limits are the columns'.
DESCRIPTION_MAX: int = Indicator._meta.get_field("description").max_length  # type: ignore[assignment]
NOTE_MAX: int = IndicatorScheme._meta.get_field("note").max_length  # type: ignore[assignment]


def _clean_indicators(scheme: IndicatorScheme, rows: list[dict[str, Any]]) -> list[Indicator]:
    """Validate rows (names, kinds, parameters, weights summing to 100) into Indicator objects."""
    cleaned: list[Indicator] = []
    names: set[str] = set()
    errors: dict[str, str] = {}
    for position, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        if not name:
            errors[f"{position}"] = _("第 %(n)s 项指标缺少名称。") % {"n": position}
            continue
        if name in names:
            errors[f"{position}"] = _("指标名称“%(name)s”重复。") % {"name": name}
            continue
        names.add(name)
        description = str(row.get("description") or "")
        if len(description) > DESCRIPTION_MAX:
            errors[f"{position}"] = _("指标“%(name)s”的说明最多 %(n)d 字。") % {
                "name": name,
                "n": DESCRIPTION_MAX,
            }
            continue
        kind = str(row.get("kind") or "")
        try:
            params = validate_params(kind, row.get("params") or {})
        except ValueError as exc:
            errors[f"{position}"] = _("指标“%(name)s”：%(error)s") % {"name": name, "error": exc}
            continue
        try:
            weight = q2(Decimal(str(row.get("weight"))))
        except (InvalidOperation, ValueError):
            errors[f"{position}"] = _("指标“%(name)s”的权重不是数字。") % {"name": name}
            continue
        cleaned.append(
            Indicator(
                scheme=scheme,
                position=position,
                name=name,
                weight=weight,
                kind=kind,
                params=params,
                description=description,
            )
        )
    if errors:
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_SCHEME,
            message=next(iter(errors.values())),
            details=errors,
        )
    try:
        rules_validate_weights([i.weight for i in cleaned])
    except ValueError as exc:
        raise ApplicationError(code=AssessmentErrorCode.WEIGHTS_NOT_100, message=str(exc)) from exc
    return cleaned


def scheme_validate_rows(rows: list[dict[str, Any]]) -> None:
    """Validate rows without saving (the admin's formset uses the same rules)."""
    _clean_indicators(IndicatorScheme(), rows)


@transaction.atomic
def scheme_save(
    *, actor: User, period: Period, indicators: list[dict[str, Any]], note: str | None = None
) -> IndicatorScheme:
    """Replace the period's indicators; weights must sum to 100 (Art. 25)."""
    if not can_manage(actor):
        raise PermissionDenied(_("只有专项工作组可以编辑考核指标体系。"))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_frozen:
        raise ApplicationError(
            code=AssessmentErrorCode.PERIOD_FROZEN,
            message=_("考核期间已冻结，指标体系不能再修改。"),
        )
    if note is not None and len(note) > NOTE_MAX:
        raise ApplicationError(
            code=AssessmentErrorCode.NOTE_TOO_LONG,
            message=_("指标体系说明最多 %(n)d 字。") % {"n": NOTE_MAX},
        )
    scheme, _c = IndicatorScheme.objects.get_or_create(period=period)
    new = _clean_indicators(scheme, indicators)
    existing = {i.name: i for i in scheme.indicators.all()}
    before = [
        {"name": i.name, "weight": str(i.weight), "kind": i.kind, "params": i.params}
        for i in existing.values()
    ]
    keep: set[int] = set()
    for ind in new:
        old = existing.get(ind.name)
        if old is not None:
            # Same name: update in place, so adjustments and history stay attached.
            for attr in ("position", "weight", "kind", "params", "description"):
                setattr(old, attr, getattr(ind, attr))
            old.save()
            keep.add(old.pk)
        else:
            ind.save()
            keep.add(ind.pk)
    scheme.indicators.exclude(pk__in=keep).delete()
    if note is not None:
        scheme.note = note
    scheme.updated_by = actor
    scheme.save()
    ledger_append(
        action=LedgerAction.ASSESSMENT,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=scheme,
        details={
            "event": "scheme_save",
            "before": before,
            "after": [
                {"name": i.name, "weight": str(i.weight), "kind": i.kind, "params": i.params}
                for i in new
            ],
        },
    )
    assessment_recompute_async([period.pk])
    return scheme


@transaction.atomic
def period_freeze(*, actor: User, period: Period) -> Period:
    """Freeze a period: its scores, evidence and ranking no longer change."""
    if not can_freeze(actor):
        raise PermissionDenied(_("只有专项工作组组长可以冻结考核期间。"))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_frozen:
        return period
    period.status = Period.Status.FROZEN
    period.frozen_at = timezone.now()
    period.frozen_by = actor
    period.save(update_fields=["status", "frozen_at", "frozen_by"])
    ledger_append(
        action=LedgerAction.ASSESSMENT,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        target=period,
        details={"event": "period_freeze"},
    )
    return period


def assessment_recompute_async(period_ids: Iterable[int] | None = None) -> None:
    """Have these periods (every open one when None) recomputed soon after the commit.

    The hook for every change of fact: the ledger calls it (`assessment_facts_changed`) for
    each entry that records one, the assessment's own services call it with their period.
    After the transaction commits, the periods are marked changed (`PendingRecompute`) and the
    recompute task is sent; however many facts one transaction changes, this happens once, and
    the task recomputes a period only when a change is newer than its last computation — a
    burst of changes makes one recomputation per period. The minute scan runs the same task
    (a lost message costs at most a minute); the nightly run recomputes every open period
    whatever happened, since a duty whose deadline passed overnight changes a score without
    any event. Frozen periods are never recomputed.
    """
    if period_ids is None:
        on_commit_once(_mark_open_periods_changed)
        return
    ids = sorted({int(p) for p in period_ids})
    transaction.on_commit(lambda: _mark_changed(ids))


def assessment_facts_changed(entry: Any = None) -> None:
    """Ledger listener: an entry recording a change of fact makes every open period stale."""
    assessment_recompute_async()


def _mark_open_periods_changed() -> None:
    _mark_changed(None)


def _mark_changed(period_ids: list[int] | None) -> None:
    """Record that these open periods' facts changed now, and send the recompute task."""
    periods = Period.objects.filter(status=Period.Status.OPEN)
    if period_ids is not None:
        periods = periods.filter(pk__in=period_ids)
    now = timezone.now()
    marks = [
        PendingRecompute(period_id=pk, requested_at=now)
        for pk in periods.values_list("pk", flat=True)
    ]
    if not marks:
        return
    PendingRecompute.objects.bulk_create(
        marks, update_conflicts=True, unique_fields=["period"], update_fields=["requested_at"]
    )
    # Never fails the caller if the broker is down: the minute scan sends it again.
    send_task_now(task_named(RECOMPUTE_PENDING_TASK))


def recompute_pending() -> list[int]:
    """Recompute each open period whose facts changed after its last computation."""
    return [
        period_id
        for period_id in PendingRecompute.objects.order_by("period__start").values_list(
            "period_id", flat=True
        )
        if _recompute_if_changed(period_id)
    ]


@transaction.atomic
def _recompute_if_changed(period_id: int) -> bool:
    # The period's lock serialises workers: the second finds the change already computed.
    period = Period.objects.select_for_update().filter(pk=period_id).first()
    pending = PendingRecompute.objects.filter(period_id=period_id).first()
    if period is None or pending is None:
        return False
    if period.is_frozen:
        pending.delete()
        return False
    # A change stamped at the very moment a computation began may not be in it: recompute.
    if period.computed_at is not None and pending.requested_at < period.computed_at:
        return False
    period_recompute(period=period)
    return True


def open_period_ids_covering(day: dt.date) -> list[int]:
    return list(
        Period.objects.filter(status=Period.Status.OPEN, start__lte=day, end__gte=day).values_list(
            "pk", flat=True
        )
    )


def _assessed_units() -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).order_by("code"))


def _breaches(period: Period, unit_ids: list[int]) -> dict[int, list[ConfidentialityBreach]]:
    found: dict[int, list[ConfidentialityBreach]] = defaultdict(list)
    for breach in ConfidentialityBreach.objects.filter(
        unit_id__in=unit_ids, occurred_on__gte=period.start, occurred_on__lte=period.end
    ).order_by("occurred_on", "pk"):
        found[breach.unit_id].append(breach)
    return found


def _latest_adjustments(period: Period) -> dict[tuple[int, int], ScoreAdjustment]:
    latest: dict[tuple[int, int], ScoreAdjustment] = {}
    for adj in ScoreAdjustment.objects.filter(period=period).order_by("created_at", "pk"):
        latest[(adj.unit_id, adj.indicator_id)] = adj
    return latest


def _activity(numbers: dict[str, int]) -> int:
    return sum(
        numbers.get(k, 0) or 0
        for k in ("obligations_due", "submissions_first", "objections_received",
                  "requests_received")
    )  # fmt: skip


@transaction.atomic
def period_recompute(*, period: Period, actor: User | None = None) -> int:
    """Recompute every unit's scores, totals and ranks of an open period from the facts.

    Lateness is judged as of today, or as of the period's end once it is past
    (`zhengxiang_portal.deadlines.asof`): no indicator counts a duty late before its deadline.

    A frozen period keeps its scores: recomputation is refused. Returns the number of scores.
    """
    if actor is not None and not can_manage(actor):
        raise PermissionDenied(_("只有专项工作组可以重新计算考核得分。"))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.is_frozen:
        raise ApplicationError(
            code=AssessmentErrorCode.PERIOD_FROZEN,
            message=_("考核期间已冻结，得分保持不变，不能重新计算。"),
        )
    # Stamped before any fact is read: a change committed later is newer than this computation.
    now = timezone.now()
    indicators = list(Indicator.objects.filter(scheme__period=period).order_by("position", "pk"))
    units = _assessed_units()
    unit_ids = [u.pk for u in units]
    as_of = AsOf.for_period(end=period.end)
    collected = fact_sources.collect(
        start=period.start,
        end=period.end,
        unit_ids=unit_ids,
        kinds={i.kind for i in indicators},
        as_of=as_of,
    )
    breaches = _breaches(period, unit_ids)
    adjustments = _latest_adjustments(period)
    scores: list[Score] = []
    results: list[UnitResult] = []
    for unit in units:
        bundle = collected.bundle(unit.pk)
        numbers = dict(bundle.numbers)
        numbers["breaches"] = len(breaches.get(unit.pk, []))
        evaluated: list[tuple[Indicator, RuleResult, ScoreAdjustment | None, list]] = []
        for ind in indicators:
            adj = adjustments.get((unit.pk, ind.pk))
            unit_facts = UnitFacts(
                **{k: v for k, v in numbers.items() if k in UnitFacts.__dataclass_fields__},
                activity=_activity(numbers),
                manual_value=adj.value if adj and ind.kind == RuleKind.MANUAL else None,
            )
            result = evaluate(ind.kind, ind.params, unit_facts)
            evidence = list(bundle.evidence.get(ind.kind, []))
            if ind.kind == RuleKind.CONFIDENTIALITY_BREACHES:
                evidence = [
                    fact_sources.evidence_ref(b, "breach", f"{b.occurred_on} {b.description[:60]}")
                    for b in breaches.get(unit.pk, [])
                ]
            if adj is not None:
                evidence.append(fact_sources.evidence_ref(adj, "adjustment", adj.reason[:200]))
            evaluated.append((ind, result, adj, evidence))
        final: list[tuple[Decimal, RuleResult]] = []
        for ind, result, adj, _ev in evaluated:
            if adj is not None:
                value = q2(min(max(adj.value, Decimal(0)), result.max))
                result = RuleResult(value, result.max, False, result.explanation, result.facts)
            final.append((ind.weight, result))
        combined = combine(final)
        for (ind, computed, adj, evidence), (_w, result), part in zip(
            evaluated, final, combined.parts, strict=True
        ):
            scores.append(
                Score(
                    period=period,
                    unit=unit,
                    indicator=ind,
                    value=result.value,
                    max=result.max,
                    computed_value=computed.value,
                    not_applicable=result.not_applicable,
                    adjusted=adj is not None,
                    effective_weight=part.effective_weight,
                    weighted=part.weighted,
                    explanation=(result.explanation or "")[:300],
                    facts=result.facts,
                    evidence=evidence,
                    computed_at=now,
                )
            )
        results.append(
            UnitResult(
                period=period,
                unit=unit,
                total=combined.total,
                redistributed=combined.redistributed,
                facts={
                    **numbers,
                    "sources": sorted(collected.connected),
                    "as_of": as_of.day.isoformat(),
                },
                computed_at=now,
            )
        )
    _rank(results)
    changed = _changes(period, scores, results)
    Score.objects.filter(period=period).exclude(indicator__in=indicators).delete()
    Score.objects.bulk_create(
        scores,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["period", "unit", "indicator"],
        update_fields=[
            "value", "max", "computed_value", "not_applicable", "adjusted", "effective_weight",
            "weighted", "explanation", "facts", "evidence", "computed_at",
        ],
    )  # fmt: skip
    UnitResult.objects.filter(period=period).exclude(unit__in=unit_ids).delete()
    UnitResult.objects.bulk_create(
        results,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["period", "unit"],
        update_fields=["total", "rank", "redistributed", "facts", "computed_at"],
    )
    period.computed_at = now
    period.save(update_fields=["computed_at"])
    # The 台账 records a recomputation that changed something, or that a person asked for. The
    # nightly and on-change runs that change nothing (an ended period's every night until it is
    # frozen) write nothing: an entry would claim an event that did not happen, and a ledger of
    # identical nightly entries hides the ones that matter.
    if actor is not None or changed.scores or changed.units:
        ledger_append(
            action=LedgerAction.ASSESSMENT,
            category=LedgerCategory.WORKFLOW,
            actor=actor,
            target=period,
            details={
                "event": "recompute",
                "units": len(units),
                "scores": len(scores),
                "changed": changed.scores,
                "units_changed": changed.units,
                "sources": sorted(collected.connected),
                "as_of": as_of.day.isoformat(),
            },
        )
    return len(scores)


@dataclass(frozen=True)
class _Changes:
    scores: int  # scores added, removed or different
    units: list[str]  # codes of the units whose scores, total or rank changed


def _score_state(score: Score) -> tuple:
    return (
        *(None if v is None else q2(v) for v in (score.value, score.max, score.computed_value,
                                                  score.effective_weight, score.weighted)),
        score.not_applicable, score.adjusted, score.explanation, score.facts, score.evidence,
    )  # fmt: skip


def _result_state(result: UnitResult) -> tuple:
    facts = {k: v for k, v in result.facts.items() if k != "as_of"}  # a running period's today
    total = None if result.total is None else q2(result.total)
    return (total, result.rank, result.redistributed, facts)


def _changes(period: Period, scores: list[Score], results: list[UnitResult]) -> _Changes:
    """What this computation changes against the stored scores and results of the period."""
    before = {
        (s.unit_id, s.indicator_id): _score_state(s) for s in Score.objects.filter(period=period)
    }
    after = {(s.unit.pk, s.indicator.pk): _score_state(s) for s in scores}
    differing = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    unit_ids = {unit_id for unit_id, _indicator in differing}
    stored = {r.unit_id: _result_state(r) for r in UnitResult.objects.filter(period=period)}
    new = {r.unit.pk: _result_state(r) for r in results}
    unit_ids |= {uid for uid in stored.keys() | new.keys() if stored.get(uid) != new.get(uid)}
    codes = sorted(Unit.objects.filter(pk__in=unit_ids).values_list("code", flat=True))
    return _Changes(scores=len(differing), units=codes)


def _rank(results: list[UnitResult]) -> None:
    """Competition ranking (1, 2, 2, 4) by total; units with nothing assessed are not ranked."""
    ranked = sorted((r for r in results if r.total is not None), key=lambda r: -r.total)  # type: ignore[operator]
    previous_total: Decimal | None = None
    previous_rank = 0
    for index, result in enumerate(ranked, start=1):
        if result.total != previous_total:
            previous_rank = index
            previous_total = result.total
        result.rank = previous_rank
    for result in results:
        if result.total is None:
            result.rank = None


@transaction.atomic
def score_adjust(*, actor: User, score: Score, value: Decimal, reason: str) -> ScoreAdjustment:
    """Set a score by hand with a written reason, recorded in the ledger (Art. 25).

    Also the way the working group scores a manual indicator. Kept across recomputations.
    """
    if not can_manage(actor):
        raise PermissionDenied(_("只有专项工作组可以调整考核得分。"))
    score = Score.objects.select_related("period", "indicator", "unit").get(pk=score.pk)
    if score.period.is_frozen:
        raise ApplicationError(
            code=AssessmentErrorCode.PERIOD_FROZEN, message=_("考核期间已冻结，得分不能再调整。")
        )
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ApplicationError(
            code=AssessmentErrorCode.REASON_REQUIRED, message=_("请写明调整理由（至少 4 个字）。")
        )
    try:
        value = q2(Decimal(str(value)))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_VALUE, message=_("得分必须是数字。")
        ) from exc
    if not Decimal(0) <= value <= score.max:
        raise ApplicationError(
            code=AssessmentErrorCode.INVALID_VALUE,
            message=_("得分应在 0 至 %(max)s 之间。") % {"max": score.max},
        )
    adjustment = ScoreAdjustment.objects.create(
        period=score.period,
        unit=score.unit,
        indicator=score.indicator,
        value=value,
        previous_value=None if score.not_applicable else score.value,
        reason=reason,
        actor=actor,
    )
    ledger_append(
        action=LedgerAction.ASSESSMENT,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        unit=score.unit,
        target=adjustment,
        target_label=f"{score.period} {score.unit} {score.indicator.name}",
        details={
            "event": "score_adjust",
            "indicator": score.indicator.name,
            "before": str(adjustment.previous_value),
            "after": str(value),
            "reason": reason,
        },
    )
    period_recompute(period=score.period)
    return adjustment


@transaction.atomic
def breach_record(
    *, actor: User, unit: Unit, occurred_on: dt.date, description: str, reference: str = ""
) -> ConfidentialityBreach:
    """Record a confidentiality breach by a unit (Art. 24, 27); it lowers the unit's score."""
    if not can_manage(actor):
        raise PermissionDenied(_("只有专项工作组可以记录违反保密义务的情况。"))
    if not (description or "").strip():
        raise ApplicationError(
            code=AssessmentErrorCode.DESCRIPTION_REQUIRED, message=_("请填写情况说明。")
        )
    breach = ConfidentialityBreach.objects.create(
        unit=unit,
        occurred_on=occurred_on,
        description=description.strip(),
        reference=reference.strip(),
        recorded_by=actor,
    )
    ledger_append(
        action=LedgerAction.ASSESSMENT,
        category=LedgerCategory.WORKFLOW,
        actor=actor,
        unit=unit,
        target=breach,
        details={"event": "breach_record", "occurred_on": str(occurred_on)},
    )
    assessment_recompute_async(open_period_ids_covering(occurred_on))
    return breach


def recompute_open_periods(period_ids: list[int] | None = None) -> list[int]:
    """Recompute the given (or all) open periods; frozen ones are skipped. Returns ids done."""
    qs = Period.objects.filter(status=Period.Status.OPEN)
    if period_ids is not None:
        qs = qs.filter(pk__in=period_ids)
    done = []
    for period in qs.order_by("start"):
        period_recompute(period=period)
        done.append(period.pk)
    return done
