"""Waits on someone other than the asked unit are reminded too (Art. 7: 不得拖延; DESIGN flow 8).

The requester decides an extension, answers a request for clarification and closes an answered
request; the working group rules on a contested refusal. Each is reminded by the deadline scan,
once per key, and an extension still undecided on the due date goes to the working group.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from collaboration.models import Status, TimelineEntry
from collaboration.services import (
    request_answer,
    request_answer_clarification,
    request_ask_clarification,
    request_ask_extension,
    request_contest,
    request_deadline_scan,
    request_refuse,
)
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.notifications.models import Notification

from .test_scan import at, keys

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def due_nov_9(world):
    """Submitted Mon 2026-11-02 (5 working days) → due Mon 2026-11-09; accepted."""
    from collaboration.services import request_accept

    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        return request_accept(req=req, actor=world.market_liaison)


def scan_on(day: dt.date, times: int = 2) -> None:
    """Run the scan on `day`, twice: beat firing twice sends nothing more."""
    with time_machine.travel(at(day), tick=False):
        for _ in range(times):
            request_deadline_scan()


def wait_keys(user) -> list[str]:
    return [k for k in keys(user) if ":wait_" in k]


def test_an_undecided_extension_reminds_the_requester_then_goes_to_the_group_on_the_due_day(
    world, due_nov_9
):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        ext = request_ask_extension(
            req=req, actor=world.market_liaison, reason="需调档", new_due_date=D(2026, 11, 20)
        )
    prefix = f"request:{req.pk}:wait_extension:{ext.pk}"
    # Tue 11-03, the day it is asked: the requester was told by the step itself
    scan_on(D(2026, 11, 3))
    assert wait_keys(world.staff) == []
    # Wed 11-04, a working day later: the requester is reminded to decide
    scan_on(D(2026, 11, 4))
    assert wait_keys(world.staff) == [f"{prefix}:remind:asked"]
    # Thu 11-05: the current due date is within 2 working days: reminded again, once
    scan_on(D(2026, 11, 5))
    scan_on(D(2026, 11, 6))
    assert wait_keys(world.staff) == [f"{prefix}:remind:asked", f"{prefix}:remind:due"]
    assert wait_keys(world.wg) == []
    # Mon 11-09, the due date, still undecided: the working group hears of it
    scan_on(D(2026, 11, 9))
    assert wait_keys(world.wg) == [f"{prefix}:escalate"]
    scan_on(D(2026, 11, 10))
    assert wait_keys(world.wg) == [f"{prefix}:escalate"]
    body = Notification.objects.get(recipient=world.wg, key=f"{prefix}:escalate").body
    assert "2026-11-20" in body and "2026-11-09" in body
    # each is on the timeline, saying who was told
    entries = TimelineEntry.objects.filter(request=req, details__wait="extension")
    assert sorted(e.details["key"] for e in entries) == sorted(
        [f"{prefix}:remind:asked", f"{prefix}:remind:due", f"{prefix}:escalate"]
    )
    assert all(e.details["told"] for e in entries)


def test_the_asked_units_notices_say_an_extension_is_pending_and_still_counts_late(
    world, due_nov_9
):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_ask_extension(
            req=req, actor=world.market_liaison, reason="需调档", new_due_date=D(2026, 11, 20)
        )
    for day in (D(2026, 11, 5), D(2026, 11, 10), D(2026, 11, 12)):
        scan_on(day, times=1)
    pending = "已申请延期至 2026-11-20，待请求方审批"
    for kind in ("remind", "overdue"):
        body = Notification.objects.get(
            recipient=world.market_liaison, key=f"request:{req.pk}:{kind}:1"
        ).body
        assert pending in body, kind
    overdue = Notification.objects.get(
        recipient=world.market_liaison, key=f"request:{req.pk}:overdue:1"
    ).body
    assert "逾期计入考核" in overdue
    escalated = Notification.objects.get(recipient=world.wg, key=f"request:{req.pk}:escalate:1")
    assert pending in escalated.body


def test_a_request_awaiting_clarification_reminds_the_requester_every_five_working_days(
    world, due_nov_9
):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_ask_clarification(req=req, actor=world.market_liaison, question="请补充信用代码")
    prefix = f"request:{req.pk}:wait_clarification:2026-11-03"
    scan_on(D(2026, 11, 9))  # 4 working days
    assert wait_keys(world.staff) == []
    scan_on(D(2026, 11, 10))  # 5 working days: 11-04 … 11-10
    assert wait_keys(world.staff) == [f"{prefix}:1"]
    scan_on(D(2026, 11, 16))
    scan_on(D(2026, 11, 17))  # 10 working days
    assert wait_keys(world.staff) == [f"{prefix}:1", f"{prefix}:2"]
    assert wait_keys(world.market_liaison) == []  # the asked unit is not chased for this
    # once answered, the reminders stop
    with time_machine.travel(at(D(2026, 11, 18)), tick=False):
        request_answer_clarification(req=req, actor=world.staff, clarification="代码见附件")
    scan_on(D(2026, 11, 24))
    assert wait_keys(world.staff) == [f"{prefix}:1", f"{prefix}:2"]


def test_the_wait_reminder_interval_is_a_setting(world, due_nov_9, settings):
    settings.COLLAB_WAIT_REMIND_WORKING_DAYS = 2
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_ask_clarification(req=req, actor=world.market_liaison, question="请补充信用代码")
    scan_on(D(2026, 11, 5))
    assert wait_keys(world.staff) == [f"request:{req.pk}:wait_clarification:2026-11-03:1"]


def test_a_contested_refusal_reminds_the_working_group_with_the_ruling_date(world, due_nov_9):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_refuse(
            req=req, actor=world.market_liaison, justification="该事项不属本单位职责范围"
        )
        request_contest(req=req, actor=world.staff, reason="该事项属贵单位登记职责，理由不成立")
    scan_on(D(2026, 11, 9))
    assert wait_keys(world.wg) == []
    scan_on(D(2026, 11, 10))  # 5 working days waiting
    prefix = f"request:{req.pk}:wait_ruling:2026-11-03"
    assert wait_keys(world.wg) == [f"{prefix}:1"]
    body = Notification.objects.get(recipient=world.wg, key=f"{prefix}:1").body
    # COLLAB_RULING_WORKING_DAYS = 10: 11-04 … 11-17
    assert "2026-11-17" in body
    assert wait_keys(world.staff) == [] and wait_keys(world.market_liaison) == []


def test_a_refusal_nobody_contests_is_not_chased(world, due_nov_9):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_refuse(
            req=req, actor=world.market_liaison, justification="该事项不属本单位职责范围"
        )
    scan_on(D(2026, 11, 20))
    assert [wait_keys(u) for u in (world.staff, world.wg, world.market_liaison)] == [[], [], []]


def test_an_answered_request_not_closed_reminds_the_requester_weekly(world, due_nov_9):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_answer(req=req, actor=world.market_liaison, answer="已核实，见附件")
    prefix = f"request:{req.pk}:wait_acceptance:2026-11-03"
    scan_on(D(2026, 11, 9))
    assert wait_keys(world.staff) == []
    scan_on(D(2026, 11, 10))
    assert wait_keys(world.staff) == [f"{prefix}:1"]
    req.refresh_from_db()
    assert req.status == Status.ANSWERED  # no auto-close: the requester closes


def test_a_wait_nobody_can_be_told_of_is_recorded_as_such(world, due_nov_9, caplog):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_refuse(
            req=req, actor=world.market_liaison, justification="该事项不属本单位职责范围"
        )
        request_contest(req=req, actor=world.staff, reason="该事项属贵单位登记职责，理由不成立")
    world.wg.is_active = False
    world.wg.save(update_fields=["is_active"])
    scan_on(D(2026, 11, 10))
    entry = TimelineEntry.objects.get(request=req, details__wait="ruling")
    assert entry.details["told"] == [] and "无人可通知" in entry.details["who"]
    assert "reached nobody" in caplog.text


def test_the_timeline_says_what_a_wait_reminder_was_about(client, world, due_nov_9):
    req = due_nov_9
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_answer(req=req, actor=world.market_liaison, answer="已核实，见附件")
    scan_on(D(2026, 11, 10))
    client.force_login(world.staff)
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert "到期提醒：已答复，待请求方办结" in page
