from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    """Working-day calendar (工作日历) shared by obligations, objections and requests."""

    name = "zhengxiang_portal.deadlines"
    label = "deadlines"
    verbose_name = "工作日历"
