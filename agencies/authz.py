"""What a user may do, read once per change instead of once per request.

Every page needs the user's roles (groups), model permissions and the units they act for (guardian
object permissions): four queries and their SQL compilation, ~3 ms of CPU a page on the 2-core
build machine, the same answer thousands of times a day. A snapshot of the three, and of the
facts other apps register (the catalog items a user consumes, whether the account has a second
factor), is kept in each process, keyed by the user's `authz_version`, a counter on the user row
that the authentication middleware reads anyway. Every change that can alter the answer bumps
the counter of the users it concerns (the signal receivers below; inside the change's own
transaction where Django gives it one: m2m changes and deletions), so the next request of any
process sees a new key and reads afresh: a revoked role or unit stops working on the very next
request. Where the bump follows the change in a transaction of its own (guardian's assign_perm),
a request in between can only store the new rights under the old key, which the bump then
retires.

Changes this module cannot see (SQL typed into psql, a bulk_create of object permissions) are
bounded by SNAPSHOT_SECONDS; `bump_authz_version(everyone=True)` or a re-login is immediate.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission

from .models import ACT_FOR_UNIT, Role, Unit, User

SNAPSHOT_SECONDS = 300
_MAX_USERS = 4096


@dataclass(frozen=True)
class AuthzSnapshot:
    roles: frozenset[str]
    permissions: frozenset[str]
    acted_unit_ids: frozenset[int]
    read_at: float
    # What other apps register (register_fact), e.g. the catalog items the user may read.
    facts: dict[str, Any] = field(default_factory=dict)


_snapshots: OrderedDict[tuple, AuthzSnapshot] = OrderedDict()
_lock = threading.Lock()
_fact_readers: dict[str, Callable[[Any], Any]] = {}


def register_fact(name: str, reader: Callable[[Any], Any]) -> None:
    """Let an app keep one more per-user answer in the snapshot (from its AppConfig.ready).

    The app must call `bump_authz_version` on every change that can alter the answer; the
    snapshot's key already changes with the account's rights, its unit and the calendar day.
    """
    _fact_readers[name] = reader


def fact(user: User, name: str) -> Any:
    """A registered answer for this user, from the snapshot."""
    return snapshot_for(user).facts[name]


def _key(user: User) -> tuple:
    # The join date and name too: SQLite may give a deleted account's id to a new one. The day:
    # an access grant runs from one date to another.

    return (
        user.pk,
        user.get_username(),
        getattr(user, "date_joined", None),
        getattr(user, "authz_version", None),
        user.is_superuser,
        user.is_active,
        getattr(user, "unit_id", None),
        timezone.localdate(),
    )


def read_acted_unit_ids(user: User) -> frozenset[int]:
    """The ids of the units the user acts for, in one plain SQL round trip (the snapshot reads it).

    Same rule as guardian's get_objects_for_user(user, ACT_FOR_UNIT, Unit,
    accept_global_perms=False): a superuser acts for every unit; anyone else for the units
    granted to them or to one of their groups (tests/agencies compare both on every case).
    Through guardian's queryset, building and compiling the query cost ~4 ms of CPU on the 2-core
    build machine, this statement ~0.3 ms.
    """
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
    params: list[int | str] = [user.pk, unit_type.pk, codename] * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return frozenset(int(pk) for (pk,) in rows if str(pk).isdigit())


def _read(user: User) -> AuthzSnapshot:
    valid = set(Role.values)
    snapshot = AuthzSnapshot(
        roles=frozenset(n for n in user.groups.values_list("name", flat=True) if n in valid),
        permissions=frozenset(ModelBackend().get_all_permissions(user)),
        acted_unit_ids=read_acted_unit_ids(user),
        read_at=time.monotonic(),
    )
    # The facts may ask roles and units themselves: they read them from this snapshot.
    user.__dict__["_authz_snapshot"] = snapshot
    try:
        for name, reader in _fact_readers.items():
            snapshot.facts[name] = reader(user)
    finally:
        user.__dict__.pop("_authz_snapshot", None)
    return snapshot


def snapshot_for(user: User) -> AuthzSnapshot:
    """The user's snapshot: from this process's memory when still current, else read afresh.

    Memoised on the user object too, so a request looks it up once.
    """
    memo = user.__dict__.get("_authz_snapshot")
    if memo is not None:
        return memo
    if user.__dict__.get("_authz_changed"):
        # This request changed the account: its authz_version in memory is the old one, and the
        # change may still roll back. Read afresh and keep it to this request alone.
        fresh = _read(user)
        user.__dict__["_authz_snapshot"] = fresh
        return fresh
    key = _key(user)
    with _lock:
        kept = _snapshots.get(key)
        if kept is not None and time.monotonic() - kept.read_at < SNAPSHOT_SECONDS:
            _snapshots.move_to_end(key)
            user.__dict__["_authz_snapshot"] = kept
            return kept
    fresh = _read(user)
    with _lock:
        _snapshots[key] = fresh
        while len(_snapshots) > _MAX_USERS:
            _snapshots.popitem(last=False)
    user.__dict__["_authz_snapshot"] = fresh
    return fresh


def forget(user: User) -> None:
    """After this request changed the user's roles or units: read them afresh from now on."""
    user.__dict__["_authz_changed"] = True
    for name in ("_authz_snapshot", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(name, None)


def clear_process_cache() -> None:
    with _lock:
        _snapshots.clear()


def bump_authz_version(
    *, user_ids: Iterable[int] = (), group_ids: Iterable[int] = (), everyone: bool = False
) -> None:
    """Give these users (members of these groups; everyone) a new key: their snapshots expire."""

    model = get_user_model()
    users = model.objects.all()
    if not everyone:
        ids, groups = set(user_ids), set(group_ids)
        if not ids and not groups:
            return
        concerned = model.objects.filter(Q(pk__in=ids) | Q(groups__in=groups)).values("pk")
        users = model.objects.filter(pk__in=concerned)
    users.update(authz_version=F("authz_version") + 1)


# --- what changes the answer --------------------------------------------------------------


def _auth_m2m_changed(sender, instance, action, reverse, model, pk_set, **_kw) -> None:
    """user.groups, user.user_permissions or group.permissions changed, from either side.

    From the holder's side (user.groups.add, group.permissions.remove …) the instance is the
    user or group whose rights changed; from the other side (group.user_set.add,
    permission.group_set.remove …) they are in pk_set, or, for a clear, everyone who held it.
    """

    def bump_for(cls: type, ids: Iterable[int]) -> None:
        if issubclass(cls, Group):
            bump_authz_version(group_ids=ids)
        else:
            bump_authz_version(user_ids=ids)

    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            bump_for(type(instance), [instance.pk])
            if not isinstance(instance, Group):
                forget(instance)
    elif action in ("post_add", "post_remove"):
        bump_for(model, pk_set or ())
    elif action == "pre_clear":  # while the rows still say who held it
        if isinstance(instance, Group):
            bump_authz_version(group_ids=[instance.pk])
        else:  # a permission cleared from every holder: rare enough to retire them all
            bump_authz_version(everyone=True)


def _group_deleted(sender, instance, **_kw) -> None:
    bump_authz_version(group_ids=[instance.pk])


def _permission_deleted(sender, instance, **_kw) -> None:
    bump_authz_version(everyone=True)


def _user_object_permission_changed(sender, instance, **_kw) -> None:
    bump_authz_version(user_ids=[instance.user_id])


def _group_object_permission_changed(sender, instance, **_kw) -> None:
    bump_authz_version(group_ids=[instance.group_id])


def connect_signals() -> None:
    user_model = get_user_model()
    uid = "agencies.authz"
    for through in (
        user_model.groups.through,
        user_model.user_permissions.through,
        Group.permissions.through,
    ):
        m2m_changed.connect(_auth_m2m_changed, through, dispatch_uid=uid)
    pre_delete.connect(_group_deleted, Group, dispatch_uid=uid + ".gd")
    pre_delete.connect(_permission_deleted, Permission, dispatch_uid=uid + ".pd")
    for signal in (post_save, post_delete):
        signal.connect(_user_object_permission_changed, UserObjectPermission, dispatch_uid=uid)
        signal.connect(_group_object_permission_changed, GroupObjectPermission, dispatch_uid=uid)
