"""Reminder, overdue notice and escalation: each exactly once, with a frozen clock (Art. 7)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collaboration.models import CollaborationRequest, Status, TimelineEntry
from collaboration.services import (
    extension_decide,
    request_accept,
    request_ask_clarification,
    request_ask_extension,
    request_deadline_scan,
)
from collaboration.services.scan import request_deadline_scan as scan_now
from collaboration.tasks import deadline_scan_task
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.scan import ScanDays
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


def keys(user) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=user, kind__startswith="collaboration_").values_list(
            "key", flat=True
        )
    )


@pytest.fixture
def due_nov_9(world):
    """Submitted Mon 2026-11-02 (5 working days) → due Mon 2026-11-09; accepted."""
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        return request_accept(req=req, actor=world.market_liaison)


def test_the_escalation_cutoff_walks_back_over_weekends_and_holidays():
    cal = WorkingCalendar(overrides={})
    # Thu 11-12 minus 3 working days (11-12, 11-11, 11-10) → anything due on or before Mon 11-09.
    assert ScanDays(D(2026, 11, 12), cal).reached(3) == D(2026, 11, 9)
    # Across National Day: 10-09 (Fri) back 3 → 10-09, 10-08, 09-30 → due ≤ 09-29.
    assert ScanDays(D(2026, 10, 9), cal).reached(3) == D(2026, 9, 29)


def test_reminder_two_working_days_before_then_overdue_then_escalation_each_once(
    world, due_nov_9, django_capture_on_commit_callbacks
):
    def request_deadline_scan():  # run the mail tasks queued at commit, as a worker would
        with django_capture_on_commit_callbacks(execute=True):
            return scan_now()

    req = due_nov_9
    pk = req.pk
    mail.outbox.clear()
    # Wed 11-04: due in 3 working days → nothing yet.
    with time_machine.travel(at(D(2026, 11, 4)), tick=False):
        assert request_deadline_scan().reminded == 0
    # Thu 11-05: due within 2 working days (11-06, 11-09) → reminder to the assignee, once.
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        first = request_deadline_scan()
        second = request_deadline_scan()  # beat fires twice
    assert (first.reminded, second.reminded) == (1, 0)
    assert keys(world.market_liaison) == [f"request:{pk}:remind:1"]
    assert len([m for m in mail.outbox if "将于" in m.subject]) == 1
    # Mon 11-09 is the due day: not overdue yet.
    with time_machine.travel(at(D(2026, 11, 9)), tick=False):
        assert request_deadline_scan().overdue == 0
    # Tue 11-10, the day after: overdue notice to the assignee and the primary liaison.
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        assert request_deadline_scan().overdue == 1
        assert request_deadline_scan().overdue == 0
        assert request_deadline_scan().escalated == 0
    assert f"request:{pk}:overdue:1" in keys(world.market_liaison)
    # Escalation after 3 further working days: 11-10, 11-11, 11-12 → Thu 11-12.
    with time_machine.travel(at(D(2026, 11, 11)), tick=False):
        assert request_deadline_scan().escalated == 0
    with time_machine.travel(at(D(2026, 11, 12)), tick=False):
        assert request_deadline_scan().escalated == 1
        assert request_deadline_scan().escalated == 0
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        again = request_deadline_scan()
    assert (again.reminded, again.overdue, again.escalated) == (0, 0, 0)
    assert keys(world.wg) == [f"request:{pk}:escalate:1"]
    assert (
        Notification.objects.filter(key__startswith=f"request:{pk}:")
        .exclude(kind="collaboration")
        .count()
        == 3
    )
    escalations = [m for m in mail.outbox if "上报工作组" in m.subject]
    assert len(escalations) == 1 and escalations[0].to == [world.wg.email]
    timeline = list(
        TimelineEntry.objects.filter(request_id=pk, actor__isnull=True).values_list(
            "action", flat=True
        )
    )
    assert timeline == ["remind", "overdue", "escalate"]
    req.refresh_from_db()
    assert req.reminded_at and req.overdue_notified_at and req.escalated_at


def test_each_kind_of_state_change_writes_its_ledger_entry_naming_the_requests(world, due_nov_9):
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        scan_now()
        scan_now()  # nothing left: no second entry
    entries = LedgerEntry.objects.filter(
        action=LedgerAction.REQUEST, details__event="deadline_scan"
    )
    assert [(e.details["kind"], e.details["request_ids"]) for e in entries.order_by("seq")] == [
        ("overdue", [due_nov_9.pk])
    ]


def test_overdue_notice_goes_to_assignee_and_primary_liaison(world):
    from tests.factories import make_liaison

    assignee = make_liaison(world.market, primary=False, username="deputy")
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, assignee=assignee
        )
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        request_deadline_scan()
    assert f"request:{req.pk}:overdue:1" in keys(assignee)
    assert f"request:{req.pk}:overdue:1" in keys(world.market_liaison)


def test_settings_are_read_at_call_time(world, due_nov_9, settings):
    settings.COLLAB_REMIND_WORKING_DAYS = 5
    with time_machine.travel(
        at(
            D(
                2026,
                11,
                2,
            ),
            15,
        ),
        tick=False,
    ):
        assert request_deadline_scan().reminded == 1
    settings.COLLAB_ESCALATE_WORKING_DAYS = 1
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        result = request_deadline_scan()
    assert (result.overdue, result.escalated) == (1, 1)


def test_paused_request_is_neither_reminded_nor_overdue(world, due_nov_9):
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        request_ask_clarification(req=due_nov_9, actor=world.market_liaison, question="请补充代码")
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        result = request_deadline_scan()
    assert (result.reminded, result.overdue, result.escalated) == (0, 0, 0)


def test_answered_request_is_not_chased(world, due_nov_9):
    from collaboration.services import request_answer

    request_answer(req=due_nov_9, actor=world.market_liaison, answer="已答复")
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        result = request_deadline_scan()
    assert (result.reminded, result.overdue, result.escalated) == (0, 0, 0)


def test_approved_extension_is_reminded_again_at_a_new_level(world, due_nov_9):
    pk = due_nov_9.pk
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        request_deadline_scan()
        ext = request_ask_extension(
            req=due_nov_9, actor=world.market_liaison, reason="调档", new_due_date=D(2026, 11, 20)
        )
        extension_decide(ext=ext, actor=world.staff, approve=True)
    with time_machine.travel(at(D(2026, 11, 18)), tick=False):
        assert request_deadline_scan().reminded == 1
    assert keys(world.market_liaison) == [f"request:{pk}:remind:1", f"request:{pk}:remind:2"]


def test_case_transfer_without_outcome_escalates_like_any_request(world):
    with time_machine.travel(at(D(2026, 9, 1)), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.police, matter_type=world.mt("case-transfer")
        )
        request_accept(req=req, actor=world.police_liaison)
    req.refresh_from_db()
    cal = WorkingCalendar()
    escalate_day = cal.add_working_days(req.due_date, 3)
    with time_machine.travel(at(escalate_day), tick=False):
        result = request_deadline_scan()
    assert result.escalated == 1
    assert f"request:{req.pk}:escalate:1" in keys(world.wg)
    assert f"request:{req.pk}:overdue:1" in keys(world.police_liaison)


def test_a_claimed_row_is_not_sent_again_and_a_crash_rolls_back_the_claim(
    world, due_nov_9, monkeypatch
):
    from collaboration.services import scan

    def boom(messages):
        raise RuntimeError("worker died")

    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        monkeypatch.setattr(scan, "notify_many", boom)
        with pytest.raises(RuntimeError):
            request_deadline_scan()
        assert CollaborationRequest.objects.get(pk=due_nov_9.pk).reminded_at is None
        monkeypatch.undo()
        assert request_deadline_scan().reminded == 1
        assert request_deadline_scan().reminded == 0
    assert keys(world.market_liaison) == [f"request:{due_nov_9.pk}:remind:1"]


def test_task_runs_the_scan(world, due_nov_9):
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        assert deadline_scan_task() == {
            "reminded": 0,
            "overdue": 1,
            "escalated": 0,
            "notifications": 1,
        }


def test_scan_query_count_does_not_grow_with_the_number_of_requests(world):
    def run_with(n: int) -> int:
        CollaborationRequest.objects.all().delete()
        with time_machine.travel(at(D(2026, 11, 2)), tick=False):
            for _ in range(n):
                CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        # Everything due for all three kinds at once.
        CollaborationRequest.objects.update(due_date=D(2026, 11, 3))
        with (
            time_machine.travel(at(D(2026, 11, 20)), tick=False),
            CaptureQueriesContext(connection) as ctx,
        ):
            result = request_deadline_scan()
        assert result.overdue == n and result.escalated == n
        return len(ctx.captured_queries)

    run_with(1)  # warm the per-process caches (content types, calendar overrides)
    assert run_with(2) == run_with(12) == run_with(30)


def test_status_list_of_the_scan_excludes_closed_states(world):
    from collaboration.services import request_withdraw

    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        request_withdraw(req=req, actor=world.staff)
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        result = request_deadline_scan()
    assert result.overdue == 0
    assert CollaborationRequest.objects.get(pk=req.pk).status == Status.WITHDRAWN


def test_a_full_batch_leaves_the_rest_for_the_next_run(world, settings):
    settings.COLLAB_SCAN_BATCH_SIZE = 2
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        for _ in range(3):
            CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        first = request_deadline_scan()
        second = request_deadline_scan()
        third = request_deadline_scan()
    assert (first.overdue, first.more) == (2, True)
    assert (second.overdue, second.more) == (1, False)
    assert third.overdue == 0


def test_task_runs_again_when_the_batch_was_full(world, settings, monkeypatch):
    from collaboration import tasks

    settings.COLLAB_SCAN_BATCH_SIZE = 1
    sent = []
    monkeypatch.setattr(tasks, "send_task_now", lambda task, **kw: sent.append(task.name))
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        tasks.deadline_scan_task()
    assert sent == ["collaboration.deadline_scan"]


# --- who is told (issue 14: notices reached nobody) ------------------------------------------


def test_a_request_to_the_tax_bureau_without_assignee_reminds_its_tax_staff(world):
    # Given a unit's request to the tax bureau, which has no liaison and no assignee named
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(
            actor=world.market_liaison, requesting_unit=world.market, target_unit=world.bureau
        )
    # When the scan runs two working days before the deadline
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        assert request_deadline_scan().reminded == 1
    # Then the bureau's tax staff are reminded, and the timeline says who was told
    assert keys(world.staff) == keys(world.staff2) == [f"request:{req.pk}:remind:1"]
    entry = TimelineEntry.objects.get(request=req, action="remind")
    assert entry.details["told"] == ["staff", "staff2"]
    assert entry.details["who"] == f"测试税务局 {world.staff.full_name}、{world.staff2.full_name}"


def test_a_unit_with_nobody_active_has_its_reminder_go_to_the_working_group(world):
    from agencies.models import Liaison

    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    Liaison.objects.filter(unit=world.market).update(is_active=False)
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        request_deadline_scan()
    assert keys(world.wg) == [f"request:{req.pk}:remind:1"]
    entry = TimelineEntry.objects.get(request=req, action="remind")
    assert entry.details["fell_back"] is True
    assert "区市场监管局无在岗人员" in entry.details["who"]


def test_a_reminder_nobody_can_receive_is_recorded_as_such(world, caplog):
    from agencies.models import Liaison, WorkingGroupMember

    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    Liaison.objects.filter(unit=world.market).update(is_active=False)
    WorkingGroupMember.objects.all().delete()
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        assert request_deadline_scan().notifications == 0
    entry = TimelineEntry.objects.get(request=req, action="remind")
    assert entry.details["told"] == []
    assert entry.details["who"].startswith("无人可通知")
    assert "reached nobody" in caplog.text
