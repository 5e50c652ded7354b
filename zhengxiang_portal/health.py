"""Liveness of the services the portal depends on, for /healthz.

Every check that talks to another server runs in its own thread with a deadline, so /healthz
answers within HEALTH_TIMEOUT_SECONDS whatever hangs (a frozen Redis accepts connections and never
answers); a check past its deadline is reported `{"ok": false, "error": "timeout"}`.

Project-level, beside urls.py: it reads core's heartbeats and the deadlines' official calendar.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from zhengxiang_portal.celery import app as celery_app

from .core.heartbeats import BEAT, WORKER_PREFIX
from .core.models import Heartbeat
from .deadlines.calendar import missing_years

# One queue for every process's probe: each check writes one message and reads one back, so
# the queue never grows; a message another process wrote proves the round trip just as well.
PROBE_QUEUE = "portal.healthz"


def _in_thread(check: Callable[[], dict], deadline: float) -> Callable[[], dict]:
    """Start `check` in a daemon thread; the returned function waits for it until `deadline`."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["result"] = check()
        except Exception as exc:  # a check's own failure is its answer
            outcome["result"] = {"ok": False, "error": exc.__class__.__name__}
        finally:
            connection.close()  # this thread's own database connection, if it opened one

    thread = threading.Thread(target=run, name="healthz-check", daemon=True)
    thread.start()

    def wait() -> dict:
        thread.join(max(0.0, deadline - time.monotonic()))
        return outcome.get("result") or {"ok": False, "error": "timeout"}

    return wait


def _select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_database() -> dict:
    started = time.monotonic()
    try:
        _select_one()
    except Exception as exc:  # any driver error means "down"; the message says which
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def _broker_round_trip(timeout: float) -> None:
    """Publish a message to the probe queue and read one back (a full Redis refuses the write)."""
    token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        queue = conn.SimpleQueue(PROBE_QUEUE)
        try:
            queue.put({"probe": token})
            queue.get(block=True, timeout=timeout).ack()
        finally:
            queue.close()


def _check_broker() -> dict:
    started = time.monotonic()
    url = celery_app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    try:
        _broker_round_trip(settings.HEALTH_TIMEOUT_SECONDS / 2)
    except Exception as exc:  # kombu raises many types for "cannot connect" or "cannot write"
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport, "ms": round((time.monotonic() - started) * 1000, 1)}


def _age(last_seen) -> dict:
    if last_seen is None:
        return {"ok": False, "age_s": None}
    age = (timezone.now() - last_seen).total_seconds()
    return {"ok": age <= settings.HEALTH_STALE_SECONDS, "age_s": round(age, 1)}


def _check_worker() -> dict:
    """The freshest worker heartbeat, and how many workers are fresh."""
    try:
        seen = list(
            Heartbeat.objects.filter(name__startswith=WORKER_PREFIX).values_list(
                "last_seen", flat=True
            )
        )
    except DatabaseError:
        return {"ok": False, "age_s": None}
    result = _age(max(seen, default=None))
    if seen:
        result["alive"] = sum(1 for last in seen if _age(last)["ok"])
    return result


def _check_beat() -> dict:
    try:
        last = Heartbeat.objects.filter(name=BEAT).values_list("last_seen", flat=True).first()
    except DatabaseError:
        return {"ok": False, "age_s": None}
    return _age(last)


def _check_calendar() -> dict:
    """Whether this and (from November) next year follow an official schedule (deadlines)."""
    try:
        missing = missing_years(timezone.localdate())
    except DatabaseError:
        return {"ok": False, "missing_years": None}
    return {"ok": not missing, "missing_years": missing}


@never_cache
def healthz(request):
    """Report database, broker (a real round trip), worker and beat heartbeats, with their ages.

    HTTP 503 when the database or the broker is down (the web process cannot do its job). A stale
    worker or beat is reported (ok: false, with its age) without failing the web's own check, so
    an orchestrator does not restart the web server for a dead worker. A year whose official
    holiday schedule is missing is reported the same way (`calendar`).
    """
    deadline = time.monotonic() + settings.HEALTH_TIMEOUT_SECONDS
    database, broker = _in_thread(_check_database, deadline), _in_thread(_check_broker, deadline)
    checks = {"database": database(), "broker": broker()}
    serving = all(c["ok"] for c in checks.values())
    checks["worker"] = _check_worker() if checks["database"]["ok"] else {"ok": False}
    checks["beat"] = _check_beat() if checks["database"]["ok"] else {"ok": False}
    checks["calendar"] = _check_calendar() if checks["database"]["ok"] else {"ok": False}
    status = "ok" if all(c["ok"] for c in checks.values()) else "degraded"
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)
