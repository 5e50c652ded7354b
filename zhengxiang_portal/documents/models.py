"""The working group's numbering settings, the per-year sequence and each issued document."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_NUMBER_TEMPLATE = "蒸税共治〔{year}〕{n}号"
DEFAULT_ISSUING_UNIT = "蒸湘区税费精诚共治专项工作组"


class DocumentSettings(models.Model):
    """One row (pk=1): how the working group numbers and signs its documents."""

    number_template = models.CharField(
        _("文号模板"),
        max_length=60,
        default=DEFAULT_NUMBER_TEMPLATE,
        help_text=_("用 {year} 表示年度，{n} 表示序号，例如 蒸税共治〔{year}〕{n}号。"),
    )
    issuing_unit = models.CharField(
        _("工作组发文机关"), max_length=100, default=DEFAULT_ISSUING_UNIT
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("公文编号设置")
        verbose_name_plural = _("公文编号设置")

    def __str__(self) -> str:
        return self.number_template


class DocumentSequence(models.Model):
    """The last serial handed out in a year; its row lock serialises allocation."""

    year = models.PositiveSmallIntegerField(_("年度"), primary_key=True)
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("公文序号")
        verbose_name_plural = _("公文序号")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IssuedDocument(models.Model):
    """A numbered document for one object (an order, a request); a number is never reused."""

    class Kind(models.TextChoices):
        RECTIFICATION_NOTICE = "rectification_notice", _("责令改正通知书")
        COLLABORATION_LETTER = "collaboration_letter", _("协作函")
        TRANSFER_LETTER = "transfer_letter", _("案件移送函")

    kind = models.CharField(_("文种"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    number = models.CharField(_("文号"), max_length=80, unique=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    issuing_unit = models.CharField(_("发文机关"), max_length=100)
    addressee = models.CharField(_("主送"), max_length=200)
    issued_on = models.DateField(_("成文日期"))
    issued_at = models.DateTimeField(_("发文时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-year", "-serial"]
        verbose_name = _("已发公文")
        verbose_name_plural = _("已发公文")
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="document_serial_once"),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"], name="document_once_per_object"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"
