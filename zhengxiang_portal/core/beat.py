"""Beat's scheduler: django-celery-beat's, plus a heartbeat written by beat itself."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler

from .heartbeats import BEAT, heartbeat_record


class HeartbeatScheduler(DatabaseScheduler):
    """DatabaseScheduler that records `beat` in Heartbeat every HEARTBEAT_INTERVAL_SECONDS.

    The schedules' `last_run_at` is no liveness signal: django-celery-beat writes it back only
    every `sync_every` (FACTS: Celery), and not at all while no task is due.
    """

    _last_heartbeat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        if now - self._last_heartbeat >= settings.HEARTBEAT_INTERVAL_SECONDS:
            self._last_heartbeat = now
            close_old_connections()  # beat lives for months: drop a connection the server closed
            heartbeat_record(BEAT)
        interval = super().tick(*args, **kwargs)
        # Wake up in time for the next heartbeat even when no task is due for long.
        return min(interval, settings.HEARTBEAT_INTERVAL_SECONDS)
