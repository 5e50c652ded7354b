"""Idle sessions expire (等保: 会话超时): SESSION_IDLE_SECONDS, renewed by every request."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_session_expires_after_the_idle_time(client):
    idle = settings.SESSION_COOKIE_AGE
    with time_machine.travel(START, tick=False):
        client.force_login(UserFactory())
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(START + dt.timedelta(seconds=idle + 1), tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_activity_renews_the_idle_window(client):
    idle = settings.SESSION_COOKIE_AGE
    with time_machine.travel(START, tick=False):
        client.force_login(UserFactory())
    with time_machine.travel(START + dt.timedelta(seconds=idle - 60), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(START + dt.timedelta(seconds=2 * idle - 120), tick=False):
        assert client.get(reverse("home")).status_code == 200


def test_idle_timeout_is_thirty_minutes_by_default_and_cookie_dies_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_activity_renews_the_window_at_most_once_a_minute(client):
    """Renewal costs one session write a minute, not one per page; it still follows activity."""
    from django.contrib.sessions.models import Session

    with time_machine.travel(START, tick=False):
        client.force_login(UserFactory())
        client.get(reverse("session_check"))
    key = client.session.session_key
    first_expiry = Session.objects.get(session_key=key).expire_date
    with time_machine.travel(START + dt.timedelta(seconds=30), tick=False):
        client.get(reverse("session_check"))
    assert Session.objects.get(session_key=key).expire_date == first_expiry  # no write
    with time_machine.travel(START + dt.timedelta(seconds=90), tick=False):
        client.get(reverse("session_check"))
    renewed = Session.objects.get(session_key=key).expire_date
    assert renewed == START + dt.timedelta(seconds=90 + settings.SESSION_COOKIE_AGE)
