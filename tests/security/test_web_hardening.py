"""Web hardening: CSRF, security headers, CSP without unsafe-inline, cookies, rate limits."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from agencies.roles import Role
from tests.factories import UserFactory, make_liaison

ROOT = Path(__file__).resolve().parents[2]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def _assert_no_inline(html: str, where: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"inline <script> in {where}"
    assert not INLINE_STYLE.search(html), f'style="…" in {where}'
    assert not STYLE_BLOCK.search(html), f"<style> block in {where}"
    assert not EVENT_HANDLER.search(html), f"inline event handler in {where}"


def test_templates_have_no_inline_script_or_style():
    for path in (ROOT / "templates").rglob("*.html"):
        _assert_no_inline(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "names"),
    [
        (None, ["login"]),
        (
            Role.LIAISON,
            ["home", "agencies:unit_list", "security:password_change", "notifications:inbox"],
        ),
        (
            Role.SECURITY_ADMIN,
            [
                "security:account_list",
                "security:role_change_list",
                "security:role_policy",
                "security:otp_setup",
            ],
        ),
        (Role.AUDITOR, ["security:audit_list", "security:access_log"]),
    ],
)
def test_rendered_pages_have_no_inline_script_or_style(client, roles, role, names):
    if role == Role.LIAISON:
        client.force_login(make_liaison())
    elif role is not None:
        client.force_login(UserFactory(roles=[role]))
    for name in names:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        _assert_no_inline(response.content.decode(), name)


@pytest.mark.django_db
def test_security_headers_and_csp(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_csrf_is_enforced_on_login():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_csrf_is_enforced_on_security_actions(roles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(roles=[Role.SECURITY_ADMIN]))
    response = client.post(
        reverse("security:role_policy"), {"role": "liaison", "require_2fa": "on"}
    )
    assert response.status_code == 403


def _production_settings(*names: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zhengxiang_portal.settings.production",
        DJANGO_SECRET_KEY="x" * 64,
        DJANGO_ALLOWED_HOSTS="portal.example.gov.cn",
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_and_http_only():
    s = _production_settings(
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    )
    assert all(s[k] for k in s), s


def test_production_rate_limits_api_and_login():
    s = _production_settings(
        "REST_FRAMEWORK",
        "AXES_ENABLED",
        "AXES_FAILURE_LIMIT",
        "AXES_LOCKOUT_PARAMETERS",
        "PORTAL_2FA_ENFORCED",
        "PORTAL_DEMO_MODE",
    )
    throttles = s["REST_FRAMEWORK"]["DEFAULT_THROTTLE_CLASSES"]
    assert "rest_framework.throttling.UserRateThrottle" in throttles
    assert "rest_framework.throttling.AnonRateThrottle" in throttles
    assert s["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["anon"]
    assert s["AXES_ENABLED"] is True and s["AXES_FAILURE_LIMIT"] <= 5
    assert s["AXES_LOCKOUT_PARAMETERS"] == [["username", "ip_address"]]
    assert s["PORTAL_2FA_ENFORCED"] is True and s["PORTAL_DEMO_MODE"] is False


@pytest.mark.django_db
def test_api_throttle_answers_429_when_exceeded(client, roles, monkeypatch):
    """The throttle production configures (test settings switch throttles off) really bites."""
    from rest_framework.throttling import UserRateThrottle

    from agencies.api.views import UnitViewSet

    monkeypatch.setattr(UnitViewSet, "throttle_classes", [UserRateThrottle])
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute"})
    client.force_login(make_liaison())
    codes = [client.get("/api/units/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/units/").json()["error"]["code"] == "throttled"
