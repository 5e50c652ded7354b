"""/healthz reports the database and the broker; 503 when one is down."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tests.factories import OfficialYearFactory
from zhengxiang_portal.core.schedules import schedules_sync
from zhengxiang_portal.core.tasks import worker_heartbeat_task

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


def test_healthz_reports_worker_and_beat_ages_once_they_ran(client):
    schedules_sync()
    OfficialYearFactory(year=2027)  # on 2026-11-27 a missing 2027 calendar would degrade too
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC), tick=False):
        worker_heartbeat_task()
        PeriodicTask.objects.filter(task="core.worker_heartbeat").update(last_run_at=timezone.now())
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, 1, tzinfo=dt.UTC), tick=False):
        body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["worker"] == {"ok": True, "age_s": 60.0}
    assert body["checks"]["beat"] == {"ok": True, "age_s": 60.0}
    with time_machine.travel(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False):
        body = client.get("/healthz").json()
    assert body["checks"]["worker"]["ok"] is False
    assert body["checks"]["worker"]["age_s"] == 3600.0


def test_healthz_is_503_when_the_broker_is_down(client):
    with mock.patch(
        "zhengxiang_portal.core.health.celery_app.connection_for_write",
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
        "zhengxiang_portal.core.health.connection.cursor", side_effect=OSError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
