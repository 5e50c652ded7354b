"""On the demo data, a request addressed to the tax bureau reaches its tax staff (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from agencies.models import User
from collaboration.models import CollaborationRequest, TimelineEntry
from collaboration.services import request_deadline_scan
from zhengxiang_portal.notifications.selectors import notification_unread_count

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def test_tax_staff_get_the_reminder_for_xz_2026_000012(roles):
    # Given the demo, seeded on Tuesday 2026-12-01
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=TZ), tick=False):
        call_command("seed_demo", verbosity=0)
    req = CollaborationRequest.objects.get(number="XZ-2026-000012")
    assert (req.requesting_unit.code, req.target_unit.code) == ("ZX-SAMR", "ZX-TAX")
    staff = User.objects.get(username="tax_staff")
    # When the deadline scan runs on the due day (within the reminder window)
    with time_machine.travel(dt.datetime.combine(req.due_date, dt.time(9), tzinfo=TZ), tick=False):
        request_deadline_scan()
    # Then the tax staff account has the reminder, unread, and the timeline says it was told
    reminder = staff.notifications.get(key=f"request:{req.pk}:remind:1")
    assert "XZ-2026-000012" in reminder.subject
    assert notification_unread_count(user=staff) >= 1
    entry = TimelineEntry.objects.get(request=req, action="remind")
    assert entry.details["told"] == ["tax_staff"]
    assert entry.details["who"] == "国家税务总局衡阳市蒸湘区税务局 刘税明"
