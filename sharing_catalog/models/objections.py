"""Objections (异议/疑义, Art. 19, 22) raised by consumer units on confirmed data."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels


class Objection(ChoiceLabels, models.Model):
    """A consumer unit's objection to a confirmed submission, or to chosen rows of it.

    Art. 22: 信息需求单位反映存有疑义或明显错误的信息，信息提供单位要及时解释说明或更正. The
    provider answers by a working-day deadline (the item's `objection_working_days`) by explaining
    or correcting (linking the new version); the consumer then accepts or disputes the answer by
    `accept_deadline` (the item's `objection_accept_working_days`), and silence closes it with the
    provider's own answer. Either side may ask the working group to arbitrate. The steps are the
    table in `sharing_catalog.services.objections`; deadline state lives here and is acted on by
    the periodic deadline scan.
    """

    class Category(models.TextChoices):
        DOUBT = "doubt", _("疑义")
        ERROR = "error", _("明显错误")
        MISSING = "missing", _("缺漏")
        DUPLICATE = "duplicate", _("重复")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待答复")
        EXPLAINED = "explained", _("已解释说明")
        DISPUTED = "disputed", _("对解释有异议")
        CORRECTED = "corrected", _("已更正")
        ARBITRATION = "arbitration", _("工作组裁决中")
        CLOSED = "closed", _("已办结")

    class ClosingReason(models.TextChoices):
        DATA_CORRECT = "data_correct", _("数据无误（按原样）")
        EXPLAINED = "explained", _("已说明")
        CORRECTED = "corrected", _("已更正")
        DUPLICATE = "duplicate", _("重复异议")
        WITHDRAWN = "withdrawn", _("撤回")
        ARBITRATED = "arbitrated", _("工作组裁决")
        OTHER = "other", _("其他")

    class Ruling(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        NOT_UPHELD = "not_upheld", _("异议不成立")

    submission = models.ForeignKey(
        "sharing_catalog.Submission",
        verbose_name=_("数据版本"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    item = models.ForeignKey(
        "sharing_catalog.CatalogItem",
        verbose_name=_("目录项"),
        on_delete=models.PROTECT,
        related_name="objections",
    )
    provider = models.ForeignKey(
        "agencies.Unit", verbose_name=_("提供单位"), on_delete=models.PROTECT, related_name="+"
    )
    consumer = models.ForeignKey(
        "agencies.Unit", verbose_name=_("提出单位"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    description = models.TextField(_("异议说明"))
    row_numbers = models.JSONField(_("涉及行号"), default=list, blank=True)
    row_keys = models.JSONField(_("涉及记录唯一键"), default=list, blank=True)
    fields = models.JSONField(_("涉及字段"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    round = models.PositiveSmallIntegerField(_("答复轮次"), default=1)
    first_deadline = models.DateField(_("首次答复期限"))
    deadline = models.DateField(_("当前答复期限"), db_index=True)
    answered_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    explanation = models.TextField(_("解释说明"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explained_at = models.DateTimeField(_("解释时间"), null=True, blank=True)
    accept_deadline = models.DateField(
        _("答复确认期限"),
        null=True,
        blank=True,
        help_text=_("提出单位在此日前认可答复或提出异议；逾期未表示的，按提供单位的答复办结。"),
    )
    dispute_text = models.TextField(_("对解释的异议"), blank=True)
    correction = models.ForeignKey(
        "sharing_catalog.Submission",
        verbose_name=_("更正版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_objections",
    )
    arbitration_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arbitration_reason = models.TextField(_("申请裁决理由"), blank=True)
    arbitration_requested_at = models.DateTimeField(_("申请裁决时间"), null=True, blank=True)
    ruling = models.CharField(_("裁决结果"), max_length=16, choices=Ruling.choices, blank=True)
    ruling_comment = models.TextField(_("裁决意见"), blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ruled_at = models.DateTimeField(_("裁决时间"), null=True, blank=True)
    closing_reason = models.CharField(
        _("办结原因"), max_length=16, choices=ClosingReason.choices, blank=True
    )
    closing_text = models.CharField(_("办结说明"), max_length=500, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        indexes = [
            models.Index(fields=["provider", "status", "deadline"]),
            models.Index(fields=["consumer", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(closing_reason=""),
                name="objection_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"异议 #{self.pk} · {self.item.code}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def awaits_provider(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.DISPUTED)

    @property
    def awaits_consumer(self) -> bool:
        return self.status in (self.Status.EXPLAINED, self.Status.CORRECTED)

    def is_overdue_on(self, day: dt.date) -> bool:
        """Unanswered past the current round's deadline on `day` (Art. 22: 及时解释说明或更正)."""
        return self.awaits_provider and self.deadline < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def label(self) -> str:
        """How a person names it in a subject line: 异议#3（司法拍卖成交信息）."""
        return gettext("异议#%(pk)s（%(item)s）") % {"pk": self.pk, "item": self.item.name}
