"""Scores as of a day (Art. 25): nothing is late before its deadline, one rule for every source.

The scores are read from the real selectors of the catalog and collaboration apps (no fakes):
the same constructed scenario is scored on three days and compared with totals worked out by
hand below, with the default scheme's weights.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine

from assessment.models import Score, UnitResult
from assessment.rules import RuleKind
from assessment.services import period_recompute
from tests.factories import (
    CollaborationRequestFactory,
    DueObligationFactory,
    ObjectionFactory,
    SubmissionFactory,
)
from zhengxiang_portal.deadlines.asof import AsOf, Standing

from .conftest import (
    at,
    make_answer,
    refuse_unjustified,
)

pytestmark = pytest.mark.django_db


# --- the rule itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "deadline", "done_on", "expected"),
    [
        (AsOf(dt.date(2026, 12, 6)), dt.date(2026, 12, 11), None, Standing.PENDING),
        (AsOf(dt.date(2026, 12, 11)), dt.date(2026, 12, 11), None, Standing.PENDING),  # its day
        (AsOf(dt.date(2026, 12, 12)), dt.date(2026, 12, 11), None, Standing.OVERDUE),
        (AsOf(dt.date(2026, 12, 31), closed=True), dt.date(2026, 12, 31), None, Standing.OVERDUE),
        (AsOf(dt.date(2026, 12, 12)), dt.date(2026, 12, 11), dt.date(2026, 12, 11),
         Standing.ON_TIME),
        (AsOf(dt.date(2026, 12, 20)), dt.date(2026, 12, 11), dt.date(2026, 12, 14), Standing.LATE),
        # done only after a past period's end, with nothing late at its end: not counted there
        (AsOf(dt.date(2026, 12, 31), closed=True), dt.date(2027, 1, 5), dt.date(2027, 1, 8),
         Standing.PENDING),
    ],
)  # fmt: skip
def test_a_duty_is_late_only_once_its_deadline_has_passed_at_the_as_of_day(
    as_of, deadline, done_on, expected
):
    assert as_of.standing(deadline=deadline, done_on=done_on) == expected


def test_the_as_of_day_is_today_while_the_period_runs_and_its_end_once_past():
    end = dt.date(2026, 12, 31)
    assert AsOf.for_period(end=end, today=dt.date(2026, 12, 6)) == AsOf(dt.date(2026, 12, 6))
    assert AsOf.for_period(end=end, today=dt.date(2027, 1, 10)) == AsOf(end, closed=True)


# --- a small scenario scored on three days -----------------------------------------------------


def _total(period, unit) -> D | None:
    return UnitResult.objects.get(period=period, unit=unit).total


def _score(period, unit, kind) -> Score:
    return Score.objects.get(period=period, unit=unit, indicator__kind=kind)


def _recompute_on(period, day: dt.date) -> None:
    with time_machine.travel(at(day, 2), tick=False):
        period_recompute(period=period)


def test_scores_at_three_as_of_days_equal_the_hand_computed_totals(world, q4):
    market = world.market
    # Obligations of 区市场监管局 (grace period = due date here)
    a = DueObligationFactory(
        unit=market, due=dt.date(2026, 11, 10), fulfilled_on=dt.date(2026, 11, 9)
    )
    b = DueObligationFactory(unit=market, due=dt.date(2026, 12, 10), status="open", code="ITEM-B")
    DueObligationFactory(unit=market, due=dt.date(2026, 12, 31), status="open", code="ITEM-C")
    submission = SubmissionFactory(
        obligation=a, version=1, status="confirmed"
    )  # first upload passed: 首次校验通过率 100
    with time_machine.travel(at(dt.date(2026, 12, 1)), tick=False):
        ObjectionFactory(
            submission=submission, raised_by=world.land_liaison,
            first_deadline=dt.date(2026, 12, 11), deadline=dt.date(2026, 12, 11),
        )  # fmt: skip
    r1 = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        accepted_by=world.market_liaison,
        raised_at=at(dt.date(2026, 11, 30)),
    )
    r2 = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        accepted_by=world.market_liaison,
        raised_at=at(dt.date(2026, 12, 1)),
    )
    assert (r1.due_date, r2.due_date) == (dt.date(2026, 12, 7), dt.date(2026, 12, 8))
    make_answer(world, r1, dt.date(2026, 12, 3))

    # Day 1, Sunday 2026-12-06. Default weights: upload 30, first pass 15, objections upheld 10,
    # objection answers 10, collaboration 15, unjustified refusals 10, confidentiality 5,
    # working group 5 (not scored: not applicable).
    #   upload: A on time; B (12-10) and C (12-31) not due yet        → 1/1 = 100
    #   objection answers: the only objection is due 12-11 → nothing due → not applicable
    #   collaboration: R1 on time; R2 (due 12-08) not due yet         → 1/1 = 100
    #   every other applicable indicator is 100, so the total is 100.00.
    _recompute_on(q4, dt.date(2026, 12, 6))
    objection_answers = _score(q4, market, RuleKind.OBJECTION_ANSWERS_ON_TIME)
    assert objection_answers.not_applicable  # today's code: 0.00 "逾期未答复 异议#1"
    assert objection_answers.evidence == []
    assert _score(q4, market, RuleKind.ON_TIME_UPLOAD_RATE).value == D("100.00")
    assert _score(q4, market, RuleKind.COLLABORATION_ON_TIME).value == D("100.00")
    assert _total(q4, market) == D("100.00")

    # Day 2, Tuesday 2026-12-15: B (12-10), the objection (12-11) and R2 (12-08) are overdue.
    #   upload 1/2 = 50 → 30 × 0.50 = 15;   first pass 15;   upheld 10;
    #   objection answers 0/1 = 0 → 0;      collaboration 1/2 = 50 → 15 × 0.50 = 7.5;
    #   refusals 10;   confidentiality 5;   applicable weight 95 (working group not scored)
    #   total = (15 + 15 + 10 + 0 + 7.5 + 10 + 5) × 100 / 95 = 62.5 / 0.95 = 65.789… → 65.79
    _recompute_on(q4, dt.date(2026, 12, 15))
    assert _score(q4, market, RuleKind.OBJECTION_ANSWERS_ON_TIME).value == D("0.00")
    assert _total(q4, market) == D("65.79")

    # Then: R2 answered late on 12-18, B confirmed late on 12-21, R3 asked on 12-24 (due 12-31)
    # and never answered, C never uploaded, the objection never answered.
    make_answer(world, r2, dt.date(2026, 12, 18))
    b.status, b.fulfilled_at = "fulfilled", at(dt.date(2026, 12, 21))
    b.save(update_fields=["status", "fulfilled_at"])
    r3 = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        accepted_by=world.market_liaison,
        raised_at=at(dt.date(2026, 12, 24)),
    )
    assert r3.due_date == dt.date(2026, 12, 31)

    # Day 3, 2027-01-10: the period is past, judged at the end of 12-31, its last day:
    #   upload: A on time, B late, C (due 12-31) overdue → 1/3 → 33.33 → 30 × 0.3333 = 9.999
    #   collaboration: R1 on time, R2 late, R3 (due 12-31) overdue → 33.33 → 15 × 0.3333 = 4.9995
    #   objection answers 0;  first pass 15;  upheld 10;  refusals 10;  confidentiality 5
    #   total = (9.999 + 15 + 10 + 0 + 4.9995 + 10 + 5) / 0.95 = 54.9985 / 0.95 = 57.893… → 57.89
    _recompute_on(q4, dt.date(2027, 1, 10))
    upload = _score(q4, market, RuleKind.ON_TIME_UPLOAD_RATE)
    assert sorted(r["tag"] for r in upload.evidence) == ["late", "on_time", "overdue_open"]
    collaboration = _score(q4, market, RuleKind.COLLABORATION_ON_TIME)
    assert sorted(r["tag"] for r in collaboration.evidence) == ["late", "on_time", "overdue_open"]
    assert _total(q4, market) == D("57.89")
    assert UnitResult.objects.get(period=q4, unit=market).facts["as_of"] == "2026-12-31"


def test_an_unjustified_refusal_lowers_the_score(world, q4, ruler):
    """Repro: 区市场监管局's total rose (70.80 → 82.47) once a refusal was ruled unjustified:
    the ruling gave the overdue request a new deadline, so it stopped counting as overdue, the
    collaboration indicator became "not applicable" and its weight went to the others."""
    req = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        accepted_by=world.market_liaison,
        raised_at=at(dt.date(2026, 11, 30)),
    )  # due 12-07, never answered
    # Day 2026-12-09: the request is overdue. Applicable: collaboration 0/1 = 0 (weight 15),
    # unjustified refusals 100 (10), confidentiality 100 (5); total = (0 + 10 + 5) / 30 = 50.00
    _recompute_on(q4, dt.date(2026, 12, 9))
    assert _total(q4, world.market) == D("50.00")
    refuse_unjustified(world, req, ruler, dt.date(2026, 12, 9))
    req.refresh_from_db()
    assert req.due_date > dt.date(2026, 12, 9)  # the ruling set a new deadline
    # Collaboration: the unjustified refusal is not an answer on time → 0/1 = 0 (weight 15);
    # unjustified refusals: 100 − 50 = 50 (weight 10) → 5; confidentiality 5;
    # total = (0 + 5 + 5) / 30 × 100 = 33.33 — lower than 50.00.
    _recompute_on(q4, dt.date(2026, 12, 9))
    collaboration = _score(q4, world.market, RuleKind.COLLABORATION_ON_TIME)
    assert not collaboration.not_applicable
    assert [r["tag"] for r in collaboration.evidence] == ["refused_unjustified"]
    assert "无正当理由拒绝" in collaboration.explanation
    assert _score(q4, world.market, RuleKind.UNJUSTIFIED_REFUSALS).value == D("50.00")
    assert _total(q4, world.market) == D("33.33")


def test_an_unjustified_refusal_costs_more_than_a_late_answer(world, q4, ruler):
    """Art. 7 forbids both 拒绝 and 拖延; a refusal ruled unjustified weighs more (default scheme).

    区市场监管局 answers three requests on time and one late; 区自然资源局 answers three on time
    and refuses the fourth, ruled unjustified.
    """
    nov30, dec3 = dt.date(2026, 11, 30), dt.date(2026, 12, 3)
    for unit, liaison in ((world.market, world.market_liaison), (world.land, world.land_liaison)):
        for _n in range(3):
            make_answer(
                world,
                CollaborationRequestFactory(
                    actor=world.staff, target_unit=unit, accepted_by=liaison, raised_at=at(nov30)
                ),
                dec3,
                liaison=liaison,
            )
    late = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.market,
        accepted_by=world.market_liaison,
        raised_at=at(nov30),
    )  # due 12-07
    make_answer(world, late, dt.date(2026, 12, 8))
    refused = CollaborationRequestFactory(
        actor=world.staff,
        target_unit=world.land,
        accepted_by=world.land_liaison,
        raised_at=at(dt.date(2026, 11, 30)),
    )
    refuse_unjustified(world, refused, ruler, dt.date(2026, 12, 3), liaison=world.land_liaison)
    make_answer(world, refused, dt.date(2026, 12, 4), liaison=world.land_liaison)  # then answered
    _recompute_on(q4, dt.date(2026, 12, 9))
    # market: collaboration 3/4 = 75 → 15 × 0.75 = 11.25; refusals 100 → 10; confidentiality 5
    #         total = 26.25 / 30 × 100 = 87.50
    # land:   collaboration 3/4 = 75 (the refusal is never on time) → 11.25;
    #         refusals 100 − 50 = 50 → 5; confidentiality 5 → total = 21.25 / 30 × 100 = 70.83
    assert _total(q4, world.market) == D("87.50")
    assert _total(q4, world.land) == D("70.83")


def test_an_objection_disputed_and_left_unanswered_past_its_new_deadline_is_not_on_time(world, q4):
    """objscan: an objection awaiting the provider past its current deadline is overdue."""
    a = DueObligationFactory(
        unit=world.market, due=dt.date(2026, 11, 10), fulfilled_on=dt.date(2026, 11, 9)
    )
    with time_machine.travel(at(dt.date(2026, 12, 1)), tick=False):
        ObjectionFactory(
            submission=SubmissionFactory(obligation=a, version=1, status="confirmed"),
            raised_by=world.land_liaison, status="disputed", answered_at=at(dt.date(2026, 12, 3)),
            first_deadline=dt.date(2026, 12, 4), deadline=dt.date(2026, 12, 11),
        )  # fmt: skip
    _recompute_on(q4, dt.date(2026, 12, 11))  # first answer on time; new round not due yet
    assert _score(q4, world.market, RuleKind.OBJECTION_ANSWERS_ON_TIME).value == D("100.00")
    _recompute_on(q4, dt.date(2026, 12, 14))  # the disputed round is overdue
    answers = _score(q4, world.market, RuleKind.OBJECTION_ANSWERS_ON_TIME)
    assert answers.value == D("0.00")
    assert [r["tag"] for r in answers.evidence] == ["open_overdue"]
    assert answers.evidence[0]["label"].startswith("异议#")
