from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The calendar is kept by the system admin and the security admin, never the auditor (三员分立).
_CALENDAR_PERMISSIONS = [
    "deadlines.view_officialyear",
    "deadlines.add_officialyear",
    "deadlines.change_officialyear",
    "deadlines.view_calendaroverride",
    "deadlines.add_calendaroverride",
    "deadlines.change_calendaroverride",
    "deadlines.delete_calendaroverride",
]


class DeadlinesConfig(AppConfig):
    """Working-day calendar (工作日历) shared by obligations, objections and requests."""

    name = "zhengxiang_portal.deadlines"
    label = "deadlines"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from agencies.roles import Role, register_role_permissions
        from zhengxiang_portal.core.registry import NavItem, register_nav
        from zhengxiang_portal.core.schedules import Schedule, register_schedule

        from .services import can_edit_calendar

        for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
            register_role_permissions(role, _CALENDAR_PERMISSIONS)
        register_nav(
            NavItem(
                key="calendar",
                label=_("工作日历"),
                url_name="deadlines:schedule_list",
                order=920,
                visible=can_edit_calendar,
            )
        )
        # Daily; it tells only on the first working day of a week (warnings.py).
        register_schedule(
            Schedule(
                name="deadlines: missing calendar notice",
                task="deadlines.calendar_missing_scan",
                description="从11月起每周提醒系统管理员、安全管理员录入缺失年度的节假日安排",
                crontab="10 8 * * *",
            )
        )
