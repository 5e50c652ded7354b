"""Lockout after repeated failures, keyed by account AND address (never the address alone)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

NAT = "10.20.30.40"


def _login(client, username, password, ip=NAT, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def _fail(client, username, times, ip=NAT, **extra):
    for _ in range(times):
        _login(client, username, "wrong-Password-1", ip=ip, **extra)


def test_account_is_locked_at_this_address_after_five_failures(client, guards_on):
    user = UserFactory()
    _fail(client, user.username, 5)
    response = _login(client, user.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "已被锁定" in page and "之后再试" in page


def test_lockout_message_says_when_to_try_again(client, guards_on):
    user = UserFactory()
    _fail(client, user.username, 5)
    response = _login(client, user.username, PASSWORD)
    assert response.context["minutes"] == 30
    assert response.context["until"] is not None


def test_colleague_behind_the_same_nat_can_still_log_in(client, guards_on):
    victim, colleague = UserFactory(), UserFactory()
    _fail(client, victim.username, 6)
    response = _login(client, colleague.username, PASSWORD)
    assert response.status_code == 302


def test_same_account_from_another_address_is_not_locked(client, guards_on):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _fail(client, user.username, 6, ip="10.0.0.1")
        # Issue 15: the account now waits a short, growing delay from any address
        # (security.throttle) — a delay, not axes' lock of the pair.
        assert _login(client, user.username, PASSWORD, ip="10.0.0.2").status_code == 429
    with time_machine.travel(start + dt.timedelta(seconds=5), tick=False):  # 6 failures: 4 s
        assert _login(client, user.username, PASSWORD, ip="10.0.0.2").status_code == 302


def test_forged_forwarded_for_does_not_escape_the_lockout(client, guards_on):
    user = UserFactory()
    for i in range(5):
        _login(client, user.username, "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert (
        _login(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9").status_code
        == 429
    )


def test_lockout_and_failures_are_in_the_audit_trail(client, guards_on):
    user = UserFactory()
    _fail(client, user.username, 5)
    failed = LedgerEntry.objects.filter(action="login_failed", target_repr=user.username)
    assert failed.count() == 5
    assert set(failed.values_list("ip_address", flat=True)) == {NAT}
    assert set(failed.values_list("outcome", flat=True)) == {"failure"}
    lock = LedgerEntry.objects.get(action="lockout")
    assert lock.ip_address == NAT and lock.outcome == "denied" and lock.category == "audit"


def test_security_admin_lifts_a_lockout(client, guards_on, security_admin):
    from zhengxiang_portal.security.services import lockout_reset

    user = UserFactory()
    _fail(client, user.username, 5)
    assert _login(client, user.username, PASSWORD).status_code == 429
    lockout_reset(actor=security_admin, username=user.username)
    assert _login(client, user.username, PASSWORD).status_code == 302
    assert LedgerEntry.objects.filter(action="account", details__event="lockout_reset").exists()


def test_only_a_security_admin_lifts_lockouts(auditor):
    from django.core.exceptions import PermissionDenied

    from zhengxiang_portal.security.services import lockout_reset

    with pytest.raises(PermissionDenied):
        lockout_reset(actor=auditor, username="anyone")


def test_login_page_states_the_configured_lockout_rule(client, settings):
    import datetime as dt

    settings.AXES_FAILURE_LIMIT = 4
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    html = client.get(reverse("login")).content.decode()
    assert "连续 4 次密码错误" in html and "锁定 15 分钟" in html
