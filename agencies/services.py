"""Every write to units, liaisons, accounts and roles."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from agencies.errors import AgencyErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append

from .authz import forget
from .models import ACT_FOR_UNIT, Liaison, Unit, User
from .roles import ADMIN_ROLES, Role, has_role, role_permissions


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create each role's group and give it exactly the permissions the apps declare."""
    declared = role_permissions()
    # Every declared permission in one query (not one per permission: every test that needs the
    # roles runs this), first by Permission's own ordering where an app_label.codename is shared.
    codenames = {dotted.split(".", 1)[1] for perms in declared.values() for dotted in perms}
    by_dotted: dict[str, Permission] = {}
    for found in Permission.objects.filter(codename__in=codenames).select_related("content_type"):
        by_dotted.setdefault(f"{found.content_type.app_label}.{found.codename}", found)
    counts = {}
    for role, perms in declared.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in sorted(perms):
            perm = by_dotted.get(dotted)
            if perm is None:
                raise ApplicationError(
                    code=AgencyErrorCode.UNKNOWN_PERMISSION,
                    message=_("角色 %(role)s 引用了不存在的权限 %(perm)s。")
                    % {"role": role, "perm": dotted},
                )
            wanted.append(perm)
        group.permissions.set(wanted)
        counts[role] = len(wanted)
    return counts


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[str]) -> User:
    """Give `user` exactly these roles, enforcing 三员分立.

    Only a security admin manages roles; nobody changes their own roles; one account holds at
    most one of the three admin roles, and an admin role is never combined with a business role.
    """
    wanted = {str(r) for r in roles}
    unknown = wanted - set(Role.values)
    if unknown:
        raise ApplicationError(
            code=AgencyErrorCode.UNKNOWN_ROLE, message=_("未知角色：%s") % ", ".join(unknown)
        )

    if not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("只有安全管理员可以分配角色。"))
    if actor.pk == user.pk:
        raise PermissionDenied(_("不能修改自己的角色（三员分立）。"))
    admin_roles = wanted & ADMIN_ROLES
    if len(admin_roles) > 1 or (admin_roles and wanted - ADMIN_ROLES):
        raise ApplicationError(
            code=AgencyErrorCode.SEPARATION_OF_DUTIES,
            message=_("系统管理员、安全管理员、审计管理员三种角色互斥，且不能兼任业务角色。"),
        )
    before = sorted(n for n in user.groups.values_list("name", flat=True) if n in set(Role.values))
    user.groups.set(Group.objects.filter(name__in=wanted))  # agencies.authz sees it
    ledger_append(
        action=LedgerAction.ROLE,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=user,
        details={"before": before, "after": sorted(wanted)},
    )
    return user


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    unit: Unit | None,
    email: str = "",
    phone: str = "",
    password: str | None = None,
) -> User:
    """Create an account; without a password it cannot log in until one is set."""
    if actor is not None and not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("只有安全管理员可以创建账号。"))
    if User.objects.filter(username=username).exists():
        raise ApplicationError(code=AgencyErrorCode.DUPLICATE_USERNAME, message=_("用户名已存在。"))
    user = User(username=username, full_name=full_name, unit=unit, email=email, phone=phone)
    if password:
        user.set_password(password)
        user.password_changed_at = timezone.now()
    else:
        user.set_unusable_password()
    user.save()
    ledger_append(
        action=LedgerAction.ACCOUNT,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=user,
        details={"event": "create", "unit": unit.code if unit else None},
    )
    return user


@transaction.atomic
def liaison_save(
    *,
    actor: User,
    unit: Unit,
    name: str,
    phone: str,
    email: str = "",
    position: str = "",
    is_primary: bool = False,
    liaison: Liaison | None = None,
) -> Liaison:
    """Register or update a liaison's contact details (Art. 3).

    Contact details only: which account acts for the unit is a role change (user_set_unit,
    applied when a second security admin approves), never a side effect of editing a contact.
    """
    if liaison is not None and liaison.user_id is not None and liaison.unit_id != unit.pk:
        raise ApplicationError(
            code=AgencyErrorCode.LIAISON_LINKED,
            message=_("该联络员已绑定账号，变更其单位须通过角色变更审批。"),
        )
    if is_primary:
        others = Liaison.objects.filter(unit=unit, is_primary=True)
        if liaison is not None:
            others = others.exclude(pk=liaison.pk)
        others.update(is_primary=False)
    liaison = liaison or Liaison(unit=unit)
    liaison.unit = unit
    liaison.name, liaison.phone, liaison.email = name, phone, email
    liaison.position, liaison.is_primary = position, is_primary
    liaison.save()
    ledger_append(
        action=LedgerAction.ACCOUNT,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=liaison,
        unit=unit,
        details={"event": "liaison_saved", "primary": is_primary},
    )
    return liaison


@transaction.atomic
def user_set_unit(*, actor: User, user: User, unit: Unit | None, acts_for: bool) -> User:
    """Make `unit` the account's unit and, if `acts_for`, its liaison acting for it (Art. 3).

    The low-level applier of a role change's unit, like user_set_roles: only the approval of a
    role change request (security.services.role_change_approve) calls it. The account acts for
    no other unit afterwards: its other object permissions and liaison links are removed.
    """

    if not has_role(actor, Role.SECURITY_ADMIN):
        raise PermissionDenied(_("只有安全管理员可以分配角色。"))
    if actor.pk == user.pk:
        raise PermissionDenied(_("不能修改自己的角色（三员分立）。"))
    if acts_for and unit is None:
        raise ApplicationError(
            code=AgencyErrorCode.UNIT_REQUIRED, message=_("联络员须指定所属单位。")
        )
    acted = list(Unit.objects.filter(pk__in=_acted_unit_pks(user)))
    before = {
        "unit": user.unit.code if user.unit else None,
        "acts_for": sorted(u.code for u in acted),
    }
    keep = unit.pk if (acts_for and unit is not None) else None
    user.unit = unit
    user.save(update_fields=["unit"])
    for other in acted:
        if other.pk != keep:
            remove_perm(ACT_FOR_UNIT, user, other)
    # Liaison.user is one-to-one: unlink the contact of any unit the account no longer acts for.
    unlinked = Liaison.objects.filter(user=user)
    if keep is not None:
        unlinked = unlinked.exclude(unit_id=keep)
    unlinked.update(user=None, is_primary=False)
    if acts_for and unit is not None:
        assign_perm(ACT_FOR_UNIT, user, unit)
        if not Liaison.objects.filter(user=user).exists():
            Liaison.objects.create(
                unit=unit,
                user=user,
                name=user.full_name or user.get_username(),
                phone=user.phone or "-",
                email=user.email,
            )
    forget(user)  # the unit is part of the snapshot's key; guardian's writes bump the version
    ledger_append(
        action=LedgerAction.ROLE,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=user,
        unit=unit,
        details={
            "event": "unit_set",
            "before": before,
            "after": {"unit": unit.code if unit else None, "acts_for": acts_for},
        },
    )
    return user


def _acted_unit_pks(user: User) -> list[int]:
    return list(
        get_objects_for_user(
            user, ACT_FOR_UNIT, Unit, accept_global_perms=False, with_superuser=False
        ).values_list("pk", flat=True)
    )


@transaction.atomic
def liaison_deactivate(*, actor: User, liaison: Liaison) -> Liaison:
    """Take a liaison off duty; their account loses the right to act for the unit."""
    liaison.is_active = False
    liaison.is_primary = False
    liaison.save(update_fields=["is_active", "is_primary"])
    if liaison.user is not None:
        remove_perm(ACT_FOR_UNIT, liaison.user, liaison.unit)
        forget(liaison.user)
    ledger_append(
        action=LedgerAction.ACCOUNT,
        category=LedgerCategory.AUDIT,
        actor=actor,
        target=liaison,
        unit=liaison.unit,
        details={"event": "liaison_deactivated"},
    )
    return liaison
