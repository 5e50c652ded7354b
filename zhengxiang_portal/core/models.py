from django.conf import settings
from django.db import models
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

_choice_labels: dict[tuple[models.Field, str | None], dict] = {}


def choice_label(field: models.Field, value):
    """The label of `value` among `field`'s choices in the active language, else `value` itself.

    Django's `get_FOO_display` rebuilds a dict of the field's choices on every call, which
    translates every lazy label to hash it: a list page paid ~60 of those. The portal's choices
    are fixed enums, so the table is built once per field and language and kept for the process.
    """
    key = (field, get_language())
    labels = _choice_labels.get(key)
    if labels is None:
        labels = {make_hashable(k): str(v) for k, v in field.flatchoices}
        _choice_labels[key] = labels
    return labels.get(make_hashable(value), value)


class ChoiceLabels:
    """Mixin for models with choice fields: `get_FOO_display` reads `choice_label`'s table."""

    def _get_FIELD_display(self, field):
        return choice_label(field, getattr(self, field.attname))


class StoredAttachment(models.Model):
    """The stored-file fields of an attachment (filled by `core.uploads.attachments_store`).

    A concrete attachment adds its own foreign keys and redeclares `file` with its own
    `upload_to` (the field's path and label stay as they were, so no migration), and its Meta
    (inheriting `StoredAttachment.Meta`) names it.
    """

    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Heartbeat(models.Model):
    """The last time a background component proved it was alive (for /healthz)."""

    name = models.CharField(_("组件"), max_length=50, unique=True)
    last_seen = models.DateTimeField(_("最近心跳"))
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("运行心跳")
        verbose_name_plural = _("运行心跳")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class IdempotentRequest(models.Model):
    """A create-style API call made with an `Idempotency-Key`, and the answer it got.

    A client that lost the answer (timeout, dropped connection) sends the same call with the same
    key again and gets the first answer back instead of creating a second object.
    """

    user = models.ForeignKey(
        "agencies.User", verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应状态"), null=True)
    body = models.JSONField(_("响应内容"), null=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
