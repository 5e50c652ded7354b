from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingCatalogConfig(AppConfig):
    """Data-exchange catalog (目录清单, Art. 20), submissions and receipts (Art. 22)."""

    name = "sharing_catalog"
    verbose_name = _("信息共享目录")

    def ready(self) -> None:
        # Imports inside ready(): apps.py is loaded before the models are.
        from . import deadline_sources

        deadline_sources.register()
        from . import catalog_registry
        from .selectors import entitlements

        catalog_registry.register()
        entitlements.register()

        from . import (  # noqa: F401  (registers the Celery tasks)
            governance,
            submission_tasks,
            tasks_governance,
        )
        from .services import record_codec

        record_codec.register()
        from .views.submissions import register_submission_plugins

        register_submission_plugins()
        governance.register()
        from zhengxiang_portal.deadlines.scan import DeadlineScan, register_deadline_scan

        from .services.objections import objection_deadline_scan
        from .services.obligations import obligations_scan

        register_deadline_scan(
            DeadlineScan(key="obligations", label=_("报送任务"), run=obligations_scan, order=20)
        )
        register_deadline_scan(
            DeadlineScan(
                key="objections", label=_("数据异议"), run=objection_deadline_scan, order=30
            )
        )
        _register_duty_sources()
        from zhengxiang_portal.statistics import StatisticsSection, register_statistics_section

        from .selectors.objections import objection_statistics
        from .selectors.submissions import submission_statistics

        register_statistics_section(
            StatisticsSection(key="objections", table=objection_statistics, order=20)
        )
        register_statistics_section(
            StatisticsSection(key="uploads", table=submission_statistics, order=30)
        )


def _register_duty_sources() -> None:
    """Open obligations and unanswered objections are duties of their provider (issue 14)."""
    from agencies.selectors import register_duty_source

    from .models import Objection, Obligation

    register_duty_source(
        "obligations",
        lambda: Obligation.objects.filter(
            status__in=[Obligation.Status.OPEN, Obligation.Status.OVERDUE]
        ).values("item__provider_id"),
    )
    register_duty_source(
        "objections",
        lambda: Objection.objects.exclude(status=Objection.Status.CLOSED).values("provider_id"),
    )
