"""Liveness written by the background processes themselves, read by /healthz.

The worker's main process runs a small thread that records `worker:<hostname>` every
HEARTBEAT_INTERVAL_SECONDS, whether or not any task runs (a dead beat must not make a live worker
look dead). Beat records `beat` from its own scheduler tick (core.beat.HeartbeatScheduler).
/healthz calls either stale after HEALTH_STALE_SECONDS, several intervals, so one slow write
does not cry wolf.
"""

from __future__ import annotations

import logging
import socket
import threading

from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)

WORKER_PREFIX = "worker:"
BEAT = "beat"


def heartbeat_record(name: str, **details: object) -> None:
    """Record that component `name` is alive now; a database error is logged, never raised."""

    try:
        Heartbeat.objects.update_or_create(
            name=name[:50], defaults={"last_seen": timezone.now(), "details": details}
        )
    except Exception as exc:  # the database may be down or locked: try again next interval
        logger.warning("heartbeat %s not recorded: %s", name, exc)
        connection.close()


class _WorkerHeartbeat(threading.Thread):
    def __init__(self, hostname: str, interval: float) -> None:
        super().__init__(name="portal-heartbeat", daemon=True)
        self.hostname = hostname
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            close_old_connections()  # a long-lived thread: drop a connection the server closed
            heartbeat_record(f"{WORKER_PREFIX}{self.hostname}", host=socket.gethostname())
            self.stopped.wait(self.interval)
        connection.close()


_thread: _WorkerHeartbeat | None = None


@worker_ready.connect
def _start_worker_heartbeat(sender: object = None, **_kwargs: object) -> None:
    global _thread

    hostname = getattr(sender, "hostname", None) or socket.gethostname()
    _thread = _WorkerHeartbeat(hostname, settings.HEARTBEAT_INTERVAL_SECONDS)
    _thread.start()


@worker_shutdown.connect
def _stop_worker_heartbeat(**_kwargs: object) -> None:
    if _thread is not None:
        _thread.stopped.set()
