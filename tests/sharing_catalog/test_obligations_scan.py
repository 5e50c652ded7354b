"""Reminders, overdue marking and escalation: each notice once, state in the database.

The item is monthly, due 5 working days after the period ends, grace 2 working days.
November 2026 → due Mon 7 Dec, grace until Wed 9 Dec; escalation after 3 more working days
(Thu 10, Fri 11, Mon 14 Dec), i.e. from Tue 15 Dec.
"""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from sharing_catalog.models import Obligation
from sharing_catalog.selectors.obligations import obligation_on_time
from sharing_catalog.services.catalog import catalog_item_retire
from sharing_catalog.services.obligations import (
    obligation_mark_fulfilled,
    obligation_mark_submitted,
    obligations_scan,
)
from sharing_catalog.tasks import scan_obligations_task
from tests.factories import (
    CatalogItemViaServicesFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
)
from tests.sharing_catalog.catalog_helpers import at
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def setting(roles):
    wg = WorkingGroupMemberFactory().user
    leader = WorkingGroupMemberFactory(leader=True).user
    provider = UnitFactory(name="区人社局")
    primary = make_liaison(provider, primary=True)
    deputy = make_liaison(provider, primary=False)
    head = UserFactory(unit=provider)
    provider.leader_user = head
    provider.save()
    with time_machine.travel(at(2026, 11, 10), tick=False):
        item = CatalogItemViaServicesFactory(actor=wg, provider=provider)
    obligation = Obligation.objects.get(item=item, period_start=D(2026, 11, 1))
    assert (obligation.due_date, obligation.grace_until) == (D(2026, 12, 7), D(2026, 12, 9))
    return {
        "wg": [wg, leader],
        "primary": primary,
        "deputy": deputy,
        "head": head,
        "item": item,
        "obligation": obligation,
    }


def _scan(when, django_capture_on_commit_callbacks):
    with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
        return obligations_scan()


def _keys(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_no_reminder_four_working_days_before_the_due_date(
    setting, django_capture_on_commit_callbacks
):
    result = _scan(at(2026, 12, 1), django_capture_on_commit_callbacks)
    assert result.reminded == 0
    assert not Notification.objects.exists()


def test_reminder_reaches_every_liaison_once_even_when_the_scan_runs_twice(
    setting, django_capture_on_commit_callbacks
):
    obligation = setting["obligation"]
    first = _scan(at(2026, 12, 2), django_capture_on_commit_callbacks)
    second = _scan(at(2026, 12, 2, 9), django_capture_on_commit_callbacks)
    third = _scan(at(2026, 12, 3), django_capture_on_commit_callbacks)
    assert (first.reminded, second.reminded, third.reminded) == (1, 0, 0)
    key = f"obligation:{obligation.pk}:reminder"
    assert _keys(setting["primary"]) == [key]
    assert _keys(setting["deputy"]) == [key]
    assert _keys(setting["head"]) == []
    assert len(mail.outbox) == 2
    assert "2026-12-07" in mail.outbox[0].subject
    obligation.refresh_from_db()
    assert obligation.reminded_at == at(2026, 12, 2)
    assert obligation.status == Obligation.Status.OPEN


def test_the_reminder_window_is_read_from_settings_at_call_time(
    setting, settings, django_capture_on_commit_callbacks
):
    settings.OBLIGATION_REMIND_WORKING_DAYS = 5
    assert _scan(at(2026, 11, 30), django_capture_on_commit_callbacks).reminded == 1


def test_overdue_after_the_grace_period_tells_the_liaisons_and_the_leader_once(
    setting, django_capture_on_commit_callbacks
):
    obligation = setting["obligation"]
    assert _scan(at(2026, 12, 9, 23), django_capture_on_commit_callbacks).overdue == 0
    first = _scan(at(2026, 12, 10), django_capture_on_commit_callbacks)
    second = _scan(at(2026, 12, 10, 12), django_capture_on_commit_callbacks)
    assert (first.overdue, second.overdue) == (1, 0)
    obligation.refresh_from_db()
    assert obligation.status == Obligation.Status.OVERDUE
    assert obligation.overdue_at == at(2026, 12, 10)
    key = f"obligation:{obligation.pk}:overdue"
    assert key in _keys(setting["primary"])
    assert key in _keys(setting["head"])
    # One rule for every event (issue 14): all the unit's active liaisons, not the primary alone.
    assert key in _keys(setting["deputy"])
    assert first.escalated == 0


def test_escalation_to_the_working_group_after_three_more_working_days_once(
    setting, django_capture_on_commit_callbacks
):
    obligation = setting["obligation"]
    _scan(at(2026, 12, 10), django_capture_on_commit_callbacks)
    assert _scan(at(2026, 12, 14, 18), django_capture_on_commit_callbacks).escalated == 0
    assert _scan(at(2026, 12, 15), django_capture_on_commit_callbacks).escalated == 1
    with time_machine.travel(at(2026, 12, 16), tick=False):
        assert scan_obligations_task() == {"reminded": 0, "overdue": 0, "escalated": 0}
    key = f"obligation:{obligation.pk}:escalation"
    for member in setting["wg"]:
        assert _keys(member) == [key]
    assert Notification.objects.filter(key=key).count() == 2
    obligation.refresh_from_db()
    assert obligation.escalated_at == at(2026, 12, 15)


def test_escalation_days_come_from_settings(setting, settings, django_capture_on_commit_callbacks):
    settings.OBLIGATION_ESCALATE_WORKING_DAYS = 1
    _scan(at(2026, 12, 10), django_capture_on_commit_callbacks)
    assert _scan(at(2026, 12, 11), django_capture_on_commit_callbacks).escalated == 1


def test_exempt_obligations_are_never_reminded_marked_or_escalated(
    setting, django_capture_on_commit_callbacks
):
    obligation = setting["obligation"]
    Obligation.objects.filter(pk=obligation.pk).update(status=Obligation.Status.EXEMPT)
    for day in (at(2026, 12, 2), at(2026, 12, 10), at(2026, 12, 20)):
        result = _scan(day, django_capture_on_commit_callbacks)
        assert (result.reminded, result.overdue, result.escalated) == (0, 0, 0)
    assert not Notification.objects.exists()
    obligation.refresh_from_db()
    assert obligation_on_time(obligation) is None


def test_a_submitted_obligation_is_neither_reminded_nor_marked_overdue(
    setting, django_capture_on_commit_callbacks
):
    obligation = obligation_mark_submitted(obligation=setting["obligation"], at=at(2026, 12, 1))
    assert obligation.status == Obligation.Status.SUBMITTED
    _scan(at(2026, 12, 2), django_capture_on_commit_callbacks)
    _scan(at(2026, 12, 20), django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()


def test_a_retired_item_gets_no_more_notices(setting, django_capture_on_commit_callbacks):
    catalog_item_retire(actor=setting["wg"][0], item=setting["item"])
    result = _scan(at(2026, 12, 20), django_capture_on_commit_callbacks)
    assert (result.reminded, result.overdue, result.escalated) == (0, 0, 0)


def test_fulfilled_on_time_until_the_end_of_the_grace_day_in_local_time(setting):
    obligation = setting["obligation"]
    late_evening = dt.datetime(2026, 12, 9, 15, 30, tzinfo=dt.UTC)  # 23:30 in Shanghai
    done = obligation_mark_fulfilled(obligation=obligation, at=late_evening)
    assert done.status == Obligation.Status.FULFILLED
    assert obligation_on_time(done) is True
    again = obligation_mark_fulfilled(obligation=done, at=at(2026, 12, 20))
    assert again.fulfilled_at == late_evening  # the first confirmation counts


def test_fulfilled_after_grace_is_late_and_open_is_not_on_time(setting):
    obligation = setting["obligation"]
    assert obligation_on_time(obligation) is False
    late = obligation_mark_fulfilled(obligation=obligation, at=at(2026, 12, 10, 0))
    assert obligation_on_time(late) is False


def test_an_exempt_obligation_cannot_be_fulfilled(setting):
    obligation = setting["obligation"]
    Obligation.objects.filter(pk=obligation.pk).update(status=Obligation.Status.EXEMPT)
    with pytest.raises(ApplicationError) as refused:
        obligation_mark_fulfilled(obligation=obligation, at=at(2026, 12, 1))
    assert refused.value.code == "exempt"


def test_a_provider_with_nobody_active_has_its_overdue_notice_go_to_the_working_group(
    setting, django_capture_on_commit_callbacks
):
    from agencies.models import Liaison
    from zhengxiang_portal.ledger.models import LedgerEntry

    # Given the provider's liaisons are off duty and it has no leader account (区医保局 in the demo)
    obligation = setting["obligation"]
    Liaison.objects.filter(unit=obligation.item.provider).update(is_active=False)
    type(obligation.item.provider).objects.filter(pk=obligation.item.provider_id).update(
        leader_user=None
    )
    # When the obligation falls overdue
    _scan(at(2026, 12, 10), django_capture_on_commit_callbacks)
    # Then the working group is told at once, and the ledger records who was told and why
    key = f"obligation:{obligation.pk}:overdue"
    assert all(key in _keys(member) for member in setting["wg"])
    assert key not in _keys(setting["primary"])
    entry = LedgerEntry.objects.get(action="deadline", details__event="overdue")
    assert entry.details["fell_back"] is True
    assert "区人社局无在岗人员" in entry.details["who"]
    assert sorted(entry.details["told"]) == sorted(u.username for u in setting["wg"])


def test_each_reminder_is_recorded_in_the_ledger_with_who_was_told(
    setting, django_capture_on_commit_callbacks
):
    from zhengxiang_portal.ledger.models import LedgerEntry

    _scan(at(2026, 12, 2), django_capture_on_commit_callbacks)
    entry = LedgerEntry.objects.get(action="deadline", details__event="reminder")
    assert entry.unit_id == setting["obligation"].item.provider_id
    assert entry.details["told"] == [setting["primary"].username, setting["deputy"].username]
    assert entry.details["who"].startswith("区人社局 ")
