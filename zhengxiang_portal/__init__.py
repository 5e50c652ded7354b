"""蒸湘区税费精诚共治平台: project package (settings, URLs, Celery app, cross-cutting modules)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
