from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels


class Notification(ChoiceLabels, models.Model):
    """One message to one user, in the inbox and (once) by e-mail.

    `key` names the event (object, kind, level), so the same reminder inserted twice — beat firing
    twice, two workers scanning at once, a retried task — is stored once and mailed once.
    """

    class EmailState(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        SKIPPED = "skipped", _("无邮箱")
        FAILED = "failed", _("发送失败")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    key = models.CharField(_("事件键"), max_length=200)
    kind = models.CharField(_("类型"), max_length=50)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_state = models.CharField(
        _("邮件状态"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_state", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.subject
