from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """Assessment periods, scores and rectification orders (Art. 25, 28)."""

    name = "assessment"
    verbose_name = _("考核评价")

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from . import (
            deadline_sources,
            tasks,  # noqa: F401  (registers the Celery tasks: services send them by name)
        )

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
        from zhengxiang_portal.ledger.actions import LedgerAction
        from zhengxiang_portal.ledger.services import register_ledger_listener

        from .permissions import can_view_all
        from .services import assessment_facts_changed, orders_scan
        from .views import home_panel_context

        register_deadline_scan(
            DeadlineScan(key="orders", label=_("责令改正"), run=orders_scan, order=40)
        )

        manage = [
            "assessment.manage_assessment",
            "assessment.view_all_scores",
            "assessment.issue_rectification",
            "assessment.view_period",
            "assessment.add_period",
            "assessment.view_indicatorscheme",
            "assessment.change_indicatorscheme",
            "assessment.view_indicator",
            "assessment.add_indicator",
            "assessment.change_indicator",
            "assessment.delete_indicator",
            "assessment.view_score",
            "assessment.view_confidentialitybreach",
            "assessment.add_confidentialitybreach",
            "assessment.view_rectificationorder",
        ]
        register_role_permissions(Role.WG_LEADER, [*manage, "assessment.freeze_period"])
        register_role_permissions(Role.WG_MEMBER, manage)
        register_nav(
            NavItem(
                key="assessment",
                label=_("考核评价"),
                url_name="assessment:dashboard",
                order=60,
                visible=can_view_all,
            )
        )
        register_nav(
            NavItem(
                key="assessment_mine",
                label=_("本单位考核"),
                url_name="assessment:my_unit",
                order=61,
                visible=lambda u: not can_view_all(u) and bool(getattr(u, "unit_id", None)),
            )
        )
        from agencies.selectors import register_duty_source

        from .models import RectificationOrder

        register_duty_source(
            "rectification_orders",
            lambda: RectificationOrder.objects.filter(
                status__in=[RectificationOrder.Status.OPEN, RectificationOrder.Status.ANSWERED]
            ).values("unit_id"),
        )
        register_home_panel(
            HomePanel(
                key="assessment_orders",
                template="assessment/panels/orders.html",
                context=home_panel_context,
                order=40,
            )
        )
        register_schedule(
            Schedule(
                name="assessment: open the current period",
                task="assessment.open_current_periods",
                description="新季度（年度）首日自动设立考核期间，沿用上一期间的指标体系",
                crontab="20 0 * * *",
            )
        )
        register_schedule(
            Schedule(
                name="assessment: nightly recompute",
                task="assessment.recompute_periods",
                description="每晚根据最新事实重新计算未冻结考核期间的得分",
                crontab="30 1 * * *",
            )
        )
        register_schedule(
            Schedule(
                name="assessment: ask to freeze ended periods",
                task="assessment.ask_to_freeze_periods",
                description="考核期间结束并可判定后提请工作组组长冻结，未冻结的每周提醒",
                crontab="0 9 * * *",
            )
        )
        register_schedule(
            Schedule(
                name="assessment: recompute changed periods",
                task="assessment.recompute_pending",
                description="每分钟重新计算事实有变化的考核期间（变化提交后即已发送，此处补漏）",
                every_seconds=60,
            )
        )
        # Every ledger entry that records a change of fact the scores read makes the open
        # periods stale: uploads, validation, confirmation and corrections, catalog changes and
        # exemptions (obligations), objection steps, request steps, rectification orders, the
        # deadline scans' state changes and calendar changes (they move stored deadlines).
        register_ledger_listener(
            actions=[
                LedgerAction.UPLOAD,
                LedgerAction.VALIDATE,
                LedgerAction.CONFIRM,
                LedgerAction.CORRECT,
                LedgerAction.CATALOG,
                LedgerAction.EXEMPTION,
                LedgerAction.OBJECTION,
                LedgerAction.REQUEST,
                LedgerAction.RECTIFICATION,
                LedgerAction.DEADLINE,
                LedgerAction.CALENDAR,
            ],
            listener=assessment_facts_changed,
        )
        register_schedule(
            Schedule(
                name="assessment: scan rectification orders",
                task="assessment.scan_rectification_orders",
                description="责令改正通知到期提醒与逾期通知",
                crontab="15 * * * *",
            )
        )
        from zhengxiang_portal.statistics import StatisticsSection, register_statistics_section

        from .selectors import order_statistics

        register_statistics_section(
            StatisticsSection(key="orders", table=order_statistics, order=40)
        )
