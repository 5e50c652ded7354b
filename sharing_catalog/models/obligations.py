"""Reporting obligations: for each published item and period, what is owed and by when."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels


class Obligation(ChoiceLabels, models.Model):
    """The provider's duty to upload one period of a catalog item by a working-day due date.

    Deadline state (reminded / overdue / escalated) is kept here, in the database, and acted on
    by periodic scans — never by long ETA tasks in the broker.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("待报送")
        SUBMITTED = "submitted", _("已报送待确认")
        FULFILLED = "fulfilled", _("已确认")
        OVERDUE = "overdue", _("已逾期")
        EXEMPT = "exempt", _("已协调豁免")

    item = models.ForeignKey(
        "sharing_catalog.CatalogItem",
        verbose_name=_("目录项"),
        on_delete=models.PROTECT,
        related_name="obligations",
    )
    period_start = models.DateField(_("期间开始"))
    period_end = models.DateField(_("期间结束"))
    period_label = models.CharField(_("期间"), max_length=40)
    due_date = models.DateField(_("报送截止日"), db_index=True)
    grace_until = models.DateField(_("宽限截止日"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    fulfilled_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期通知时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["due_date", "item__code"]
        verbose_name = _("报送任务")
        verbose_name_plural = _("报送任务")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "period_start"], name="obligation_once_per_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="obligation_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.period_label}"
