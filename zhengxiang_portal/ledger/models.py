from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengxiang_portal.core.models import ChoiceLabels

from .actions import LedgerAction, LedgerCategory

# The label of entries no person made (deadline scans, the chain epoch): shown as 系统.
SYSTEM_ACTOR_LABEL = "system"


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a ledger entry."""


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("ledger entries cannot be updated")

    def delete(self):
        raise AppendOnlyError("ledger entries cannot be deleted")


class LedgerEntry(ChoiceLabels, models.Model):
    """One append-only, hash-chained entry of the ledger (台账) and audit trail.

    `entry_hash` = H(canonical fields + `prev_hash`), H being SM3 (GB/T 32905) where OpenSSL has
    it, else SHA-256, named per entry in `hash_algo`. `digest` is the SHA-256 of the file or
    payload the action concerned.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    category = models.CharField(_("类别"), max_length=16, choices=LedgerCategory.choices)
    action = models.CharField(_("动作"), max_length=32, db_index=True)
    outcome = models.CharField(_("结果"), max_length=16, default="success")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("对象"), max_length=300, blank=True)
    digest = models.CharField(_("内容摘要(SHA-256)"), max_length=64, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    hash_algo = models.CharField(_("链哈希算法"), max_length=16)
    prev_hash = models.CharField(_("前序哈希"), max_length=128)
    entry_hash = models.CharField(_("本条哈希"), max_length=128, unique=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("台账记录")
        verbose_name_plural = _("台账记录")
        indexes = [models.Index(fields=["target_type", "target_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("ledger entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ledger entries cannot be deleted")

    def get_action_display(self) -> str:
        try:
            return str(LedgerAction(self.action).label)
        except ValueError:
            return self.action

    @property
    def actor_display(self) -> str:
        """Who acted, for people: the user's name, or 系统 for the scans and tasks acting alone.

        Entries written by the deadline scans carry the stored label "system" (hashed into the
        chain, so it stays); tasks such as the validation carry none.
        """
        if self.actor_id and self.actor:
            return self.actor.display_name
        if self.actor_label in ("", SYSTEM_ACTOR_LABEL):
            return str(_("系统"))
        return self.actor_label


class LedgerDailyDigest(models.Model):
    """The chain head at the end of a day, published so that a rewrite of the table shows.

    Append-only like the ledger (database triggers); `signature` is the HMAC of the digest with
    the ledger key, so a digest row made up without the key does not verify.
    """

    day = models.DateField(_("日期"), unique=True)
    last_seq = models.PositiveBigIntegerField(_("截至序号"))
    head_hash = models.CharField(_("链头哈希"), max_length=128)
    hash_algo = models.CharField(_("算法"), max_length=16)
    entry_count = models.PositiveIntegerField(_("当日条数"))
    signature = models.CharField(_("签名(HMAC)"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("台账日摘要")
        verbose_name_plural = _("台账日摘要")

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} #{self.last_seq} {self.head_hash[:16]}…"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("ledger digests cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("ledger digests cannot be deleted")
