from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces: errors, API conventions, navigation and home-page registries."""

    name = "zhengxiang_portal.core"
    label = "core"
    verbose_name = "平台公共"

    def ready(self) -> None:
        from . import schedules  # noqa: F401  (registers the portal's own periodic tasks)
