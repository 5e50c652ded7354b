"""An obligation whose grace period runs over a period's end is scored once, where it is judged.

Seen playing the demo with beat (test_eight_weeks_under_beat): December's data due on 31 December
with a grace period to 5 January was still pending when 2026年第4季度 was judged at its last day,
and left out of 2027年第1季度 because it was due in 2026, so it counted nowhere, on time, late or
never provided. An obligation is judged in the period its grace period ends in, as an objection's
answer is in the period its first deadline falls in and a request in the period it is due
(Art. 22, 25). The real selectors are read (no fakes).
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from assessment.models import Score, UnitResult
from assessment.rules import RuleKind
from assessment.services import period_recompute
from sharing_catalog.models import Obligation, Submission
from tests.factories import DueObligationFactory, PeriodFactory, SubmissionFactory

from .conftest import at

pytestmark = pytest.mark.django_db

DUE, GRACE = dt.date(2026, 12, 31), dt.date(2027, 1, 5)
LOOKED_AT = dt.date(2027, 1, 20)  # Q4 is past (judged at 12-31), Q1 runs (judged today)


@pytest.fixture
def quarters(world):
    q4 = PeriodFactory(actor=world.leader, quarter=4)
    q1 = PeriodFactory(actor=world.leader, year=2027, quarter=1)
    return q4, q1


def _straddling(world, fulfilled_on: dt.date | None) -> Obligation:
    obligation = DueObligationFactory(
        unit=world.market,
        due=DUE,
        grace_until=GRACE,
        fulfilled_on=fulfilled_on,
        status=Obligation.Status.FULFILLED if fulfilled_on else Obligation.Status.OVERDUE,
    )
    assert (obligation.due_date, obligation.grace_until) == (DUE, GRACE)
    return obligation


def _on_time_rate(period, unit) -> Score:
    return Score.objects.get(period=period, unit=unit, indicator__kind=RuleKind.ON_TIME_UPLOAD_RATE)


@pytest.mark.parametrize(
    ("fulfilled_on", "tag", "facts"),
    [
        (dt.date(2027, 1, 4), "on_time", {"due": 1, "on_time": 1}),  # inside the grace period
        (GRACE, "on_time", {"due": 1, "on_time": 1}),  # on its last day
        (dt.date(2027, 1, 8), "late", {"due": 1, "on_time": 0}),
        (None, "overdue_open", {"due": 1, "on_time": 0}),  # never provided
    ],
)
def test_an_obligation_due_at_the_year_end_with_grace_into_january_is_scored_once_in_q1(
    world, quarters, fulfilled_on, tag, facts
):
    # Given December's data due 12-31, its grace period running to 01-05
    q4, q1 = quarters
    obligation = _straddling(world, fulfilled_on)

    # When both quarters are computed on 01-20
    with time_machine.travel(at(LOOKED_AT, 2), tick=False):
        period_recompute(period=q4)
        period_recompute(period=q1)

    # Then the fourth quarter does not count it (its grace period had not ended at 12-31) …
    q4_score = _on_time_rate(q4, world.market)
    assert q4_score.evidence == []
    assert UnitResult.objects.get(period=q4, unit=world.market).facts["obligations_due"] == 0
    # … and the first quarter counts it once, with its standing
    q1_score = _on_time_rate(q1, world.market)
    assert q1_score.facts == facts
    assert [(e["id"], e["tag"]) for e in q1_score.evidence] == [(obligation.pk, tag)]
    assert UnitResult.objects.get(period=q1, unit=world.market).facts["obligations_due"] == 1
    # and the score explains itself down to the item: its name, its month, its deadline
    (ref,) = q1_score.evidence
    assert obligation.item.name in ref["label"]
    assert obligation.period_label in ref["label"]
    assert "截止 2027-01-05" in ref["label"]


def test_on_the_last_day_of_its_grace_an_unprovided_obligation_is_not_counted_yet(world, quarters):
    _q4, q1 = quarters
    _straddling(world, None)
    with time_machine.travel(at(GRACE, 2), tick=False):
        period_recompute(period=q1)
    assert _on_time_rate(q1, world.market).evidence == []
    with time_machine.travel(at(GRACE + dt.timedelta(days=1), 2), tick=False):
        period_recompute(period=q1)
    assert [e["tag"] for e in _on_time_rate(q1, world.market).evidence] == ["overdue_open"]


def test_its_first_upload_is_counted_with_it_in_the_period_it_is_judged_in(world, quarters):
    """The first-pass rate reads the same obligations: its first version counts in Q1 too."""
    q4, q1 = quarters
    obligation = _straddling(world, dt.date(2027, 1, 4))
    first = SubmissionFactory(obligation=obligation, status=Submission.Status.INVALID)
    with time_machine.travel(at(LOOKED_AT, 2), tick=False):
        period_recompute(period=q4)
        period_recompute(period=q1)

    def first_pass(period) -> list:
        score = Score.objects.get(
            period=period, unit=world.market, indicator__kind=RuleKind.FIRST_PASS_RATE
        )
        return [(e["id"], e["tag"]) for e in score.evidence]

    assert first_pass(q4) == []
    assert first_pass(q1) == [(first.pk, "failed")]


def test_the_score_page_names_the_straddling_item(client, world, quarters):
    _q4, q1 = quarters
    obligation = _straddling(world, dt.date(2027, 1, 8))
    with time_machine.travel(at(LOOKED_AT, 2), tick=False):
        period_recompute(period=q1)
        client.force_login(world.leader)
        page = client.get(f"/assessment/scores/{_on_time_rate(q1, world.market).pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert obligation.item.name in body and "截止 2027-01-05" in body
