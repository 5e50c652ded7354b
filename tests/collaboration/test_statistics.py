"""Statistics for the assessment (Art. 25): numbers per target unit and period, and evidence."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from collaboration.selectors import RequestStats, request_evidence, request_statistics
from collaboration.services import (
    request_accept,
    request_answer,
    request_contest,
    request_refuse,
    request_rule,
    request_withdraw,
)

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ)


@pytest.fixture
def november(world, make_request):
    """Six requests to 市场监管局 due in November 2026, one to another unit, in every outcome."""
    liaison = world.market_liaison
    made = {}
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):  # all due Mon 11-09
        for name in ["on_time", "late", "overdue", "justified", "unjustified", "withdrawn"]:
            made[name] = make_request(subject=name)
        made["other"] = make_request(target_unit=world.other, subject="other")
        for name in ["on_time", "late", "overdue"]:
            request_accept(req=made[name], actor=liaison)
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        request_answer(req=made["on_time"], actor=liaison, answer="按期答复")  # 3 working days
        for name in ["justified", "unjustified"]:
            request_refuse(
                req=made[name], actor=liaison, justification="不属于本局职责范围的事项。"
            )
            request_contest(req=made[name], actor=world.staff, reason="属于贵局职责，请继续办理。")
        request_rule(req=made["justified"], actor=world.wg, justified=True, comment="理由成立")
        request_rule(req=made["unjustified"], actor=world.wg, justified=False, comment="不成立")
        request_withdraw(req=made["withdrawn"], actor=world.staff)
    with time_machine.travel(at(D(2026, 11, 12)), tick=False):
        request_answer(req=made["late"], actor=liaison, answer="逾期答复")  # 8 working days
    return made


def test_request_statistics_counts_each_outcome(world, november):
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        stats = request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30))
    # "unjustified" went back to the unit with a new deadline (11-12) — still in November; it
    # counts once, as an unjustified refusal (never on time), not also as overdue.
    assert stats[world.market.pk] == RequestStats(
        received=5,
        answered_on_time=1,
        answered_late=1,
        overdue_open=1,
        refused_justified=1,
        refused_unjustified=1,
        avg_working_days_to_answer=5.5,
    )
    assert stats[world.other.pk].received == 1


def test_statistics_by_due_date_window_and_unit_filter(world, november):
    assert request_statistics(start=D(2026, 12, 1), end=D(2026, 12, 31)) == {}
    only = request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30), unit_ids=[world.other.pk])
    assert list(only) == [world.other.pk]


def test_statistics_run_in_one_query(world, november, django_assert_num_queries):
    with django_assert_num_queries(1):
        request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("received", {"on_time", "late", "overdue", "justified", "unjustified"}),
        ("on_time", {"on_time"}),
        ("late", {"late"}),
        ("overdue_open", {"overdue"}),
        ("refused_unjustified", {"unjustified"}),
    ],
)
def test_request_evidence_lists_the_requests_behind_each_number(world, november, kind, expected):
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        qs = request_evidence(
            unit_id=world.market.pk, start=D(2026, 11, 1), end=D(2026, 11, 30), kind=kind
        )
        assert {r.subject for r in qs} == expected


def test_unknown_evidence_kind_is_an_error(world):
    with pytest.raises(ValueError):
        request_evidence(unit_id=1, start=D(2026, 1, 1), end=D(2026, 12, 31), kind="bogus")
