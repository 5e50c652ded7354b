"""What the catalog and obligation part of the app plugs into the portal (called from ready())."""

from django.utils.translation import gettext_lazy as _

from agencies.roles import Role, has_role, is_working_group, register_role_permissions
from zhengxiang_portal.core.registry import HomePanel, NavItem, register_home_panel, register_nav
from zhengxiang_portal.core.schedules import Schedule, register_schedule

from .views.obligations import home_panel_context, working_group_panel_context

CATALOG_EDIT_PERMISSIONS = [
    "sharing_catalog.view_catalogitem",
    "sharing_catalog.add_catalogitem",
    "sharing_catalog.change_catalogitem",
    "sharing_catalog.view_schemaversion",
    "sharing_catalog.add_schemaversion",
    "sharing_catalog.change_schemaversion",
    "sharing_catalog.view_schemafield",
    "sharing_catalog.add_schemafield",
    "sharing_catalog.change_schemafield",
    "sharing_catalog.delete_schemafield",
    "sharing_catalog.view_obligation",
]


def _sees_obligations(user) -> bool:
    return is_working_group(user) or has_role(user, Role.LIAISON, Role.TAX_STAFF)


def register() -> None:
    # Art. 20: the working group keeps the catalog.
    register_role_permissions(Role.WG_LEADER, CATALOG_EDIT_PERMISSIONS)
    register_role_permissions(Role.WG_MEMBER, CATALOG_EDIT_PERMISSIONS)
    register_nav(
        NavItem(key="catalog", label=_("目录清单"), url_name="sharing_catalog:item_list", order=10)
    )
    register_nav(
        NavItem(
            key="obligations",
            label=_("报送任务"),
            url_name="sharing_catalog:obligation_list",
            order=20,
            visible=_sees_obligations,
        )
    )
    register_home_panel(
        HomePanel(
            key="obligations_due",
            template="sharing_catalog/obligations/_home_panel.html",
            context=home_panel_context,
            order=10,
        )
    )
    register_home_panel(
        HomePanel(
            key="obligations_overdue_by_unit",
            template="sharing_catalog/obligations/_overdue_panel.html",
            context=working_group_panel_context,
            order=11,
        )
    )
    register_schedule(
        Schedule(
            name="sharing_catalog: generate obligations",
            task="sharing_catalog.generate_obligations",
            description="生成本期及上一期的报送任务（已存在的不重复生成）",
            crontab="10 0 * * *",
        )
    )
    register_schedule(
        Schedule(
            name="sharing_catalog: sweep lost ingestion",
            task="sharing_catalog.sweep_submissions",
            description="重新派发因队列中断或工作进程失效而未处理的上传文件",
            every_seconds=60,
        )
    )
    register_schedule(
        Schedule(
            name="sharing_catalog: scan obligation deadlines",
            task="sharing_catalog.scan_obligations",
            description="报送到期提醒、逾期标记与升级（每项通知只发一次）",
            every_seconds=15 * 60,
        )
    )
