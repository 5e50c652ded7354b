"""Accounts' security state: password history, per-role 2FA policy, two-person role changes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.roles import Role
from zhengxiang_portal.core.models import ChoiceLabels


class PasswordHistory(models.Model):
    """A password hash an account has used (等保 8.1.4.1: not one of the last 5)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password_hash = models.CharField(_("密码哈希"), max_length=256)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class RolePolicy(ChoiceLabels, models.Model):
    """Whether holders of a role must use a second factor; set by the security admin.

    Without a row, the default applies: mandatory for the three admin roles (三员).
    """

    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, unique=True)
    require_2fa = models.BooleanField(_("必须启用双因素认证"), default=False)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("角色安全策略")
        verbose_name_plural = _("角色安全策略")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {'2FA' if self.require_2fa else '-'}"


class RoleChangeRequest(ChoiceLabels, models.Model):
    """A role change one security admin asks for and another approves (two-person rule)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已撤回")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        related_name="role_change_requests",
    )
    roles_before = models.JSONField(_("原角色"), default=list)
    roles_after = models.JSONField(_("新角色"), default=list)
    # The account's unit before and after; a liaison acts for `unit_after` (Art. 3).
    unit_before = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("原单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_after = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("新单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("理由"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("角色变更申请")
        verbose_name_plural = _("角色变更申请")
        permissions = [("approve_rolechangerequest", _("审批角色变更（须非申请人）"))]
        constraints = [
            # One open request per account, so two conflicting changes cannot both be approved.
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="one_pending_role_change"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="role_change_not_self_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {', '.join(self.roles_after) or '-'} ({self.get_status_display()})"

    @staticmethod
    def _labels(roles: list[str]) -> str:
        return "、".join(str(Role(r).label) if r in Role.values else r for r in roles)

    @property
    def roles_before_display(self) -> str:
        return self._labels(self.roles_before)

    @property
    def roles_after_display(self) -> str:
        return self._labels(self.roles_after)
