"""Celery application; broker from settings (Redis in production, file system when embedded)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxiang_portal.settings.local")

app = Celery("zhengxiang_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def yield_cpu_to_pages() -> int:
    """Lower this process's CPU priority by settings.BACKGROUND_CPU_NICE; returns the new niceness.

    Called once in a worker's main process, before it forks its pool, so every task inherits it:
    under load the pages get the CPU first and ingestion takes what is left.
    """
    from django.conf import settings

    increment = max(0, min(19, int(settings.BACKGROUND_CPU_NICE)))
    return os.nice(increment)


@worker_init.connect
def _background_priority(**_kwargs: object) -> None:
    yield_cpu_to_pages()
