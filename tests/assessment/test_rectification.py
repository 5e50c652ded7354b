"""Rectification orders (责令改正, Art. 28): issue, answer, close or escalate, remind, overdue."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from assessment.models import RectificationOrder
from assessment.permissions import order_actions
from assessment.services import (
    order_answer,
    order_decide,
    order_failure_for,
    order_issue,
    orders_scan,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db

# Friday 2026-09-25; 10 working days later skips the National Day holiday (Oct 1-7) and
# counts the make-up workday Saturday 2026-10-10: Sep 28, 29, 30, Oct 8, 9, 10, 12, 13, 14, 15.
ISSUE_DAY = dt.datetime(2026, 9, 25, 9, tzinfo=dt.UTC)


def _issue(world, **kwargs):
    defaults = dict(
        actor=world.leader,
        unit=world.market,
        failure=RectificationOrder.Failure.NOT_PROVIDING_DATA,
        facts="三季度登记数据逾期未报送。",
        requirement="补报逾期数据并说明原因。",
        working_days=10,
        evidence=[{"ct": "sharing_catalog.obligation", "id": 7, "label": "SAMR 2026-08", "url": "",
                   "tag": "overdue_open"}],
        today=ISSUE_DAY.date(),
    )  # fmt: skip
    defaults.update(kwargs)
    return order_issue(**defaults)


def _keys(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_issue_sets_a_working_day_deadline_attaches_facts_notifies_and_ledgers(world):
    order = _issue(world)
    assert order.status == RectificationOrder.Status.OPEN
    assert order.due_date == dt.date(2026, 10, 15)
    assert order.evidence[0]["id"] == 7
    assert _keys(world.market_liaison) == [f"rectification:{order.pk}:issued"]
    assert _keys(world.land_liaison) == []
    entry = LedgerEntry.objects.filter(action=LedgerAction.RECTIFICATION).get()
    assert entry.unit == world.market and entry.details["event"] == "issue"


def test_only_the_working_group_issues_orders(world):
    with pytest.raises(PermissionDenied):
        _issue(world, actor=world.market_liaison)
    with pytest.raises(PermissionDenied):
        _issue(world, actor=world.staff)


def test_an_order_needs_facts_and_a_sane_deadline(world):
    with pytest.raises(ApplicationError) as err:
        _issue(world, facts=" ")
    assert err.value.code == "facts_required"
    with pytest.raises(ApplicationError) as err:
        _issue(world, working_days=0)
    assert err.value.code == "invalid_deadline"


def test_the_units_liaison_answers_then_the_working_group_closes(world):
    order = _issue(world)
    order_answer(
        actor=world.market_liaison, order=order, correction="已补报 8 月数据，指定专人负责。"
    )
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ANSWERED
    assert any(k.startswith(f"rectification:{order.pk}:answered") for k in _keys(world.leader))
    order_decide(actor=world.leader, order=order, decision="close", note="已核实。")
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED
    events = list(
        LedgerEntry.objects.filter(action=LedgerAction.RECTIFICATION)
        .order_by("seq")
        .values_list("details__event", flat=True)
    )
    assert events == ["issue", "answer", "close"]
    with pytest.raises(ApplicationError):
        order_answer(actor=world.market_liaison, order=order, correction="再次反馈内容")


def test_another_units_liaison_cannot_answer(world):
    order = _issue(world)
    with pytest.raises(PermissionDenied):
        order_answer(actor=world.land_liaison, order=order, correction="不是我的单位")


def test_an_unanswered_order_cannot_be_closed_but_can_be_escalated_with_a_reason(world):
    order = _issue(world)
    with pytest.raises(ApplicationError) as err:
        order_decide(actor=world.leader, order=order, decision="close")
    assert err.value.code == "not_answered"
    with pytest.raises(ApplicationError) as err:
        order_decide(actor=world.leader, order=order, decision="escalate", note="")
    assert err.value.code == "note_required"
    order_decide(
        actor=world.leader, order=order, decision="escalate", note="逾期未整改，提请问责。"
    )
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ESCALATED
    with pytest.raises(PermissionDenied):
        order_decide(actor=world.market_liaison, order=order, decision="close")


def _counts(result):
    return (result.reminded, result.overdue)


def test_scan_reminds_before_and_flags_overdue_each_once(world):
    order = _issue(world)  # due 2026-10-15; reminded 2 working days before
    liaison_keys = lambda: [k for k in _keys(world.market_liaison) if "issued" not in k]  # noqa: E731
    assert _counts(orders_scan(today=dt.date(2026, 10, 12))) == (0, 0)
    assert _counts(orders_scan(today=dt.date(2026, 10, 13))) == (1, 0)
    assert _counts(orders_scan(today=dt.date(2026, 10, 14))) == (0, 0)
    assert _counts(orders_scan(today=dt.date(2026, 10, 15))) == (0, 0)
    assert liaison_keys() == [f"rectification:{order.pk}:reminder"]
    with time_machine.travel(dt.datetime(2026, 10, 16, 9, tzinfo=dt.UTC)):
        assert _counts(orders_scan()) == (0, 1)
        assert _counts(orders_scan()) == (0, 0)
    assert liaison_keys() == [
        f"rectification:{order.pk}:overdue",
        f"rectification:{order.pk}:reminder",
    ]
    assert f"rectification:{order.pk}:overdue" in _keys(world.leader)


def test_an_answered_order_is_not_chased(world):
    order = _issue(world)
    order_answer(actor=world.market_liaison, order=order, correction="已整改完毕并报送。")
    assert _counts(orders_scan(today=dt.date(2026, 10, 30))) == (0, 0)


def test_an_order_to_a_unit_with_nobody_active_reaches_the_working_group_and_says_so(world):
    # Given a unit with no liaison and no leader account (issue 14: 27 demo units)
    from tests.factories import UnitFactory

    orphan = UnitFactory(name="区医保局")
    # When an order is issued to it
    order = _issue(world, unit=orphan)
    # Then the working group is told at once, the subject names the order, the ledger says who
    notice = Notification.objects.get(
        recipient=world.leader, key=f"rectification:{order.pk}:issued"
    )
    assert f"#{order.pk}" in notice.subject
    assert _keys(world.member) == [f"rectification:{order.pk}:issued"]
    entry = LedgerEntry.objects.get(action=LedgerAction.RECTIFICATION, details__event="issue")
    assert entry.details["fell_back"] is True
    assert sorted(entry.details["told"]) == ["wgl", "wgm"]
    assert "区医保局无在岗人员" in entry.details["who"]


def test_a_reminder_records_who_was_told(world):
    order = _issue(world)
    with time_machine.travel(dt.datetime(2026, 10, 13, 9, tzinfo=dt.UTC), tick=False):
        assert orders_scan().reminded == 1
    entry = LedgerEntry.objects.get(action=LedgerAction.RECTIFICATION, details__event="reminder")
    assert entry.details["told"] == ["market"]
    assert _keys(world.market_liaison) == [
        f"rectification:{order.pk}:issued",
        f"rectification:{order.pk}:reminder",
    ]


@pytest.mark.parametrize(
    ("kind", "failure"),
    [
        ("on_time_upload_rate", RectificationOrder.Failure.NOT_PROVIDING_DATA),
        ("first_pass_rate", RectificationOrder.Failure.NOT_PROVIDING_DATA),
        ("objections_upheld", RectificationOrder.Failure.NOT_PROVIDING_DATA),
        ("objection_answers_on_time", RectificationOrder.Failure.NOT_PROVIDING_DATA),
        ("confidentiality_breaches", RectificationOrder.Failure.CONFIDENTIALITY),
        ("collaboration_on_time", RectificationOrder.Failure.NOT_COOPERATING),
        ("unjustified_refusals", RectificationOrder.Failure.NOT_COOPERATING),
        ("manual", RectificationOrder.Failure.NOT_COOPERATING),
    ],
)
def test_an_order_on_a_score_names_the_failure_its_indicator_measures(kind, failure):
    assert order_failure_for(kind) == failure


def test_the_order_page_offers_each_side_only_its_own_steps(world):
    order = _issue(world)
    assert order_actions(world.market_liaison, order) == {"answer"}
    assert order_actions(world.land_liaison, order) == set()
    assert order_actions(world.leader, order) == {"decide"}
    order_decide(actor=world.leader, order=order, decision="escalate", note="逾期未反馈。")
    order.refresh_from_db()
    assert order_actions(world.market_liaison, order) == set()
    assert order_actions(world.leader, order) == {"accountability"}
