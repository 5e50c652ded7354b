from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-app inbox and e-mail: the one notification mechanism every app uses."""

    name = "zhengxiang_portal.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from django.utils.translation import gettext_lazy as _

        from zhengxiang_portal.core.registry import NavItem, register_nav

        from . import tasks  # noqa: F401  (registers the Celery tasks: services send them by name)

        register_nav(
            NavItem(key="inbox", label=_("消息"), url_name="notifications:inbox", order=900)
        )
