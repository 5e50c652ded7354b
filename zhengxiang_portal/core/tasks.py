from celery import shared_task


@shared_task(name="core.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys_task() -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_SECONDS."""
    from .idempotency import idempotency_keys_purge

    return idempotency_keys_purge()
