"""Roles are Django groups; each app declares the model permissions its roles carry.

三员分立 (separation of duties): the system admin, the security admin and the auditor are
mutually exclusive roles, and nobody may change their own roles (see services.user_set_roles).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AnonymousUser

from .authz import snapshot_for
from .models import Role, User

ADMIN_ROLES = frozenset({Role.AUDITOR, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN})
WORKING_GROUP_ROLES = frozenset({Role.WG_LEADER, Role.WG_MEMBER})

_role_permissions: dict[str, set[str]] = defaultdict(set)


def register_role_permissions(role: Role, permissions: list[str]) -> None:
    """Declare that `role` carries these model permissions ("app_label.codename")."""
    _role_permissions[role.value].update(permissions)


def role_permissions() -> dict[str, set[str]]:
    return {role.value: set(_role_permissions.get(role.value, set())) for role in Role}


def user_roles(user: User | AnonymousUser) -> frozenset[str]:
    """The user's role names (from the user's authorisation snapshot, agencies.authz)."""
    if not user.is_authenticated:
        return frozenset()
    return snapshot_for(user).roles


def has_role(user: User, *roles: str) -> bool:
    return bool(user_roles(user) & {str(r) for r in roles})


def is_working_group(user: User) -> bool:
    return has_role(user, *WORKING_GROUP_ROLES)


# The foundation's own permissions.
register_role_permissions(
    Role.WG_LEADER,
    ["agencies.view_unit", "agencies.view_liaison", "agencies.view_workinggroupmember"],
)
register_role_permissions(
    Role.WG_MEMBER,
    ["agencies.view_unit", "agencies.view_liaison", "agencies.view_workinggroupmember"],
)
register_role_permissions(Role.TAX_STAFF, ["agencies.view_unit", "agencies.view_liaison"])
register_role_permissions(
    Role.SECURITY_ADMIN,
    [
        "agencies.view_user",
        "agencies.add_user",
        "agencies.change_user",
        "agencies.view_unit",
        "agencies.view_liaison",
        "agencies.add_liaison",
        "agencies.change_liaison",
        "auth.view_group",
    ],
)
register_role_permissions(
    Role.SYSTEM_ADMIN,
    [
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
        "django_celery_beat.view_crontabschedule",
        "django_celery_beat.change_crontabschedule",
        "django_celery_beat.add_crontabschedule",
        "django_celery_beat.view_intervalschedule",
        "django_celery_beat.add_intervalschedule",
        "agencies.view_unit",
        "agencies.add_unit",
        "agencies.change_unit",
        "agencies.view_workinggroupmember",
        "agencies.add_workinggroupmember",
        "agencies.change_workinggroupmember",
    ],
)
register_role_permissions(
    Role.AUDITOR, ["ledger.view_ledgerentry", "ledger.view_ledgerdailydigest"]
)
