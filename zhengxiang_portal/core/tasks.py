import socket

from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="core.worker_heartbeat", ignore_result=True)
def worker_heartbeat_task() -> None:
    """Record that a worker is consuming tasks (beat schedules this every 30 s)."""
    Heartbeat.objects.update_or_create(
        name="worker",
        defaults={"last_seen": timezone.now(), "details": {"host": socket.gethostname()}},
    )


@shared_task(name="core.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys_task() -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_SECONDS."""
    from .idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
