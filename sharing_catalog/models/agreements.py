"""Off-platform sharing agreements (线下共享报备, Art. 21) and coordination requests (Art. 20)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels

from .catalog import CatalogItem


class OffPlatformAgreement(ChoiceLabels, models.Model):
    """What a provider shares with a consumer outside the platform, filed with the working group.

    Art. 21: 商定信息共享内容、信息传送标准和信息传送方式等，并向共治专项工作组报备，在条件成熟后
    及时融入平台 — hence the target date for migration onto the platform.
    """

    class Method(models.TextChoices):
        DEDICATED_LINE = "dedicated_line", _("专线/前置机")
        MEDIA = "media", _("移动介质（光盘/U盘）")
        PAPER = "paper", _("纸质材料")
        EMAIL = "email", _("政务邮箱")
        SYSTEM = "system", _("对方业务系统")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("已登记")
        FILED = "filed", _("已报备工作组")
        MIGRATED = "migrated", _("已融入平台")

    provider = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("信息提供单位"),
        on_delete=models.PROTECT,
        related_name="agreements_provided",
    )
    consumer = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("信息需求单位"),
        on_delete=models.PROTECT,
        related_name="agreements_consumed",
    )
    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("对应目录项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="off_platform_agreements",
    )
    content = models.TextField(_("共享内容"))
    format_standard = models.CharField(_("信息传送标准"), max_length=300)
    method = models.CharField(_("传送方式"), max_length=20, choices=Method.choices)
    frequency = models.CharField(
        _("传送频率"), max_length=16, choices=CatalogItem.Frequency.choices
    )
    signed_on = models.DateField(_("商定日期"))
    target_migration_date = models.DateField(_("计划融入平台日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED, db_index=True
    )
    filed_with_wg_at = models.DateTimeField(_("报备时间"), null=True, blank=True)
    migrated_at = models.DateTimeField(_("融入平台时间"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["target_migration_date", "pk"]
        verbose_name = _("线下共享协议")
        verbose_name_plural = _("线下共享协议")
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider=models.F("consumer")), name="agreement_two_parties"
            ),
            models.CheckConstraint(
                condition=Q(target_migration_date__gte=models.F("signed_on")),
                name="agreement_migration_after_signing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} → {self.consumer}：{self.content[:30]}"


class CoordinationRequest(ChoiceLabels, models.Model):
    """A provider's request for coordination when it cannot share an item (Art. 20).

    Art. 20: 因政策执行口径、管理方式等原因无法实施共享的，共治专项工作组及时协调调度.
    The working group exempts it until a date, accepts a plan with a target date, or rejects.
    Obligations falling in an exemption are set EXEMPT and are never counted overdue.
    """

    class Reason(models.TextChoices):
        POLICY = "policy", _("政策执行口径")
        MANAGEMENT = "management", _("管理方式")
        TECHNICAL = "technical", _("技术条件")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待协调")
        EXEMPT = "exempt", _("同意豁免")
        PLAN = "plan", _("按计划整改")
        REJECTED = "rejected", _("不予豁免")

    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("申请单位"),
        on_delete=models.PROTECT,
        related_name="coordination_requests",
    )
    item = models.ForeignKey(
        CatalogItem,
        verbose_name=_("目录项"),
        on_delete=models.PROTECT,
        related_name="coordination_requests",
    )
    reason = models.CharField(_("原因类别"), max_length=16, choices=Reason.choices)
    reason_text = models.TextField(_("具体原因"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    exempt_until = models.DateField(_("豁免至"), null=True, blank=True)
    plan_target_date = models.DateField(_("计划完成日期"), null=True, blank=True)
    decision_comment = models.TextField(_("工作组意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("协调申请")
        verbose_name_plural = _("协调申请")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status="requested"),
                name="coordination_one_pending_per_item",
            ),
            models.CheckConstraint(
                condition=~Q(status="exempt") | Q(exempt_until__isnull=False),
                name="coordination_exempt_has_end",
            ),
            models.CheckConstraint(
                condition=~Q(status="plan") | Q(plan_target_date__isnull=False),
                name="coordination_plan_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.item.code}（{self.get_status_display()}）"
