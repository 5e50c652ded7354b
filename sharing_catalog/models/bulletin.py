"""A published 报送情况通报: once per period, with who was told and the figures sent (Art. 20,
22, 28)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BulletinPublication(models.Model):
    """The working group sent a period's bulletin to every unit's liaisons and to itself.

    One row per period (the unique key makes a second publication of the same period, even a
    concurrent one, a refusal instead of a second round of messages). `who` and `told` record
    the fact of who was told; `unreachable` names the units ranked in the bulletin that had
    nobody to tell (无人可通知).
    """

    period_key = models.CharField(_("期间"), max_length=8, unique=True)  # "2026-09", "2026-Q3"
    period_label = models.CharField(_("期间名称"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    told = models.JSONField(_("已通知账号"), default=list, blank=True)
    who = models.TextField(_("通知对象"), blank=True)
    unreachable = models.JSONField(_("无人可通知的单位"), default=list, blank=True)
    # The figures as published, one object per ranked unit (UnitReporting's fields), and the
    # document's date: a published 通报 is an official document, so its page, print view and
    # files show what was sent, not figures recomputed later (an objection closed since, a
    # late file confirmed since). Empty for a publication made before figures were frozen.
    rows = models.JSONField(_("发布时的各单位数据"), default=list, blank=True)
    issued_on = models.DateField(_("发文日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("报送情况通报发布")
        verbose_name_plural = verbose_name
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title
