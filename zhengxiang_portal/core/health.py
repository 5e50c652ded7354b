"""Liveness of the services the portal depends on, for /healthz."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_celery_beat.models import PeriodicTask

from zhengxiang_portal.celery import app as celery_app

from .models import Heartbeat


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the message says which
        return {"ok": False, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


def _check_broker() -> dict:
    started = time.monotonic()
    url = celery_app.conf.broker_url or ""
    transport = url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many types for "cannot connect"
        return {"ok": False, "transport": transport, "error": exc.__class__.__name__}
    return {"ok": True, "transport": transport, "ms": round((time.monotonic() - started) * 1000, 1)}


def _age(last_seen) -> dict:
    if last_seen is None:
        return {"ok": False, "age_s": None}
    age = (timezone.now() - last_seen).total_seconds()
    return {"ok": age <= settings.HEALTH_STALE_SECONDS, "age_s": round(age, 1)}


def _check_worker() -> dict:
    try:
        beat = Heartbeat.objects.filter(name="worker").values_list("last_seen", flat=True).first()
    except DatabaseError:
        return {"ok": False, "age_s": None}
    return _age(beat)


def _check_beat() -> dict:
    try:
        last = PeriodicTask.objects.aggregate(last=Max("last_run_at"))["last"]
    except DatabaseError:
        return {"ok": False, "age_s": None}
    return _age(last)


def _check_calendar() -> dict:
    """Whether this and (from November) next year follow an official schedule (deadlines)."""
    from zhengxiang_portal.deadlines.calendar import missing_years

    try:
        missing = missing_years(timezone.localdate())
    except DatabaseError:
        return {"ok": False, "missing_years": None}
    return {"ok": not missing, "missing_years": missing}


@never_cache
def healthz(request):
    """Report database, broker, worker heartbeat and beat's last run, each with its age.

    HTTP 503 when the database or the broker is down (the web process cannot do its job). A stale
    worker or beat is reported (ok: false, with its age) without failing the web's own check, so
    an orchestrator does not restart the web server for a dead worker. A year whose official
    holiday schedule is missing is reported the same way (`calendar`).
    """
    checks = {"database": _check_database(), "broker": _check_broker()}
    serving = all(c["ok"] for c in checks.values())
    checks["worker"] = _check_worker() if checks["database"]["ok"] else {"ok": False}
    checks["beat"] = _check_beat() if checks["database"]["ok"] else {"ok": False}
    checks["calendar"] = _check_calendar() if checks["database"]["ok"] else {"ok": False}
    status = "ok" if all(c["ok"] for c in checks.values()) else "degraded"
    return JsonResponse({"status": status, "checks": checks}, status=200 if serving else 503)
