"""/healthz tells the truth about real processes: heartbeats from the worker and beat
themselves, a full Redis reported (issue 17, "What was seen" 3)."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from tests.reliability.conftest import wait_for
from zhengxiang_portal.core.schedules import schedules_sync

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _checks() -> dict:
    return Client().get("/healthz").json()["checks"]


def test_worker_and_beat_show_healthy_from_their_own_heartbeats_and_fail_independently(
    processes, settings
):
    processes.env["HEARTBEAT_INTERVAL_SECONDS"] = "1"
    settings.HEALTH_STALE_SECONDS = 5
    schedules_sync()
    PeriodicTask.objects.update(enabled=False)  # no task is due: liveness must not depend on one
    worker, beat = processes.worker(), processes.beat()

    took = wait_for(
        lambda: _checks()["worker"]["ok"] and _checks()["beat"]["ok"],
        "/healthz to show the worker and beat alive",
        processes.logs,
    )
    print(f"RECOVERY worker and beat healthy {took:.1f} s after start")

    processes.kill(beat)
    wait_for(lambda: not _checks()["beat"]["ok"], "a dead beat to be reported", processes.logs)
    time.sleep(settings.HEALTH_STALE_SECONDS + 1)
    assert _checks()["worker"]["ok"], "a dead beat must not make a live worker look dead"

    processes.kill(worker)
    wait_for(lambda: not _checks()["worker"]["ok"], "a dead worker to be reported", processes.logs)


def test_a_full_redis_is_reported_and_healthz_answers_503(processes, redis_server):
    import redis

    client = redis.Redis(port=redis_server.port)
    assert Client().get("/healthz").json()["checks"]["broker"]["ok"] is True
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", 1)  # every write is refused: "OOM command not allowed"

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
    client.config_set("maxmemory", 0)
    assert Client().get("/healthz").json()["checks"]["broker"]["ok"] is True
