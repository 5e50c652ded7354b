"""Zhengxiang demo: the units Art. 1 names, liaisons and the demo logins (idempotent).

The units and accounts are data (demo_data/units.yaml, named fields, checked on loading)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone
from guardian.shortcuts import assign_perm

from zhengxiang_portal.core.demo_data import load_demo_data

from .models import RELATED_UNIT_KINDS, Liaison, Unit, UnitKind, User, WorkingGroupMember
from .roles import Role
from .services import ACT_FOR_UNIT, roles_sync

DEMO_PASSWORD = "Zhengxiang@2026"  # noqa: S105  (documented demo password, demo data only)

DATA_FILE = Path(__file__).parent / "demo_data" / "units.yaml"


@dataclass(frozen=True)
class DemoUnit:
    """A unit of the demo (Art. 1): Unit's columns by name."""

    code: str
    name: str
    short_name: str
    kind: str = field(metadata={"choices": UnitKind})
    responsible_department: str


@dataclass(frozen=True)
class DemoAccount:
    """A demo login: its unit by code, roles, working-group position, liaison (Art. 3)."""

    username: str
    full_name: str
    roles: tuple[str, ...] = field(metadata={"choices": Role})
    unit: str | None = None
    working_group: str | None = field(
        default=None, metadata={"choices": WorkingGroupMember.Position}
    )
    liaison: bool = False  # the unit's primary liaison
    login: str = ""  # how the login page lists it; empty: not listed


@dataclass(frozen=True)
class DemoAgencies:
    units: tuple[DemoUnit, ...]
    accounts: tuple[DemoAccount, ...]


DATA = load_demo_data(DATA_FILE, DemoAgencies)
DEMO_LOGINS = [(a.username, a.login) for a in DATA.accounts if a.login]


def _phone(i: int) -> str:
    return f"0734-8{i:03d}{(i * 37) % 1000:03d}"


def seed() -> str:
    roles_sync()
    units: dict[str, Unit] = {}
    for i, spec in enumerate(DATA.units, start=1):
        category = (
            Unit.Category.RELATED
            if spec.kind in RELATED_UNIT_KINDS
            else Unit.Category.CO_GOVERNANCE
        )
        units[spec.code], _c = Unit.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "short_name": spec.short_name,
                "kind": spec.kind,
                "category": category,
                "responsible_department": spec.responsible_department,
                "leader_phone": _phone(i),
                "address": "湖南省衡阳市蒸湘区",
            },
        )
    for i, account in enumerate(DATA.accounts):
        unit = units[account.unit] if account.unit else None
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "full_name": account.full_name,
                "unit": unit,
                "email": f"{account.username}@zhengxiang.local",
                "phone": f"1390734{i:04d}",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.password_changed_at = timezone.now()
            # Outside demo mode a seeded account must not keep the documented password.
            user.must_change_password = not settings.PORTAL_DEMO_MODE
            user.save()
        user.groups.set(Group.objects.filter(name__in=account.roles))
        if account.working_group:
            if unit is None:  # a member sits for a unit (Art. 3): the data file must name it
                raise ValueError(
                    f"demo account {account.username}: a working-group seat needs a unit"
                )
            WorkingGroupMember.objects.update_or_create(
                user=user,
                defaults={
                    "unit": unit,
                    "position": account.working_group,
                    "duties": "统筹协调共治工作",
                },
            )
        if account.liaison and unit is not None:
            Liaison.objects.update_or_create(
                user=user,
                defaults={
                    "unit": unit,
                    "name": account.full_name,
                    "phone": user.phone,
                    "email": user.email,
                    "position": "联络员",
                    "is_primary": True,
                },
            )
            assign_perm(ACT_FOR_UNIT, user, unit)
    # The tax bureau's head is the leader for escalations of the bureau itself.
    units["ZX-TAX"].leader_name = "周建国"
    units["ZX-TAX"].leader_user = User.objects.get(username="wg_leader")
    units["ZX-TAX"].save(update_fields=["leader_name", "leader_user"])
    return f"{len(units)} units, {len(DATA.accounts)} accounts"
