"""Periods, schemes, score computation with evidence, redistribution, freezing, adjustments."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from assessment import facts
from assessment.models import ConfidentialityBreach, Period, Score, ScoreAdjustment, UnitResult
from assessment.rules import RuleKind
from assessment.services import (
    breach_record,
    period_create,
    period_freeze,
    period_recompute,
    recompute_open_periods,
    scheme_save,
    score_adjust,
)
from tests.factories import DueObligationFactory, ObjectionFactory, SubmissionFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

from .conftest import FakeStats

pytestmark = pytest.mark.django_db
D = Decimal


def _scheme_rows(period):
    return [
        {"name": i.name, "weight": i.weight, "kind": i.kind, "params": i.params}
        for i in period.scheme.indicators.all()
    ]


def _score(period, unit, kind) -> Score:
    return Score.objects.get(period=period, unit=unit, indicator__kind=kind)


def test_a_new_period_gets_the_default_scheme_with_weights_summing_to_100(world, q3):
    assert (q3.start, q3.end, q3.name) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 30),
        "2026年第3季度",
    )
    indicators = list(q3.scheme.indicators.all())
    assert sum(i.weight for i in indicators) == 100
    assert {i.kind for i in indicators} == set(RuleKind.values)


def test_the_next_period_copies_the_previous_scheme(world, q3):
    rows = _scheme_rows(q3)
    rows[0]["weight"], rows[1]["weight"] = D(25), D(20)
    scheme_save(actor=world.leader, period=q3, indicators=rows)
    q4 = period_create(actor=world.leader, kind=Period.Kind.QUARTER, year=2026, quarter=4)
    assert [i.weight for i in q4.scheme.indicators.all()][:2] == [D(25), D(20)]


def test_a_long_description_or_note_is_refused_not_cut(world, q3):
    rows = _scheme_rows(q3)
    rows[0]["description"] = "说" * 301
    with pytest.raises(ApplicationError) as err:
        scheme_save(actor=world.leader, period=q3, indicators=rows)
    assert err.value.code == "invalid_scheme"
    assert "说明最多 300 字" in str(err.value.message)
    rows[0]["description"] = "说" * 300
    with pytest.raises(ApplicationError) as err:
        scheme_save(actor=world.leader, period=q3, indicators=rows, note="注" * 301)
    assert err.value.code == "note_too_long"
    scheme_save(actor=world.leader, period=q3, indicators=rows, note="注" * 300)
    q3.scheme.refresh_from_db()
    assert q3.scheme.note == "注" * 300
    assert q3.scheme.indicators.get(name=rows[0]["name"]).description == "说" * 300


def test_scheme_weights_must_sum_to_100_with_a_chinese_message(world, q3):
    rows = _scheme_rows(q3)
    rows[0]["weight"] = D(31)
    with pytest.raises(ApplicationError) as err:
        scheme_save(actor=world.leader, period=q3, indicators=rows)
    assert err.value.code == "weights_not_100"
    assert "各项指标权重之和必须等于 100，当前为 101" in str(err.value.message)


def test_scheme_rule_parameters_are_validated_per_kind(world, q3):
    rows = _scheme_rows(q3)
    rows[0]["params"] = {"deduction": 5}  # on-time rate takes no deduction
    with pytest.raises(ApplicationError) as err:
        scheme_save(actor=world.leader, period=q3, indicators=rows)
    assert err.value.code == "invalid_scheme"
    assert "不接受参数" in str(err.value.message)


def test_only_the_working_group_edits_a_scheme(world, q3):
    with pytest.raises(PermissionDenied):
        scheme_save(actor=world.market_liaison, period=q3, indicators=_scheme_rows(q3))
    with pytest.raises(PermissionDenied):
        scheme_save(actor=world.staff, period=q3, indicators=_scheme_rows(q3))


def test_scores_come_from_the_facts_with_evidence_for_each_counted_obligation(
    world, q3, fake_sources
):
    # given: market had 4 obligations due in Q3, 3 on time, 1 late
    for month, fulfilled in [(7, 10), (8, 10), (9, 10)]:
        DueObligationFactory(
            unit=world.market,
            due=dt.date(2026, month, 15),
            fulfilled_on=dt.date(2026, month, fulfilled),
        )
    late = DueObligationFactory(
        unit=world.market, due=dt.date(2026, 9, 20), fulfilled_on=dt.date(2026, 9, 28)
    )
    # when
    period_recompute(period=q3, actor=world.leader)
    # then
    score = _score(q3, world.market, RuleKind.ON_TIME_UPLOAD_RATE)
    assert (score.value, score.not_applicable) == (D("75.00"), False)
    tags = sorted(ref["tag"] for ref in score.evidence)
    assert tags == ["late", "on_time", "on_time", "on_time"]
    late_ref = next(ref for ref in score.evidence if ref["tag"] == "late")
    assert late_ref["ct"] == "sharing_catalog.obligation"
    assert late_ref["id"] == late.pk


def test_a_unit_with_nothing_to_do_is_not_punished_and_weight_is_redistributed(
    world, q3, fake_sources
):
    # given: land has no obligations, but answered 2 of 2 requests on time
    fake_sources.requests[world.land.pk] = FakeStats(received=2, answered_on_time=2)
    period_recompute(period=q3)
    on_time = _score(q3, world.land, RuleKind.ON_TIME_UPLOAD_RATE)
    collab = _score(q3, world.land, RuleKind.COLLABORATION_ON_TIME)
    result = UnitResult.objects.get(period=q3, unit=world.land)
    assert on_time.not_applicable and on_time.effective_weight == 0
    assert collab.value == 100
    assert result.redistributed
    # every applicable indicator at full marks -> 100, although uploads etc. did not apply
    assert result.total == D("100.00")
    applicable = Score.objects.filter(period=q3, unit=world.land, not_applicable=False)
    assert sum(s.effective_weight for s in applicable) == pytest.approx(D(100), abs=D("0.05"))


def test_late_and_overdue_requests_lower_the_collaboration_score_and_are_its_evidence(
    world, q3, fake_sources
):
    fake_sources.requests[world.market.pk] = FakeStats(
        received=5, answered_on_time=3, answered_late=1, overdue_open=1, refused_unjustified=1
    )
    period_recompute(period=q3)
    collab = _score(q3, world.market, RuleKind.COLLABORATION_ON_TIME)
    refusals = _score(q3, world.market, RuleKind.UNJUSTIFIED_REFUSALS)
    # 3 on time of 6 counted: the unjustified refusal counts as not answered on time (Art. 7)
    assert collab.value == D("50.00")
    assert sorted(r["tag"] for r in collab.evidence).count("overdue_open") == 1
    assert sorted(r["tag"] for r in collab.evidence).count("refused_unjustified") == 1
    assert refusals.value == D("50.00")  # default scheme: 50 per unjustified refusal
    assert [r["tag"] for r in refusals.evidence] == ["refused_unjustified"]
    result = UnitResult.objects.get(period=q3, unit=world.market)
    assert result.facts["requests_overdue_open"] == 1


def test_unconnected_sources_leave_their_indicators_not_applicable(world, q3, fake_sources):
    fake_sources.requests[world.market.pk] = FakeStats(received=1, answered_on_time=1)
    period_recompute(period=q3)
    first_pass = _score(q3, world.market, RuleKind.FIRST_PASS_RATE)
    assert first_pass.not_applicable
    assert "尚未接入" in first_pass.explanation
    assert (
        "submissions" not in UnitResult.objects.get(period=q3, unit=world.market).facts["sources"]
    )


def test_units_are_ranked_by_total(world, q3, fake_sources):
    fake_sources.requests[world.market.pk] = FakeStats(
        received=2, answered_on_time=1, answered_late=1
    )
    fake_sources.requests[world.land.pk] = FakeStats(received=2, answered_on_time=2)
    period_recompute(period=q3)
    ranks = dict(UnitResult.objects.filter(period=q3).values_list("unit__code", "rank"))
    assert ranks["LAND"] == 1
    assert ranks["SAMR"] == 2
    assert ranks["TAX"] is None  # nothing to assess: not ranked


def test_a_frozen_period_keeps_its_scores_and_refuses_recomputation(world, q3, fake_sources):
    fake_sources.requests[world.market.pk] = FakeStats(received=2, answered_on_time=2)
    period_recompute(period=q3)
    period_freeze(actor=world.leader, period=q3)
    fake_sources.requests[world.market.pk] = FakeStats(received=2, answered_late=2)
    with pytest.raises(ApplicationError) as err:
        period_recompute(period=q3)
    assert err.value.code == "period_frozen"
    assert recompute_open_periods([q3.pk]) == []  # the nightly task skips it
    assert _score(q3, world.market, RuleKind.COLLABORATION_ON_TIME).value == 100
    with pytest.raises(ApplicationError):
        scheme_save(actor=world.leader, period=q3, indicators=_scheme_rows(q3))


def test_only_the_leader_freezes(world, q3):
    with pytest.raises(PermissionDenied):
        period_freeze(actor=world.member, period=q3)


def test_manual_adjustment_needs_a_reason_is_ledgered_and_survives_recomputation(
    world, q3, fake_sources
):
    fake_sources.requests[world.market.pk] = FakeStats(
        received=2, answered_on_time=1, answered_late=1
    )
    period_recompute(period=q3)
    score = _score(q3, world.market, RuleKind.COLLABORATION_ON_TIME)
    with pytest.raises(ApplicationError) as err:
        score_adjust(actor=world.leader, score=score, value=D(90), reason="")
    assert err.value.code == "reason_required"
    score_adjust(
        actor=world.leader, score=score, value=D(90), reason="逾期系系统故障所致，已核实。"
    )
    entry = LedgerEntry.objects.filter(action=LedgerAction.ASSESSMENT).order_by("-seq")
    adjust_entry = next(e for e in entry if e.details.get("event") == "score_adjust")
    assert adjust_entry.details["reason"] == "逾期系系统故障所致，已核实。"
    assert adjust_entry.details["before"] == "50.00"
    assert adjust_entry.actor == world.leader
    period_recompute(period=q3)
    score.refresh_from_db()
    assert (score.value, score.computed_value, score.adjusted) == (D(90), D(50), True)
    assert score.evidence[-1]["tag"] == "adjustment"


def test_liaisons_cannot_adjust_scores(world, q3, fake_sources):
    period_recompute(period=q3)
    score = Score.objects.filter(period=q3, unit=world.market).first()
    with pytest.raises(PermissionDenied):
        score_adjust(actor=world.market_liaison, score=score, value=D(100), reason="自评满分理由")


def test_manual_indicator_is_scored_by_the_working_group(world, q3, fake_sources):
    period_recompute(period=q3)
    manual = _score(q3, world.market, RuleKind.MANUAL)
    assert manual.not_applicable
    score_adjust(actor=world.member, score=manual, value=D(80), reason="配合度较好，个别延迟。")
    manual.refresh_from_db()
    assert (manual.value, manual.not_applicable) == (D(80), False)
    assert UnitResult.objects.get(period=q3, unit=world.market).total == D("80.00")
    assert ScoreAdjustment.objects.filter(indicator=manual.indicator).count() == 1


def test_a_recorded_breach_deducts_and_triggers_recomputation(
    world, q3, fake_sources, django_capture_on_commit_callbacks
):
    fake_sources.requests[world.market.pk] = FakeStats(received=1, answered_on_time=1)
    period_recompute(period=q3)
    with django_capture_on_commit_callbacks(execute=True):
        breach_record(
            actor=world.leader,
            unit=world.market,
            occurred_on=dt.date(2026, 8, 3),
            description="将共享名单转发至无关群组。",
        )
    score = _score(q3, world.market, RuleKind.CONFIDENTIALITY_BREACHES)
    assert score.value == D("50.00")  # default: 50 per breach
    assert score.evidence[0]["ct"] == "assessment.confidentialitybreach"
    assert ConfidentialityBreach.objects.count() == 1
    with pytest.raises(PermissionDenied):
        breach_record(actor=world.market_liaison, unit=world.land, occurred_on=dt.date(2026, 8, 3),
                      description="x")  # fmt: skip


def test_scheme_change_recomputes_through_the_task(
    world, q3, fake_sources, django_capture_on_commit_callbacks
):
    fake_sources.requests[world.market.pk] = FakeStats(received=1, answered_on_time=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        scheme_save(actor=world.leader, period=q3, indicators=_scheme_rows(q3))
    # one for the assessment (the others log the ledger's new heads)
    assert len([c for c in callbacks if "assessment" in c.__qualname__]) == 1
    assert Score.objects.filter(period=q3, unit=world.market).exists()


def test_the_adapter_reports_which_sources_are_connected(fake_sources):
    status = {key: connected for key, _label, connected in facts.source_status()}
    assert status == {
        "obligations": True,
        "submissions": False,
        "objections": True,
        "requests": True,
    }


@pytest.mark.usefixtures("world")
def test_the_real_catalog_selectors_decide_on_time_and_not_yet_due_is_not_assessed(world, q3):
    """No fake: the catalog's own `obligation_on_time` rule is what the score uses."""
    assert facts.OBLIGATIONS.functions() is not None
    DueObligationFactory(
        unit=world.market, due=dt.date(2026, 7, 15), fulfilled_on=dt.date(2026, 7, 14)
    )
    DueObligationFactory(
        unit=world.market, due=dt.date(2026, 8, 14), fulfilled_on=dt.date(2026, 8, 20)
    )
    DueObligationFactory(unit=world.market, due=dt.date(2026, 9, 15), status="overdue")
    with time_machine.travel(dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC)):
        period_recompute(period=q3)
    score = _score(q3, world.market, RuleKind.ON_TIME_UPLOAD_RATE)
    assert "1 / 应报送 2" in score.explanation  # September is not due yet on Sep 10
    period_recompute(period=q3)
    score.refresh_from_db()
    assert sorted(r["tag"] for r in score.evidence) == ["late", "on_time", "overdue_open"]
    assert score.value == D("33.33")


def test_first_pass_rate_reads_first_versions_from_the_submissions_app(world, q3):
    """No fake: version 1 of each obligation due in the period, by its validation outcome."""
    assert facts.SUBMISSIONS.functions() is not None
    july = DueObligationFactory(
        unit=world.market, due=dt.date(2026, 7, 15), fulfilled_on=dt.date(2026, 7, 14)
    )
    aug = DueObligationFactory(
        unit=world.market, due=dt.date(2026, 8, 14), fulfilled_on=dt.date(2026, 8, 20)
    )
    sept = DueObligationFactory(unit=world.market, due=dt.date(2026, 9, 15), status="open")
    SubmissionFactory(
        obligation=july, version=1, status="superseded"
    )  # confirmed, later corrected: it had passed
    SubmissionFactory(
        obligation=july, version=2, status="confirmed"
    )  # a correction is not a first version
    SubmissionFactory(obligation=aug, version=1, status="invalid")
    SubmissionFactory(obligation=aug, version=2, status="confirmed")
    SubmissionFactory(
        obligation=sept, version=1, status="processing"
    )  # not validated yet: not counted
    period_recompute(period=q3)
    score = _score(q3, world.market, RuleKind.FIRST_PASS_RATE)
    assert score.value == D("50.00")
    assert sorted(r["tag"] for r in score.evidence) == ["failed", "passed"]
    related = facts.related_facts(aug)
    assert [(r["label"], r["bad"]) for r in related] == [("第 2 版", False), ("第 1 版", True)]


def test_objection_scores_come_from_the_objections_app(world, q3):
    """No fake: ledgerx's `objection_facts` / `objection_evidence` decide on time and upheld."""

    assert facts.OBJECTIONS.functions() is not None
    ob = DueObligationFactory(
        unit=world.market, due=dt.date(2026, 7, 15), fulfilled_on=dt.date(2026, 7, 14)
    )
    submission = SubmissionFactory(obligation=ob, version=1, status="confirmed")

    def objection(deadline, answered=None, **extra):
        with time_machine.travel(dt.datetime(2026, 8, 3, 9, tzinfo=dt.UTC)):
            return ObjectionFactory(
                submission=submission, raised_by=world.land_liaison,
                first_deadline=deadline, deadline=deadline,
                answered_at=(
                    dt.datetime.combine(answered, dt.time(10), tzinfo=dt.UTC) if answered else None
                ),
                **extra,
            )  # fmt: skip

    # an answered objection waits for the objector (已解释说明), no longer for the provider
    objection(dt.date(2026, 8, 10), answered=dt.date(2026, 8, 7), status="explained")
    objection(dt.date(2026, 8, 10), answered=dt.date(2026, 8, 20), status="explained")
    objection(dt.date(2026, 8, 10))
    objection(
        dt.date(2026, 8, 10), answered=dt.date(2026, 8, 7), status="closed", ruling="upheld",
        closing_reason="arbitrated",
        ruled_at=dt.datetime(2026, 9, 10, 9, tzinfo=dt.UTC),
    )  # fmt: skip
    period_recompute(period=q3)
    answers = _score(q3, world.market, RuleKind.OBJECTION_ANSWERS_ON_TIME)
    upheld = _score(q3, world.market, RuleKind.OBJECTIONS_UPHELD)
    assert answers.value == D("50.00")  # 2 on time of 4 (one late, one open past its deadline)
    assert sorted(r["tag"] for r in answers.evidence) == [
        "answered_late", "answered_on_time", "answered_on_time", "open_overdue",
    ]  # fmt: skip
    assert upheld.value == D("80.00")  # default: 20 per upheld objection
    assert [r["ct"] for r in upheld.evidence] == ["sharing_catalog.objection"]


@pytest.mark.parametrize("year", [0, 1999, 2101, 99999])
def test_a_period_outside_plausible_years_is_refused_with_a_clear_error(year):
    """A typo such as year 0 is a clear error, never a server error (found by schemathesis)."""
    from assessment.services.scoring import period_bounds
    from zhengxiang_portal.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        period_bounds("year", year, None)
    assert exc.value.code == "invalid_year"
