"""A missing official calendar is told to whoever may enter it, not only shown as a banner.

From CALENDAR_WARNING_FROM (11-01: the State Council publishes next year's schedule in late
October or November) the system admin and the security admin, who keep the calendar (三员分立:
not the auditor), get an inbox notice for each missing year on the first working day of each week
until it is entered (Art. 7: one notion of "on time" needs the official calendar). Nobody to tell
is recorded; the working group stands in as for every notice.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from agencies.roles import Role
from tests.factories import OfficialYearFactory, UserFactory, WorkingGroupMemberFactory
from zhengxiang_portal.deadlines.tasks import calendar_missing_scan_task
from zhengxiang_portal.deadlines.warnings import calendar_missing_notify
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


def on(day: dt.date, times: int = 2) -> None:
    with time_machine.travel(dt.datetime.combine(day, dt.time(8, 10), tzinfo=TZ), tick=False):
        for _ in range(times):
            calendar_missing_notify()


def keys(user) -> list[str]:
    return sorted(
        Notification.objects.filter(recipient=user, kind="calendar_missing").values_list(
            "key", flat=True
        )
    )


@pytest.fixture
def people(roles):
    return {
        "sys": UserFactory(roles=[Role.SYSTEM_ADMIN], username="sysadmin"),
        "sec": UserFactory(roles=[Role.SECURITY_ADMIN], username="secadmin"),
        "audit": UserFactory(roles=[Role.AUDITOR], username="auditor"),
        "wg": WorkingGroupMemberFactory(leader=True, user__username="wgl").user,
    }


def test_from_november_the_calendar_keepers_are_told_weekly_until_the_year_is_entered(people):
    on(D(2026, 10, 30))  # before the warning date: nothing
    assert keys(people["sys"]) == []
    on(D(2026, 11, 2))  # Monday, the first working day from 11-01
    on(D(2026, 11, 3))
    first = "calendar-missing:2027:2026-W45"
    assert keys(people["sys"]) == keys(people["sec"]) == [first]
    assert keys(people["audit"]) == keys(people["wg"]) == []
    notice = Notification.objects.get(recipient=people["sys"], key=first)
    assert "2027" in notice.subject and notice.url == "/calendar/"
    # the next week, once
    on(D(2026, 11, 9))
    on(D(2026, 11, 10))
    assert keys(people["sec"]) == [first, "calendar-missing:2027:2026-W46"]
    # entered: no more
    OfficialYearFactory(year=2027)
    on(D(2026, 11, 16))
    assert len(keys(people["sys"])) == 2
    # each notice sent is recorded, naming who was told
    entries = LedgerEntry.objects.filter(details__event="calendar_missing")
    assert sorted(e.details["key"] for e in entries) == [first, "calendar-missing:2027:2026-W46"]
    assert sorted(entries[0].details["told"]) == ["secadmin", "sysadmin"]


def test_no_notice_on_a_rest_day(people):
    on(D(2026, 11, 7))  # Saturday
    assert keys(people["sys"]) == []


def test_with_no_calendar_keeper_active_the_working_group_is_told_and_it_is_recorded(people):
    for name in ("sys", "sec"):
        people[name].is_active = False
        people[name].save(update_fields=["is_active"])
    on(D(2026, 11, 2))
    assert keys(people["wg"]) == ["calendar-missing:2027:2026-W45"]
    entry = LedgerEntry.objects.get(details__event="calendar_missing")
    assert entry.details["fell_back"] is True and entry.details["told"] == ["wgl"]


def test_nobody_to_tell_is_recorded_once_and_logged(people, caplog):
    for user in people.values():
        user.is_active = False
        user.save(update_fields=["is_active"])
    on(D(2026, 11, 2))
    entry = LedgerEntry.objects.get(details__event="calendar_missing")
    assert entry.details["told"] == [] and "无人可通知" in entry.details["who"]
    assert "reached nobody" in caplog.text


def test_the_task_runs_the_notice(people):
    with time_machine.travel(dt.datetime(2026, 11, 2, 8, 10, tzinfo=TZ), tick=False):
        assert calendar_missing_scan_task.apply().get() == {"missing": [2027], "notified": 2}
