"""Registration of grants, agreements, coordination, access log and masking (issue 4).

Called from `SharingCatalogConfig.ready()`: navigation, role permissions and beat schedules.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from agencies.roles import Role, is_working_group, register_role_permissions
    from zhengxiang_portal.core.registry import (
        HomePanel,
        NavItem,
        register_home_panel,
        register_nav,
    )
    from zhengxiang_portal.core.schedules import Schedule, register_schedule

    from . import tasks_governance  # noqa: F401  (registers the Celery tasks)

    def _unit_or_group(user) -> bool:
        return bool(user.unit_id) or is_working_group(user)

    register_nav(
        NavItem(
            key="grants",
            label=_("共享授权"),
            url_name="sharing_catalog:grant_list",
            order=40,
            visible=_unit_or_group,
        )
    )
    register_nav(
        NavItem(
            key="agreements",
            label=_("线下共享报备"),
            url_name="sharing_catalog:agreement_list",
            order=45,
            visible=_unit_or_group,
        )
    )
    register_nav(
        NavItem(
            key="coordination",
            label=_("协调豁免"),
            url_name="sharing_catalog:coordination_list",
            order=46,
            visible=_unit_or_group,
        )
    )
    register_nav(
        NavItem(
            key="objections",
            label=_("数据异议"),
            url_name="sharing_catalog:objection_list",
            order=35,
            visible=_unit_or_group,
        )
    )
    register_home_panel(
        HomePanel(
            key="objections_due",
            template="sharing_catalog/_panel_objections.html",
            context=_objections_panel,
            order=25,
        )
    )
    readers = [
        "sharing_catalog.view_accessgrant",
        "sharing_catalog.view_offplatformagreement",
        "sharing_catalog.view_coordinationrequest",
        "sharing_catalog.view_objection",
    ]
    # 三员分立: the auditor reads the ledger and the access log, not the business records.
    for role in (Role.WG_LEADER, Role.WG_MEMBER):
        register_role_permissions(role, readers)
    from zhengxiang_portal.ledger.selectors import register_item_scope

    register_item_scope(_submission_scope)
    register_schedule(
        Schedule(
            name="sharing_catalog: expire access grants",
            task="sharing_catalog.expire_access_grants",
            description="共享授权到期处理",
            crontab="15 0 * * *",
        )
    )
    register_schedule(
        Schedule(
            name="sharing_catalog: remind agreement migration",
            task="sharing_catalog.remind_agreement_migration",
            description="线下共享协议逾期未融入平台提醒",
            crontab="30 8 * * 1-5",
        )
    )
    register_schedule(
        Schedule(
            name="sharing_catalog: apply exemptions",
            task="sharing_catalog.apply_exemptions",
            description="将协调豁免期内的报送任务标记为豁免",
            every_seconds=3600,
        )
    )
    register_schedule(
        Schedule(
            name="sharing_catalog: objection deadlines",
            task="sharing_catalog.objection_deadline_scan",
            description="数据异议到期提醒、逾期通知、升级与自动办结",
            crontab="0 8-18 * * *",
        )
    )


def _submission_scope(item_id: int):
    """Ledger entries about the item's submissions (upload, validate, confirm, receive …)."""
    from sharing_catalog.models import Submission
    from zhengxiang_portal.ledger.selectors import target_scope

    return target_scope(Submission, Submission.objects.filter(obligation__item_id=item_id))


def _objections_panel(request):
    """Home panel: objections this user's units must answer, by deadline."""
    from django.utils import timezone

    from sharing_catalog.models import Objection
    from sharing_catalog.selectors.entitlements import reader_unit_ids
    from sharing_catalog.selectors.objections import objection_list

    if not reader_unit_ids(user=request.user):
        return None  # acts for no unit: no provider's objections to answer (no query to build)
    due = list(
        objection_list(user=request.user, filters={"side": "provider"})
        .filter(status__in=[Objection.Status.OPEN, Objection.Status.DISPUTED])
        # What the panel shows: not the submission, the raiser or the provider (six wide rows).
        .select_related(None)
        .select_related("item", "consumer")
        .only("deadline", "item__name", "consumer__name", "consumer__short_name")[:8]
    )
    if not due:
        return None
    return {"objections": due, "today": timezone.localdate()}
