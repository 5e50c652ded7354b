"""A new user logs in with each demo account and reaches their home page."""

import pytest

from agencies.demo import DEMO_LOGINS, DEMO_PASSWORD
from tests.e2e.conftest import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", [u for u, _ in DEMO_LOGINS])
def test_every_demo_login_reaches_its_home_page(page, live_server, demo, username):
    login(page, live_server, username, DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("您好")
    assert page.get_by_role("link", name="蒸湘区税费精诚共治平台").is_visible()


def test_wrong_password_stays_on_the_login_page_with_a_message(page, live_server, demo):
    login(page, live_server, "tax_staff", "not-the-password")
    assert "/accounts/login/" in page.url
    assert page.get_by_role("alert").inner_text().startswith("请输入一个正确的用户名和密码")


def test_working_group_member_browses_units_and_liaisons(page, live_server, demo):
    login(page, live_server, "wg_member", DEMO_PASSWORD)
    page.get_by_role("link", name="共治单位").first.click()
    page.get_by_label("关键词").fill("法院")
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("link", name="衡阳市蒸湘区人民法院").click()
    assert page.get_by_role("heading", level=1).inner_text() == "衡阳市蒸湘区人民法院"
    assert page.get_by_role("cell", name="赵文静").is_visible()


def test_pages_load_no_asset_from_another_host(page, live_server, demo):
    requested = []
    page.on("request", lambda req: requested.append(req.url))
    login(page, live_server, "wg_leader", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/units/")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_load_state("networkidle")
    assert requested
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)


def test_pages_break_no_content_security_rule(page, live_server, demo):
    # Given the strict policy (style-src 'self'): nothing the pages load may inject inline styles,
    # which the browser blocks and reports as a console error (htmx's indicator <style> did).
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    # When a user logs in and opens a page using htmx
    login(page, live_server, "tax_staff", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/inbox/")
    page.wait_for_load_state("networkidle")
    # Then the browser reported no policy violation
    assert not [e for e in errors if "Content Security Policy" in e]
