"""Registration of grants, agreements, coordination, access log and masking (issue 4).

Called from `SharingCatalogConfig.ready()`: navigation, role permissions and beat schedules.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.roles import Role, is_working_group, register_role_permissions
from sharing_catalog.models import (
    AccessGrant,
    CatalogItem,
    CoordinationRequest,
    Objection,
    Obligation,
    OffPlatformAgreement,
    Submission,
)
from sharing_catalog.selectors.entitlements import reader_unit_ids
from sharing_catalog.selectors.objections import objection_list
from zhengxiang_portal.core.registry import (
    HomePanel,
    NavItem,
    register_home_panel,
    register_nav,
)
from zhengxiang_portal.core.schedules import Schedule, register_schedule
from zhengxiang_portal.ledger.exports import register_target_labeller
from zhengxiang_portal.ledger.selectors import (
    register_item_scope,
    register_unit_scope,
    target_scope,
)


def register() -> None:
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

    register_item_scope(_submission_scope)
    register_unit_scope(_unit_scope)

    register_target_labeller("sharing_catalog.submission", _submission_labels)
    register_target_labeller("sharing_catalog.objection", _objection_labels)
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

    return target_scope(Submission, Submission.objects.filter(obligation__item_id=item_id))


def _submission_labels(pks: list[str]) -> dict[str, str]:
    """Submissions as people name them: "司法拍卖成交信息 2026年11月 第2版"."""

    rows = Submission.objects.filter(pk__in=pks).values_list(
        "pk", "obligation__item__name", "obligation__period_label", "version"
    )
    return {
        str(pk): _("%(item)s %(period)s 第%(version)s版")
        % {"item": item, "period": period, "version": version}
        for pk, item, period, version in rows
    }


def _objection_labels(pks: list[str]) -> dict[str, str]:
    """Objections as people name them: "异议 #1 · 司法拍卖成交信息 2026年10月"."""

    rows = Objection.objects.filter(pk__in=pks).values_list(
        "pk", "item__name", "submission__obligation__period_label"
    )
    return {
        str(pk): _("异议 #%(pk)s · %(item)s %(period)s")
        % {"pk": pk, "item": item, "period": period}
        for pk, item, period in rows
    }


def _unit_scope(unit_ids):
    """Ledger entries about the units' catalog objects (Art. 22 各单位…建立台账).

    The submissions and obligations of the items they provide (with other units' views,
    downloads and receipts of that data), objections they raised or must answer, grants,
    off-platform agreements and coordination requests they are party to.
    """

    def party(provider: str, consumer: str) -> Q:
        return Q(**{f"{provider}__in": unit_ids}) | Q(**{f"{consumer}__in": unit_ids})

    return (
        target_scope(
            Submission, Submission.objects.filter(obligation__item__provider_id__in=unit_ids)
        )
        | target_scope(Obligation, Obligation.objects.filter(item__provider_id__in=unit_ids))
        | target_scope(CatalogItem, CatalogItem.objects.filter(provider_id__in=unit_ids))
        | target_scope(Objection, Objection.objects.filter(party("provider_id", "consumer_id")))
        | target_scope(
            AccessGrant, AccessGrant.objects.filter(party("item__provider_id", "consumer_id"))
        )
        | target_scope(
            OffPlatformAgreement,
            OffPlatformAgreement.objects.filter(party("provider_id", "consumer_id")),
        )
        | target_scope(
            CoordinationRequest, CoordinationRequest.objects.filter(unit_id__in=unit_ids)
        )
    )


def _objections_panel(request):
    """Home panel: objections this user's units must answer, by deadline."""

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
