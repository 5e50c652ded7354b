from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces: errors, API conventions, navigation and home-page registries."""

    name = "zhengxiang_portal.core"
    label = "core"
    verbose_name = "平台公共"

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from . import (  # noqa: F401  (registers periodic tasks and Celery signal handlers)
            heartbeats,
            request_context,
            schedules,
        )
