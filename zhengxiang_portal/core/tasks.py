from celery import shared_task

from .idempotency import idempotency_keys_purge


@shared_task(name="core.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys_task() -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_SECONDS."""

    return idempotency_keys_purge()
