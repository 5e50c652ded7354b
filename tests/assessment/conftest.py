"""Fixtures: the working group, two units with liaisons, and fake fact sources.

The fakes implement the documented selector interfaces of the other apps, so the scoring rules
and the adapter are tested without those apps' rules (their own tests cover those).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import time_machine

from agencies.roles import Role
from assessment import facts
from collaboration.demo import ensure_matter_types
from collaboration.services import (
    request_answer,
    request_contest,
    request_refuse,
    request_rule,
)
from sharing_catalog.models import Obligation
from tests.factories import (
    PeriodFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)
from zhengxiang_portal.deadlines.asof import Standing


@pytest.fixture
def world(roles):
    bureau = make_tax_bureau()
    leader = WorkingGroupMemberFactory(unit=bureau, leader=True, user__username="wgl").user
    member = WorkingGroupMemberFactory(unit=bureau, user__username="wgm").user
    market = UnitFactory(code="SAMR", name="区市场监管局", short_name="市场监管局")
    land = UnitFactory(code="LAND", name="区自然资源局", short_name="自然资源局")
    return SimpleNamespace(
        bureau=bureau,
        leader=leader,
        member=member,
        market=market,
        market_liaison=make_liaison(market, username="market"),
        land=land,
        land_liaison=make_liaison(land, username="land"),
        staff=UserFactory(unit=bureau, roles=[Role.TAX_STAFF], username="staff"),
    )


@pytest.fixture
def q3(world):
    return PeriodFactory(actor=world.leader)


def fake_obligation_standing(obligation, *, as_of):
    """Stand-in for the catalog's rule: exempt is not counted, else fulfilled by grace_until."""
    if obligation.status == Obligation.Status.EXEMPT:
        return None
    if obligation.fulfilled_at is None:
        return Standing.OVERDUE if obligation.status == Obligation.Status.OVERDUE else None
    return as_of.standing(deadline=obligation.grace_until, done_on=obligation.fulfilled_at.date())


def fake_obligation_list(*, start, end, unit_ids=None):
    qs = Obligation.objects.filter(grace_until__gte=start, grace_until__lte=end).select_related(
        "item"
    )
    if unit_ids is not None:
        qs = qs.filter(item__provider_id__in=list(unit_ids))
    return qs


@dataclass(frozen=True)
class FakeStats:
    received: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    overdue_open: int = 0
    open_overdue: int = 0
    upheld_against: int = 0
    refused_justified: int = 0
    refused_unjustified: int = 0


class FakeRequest:
    """An object shaped like a model instance, for evidence references."""

    class _meta:  # mimics Model._meta
        app_label = "collaboration"
        model_name = "collaborationrequest"

    def __init__(self, pk: int, label: str):
        self.pk = pk
        self.label = label
        self.number = f"XZ-2026-{pk:06d}"
        self.subject = label
        self.requesting_unit = SimpleNamespace(short_name="税务局", name="测试税务局")
        self.due_date = dt.date(2026, 8, 14)

    def __str__(self) -> str:
        return self.label


@pytest.fixture
def fake_sources(monkeypatch):
    """Connect fake obligations / objections / requests sources; submissions stay unconnected.

    Returns a namespace whose `requests` and `objections` dicts the test fills per unit id.
    """
    state = SimpleNamespace(requests={}, objections={}, evidence_calls=[])

    def request_statistics(*, start, end, unit_ids=None, as_of=None):
        return {
            uid: st for uid, st in state.requests.items() if unit_ids is None or uid in unit_ids
        }

    def request_evidence(*, unit_id, start, end, kind, as_of=None):
        state.evidence_calls.append(("request", unit_id, kind))
        st = state.requests[unit_id]
        count = {"on_time": st.answered_on_time, "late": st.answered_late,
                 "overdue_open": st.overdue_open,
                 "refused_unjustified": st.refused_unjustified}[kind]  # fmt: skip
        return [FakeRequest(unit_id * 1000 + i, f"请求 {kind} {i}") for i in range(count)]

    def objection_facts(*, start, end, unit_ids=None, as_of=None):
        return {
            uid: st for uid, st in state.objections.items() if unit_ids is None or uid in unit_ids
        }

    def objection_evidence(*, unit_id, start, end, kind, as_of=None):
        return []

    functions = {
        "obligations": {
            "obligation_list_judged_in": fake_obligation_list,
            "obligation_standing": fake_obligation_standing,
        },
        "objections": {
            "objection_facts": objection_facts,
            "objection_evidence": objection_evidence,
        },
        "requests": {
            "request_statistics": request_statistics,
            "request_evidence": request_evidence,
        },
    }
    monkeypatch.setattr(facts.Source, "functions", lambda self: functions.get(self.key))
    return state


# --- real collaboration requests (for the as-of and recompute tests) ---------------------------

TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A local (Asia/Shanghai) moment on `day`."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


@pytest.fixture
def q4(world):
    ensure_matter_types()
    return PeriodFactory(actor=world.leader, quarter=4)


@pytest.fixture
def ruler(roles):
    """A working-group leader from a unit that is party to none of the requests."""
    office = UnitFactory(code="WGO", name="共治办")
    return WorkingGroupMemberFactory(unit=office, leader=True, user__username="ruler").user


def make_answer(world, req, day: dt.date, *, liaison=None) -> None:
    with time_machine.travel(at(day), tick=False):
        request_answer(req=req, actor=liaison or world.market_liaison, answer="已提供。")


def refuse_unjustified(world, req, ruler, day: dt.date, *, liaison=None) -> None:
    """The unit refuses, the tax bureau contests, the working group rules it unjustified."""
    with time_machine.travel(at(day), tick=False):
        request_refuse(
            req=req, actor=liaison or world.market_liaison, justification="不属于本局职责范围。"
        )
        request_contest(req=req, actor=world.staff, reason="属于贵局登记职责，请继续办理。")
        request_rule(req=req, actor=ruler, justified=False, comment="拒绝理由不成立。")
