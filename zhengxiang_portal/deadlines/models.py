from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """An admin's correction of one day (调休/临时放假) the holiday package does not know."""

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")

    def __str__(self) -> str:
        kind = _("工作日") if self.is_working_day else _("休息日")
        return f"{self.day:%Y-%m-%d} {kind}"


class OfficialYear(models.Model):
    """A year whose State Council holiday schedule (国务院办公厅节假日安排) has been entered.

    For an entered year the engine follows its days (holidays and 调休 make-up workdays) and
    otherwise Monday–Friday; the `holidays` package is only the fallback for years not entered.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    source = models.CharField(_("文件依据"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"))

    class Meta:
        ordering = ["-year"]
        verbose_name = _("国务院节假日安排")
        verbose_name_plural = _("国务院节假日安排")

    def __str__(self) -> str:
        return _("%(year)s年节假日安排") % {"year": self.year}


class OfficialDay(models.Model):
    """One day of an entered schedule: a holiday (休) or a make-up workday (调休上班, 班)."""

    schedule = models.ForeignKey(
        OfficialYear, verbose_name=_("年度安排"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("节日"), max_length=50, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("法定安排日")
        verbose_name_plural = _("法定安排日")

    def __str__(self) -> str:
        kind = _("上班") if self.is_working_day else _("放假")
        return f"{self.day:%Y-%m-%d} {kind}"


class DeadlineRule(models.Model):
    """How a stored deadline was computed: N working days after a day, or after another deadline.

    Kept for every deadline the engine computes (obligations, requests, objections, orders), so
    a calendar change can compute it again; a date a person chose (an approved extension) has no
    rule and stays as chosen.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    field = models.CharField(_("期限字段"), max_length=50)
    start = models.DateField(_("起算日"), null=True, blank=True)
    start_field = models.CharField(_("起算期限字段"), max_length=50, blank=True)
    working_days = models.PositiveSmallIntegerField(_("工作日数"))

    class Meta:
        verbose_name = _("期限计算规则")
        verbose_name_plural = _("期限计算规则")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"], name="deadline_rule_once"
            ),
            models.CheckConstraint(
                condition=models.Q(start__isnull=False) | ~models.Q(start_field=""),
                name="deadline_rule_has_start",
            ),
        ]

    def __str__(self) -> str:
        start = self.start.isoformat() if self.start else self.start_field
        return f"{self.field} = {start} + {self.working_days}"
