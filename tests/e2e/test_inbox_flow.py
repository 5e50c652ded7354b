"""Issue 14 "Done when", in Chromium on the demo data: tax_staff gets the reminder for
XZ-2026-000012 (区市场监管局 → 区税务局, which has no liaison) in the inbox with an unread count;
opening it goes to the request, whose timeline says who was told, and clears the count.
A screenshot of the inbox is kept in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from agencies.demo import DEMO_PASSWORD
from agencies.models import User
from collaboration.models import CollaborationRequest
from collaboration.services import request_deadline_scan
from tests.e2e.conftest import ARTIFACTS, click_to_next_page, login
from zhengxiang_portal.notifications.models import Notification

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TZ = dt.timezone(dt.timedelta(hours=8))


def test_tax_staff_reads_the_reminder_for_xz_2026_000012_and_the_count_clears(
    page, live_server, demo
):
    # Given the demo, and the deadline scan run on XZ-2026-000012's due day
    req = CollaborationRequest.objects.get(number="XZ-2026-000012")
    assert (req.requesting_unit.code, req.target_unit.code) == ("ZX-SAMR", "ZX-TAX")
    with time_machine.travel(dt.datetime.combine(req.due_date, dt.time(9), tzinfo=TZ)):
        request_deadline_scan()
    staff = User.objects.get(username="tax_staff")
    reminder = Notification.objects.get(recipient=staff, key=f"request:{req.pk}:remind:1")
    # (every other message of the account already read, so the count is this reminder's alone)
    Notification.objects.filter(recipient=staff).exclude(pk=reminder.pk).update(
        read_at=reminder.created_at
    )

    # When tax_staff logs in, the top bar shows one unread message on every page
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    badge = page.locator(".topbar__inbox .badge")
    assert badge.inner_text() == "1"
    page.goto(f"{live_server.url}/requests/")
    assert page.locator(".topbar__inbox").get_attribute("data-unread-count") == "1"

    # The inbox lists the reminder, naming the request's number
    page.locator(".topbar__inbox").click()
    item = page.locator(".inbox__item--unread")
    assert item.count() == 1
    assert "XZ-2026-000012" in item.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inbox_tax_staff.png"), full_page=True)

    # Opening it goes to the request, whose timeline says the tax staff were told
    click_to_next_page(page, item.get_by_role("link"))
    assert page.url.endswith(f"/requests/{req.pk}/")
    assert "已通知：国家税务总局衡阳市蒸湘区税务局 刘税明" in page.locator(".timeline").inner_text()

    # And the count is cleared
    assert page.locator(".topbar__inbox").get_attribute("data-unread-count") == "0"
    assert page.locator(".topbar__inbox .badge").count() == 0
    reminder.refresh_from_db()
    assert reminder.read_at is not None


def test_the_working_group_sees_first_which_units_nobody_can_be_told_for(page, live_server, demo):
    # Given the demo: 区医疗保障局 owes data and has no liaison account
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    # Its home page opens with the panel of units whose notices come to the working group
    panel = page.locator("[data-unreachable-units]")
    assert "蒸湘区医疗保障局" in panel.inner_text()
    first_panel = page.locator(".panels > section").first
    assert first_panel.get_attribute("data-unreachable-units") is not None
    # And /units/ marks the unit
    panel.get_by_role("link", name="蒸湘区医疗保障局").click()
    page.goto(f"{live_server.url}/units/?q=医疗保障")
    row = page.locator("tr", has_text="蒸湘区医疗保障局")
    assert row.locator("[data-unreachable]").count() == 1
    page.screenshot(path=str(ARTIFACTS / "units_unreachable_wg.png"), full_page=True)
