"""Reads that carry a rule: which units a user acts for, who to notify."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Liaison, Unit, User, WorkingGroupMember
from .roles import Role, has_role, is_working_group

ACT_FOR_UNIT = "agencies.act_for_unit"


def units_acted_for(*, user: Any) -> QuerySet[Unit]:
    """Units this user may act for (object permission granted with the liaison role).

    The ids come from `acted_unit_ids` (guardian's rule, read once per change of the account):
    filtering by them costs a plain `IN`, where guardian's own queryset costs ~4 ms to build.
    """
    if not getattr(user, "is_authenticated", False):
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=acted_unit_ids(user=user))


def acted_unit_ids(*, user: Any) -> frozenset[int]:
    """Ids of the units this user acts for, from the user's authorisation snapshot.

    Pages ask this several times (navigation, home panels, the page's own selector); the snapshot
    (agencies.authz) reads it once per change of the user's grants, not once per request.
    Services that grant or revoke `act_for_unit` call `authz.forget` on the account they
    changed, so the rest of their own request sees the change too.
    """
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    from .authz import snapshot_for

    return snapshot_for(user).acted_unit_ids


def read_acted_unit_ids(user: Any) -> frozenset[int]:
    """The ids of the units the user acts for, in one plain SQL round trip (the snapshot reads it).

    Same rule as guardian's get_objects_for_user(user, ACT_FOR_UNIT, Unit,
    accept_global_perms=False): a superuser acts for every unit; anyone else for the units
    granted to them or to one of their groups (tests/agencies compare both on every case).
    Through guardian's queryset, building and compiling the query cost ~4 ms of CPU on the 2-core
    build machine, this statement ~0.3 ms.
    """
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from guardian.models import GroupObjectPermission, UserObjectPermission

    if user.is_superuser:
        return frozenset(Unit.objects.values_list("pk", flat=True))
    codename = ACT_FOR_UNIT.split(".")[1]
    unit_type = ContentType.objects.get_for_model(Unit)  # Django caches content types
    tables = {
        "uop": UserObjectPermission._meta.db_table,
        "gop": GroupObjectPermission._meta.db_table,
        "perm": Permission._meta.db_table,
        "user_groups": User.groups.through._meta.db_table,
    }
    sql = (  # noqa: S608  (table names from the models' metadata; values are parameters)
        "SELECT uop.object_pk FROM {uop} uop JOIN {perm} p ON p.id = uop.permission_id"
        " WHERE uop.user_id = %s AND p.content_type_id = %s AND p.codename = %s"
        " UNION SELECT gop.object_pk FROM {gop} gop JOIN {perm} p ON p.id = gop.permission_id"
        " JOIN {user_groups} ug ON ug.group_id = gop.group_id"
        " WHERE ug.user_id = %s AND p.content_type_id = %s AND p.codename = %s"
    ).format(**tables)
    params = [user.pk, unit_type.pk, codename] * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return frozenset(int(pk) for (pk,) in rows if str(pk).isdigit())


def user_can_act_for(*, user: Any, unit: Unit | None) -> bool:
    """True when `user` may act for `unit`: its liaison, or tax staff acting for the tax bureau."""
    if unit is None or not getattr(user, "is_authenticated", False):
        return False
    if unit.is_tax_bureau and has_role(user, Role.TAX_STAFF) and user.unit_id == unit.pk:
        return True
    return user.has_perm(ACT_FOR_UNIT, unit)


def user_unit_ids(*, user: Any) -> set[int]:
    """Every unit the user belongs to or acts for: the scope of "my unit's work"."""
    if not getattr(user, "is_authenticated", False):
        return set()
    ids = set(acted_unit_ids(user=user))
    if user.unit_id:
        ids.add(user.unit_id)
    return ids


def unit_list(*, user: Any, filters: dict | None = None) -> QuerySet[Unit]:
    """Units this user may browse: all for the working group and tax staff, else their own."""
    qs = Unit.objects.annotate(
        liaison_count=Count("liaisons", filter=Q(liaisons__is_active=True))
    ).select_related("leader_user")
    if not (
        is_working_group(user)
        or has_role(user, Role.TAX_STAFF, Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN)
    ):
        qs = qs.filter(pk__in=user_unit_ids(user=user))
    filters = filters or {}
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    return qs


def unit_get(*, user: Any, pk: int) -> Unit:
    """One unit, if the user may see it (raises Unit.DoesNotExist otherwise)."""
    return (
        unit_list(user=user)
        .prefetch_related(
            Prefetch(
                "liaisons", queryset=Liaison.objects.filter(is_active=True).select_related("user")
            )
        )
        .get(pk=pk)
    )


def liaison_list(*, user: Any) -> QuerySet[Liaison]:
    visible_units = unit_list(user=user).values("pk")
    return Liaison.objects.filter(unit__in=visible_units, is_active=True).select_related(
        "unit", "user"
    )


def unit_liaison_users(*, unit: Unit, primary_only: bool = False) -> list[User]:
    """Active accounts of a unit's liaisons (for notifications)."""
    qs = Liaison.objects.filter(unit=unit, is_active=True, user__isnull=False, user__is_active=True)
    if primary_only:
        qs = qs.filter(is_primary=True)
    return [liaison.user for liaison in qs.select_related("user") if liaison.user is not None]


def unit_leader_users(*, unit: Unit) -> list[User]:
    return [unit.leader_user] if unit.leader_user and unit.leader_user.is_active else []


def working_group_users(*, leaders_only: bool = False) -> list[User]:
    """Active accounts of the working group (for escalations)."""
    qs = WorkingGroupMember.objects.filter(user__is_active=True).select_related("user")
    if leaders_only:
        qs = qs.filter(
            position__in=[
                WorkingGroupMember.Position.LEADER,
                WorkingGroupMember.Position.DEPUTY_LEADER,
            ]
        )
    return [m.user for m in qs]


def tax_bureau() -> Unit | None:
    return Unit.objects.filter(kind="tax_bureau").order_by("pk").first()
