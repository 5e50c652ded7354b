"""/healthz reports the database and the broker; 503 when one is down."""

import datetime as dt
import threading
import time
from unittest import mock

import pytest
import time_machine

from tests.factories import OfficialYearFactory
from zhengxiang_portal.core.heartbeats import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_reports_a_silent_worker_and_beat_as_stale_without_failing_the_web(client):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"] == {"ok": False, "age_s": None}
    assert body["checks"]["beat"] == {"ok": False, "age_s": None}


def test_healthz_reports_worker_and_beat_ages_from_their_own_heartbeats(client, settings):
    OfficialYearFactory(year=2027)  # on 2026-11-27 a missing 2027 calendar would degrade too
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC), tick=False):
        heartbeat_record("worker:w1@host")
        heartbeat_record("beat")
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, 0, 40, tzinfo=dt.UTC), tick=False):
        heartbeat_record("worker:w2@host")
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, 1, tzinfo=dt.UTC), tick=False):
        body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"] == {"ok": True, "age_s": 20.0, "alive": 2}
    assert body["checks"]["beat"] == {"ok": True, "age_s": 60.0}
    later = dt.datetime(2026, 11, 27, 8, 0, 40, tzinfo=dt.UTC) + dt.timedelta(
        seconds=settings.HEALTH_STALE_SECONDS + 1
    )
    with time_machine.travel(later, tick=False):
        body = client.get("/healthz").json()
    assert body["checks"]["worker"] == {"ok": False, "age_s": 61.0, "alive": 0}
    assert body["checks"]["beat"]["ok"] is False


def test_stale_threshold_is_several_heartbeat_intervals(settings):
    assert settings.HEALTH_STALE_SECONDS >= 3 * settings.HEARTBEAT_INTERVAL_SECONDS


def test_healthz_is_503_when_the_broker_is_down(client):
    with mock.patch(
        "zhengxiang_portal.health.celery_app.connection_for_write",
        side_effect=ConnectionRefusedError,
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {
        "ok": False,
        "transport": mock.ANY,
        "error": "ConnectionRefusedError",
    }


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch(
        "zhengxiang_portal.health._select_one", side_effect=OSError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


def test_healthz_answers_in_time_as_json_when_a_check_hangs(client, settings):
    settings.HEALTH_TIMEOUT_SECONDS = 1.0
    release = threading.Event()
    with mock.patch(
        "zhengxiang_portal.health._broker_round_trip", side_effect=lambda _t: release.wait(30)
    ):
        started = time.monotonic()
        response = client.get("/healthz")
        took = time.monotonic() - started
        release.set()
    assert took < 2
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["checks"]["broker"]["error"] == "timeout"
