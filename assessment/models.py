"""Assessment (考核评价, Art. 25) and rectification orders (责令改正, Art. 28)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels, StoredAttachment
from zhengxiang_portal.core.uploads import stored_name
from zhengxiang_portal.deadlines.asof import AsOf

from .rules import RuleKind


class Period(ChoiceLabels, models.Model):
    """An assessment period (考核期间): a quarter or a year; frozen periods keep their scores."""

    class Kind(models.TextChoices):
        QUARTER = "quarter", _("季度")
        YEAR = "year", _("年度")

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        FROZEN = "frozen", _("已冻结")

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    computed_at = models.DateTimeField(_("最近计算时间"), null=True, blank=True)

    class Meta:
        ordering = ["-start", "kind"]
        verbose_name = _("考核期间")
        verbose_name_plural = _("考核期间")
        permissions = [
            ("manage_assessment", _("管理考核（指标体系、计算、调整、保密违规记录）")),
            ("freeze_period", _("冻结考核期间")),
            ("view_all_scores", _("查看全部单位的考核得分")),
            ("issue_rectification", _("下达责令改正通知")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "quarter"], name="period_unique"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_ordered"),
            models.CheckConstraint(
                condition=(Q(kind="quarter", quarter__gte=1, quarter__lte=4))
                | Q(kind="year", quarter__isnull=True),
                name="period_quarter_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN

    @property
    def as_of_day(self) -> dt.date | None:
        """The day the last computation judged lateness at (逾期判定日), None if never computed."""
        if self.computed_at is None:
            return None
        return AsOf.for_period(end=self.end, today=timezone.localdate(self.computed_at)).day


class PendingRecompute(models.Model):
    """A period whose facts changed after its scores were last computed (待重新计算).

    Written after the change commits (one row per period, `requested_at` the latest change);
    the recompute task compares it with the period's `computed_at`, so a burst of changes
    makes one recomputation. Kept apart from Period so that marking never waits for the lock a
    running recomputation holds on the period row.
    """

    period = models.OneToOneField(
        Period, primary_key=True, on_delete=models.CASCADE, related_name="pending_recompute"
    )
    requested_at = models.DateTimeField(_("事实变更时间"))

    class Meta:
        verbose_name = _("待重新计算的考核期间")
        verbose_name_plural = _("待重新计算的考核期间")

    def __str__(self) -> str:
        return f"{self.period_id} @ {self.requested_at:%Y-%m-%d %H:%M:%S}"


class IndicatorScheme(models.Model):
    """The indicator scheme (指标体系) of one period, edited by the working group."""

    period = models.OneToOneField(
        Period, verbose_name=_("考核期间"), on_delete=models.CASCADE, related_name="scheme"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("考核指标体系")
        verbose_name_plural = _("考核指标体系")

    def __str__(self) -> str:
        return str(_("%(period)s 指标体系") % {"period": self.period})


class Indicator(ChoiceLabels, models.Model):
    """One indicator: a weight (the scheme's weights sum to 100) and a declarative rule."""

    scheme = models.ForeignKey(
        IndicatorScheme,
        verbose_name=_("指标体系"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("指标名称"), max_length=60)
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    kind = models.CharField(_("评分规则"), max_length=40, choices=RuleKind.choices)
    params = models.JSONField(_("规则参数"), default=dict, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["scheme", "position", "pk"]
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="indicator_name_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="indicator_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}）"


class ConfidentialityBreach(models.Model):
    """A breach of confidentiality recorded by the working group (Art. 24, 27)."""

    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="confidentiality_breaches",
    )
    occurred_on = models.DateField(_("发生日期"))
    description = models.TextField(_("情况说明"))
    reference = models.CharField(_("文书编号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "pk"]
        verbose_name = _("违反保密义务记录")
        verbose_name_plural = _("违反保密义务记录")
        indexes = [models.Index(fields=["unit", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.unit} {self.occurred_on}"


class Score(models.Model):
    """One unit's score on one indicator of a period, with the evidence it counted.

    `evidence` is a list of {"ct": "app_label.model", "id", "label", "url", "tag"} references,
    frozen with the score so a frozen period still explains itself.
    """

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey("agencies.Unit", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, default=0)
    max = models.DecimalField(_("满分"), max_digits=8, decimal_places=2, default=100)
    computed_value = models.DecimalField(_("计算得分"), max_digits=8, decimal_places=2, default=0)
    not_applicable = models.BooleanField(_("不适用"), default=False)
    adjusted = models.BooleanField(_("已人工调整"), default=False)
    effective_weight = models.DecimalField(_("实际权重"), max_digits=6, decimal_places=2, default=0)
    weighted = models.DecimalField(_("加权得分"), max_digits=8, decimal_places=2, default=0)
    explanation = models.CharField(_("计算说明"), max_length=300, blank=True)
    facts = models.JSONField(_("事实数据"), default=dict, blank=True)
    evidence = models.JSONField(_("依据"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    class Meta:
        ordering = ["period", "unit", "indicator__position"]
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "indicator"], name="score_once_per_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit_id} {self.indicator_id}: {self.value}"


class UnitResult(models.Model):
    """A unit's total for a period (Σ weighted scores) and its rank; what dashboards read."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey("agencies.Unit", on_delete=models.CASCADE, related_name="+")
    total = models.DecimalField(_("总分"), max_digits=8, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("排名"), null=True, blank=True)
    redistributed = models.BooleanField(_("权重已重新分配"), default=False)
    facts = models.JSONField(_("事实数据"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    class Meta:
        ordering = ["period", "rank", "unit"]
        verbose_name = _("单位考核结果")
        verbose_name_plural = _("单位考核结果")
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="result_once_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit_id}: {self.total}"


class ScoreAdjustment(models.Model):
    """A manual score by the working group, with its reason (kept across recomputations)."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey("agencies.Unit", on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="adjustments")
    value = models.DecimalField(_("调整后得分"), max_digits=8, decimal_places=2)
    previous_value = models.DecimalField(
        _("调整前得分"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reason = models.TextField(_("调整理由"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("得分调整")
        verbose_name_plural = _("得分调整")
        indexes = [models.Index(fields=["period", "unit", "indicator", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} → {self.value}"


class RectificationOrder(ChoiceLabels, models.Model):
    """An order to correct (责令改正, Art. 28) issued by the working group to a unit."""

    class Failure(models.TextChoices):
        NOT_PROVIDING_DATA = "not_providing_data", _("不提供或未按规定提供共享信息")
        NOT_COOPERATING = "not_cooperating", _("未履行协作义务")
        CONFIDENTIALITY = "confidentiality", _("未履行保密义务")

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        ANSWERED = "answered", _("已反馈待审核")
        CLOSED = "closed", _("已办结")
        ESCALATED = "escalated", _("已升级问责")

    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("被责令单位"),
        on_delete=models.PROTECT,
        related_name="rectification_orders",
    )
    period = models.ForeignKey(
        Period,
        verbose_name=_("考核期间"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    failure = models.CharField(_("问题类型"), max_length=32, choices=Failure.choices)
    facts = models.TextField(_("事实与依据"))
    evidence = models.JSONField(_("附带事实"), default=list, blank=True)
    requirement = models.TextField(_("整改要求"))
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"), default=10)
    due_date = models.DateField(_("整改截止日"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("下达时间"))
    correction = models.TextField(_("整改情况"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期通知时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("责令改正通知")
        verbose_name_plural = _("责令改正通知")
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self) -> str:
        return str(_("责令改正通知 #%(pk)s") % {"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ANSWERED)

    @property
    def reply_attachments(self) -> models.QuerySet[OrderAttachment]:
        """The unit's reply files (整改材料), not the accountability records' files."""
        return self.attachments.filter(accountability__isnull=True)


def _order_attachment_path(instance: OrderAttachment, filename: str) -> str:
    return stored_name("assessment/orders", instance.order_id)


class OrderAccountability(models.Model):
    """Accountability (问责, Art. 27–28) decided by the competent body after an escalated order."""

    order = models.ForeignKey(
        RectificationOrder,
        verbose_name=_("责令改正通知"),
        on_delete=models.PROTECT,
        related_name="accountabilities",
    )
    persons = models.TextField(_("责任人员（姓名、职务）"))
    decision = models.TextField(_("问责决定"))
    referred_to = models.CharField(_("有权部门"), max_length=200)
    decided_on = models.DateField(_("决定日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")

    def __str__(self) -> str:
        return str(_("问责记录 #%(pk)s") % {"pk": self.pk})

    @property
    def person_lines(self) -> list[str]:
        return [line.strip() for line in self.persons.splitlines() if line.strip()]


class OrderAttachment(StoredAttachment):
    """A file attached to a unit's rectification reply (整改材料) or to an accountability record
    (问责材料, `accountability` set), served by a checked view."""

    order = models.ForeignKey(
        RectificationOrder,
        verbose_name=_("责令改正通知"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    accountability = models.ForeignKey(
        OrderAccountability,
        verbose_name=_("问责记录"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=_order_attachment_path, max_length=200)

    class Meta(StoredAttachment.Meta):
        verbose_name = _("整改材料")
        verbose_name_plural = _("整改材料")
