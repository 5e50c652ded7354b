"""Credential stuffing (issue 15, "What was seen" 5 and "Build" 4).

Beyond axes' (account, address) lockout: growing delays for an account failing from many
addresses and for an address failing on many accounts — delays, not a lock; audited; shown to
the security admin.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from zhengxiang_portal.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db
WRONG = "wrong-Password-1"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _login(client, username, password, ip):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_an_account_failing_from_many_addresses_must_wait(client, guards_on):
    """Seen 5: 16 failures from four addresses, then a success from a fifth, met no limit."""
    user = UserFactory()
    with time_machine.travel(T0, tick=False):
        answers = [
            _login(client, user.username, WRONG, f"10.0.{n}.1").status_code
            for n in range(4)
            for _ in range(4)
        ]
        # Five failures are free; then each attempt waits (axes never locked any pair: 4 < 5).
        assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}
        refused = _login(client, user.username, PASSWORD, "10.0.9.1")
        assert refused.status_code == 429 and refused["Retry-After"] == "2"
        assert "登录尝试过于频繁" in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    throttled = LedgerEntry.objects.filter(action="login_throttled", target_repr=user.username)
    assert throttled.count() == 12
    assert throttled.last().details["scope"] == "account"
    # A delay, not a lock: after it the owner gets in.
    with time_machine.travel(T0 + dt.timedelta(seconds=3), tick=False):
        assert _login(client, user.username, PASSWORD, "10.0.9.1").status_code == 302


def test_delays_grow_with_each_counted_failure_up_to_the_cap(client, guards_on, settings):
    from zhengxiang_portal.security.throttle import login_throttle

    settings.LOGIN_THROTTLE_MAX_DELAY_SECONDS = 10
    user = UserFactory()
    waits = []
    now = T0
    for n in range(8):
        with time_machine.travel(now, tick=False):
            assert _login(client, user.username, WRONG, f"10.1.{n}.1").status_code == 200
            throttle = login_throttle(username=user.username, ip=None)
            waits.append(throttle.seconds_left if throttle else 0)
        now += dt.timedelta(seconds=waits[-1] + 1)  # each try comes after the wait
    assert waits == [0, 0, 0, 0, 2, 4, 8, 10]


def test_an_address_failing_on_many_accounts_must_wait(client, guards_on):
    """Seen 5: 20 failures over 10 accounts from one address met no limit."""
    users = [UserFactory() for _ in range(10)]
    with time_machine.travel(T0, tick=False):
        answers = [_login(client, u.username, WRONG, "203.0.113.7").status_code for u in users * 2]
        assert answers[:10] == [200] * 10 and set(answers[10:]) == {429}
        # Another address is not concerned, nor is this address after the delay.
        assert _login(client, users[0].username, PASSWORD, "203.0.113.8").status_code == 302
    entry = LedgerEntry.objects.filter(action="login_throttled").last()
    assert entry.details["scope"] == "address" and entry.details["key"] == "203.0.113.7"


def test_axes_lockout_of_the_pair_keeps_precedence(client, guards_on):
    user = UserFactory()
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            _login(client, user.username, WRONG, "10.9.9.9")
        response = _login(client, user.username, PASSWORD, "10.9.9.9")
    assert response.status_code == 429 and response.context["minutes"] == 30


def test_the_security_admin_sees_throttled_accounts_and_addresses(
    client, guards_on, security_admin
):
    victim = UserFactory(username="victim")
    with time_machine.travel(T0, tick=False):
        for n in range(6):
            _login(client, victim.username, WRONG, f"10.2.{n}.1")
        guards_on.PORTAL_2FA_ENFORCED = False  # the admin's own second factor is not the point
        client.force_login(security_admin)
        page = client.get(reverse("security:account_list"))
    throttles = page.context["throttles"]
    assert [(t.scope, t.key, t.failures) for t in throttles] == [("account", "victim", 5)]
    assert throttles[0].until == T0 + dt.timedelta(seconds=2)
    assert "登录限速" in page.content.decode()
