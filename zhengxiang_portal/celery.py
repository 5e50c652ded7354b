"""Celery application; broker from settings (Redis in production, file system when embedded)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxiang_portal.settings.local")

app = Celery("zhengxiang_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
