"""Every write of the security app: passwords, 2FA, role policies, two-person role changes.

三员分立: the security admin manages accounts and roles but a privilege grant they ask for takes
effect only when ANOTHER security admin approves it (RoleChangeRequest); nobody approves a change
of their own roles. Every write appends an AUDIT ledger entry in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.utils import reset
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import device_classes, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.authz import bump_authz_version, fact, register_fact
from agencies.models import Unit, User
from agencies.roles import ADMIN_ROLES, Role, has_role, user_roles
from agencies.selectors import acted_unit_ids
from agencies.services import user_set_roles, user_set_unit
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.security.errors import SecurityErrorCode

from .audit import audit_event
from .models import RoleChangeRequest, RolePolicy
from .passwords import password_record


def _require_security_admin(actor: User) -> None:
    if not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("只有安全管理员可以执行此操作。"))


# --- passwords ----------------------------------------------------------------------------


@transaction.atomic
def password_change(*, user: User, new_password: str, request: Any = None) -> User:
    """Set the user's own new password after the policy checks (等保 8.1.4.1)."""
    validate_password(new_password, user=user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    password_record(user)
    audit_event(
        action=LedgerAction.ACCOUNT,
        actor=user,
        request=request,
        target=user,
        details={"event": "password_changed"},
    )
    return user


@transaction.atomic
def password_reset_by_admin(
    *, actor: User, user: User, new_password: str, request: Any = None
) -> User:
    """A security admin sets a temporary password; the user must change it at next login."""
    _require_security_admin(actor)
    if actor.pk == user.pk:
        raise PermissionDenied(_("请在“修改密码”页面修改自己的密码。"))
    validate_password(new_password, user=user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    password_record(user)
    audit_event(
        action=LedgerAction.ACCOUNT,
        actor=actor,
        request=request,
        target=user,
        details={"event": "password_reset"},
    )
    return user


@transaction.atomic
def password_after_admin_set(*, actor: User, user_id: int | str, request: Any = None) -> None:
    """After the Django admin set a password: history, change time, change at next login."""
    _require_security_admin(actor)
    user = User.objects.get(pk=user_id)
    user.password_changed_at = timezone.now()
    user.must_change_password = actor.pk != user.pk
    user.save(update_fields=["password_changed_at", "must_change_password"])
    password_record(user)
    audit_event(
        action=LedgerAction.ACCOUNT,
        actor=actor,
        request=request,
        target=user,
        details={"event": "password_reset", "via": "admin"},
    )


# --- second factor ------------------------------------------------------------------------


_POLICIES_CACHE_KEY = "security:role_policies:v1"
# role_policy_set clears the key at once and again on commit; with the per-process cache (no
# shared cache configured) the TTL bounds how long another worker may apply the old policy.
_POLICIES_TTL_S = 30


def role_policies() -> dict[str, bool]:
    """The stored policies, {role: require_2fa}; read on every page, so kept in the cache."""
    cached = cache.get(_POLICIES_CACHE_KEY)
    if cached is None:
        cached = dict(RolePolicy.objects.values_list("role", "require_2fa"))
        cache.set(_POLICIES_CACHE_KEY, cached, _POLICIES_TTL_S)
    return cached


def role_policies_changed() -> None:
    """Forget the cached policies; call after any RolePolicy write."""
    cache.delete(_POLICIES_CACHE_KEY)


def role_requires_2fa(role: str) -> bool:
    """The role's policy; without a stored policy, mandatory for the three admin roles."""
    return role_policies().get(role, role in ADMIN_ROLES)


def user_requires_2fa(user: User) -> bool:
    return any(role_requires_2fa(r) for r in user_roles(user))


# --- whether the account has a confirmed second factor, asked on every page and API call ---------

CONFIRMED_DEVICE = "security.has_confirmed_device"


def user_has_confirmed_device(user: User) -> bool:
    """From the account's authorisation snapshot (agencies.authz): not a query per request."""

    return bool(fact(user, CONFIRMED_DEVICE))


def _read_has_confirmed_device(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def _device_changed(sender: Any, instance: Any, **_kw: Any) -> None:
    """Enrolling, confirming or removing a second factor retires the account's snapshot."""

    bump_authz_version(user_ids=[instance.user_id])


def register_device_fact() -> None:
    """Keep "has a confirmed second factor" in the snapshot (SecurityConfig.ready)."""

    register_fact(CONFIRMED_DEVICE, _read_has_confirmed_device)
    for model in device_classes():
        post_save.connect(_device_changed, model, dispatch_uid="security.device_fact")
        post_delete.connect(_device_changed, model, dispatch_uid="security.device_fact")


@transaction.atomic
def role_policy_set(
    *, actor: User, role: str, require_2fa: bool, request: Any = None
) -> RolePolicy:
    """Make the second factor mandatory (or not) for a role; security admin only."""
    _require_security_admin(actor)
    if role not in Role.values:
        raise ApplicationError(code=SecurityErrorCode.UNKNOWN_ROLE, message=_("未知角色。"))
    before = role_requires_2fa(role)
    policy, _created = RolePolicy.objects.update_or_create(
        role=role, defaults={"require_2fa": require_2fa, "updated_by": actor}
    )
    # Now (this request and this process see it at once) and after commit (so a request that
    # re-read the old row before the commit cannot leave it cached).
    role_policies_changed()
    transaction.on_commit(role_policies_changed)
    audit_event(
        action=LedgerAction.ROLE,
        actor=actor,
        request=request,
        target=policy,
        details={"event": "2fa_policy", "role": role, "before": before, "after": require_2fa},
    )
    return policy


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """Create (or reuse) the user's unconfirmed TOTP device for enrolment."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机令牌"), confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str, request: Any = None) -> bool:
    """Confirm enrolment with a first valid code; the device then counts as the second factor."""
    if device.user_id != user.pk:
        raise PermissionDenied(_("无权操作该设备。"))
    ok = device.verify_token(token)
    audit_event(
        action=LedgerAction.ACCOUNT,
        actor=user,
        request=request,
        target=user,
        outcome="success" if ok else "failure",
        details={"event": "2fa_enrolled" if ok else "2fa_enrol_failed"},
    )
    if ok:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return ok


@transaction.atomic
def totp_reset_by_admin(*, actor: User, user: User, request: Any = None) -> int:
    """Remove a user's second-factor devices (lost phone); they enrol again at next login."""
    _require_security_admin(actor)
    if actor.pk == user.pk:
        raise PermissionDenied(_("不能重置自己的双因素认证。"))
    count, _detail = TOTPDevice.objects.filter(user=user).delete()
    audit_event(
        action=LedgerAction.ACCOUNT,
        actor=actor,
        request=request,
        target=user,
        details={"event": "2fa_reset", "devices": count},
    )
    return count


@transaction.atomic
def lockout_reset(*, actor: User, username: str, request: Any = None) -> int:
    """Lift a login lockout of an account (all addresses); security admin only."""
    _require_security_admin(actor)
    count = reset(username=username)
    audit_event(
        action=LedgerAction.ACCOUNT,
        actor=actor,
        request=request,
        target=User.objects.filter(username=username).first(),
        target_label=username,
        details={"event": "lockout_reset", "attempts_cleared": count},
    )
    return count


# --- two-person rule for role changes -----------------------------------------------------


def _current_roles(user: User) -> list[str]:
    valid = set(Role.values)
    return sorted(n for n in user.groups.values_list("name", flat=True) if n in valid)


_KEEP_UNIT: Any = object()


@transaction.atomic
def role_change_request(
    *,
    actor: User,
    user: User,
    roles: Iterable[str],
    reason: str,
    unit: Unit | None = _KEEP_UNIT,
    request: Any = None,
) -> RoleChangeRequest:
    """Ask for `user` to hold exactly `roles` (and belong to `unit`, a liaison acting for it).

    Applied only when another security admin approves. Without `unit` the account keeps its unit.
    """
    _require_security_admin(actor)
    unit_after = user.unit if unit is _KEEP_UNIT else unit
    wanted = sorted({str(r) for r in roles})
    unknown = set(wanted) - set(Role.values)
    if unknown:
        raise ApplicationError(
            code=SecurityErrorCode.UNKNOWN_ROLE, message=_("未知角色：%s") % ", ".join(unknown)
        )
    if actor.pk == user.pk:
        raise PermissionDenied(_("不能修改自己的角色（三员分立）。"))
    admin_roles = set(wanted) & ADMIN_ROLES
    if len(admin_roles) > 1 or (admin_roles and set(wanted) - ADMIN_ROLES):
        raise ApplicationError(
            code=SecurityErrorCode.SEPARATION_OF_DUTIES,
            message=_("系统管理员、安全管理员、审计管理员三种角色互斥，且不能兼任业务角色。"),
        )
    if Role.LIAISON in wanted and unit_after is None:
        raise ApplicationError(
            code=SecurityErrorCode.UNIT_REQUIRED, message=_("联络员须指定所属单位。")
        )
    before = _current_roles(user)
    if before == wanted and unit_after == user.unit:
        raise ApplicationError(code=SecurityErrorCode.NO_CHANGE, message=_("角色没有变化。"))
    if not reason.strip():
        raise ApplicationError(
            code=SecurityErrorCode.REASON_REQUIRED, message=_("请填写变更理由。")
        )
    if RoleChangeRequest.objects.filter(
        user=user, status=RoleChangeRequest.Status.PENDING
    ).exists():
        raise ApplicationError(
            code=SecurityErrorCode.PENDING_EXISTS, message=_("该账号已有待审批的角色变更申请。")
        )
    change = RoleChangeRequest.objects.create(
        user=user,
        roles_before=before,
        roles_after=wanted,
        unit_before=user.unit,
        unit_after=unit_after,
        reason=reason.strip(),
        requested_by=actor,
    )
    audit_event(
        action=LedgerAction.ROLE,
        actor=actor,
        request=request,
        target=user,
        details={
            "event": "role_change_requested",
            "request": change.pk,
            "after": wanted,
            "unit": unit_after.code if unit_after else None,
        },
    )
    return change


def _acts_for(user: User) -> bool:
    return bool(acted_unit_ids(user=user))


def _lock_pending(change: RoleChangeRequest) -> RoleChangeRequest:
    change = RoleChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != RoleChangeRequest.Status.PENDING:
        raise ApplicationError(code=SecurityErrorCode.ALREADY_DECIDED, message=_("该申请已处理。"))
    return change


@transaction.atomic
def role_change_approve(
    *, actor: User, change: RoleChangeRequest, note: str = "", request: Any = None
) -> RoleChangeRequest:
    """A second security admin approves; the roles are then applied through user_set_roles."""
    _require_security_admin(actor)
    change = _lock_pending(change)
    if change.requested_by_id == actor.pk:
        raise PermissionDenied(_("不能审批自己提出的角色变更（双人复核）。"))
    if change.user_id == actor.pk:
        raise PermissionDenied(_("不能审批涉及自己角色的变更。"))
    if (
        _current_roles(change.user) != sorted(change.roles_before)
        or change.user.unit_id != change.unit_before_id
    ):
        raise ApplicationError(
            code=SecurityErrorCode.STALE,
            message=_("该账号的角色在申请后已变化，请驳回后重新申请。"),
        )
    user_set_roles(actor=actor, user=change.user, roles=change.roles_after)
    acts_for = Role.LIAISON in change.roles_after
    if change.unit_after_id != change.unit_before_id or acts_for != _acts_for(change.user):
        user_set_unit(actor=actor, user=change.user, unit=change.unit_after, acts_for=acts_for)
    change.status = RoleChangeRequest.Status.APPROVED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_event(
        action=LedgerAction.ROLE,
        actor=actor,
        request=request,
        target=change.user,
        details={
            "event": "role_change_approved",
            "request": change.pk,
            "requested_by": change.requested_by.get_username(),
        },
    )
    return change


@transaction.atomic
def role_change_reject(
    *, actor: User, change: RoleChangeRequest, note: str = "", request: Any = None
) -> RoleChangeRequest:
    """Reject (another admin) or withdraw (the requester) a pending role change."""
    _require_security_admin(actor)
    change = _lock_pending(change)
    own = change.requested_by_id == actor.pk
    change.status = RoleChangeRequest.Status.CANCELLED if own else RoleChangeRequest.Status.REJECTED
    if not own:
        change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_event(
        action=LedgerAction.ROLE,
        actor=actor,
        request=request,
        target=change.user,
        details={"event": "role_change_" + change.status, "request": change.pk},
    )
    return change
