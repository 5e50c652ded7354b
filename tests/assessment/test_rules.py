"""Scoring rules are pure functions of plain fact numbers (no database, no other app)."""

from decimal import Decimal

import pytest

from assessment.rules import (
    RuleKind,
    RuleResult,
    UnitFacts,
    combine,
    evaluate,
    validate_params,
    validate_weights,
)

D = Decimal


def test_on_time_upload_rate_scores_the_share_of_obligations_on_time():
    result = evaluate(
        RuleKind.ON_TIME_UPLOAD_RATE,
        {"max": 100},
        UnitFacts(obligations_due=4, obligations_on_time=3),
    )
    assert (result.value, result.max, result.not_applicable) == (D("75.00"), D(100), False)
    assert "3 / 应报送 4" in result.explanation


def test_on_time_upload_rate_floor_gives_zero_below_and_scales_above():
    below = evaluate(
        RuleKind.ON_TIME_UPLOAD_RATE,
        {"max": 100, "floor": 0.5},
        UnitFacts(obligations_due=10, obligations_on_time=4),
    )
    above = evaluate(
        RuleKind.ON_TIME_UPLOAD_RATE,
        {"max": 100, "floor": 0.5},
        UnitFacts(obligations_due=10, obligations_on_time=9),
    )
    assert below.value == 0
    assert above.value == D("80.00")


def test_on_time_upload_rate_not_applicable_without_due_obligations():
    result = evaluate(RuleKind.ON_TIME_UPLOAD_RATE, {}, UnitFacts(obligations_due=0))
    assert result.not_applicable


def test_a_source_not_connected_is_not_applicable_rather_than_zero():
    result = evaluate(RuleKind.ON_TIME_UPLOAD_RATE, {}, UnitFacts())
    assert result.not_applicable
    assert "尚未接入" in result.explanation


def test_first_pass_rate_scores_first_versions_that_passed_validation():
    result = evaluate(
        RuleKind.FIRST_PASS_RATE,
        {"max": 50},
        UnitFacts(submissions_first=5, submissions_first_passed=4),
    )
    assert (result.value, result.max) == (D("40.00"), D(50))
    assert evaluate(RuleKind.FIRST_PASS_RATE, {}, UnitFacts(submissions_first=0)).not_applicable


def test_objections_upheld_deducts_per_case_down_to_zero():
    facts = UnitFacts(obligations_due=3, objections_received=4, objections_upheld=2)
    assert evaluate(RuleKind.OBJECTIONS_UPHELD, {"deduction": 15}, facts).value == D("70.00")
    many = UnitFacts(obligations_due=3, objections_received=9, objections_upheld=9)
    assert evaluate(RuleKind.OBJECTIONS_UPHELD, {"deduction": 15}, many).value == 0


def test_objections_upheld_not_applicable_for_a_unit_that_provides_nothing():
    facts = UnitFacts(obligations_due=0, objections_received=0, objections_upheld=0)
    assert evaluate(RuleKind.OBJECTIONS_UPHELD, {}, facts).not_applicable


def test_objection_answers_on_time_counts_open_overdue_as_not_on_time():
    facts = UnitFacts(
        objections_answered_on_time=6, objections_answered_late=1, objections_open_overdue=1
    )
    assert evaluate(RuleKind.OBJECTION_ANSWERS_ON_TIME, {}, facts).value == D("75.00")
    none = UnitFacts(objections_answered_on_time=0, objections_answered_late=0)
    assert evaluate(RuleKind.OBJECTION_ANSWERS_ON_TIME, {}, none).not_applicable


def test_collaboration_on_time_counts_overdue_open_requests():
    facts = UnitFacts(
        requests_answered_on_time=8, requests_answered_late=1, requests_overdue_open=1
    )
    assert evaluate(RuleKind.COLLABORATION_ON_TIME, {}, facts).value == D("80.00")
    assert evaluate(
        RuleKind.COLLABORATION_ON_TIME, {}, UnitFacts(requests_answered_on_time=0)
    ).not_applicable


def test_unjustified_refusals_deduct_per_case():
    facts = UnitFacts(requests_received=10, requests_refused_unjustified=3)
    assert evaluate(RuleKind.UNJUSTIFIED_REFUSALS, {"deduction": 25}, facts).value == D("25.00")
    idle = UnitFacts(requests_received=0, requests_refused_unjustified=0)
    assert evaluate(RuleKind.UNJUSTIFIED_REFUSALS, {}, idle).not_applicable


def test_confidentiality_breaches_deduct_per_recorded_breach():
    facts = UnitFacts(breaches=1, activity=0)
    assert evaluate(RuleKind.CONFIDENTIALITY_BREACHES, {"deduction": 40}, facts).value == D("60.00")
    clean = UnitFacts(breaches=0, activity=5)
    assert evaluate(RuleKind.CONFIDENTIALITY_BREACHES, {}, clean).value == D("100.00")


def test_confidentiality_not_applicable_to_a_unit_with_no_activity_and_no_breach():
    assert evaluate(
        RuleKind.CONFIDENTIALITY_BREACHES, {}, UnitFacts(breaches=0, activity=0)
    ).not_applicable


def test_manual_indicator_is_not_applicable_until_the_working_group_scores_it():
    assert evaluate(RuleKind.MANUAL, {"max": 10}, UnitFacts()).not_applicable
    scored = evaluate(RuleKind.MANUAL, {"max": 10}, UnitFacts(manual_value=D("12")))
    assert scored.value == D("10.00")  # clamped to the maximum


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("nonsense", {}, "未知的评分规则"),
        (RuleKind.ON_TIME_UPLOAD_RATE, {"deduction": 3}, "不接受参数"),
        (RuleKind.OBJECTIONS_UPHELD, {"deduction": "abc"}, "必须是数字"),
        (RuleKind.OBJECTIONS_UPHELD, {"deduction": True}, "必须是数字"),
        (RuleKind.ON_TIME_UPLOAD_RATE, {"floor": 1.5}, "之间"),
        (RuleKind.MANUAL, ["max"], "JSON 对象"),
    ],
)
def test_invalid_parameters_are_refused_with_a_chinese_message(kind, params, message):
    with pytest.raises(ValueError, match=message):
        validate_params(kind, params)


def test_parameters_get_their_defaults():
    assert validate_params(RuleKind.UNJUSTIFIED_REFUSALS, {}) == {"max": 100, "deduction": 10}


def test_weights_must_sum_to_exactly_100():
    validate_weights([D(60), D(40)])
    with pytest.raises(ValueError, match="之和必须等于 100，当前为 90"):
        validate_weights([D(50), D(40)])
    with pytest.raises(ValueError, match="大于 0"):
        validate_weights([D(100), D(0)])
    with pytest.raises(ValueError, match="至少要有一项"):
        validate_weights([])


def _r(value, maximum=100, na=False):
    return RuleResult(D(value), D(maximum), na)


def test_total_is_the_weighted_sum_when_everything_applies():
    combined = combine([(D(60), _r(50)), (D(40), _r(100))])
    assert combined.total == D("70.00")
    assert not combined.redistributed
    assert [p.effective_weight for p in combined.parts] == [D("60.00"), D("40.00")]


def test_weight_of_a_not_applicable_indicator_is_redistributed_proportionally():
    # 50 / 30 / 20; the 20 does not apply -> 62.5 / 37.5
    combined = combine([(D(50), _r(80)), (D(30), _r(100)), (D(20), _r(0, na=True))])
    assert combined.redistributed
    assert [p.effective_weight for p in combined.parts] == [D("62.50"), D("37.50"), D("0")]
    assert combined.total == D("87.50")  # 62.5*0.8 + 37.5*1.0 — not punished for the 20


def test_scores_out_of_different_maxima_are_normalised():
    combined = combine([(D(50), _r(5, maximum=10)), (D(50), _r(100))])
    assert combined.total == D("75.00")


def test_a_unit_with_nothing_applicable_has_no_total():
    combined = combine([(D(100), _r(0, na=True))])
    assert combined.total is None
