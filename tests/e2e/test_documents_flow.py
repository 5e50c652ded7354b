"""The leader issues a numbered 责令改正通知书 and prints it; the bulletin prints too: each prints
as A4 without the portal's chrome."""

import os
import re

import pytest

from agencies.demo import DEMO_PASSWORD
from agencies.models import Unit, User
from assessment.models import RectificationOrder
from tests.e2e.conftest import login
from tests.factories import RectificationOrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("DOCUMENT_SCREENSHOTS")  # a directory to keep the print previews in


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def _shoot(page, name: str) -> None:
    page.emulate_media(media="print")
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _open_print_view(page) -> None:
    """Follow 打印 and wait for the print page's load (its print stylesheet included): judging
    what prints before it loaded raced on a fast machine (the banner was still visible)."""
    link = page.get_by_role("link", name="打印")
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(lambda url: url.endswith(href))


def test_leader_issues_and_prints_a_numbered_order_notice(page, live_server, demo):
    leader = User.objects.get(username="wg_leader")
    order = RectificationOrderFactory(
        actor=leader, unit=Unit.objects.get(code="ZX-SAMR"),
        failure=RectificationOrder.Failure.NOT_PROVIDING_DATA,
        facts="十月登记数据逾期未报送。", requirement="补报十月数据并说明逾期原因。",
    )  # fmt: skip
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/assessment/orders/{order.pk}/")
    page.get_by_role("button", name="签发并编号").click()
    number = page.locator("strong").filter(has_text="蒸税共治〔").inner_text()
    _open_print_view(page)
    assert page.locator(".official-doc__number").inner_text() == number
    assert page.locator(".official-doc__title").inner_text() == "责令改正通知书"
    _shoot(page, "order_notice")
    # the portal's chrome and banners are hidden in print
    assert not page.locator(".topbar").first.is_visible()
    assert not page.locator(".flash").first.is_visible()
    assert _pages(page.pdf(format="A4", prefer_css_page_size=True)) == 1


def test_leader_prints_the_reporting_bulletin(page, live_server, demo):
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/catalog/bulletin/?period=2026-Q4")
    _open_print_view(page)
    assert "报送情况通报" in page.locator(".official-doc__title").inner_text()
    _shoot(page, "bulletin")
    assert _pages(page.pdf(format="A4", prefer_css_page_size=True)) >= 1
