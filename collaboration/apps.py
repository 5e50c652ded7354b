from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationConfig(AppConfig):
    """Collaboration requests between the tax bureau and units (Art. 6, 7)."""

    name = "collaboration"
    verbose_name = _("协作事项")

    def ready(self) -> None:
        from . import deadline_sources

        deadline_sources.register()
        from zhengxiang_portal.ledger.selectors import register_unit_scope

        from .selectors import ledger_unit_scope

        register_unit_scope(ledger_unit_scope)
        from agencies.roles import Role, register_role_permissions
        from zhengxiang_portal.core.registry import (
            HomePanel,
            NavItem,
            register_home_panel,
            register_nav,
        )
        from zhengxiang_portal.core.schedules import Schedule, register_schedule
        from zhengxiang_portal.deadlines.scan import DeadlineScan, register_deadline_scan

        from . import panels
        from .permissions import sees_collaboration
        from .services import case_return_scan, request_deadline_scan

        register_deadline_scan(
            DeadlineScan(key="requests", label=_("协作请求"), run=request_deadline_scan, order=10)
        )
        register_deadline_scan(
            DeadlineScan(
                key="case_returns",
                label=_("退回行政处理的案件"),
                run=case_return_scan,
                order=11,
            )
        )

        register_nav(
            NavItem(
                key="collaboration",
                label=_("协作事项"),
                url_name="collaboration:request_list",
                order=30,
                visible=sees_collaboration,
            )
        )
        from agencies.selectors import register_duty_source

        from .models import OPEN_STATUSES, CollaborationRequest

        register_duty_source(
            "collaboration_requests",
            lambda: CollaborationRequest.objects.filter(status__in=OPEN_STATUSES).values(
                "target_unit_id"
            ),
        )
        register_home_panel(
            HomePanel(
                key="collaboration_todo",
                template="collaboration/panels/todo.html",
                context=panels.todo_panel,
                order=30,
            )
        )
        register_home_panel(
            HomePanel(
                key="collaboration_rulings",
                template="collaboration/panels/rulings.html",
                context=panels.rulings_panel,
                order=31,
            )
        )
        from zhengxiang_portal.statistics import StatisticsSection, register_statistics_section

        from .selectors import case_return_statistics, transfer_statistics

        register_statistics_section(
            StatisticsSection(key="case_transfers", table=transfer_statistics, order=50)
        )
        register_statistics_section(
            StatisticsSection(key="case_returns", table=case_return_statistics, order=51)
        )
        view = ["collaboration.view_collaborationrequest", "collaboration.view_mattertype"]
        register_role_permissions(Role.TAX_STAFF, view)
        register_role_permissions(Role.LIAISON, view)
        register_role_permissions(Role.WG_MEMBER, view)
        register_role_permissions(
            Role.WG_LEADER,
            [
                *view,
                # The working group keeps the list of matter types (and their deadlines).
                "collaboration.add_mattertype",
                "collaboration.change_mattertype",
            ],
        )
        register_schedule(
            Schedule(
                name="collaboration: deadline scan",
                task="collaboration.deadline_scan",
                description="协作请求到期提醒、逾期通知与上报工作组",
                every_seconds=15 * 60,
            )
        )
        register_schedule(
            Schedule(
                name="collaboration: returned cases scan",
                task="collaboration.case_return_scan",
                description="退回行政处理案件的处理期限提醒与逾期通知（第六条第三项）",
                every_seconds=60 * 60,
            )
        )
