"""Access grants (授权) for conditionally shared items (有条件共享, Art. 19, 24)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sharing_catalog.purposes import StatutoryPurpose
from zhengxiang_portal.core.models import ChoiceLabels


class AccessGrant(ChoiceLabels, models.Model):
    """A consumer unit's right to read one conditionally shared item, for a stated purpose.

    The provider decides; when the catalog says so (`grant_needs_working_group`) the working
    group decides after it. A grant is live while approved and inside [valid_from, valid_until].
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        REVOKED = "revoked", _("已撤销")
        EXPIRED = "expired", _("已到期")

    class Decision(models.TextChoices):
        PENDING = "pending", _("待决定")
        APPROVED = "approved", _("同意")
        REJECTED = "rejected", _("不同意")
        NOT_NEEDED = "not_needed", _("无需审批")

    item = models.ForeignKey(
        "sharing_catalog.CatalogItem",
        verbose_name=_("目录项"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    consumer = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("申请单位"),
        on_delete=models.PROTECT,
        related_name="access_grants",
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=StatutoryPurpose.choices)
    purpose_text = models.CharField(_("用途说明"), max_length=300, blank=True)
    legal_basis = models.TextField(_("法律依据"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    provider_decision = models.CharField(
        _("提供单位意见"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    provider_comment = models.CharField(_("提供单位说明"), max_length=500, blank=True)
    provider_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    provider_decided_at = models.DateTimeField(_("提供单位决定时间"), null=True, blank=True)
    wg_decision = models.CharField(
        _("工作组意见"), max_length=16, choices=Decision.choices, default=Decision.NOT_NEEDED
    )
    wg_comment = models.CharField(_("工作组说明"), max_length=500, blank=True)
    wg_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wg_decided_at = models.DateTimeField(_("工作组决定时间"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最终决定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("最终决定时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)
    expired_at = models.DateTimeField(_("到期处理时间"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "consumer"],
                condition=Q(status__in=["requested", "approved"]),
                name="access_grant_one_open_per_consumer",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="access_grant_validity_ordered",
            ),
        ]
        indexes = [models.Index(fields=["consumer", "status", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.consumer} → {self.item.code}"

    @property
    def awaiting_working_group(self) -> bool:
        return self.status == self.Status.REQUESTED and self.wg_decision == self.Decision.PENDING


class FieldDisclosure(ChoiceLabels, models.Model):
    """A sensitive field one consuming unit sees in clear, for one statutory purpose (Art. 24).

    明文字段规则: decided per catalog item and field by the working group (专项工作组), per
    consuming unit, e.g. 区税务局 sees 买受人证件号码 in clear when it declares 税费征收管理;
    every other consumer, and the same unit under another purpose, sees it masked.
    """

    item = models.ForeignKey(
        "sharing_catalog.CatalogItem",
        verbose_name=_("目录项"),
        on_delete=models.CASCADE,
        related_name="field_disclosures",
    )
    consumer = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("需求单位"),
        on_delete=models.PROTECT,
        related_name="field_disclosures",
    )
    field_key = models.CharField(_("字段"), max_length=64)
    purpose = models.CharField(_("用途"), max_length=20, choices=StatutoryPurpose.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), auto_now_add=True)

    class Meta:
        ordering = ["item", "consumer", "field_key", "purpose"]
        verbose_name = _("明文字段规则")
        verbose_name_plural = _("明文字段规则")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "consumer", "field_key", "purpose"],
                name="field_disclosure_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} · {self.field_key} → {self.consumer}"


class PurposeDeclaration(ChoiceLabels, models.Model):
    """A statutory purpose (用途) one user declared for reading one item (Art. 23, 24, 27).

    It holds for that user and item until `valid_until` (the end of the local day it was
    declared), across sign-ins, so the tax bureau declares once a day and then views and
    downloads; each view and download is still logged with it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("声明人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "sharing_catalog.CatalogItem",
        verbose_name=_("目录项"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=StatutoryPurpose.choices)
    purpose_text = models.CharField(_("用途说明"), max_length=300, blank=True)
    declared_at = models.DateTimeField(_("声明时间"))
    valid_until = models.DateTimeField(_("有效至"))

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("用途声明")
        verbose_name_plural = _("用途声明")
        indexes = [models.Index(fields=["user", "item", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.item.code} · {self.get_purpose_display()}"
