"""Security flows in the browser: an admin enrols 2FA and audits; a lockout says when to retry."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp

from agencies.demo import DEMO_PASSWORD
from tests.e2e.conftest import click_to_next_page, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _code_from_secret(secret_text: str) -> str:
    key = base64.b32decode(secret_text.replace(" ", ""))
    return str(totp(key)).zfill(6)


def test_auditor_enrols_2fa_then_searches_exports_and_verifies_the_trail(
    page, live_server, demo, settings
):
    settings.PORTAL_2FA_ENFORCED = True
    settings.AXES_ENABLED = True
    login(page, live_server, "auditor", DEMO_PASSWORD)
    # The admin role requires a second factor: the enrolment page comes first.
    assert "/security/2fa/setup/" in page.url
    assert page.get_by_role("img", name="双因素认证二维码").is_visible()
    secret = page.locator(".mono").first.inner_text()
    page.get_by_label("动态验证码").fill(_code_from_secret(secret))
    click_to_next_page(page, page.get_by_role("button", name="验证并启用"))
    assert page.url == f"{live_server.url}/"

    page.get_by_role("link", name="安全审计").click()
    page.get_by_label("动作").select_option("login")
    page.get_by_role("button", name="筛选").click()
    assert page.get_by_role("cell", name="auditor").first.is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 CSV").click()
    assert download.value.suggested_filename.endswith(".csv")

    page.get_by_role("button", name="校验台账链").click()
    assert "台账链完整" in page.get_by_role("status").first.inner_text()


def test_lockout_page_says_when_to_try_again(page, live_server, demo, settings):
    settings.AXES_ENABLED = True
    for _ in range(5):
        login(page, live_server, "liaison_finance", "wrong-Password-1")
    login(page, live_server, "liaison_finance", DEMO_PASSWORD)
    body = page.locator("main").inner_text()
    assert "已被锁定" in body and "之后再试" in body
    # A colleague behind the same address is not affected.
    login(page, live_server, "liaison_market", DEMO_PASSWORD)
    assert page.url == f"{live_server.url}/"
