"""Reads that carry a rule: which units a user acts for, who must hear of an event."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from .authz import snapshot_for
from .models import ACT_FOR_UNIT, Liaison, Unit, User, WorkingGroupMember
from .roles import Role, has_role, is_working_group


def units_acted_for(*, user: User | AnonymousUser) -> QuerySet[Unit]:
    """Units this user may act for (object permission granted with the liaison role).

    The ids come from `acted_unit_ids` (guardian's rule, read once per change of the account):
    filtering by them costs a plain `IN`, where guardian's own queryset costs ~4 ms to build.
    """
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(pk__in=acted_unit_ids(user=user))


def acted_unit_ids(*, user: User | AnonymousUser) -> frozenset[int]:
    """Ids of the units this user acts for, from the user's authorisation snapshot.

    Pages ask this several times (navigation, home panels, the page's own selector); the snapshot
    (agencies.authz) reads it once per change of the user's grants, not once per request.
    Services that grant or revoke `act_for_unit` call `authz.forget` on the account they
    changed, so the rest of their own request sees the change too.
    """
    if not user.is_authenticated:
        return frozenset()
    return snapshot_for(user).acted_unit_ids


def user_can_act_for(*, user: User | AnonymousUser, unit: Unit | None) -> bool:
    """True when `user` may act for `unit`: its liaison, or tax staff acting for the tax bureau."""
    if unit is None or not user.is_authenticated:
        return False
    if unit.is_tax_bureau and has_role(user, Role.TAX_STAFF) and user.unit_id == unit.pk:
        return True
    return user.has_perm(ACT_FOR_UNIT, unit)


def user_unit_ids(*, user: User | AnonymousUser) -> set[int]:
    """Every unit the user belongs to or acts for: the scope of "my unit's work"."""
    if not user.is_authenticated:
        return set()
    ids = set(acted_unit_ids(user=user))
    if user.unit_id:
        ids.add(user.unit_id)
    return ids


def unit_list(*, user: User, filters: dict | None = None) -> QuerySet[Unit]:
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


def unit_get(*, user: User, pk: int) -> Unit:
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


def liaison_list(*, user: User) -> QuerySet[Liaison]:
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


# --- who must hear of an event (应通知对象) ------------------------------------------------------


class NoticeBasis:
    """Why these people were chosen: the rungs of the one rule, in order."""

    ASSIGNEE = "assignee"  # the named assignee (承办人)
    LIAISONS = "liaisons"  # the unit's active liaisons (联络员, Art. 3)
    STAFF = "staff"  # the unit's active accounts holding the matching role (e.g. tax staff)
    WORKING_GROUP = "working_group"  # the unit has nobody active, or the event is an escalation
    NOBODY = "nobody"  # not even the working group has an active member


@dataclass(frozen=True)
class NoticeRecipients:
    """Who must be told of an event, and why: what callers notify and record (“who was told”).

    `users` is never silently empty: when the responsible unit has nobody active the working group
    stands in (`fell_back` is true), and when even the working group is empty `nobody` is true and
    `who` says so (无人可通知), so a timeline or ledger line never claims a notice was sent.
    """

    users: tuple[Any, ...]
    basis: str
    unit_name: str = ""
    fell_back: bool = False
    parts: tuple[NoticeRecipients, ...] = field(default=(), repr=False)

    @property
    def nobody(self) -> bool:
        return not self.users

    @property
    def who(self) -> str:
        """A line for a timeline, a ledger entry or a page: the unit (or group) and the names."""
        if self.parts:
            return "；".join(part.who for part in self.parts)
        if not self.users:
            if self.unit_name:
                return _("无人可通知（%(unit)s及专项工作组均无在岗人员）") % {
                    "unit": self.unit_name
                }
            return _("无人可通知（专项工作组无在岗人员）")
        names = "、".join(getattr(u, "display_name", None) or str(u) for u in self.users)
        if self.basis == NoticeBasis.WORKING_GROUP:
            if self.fell_back:
                return _("专项工作组 %(names)s（%(unit)s无在岗人员）") % {
                    "names": names,
                    "unit": self.unit_name,
                }
            return _("专项工作组 %(names)s") % {"names": names}
        return f"{self.unit_name} {names}" if self.unit_name else names

    def details(self) -> dict[str, Any]:
        """The recorded fact, for a ledger entry's or a timeline entry's details."""
        return {
            "told": [u.get_username() for u in self.users],
            "who": self.who,
            "basis": self.basis,
            "fell_back": self.fell_back or any(p.fell_back for p in self.parts),
        }

    def __add__(self, other: NoticeRecipients) -> NoticeRecipients:
        """Both audiences (e.g. provider and consumer of an objection), each person once."""
        users = {u.pk: u for u in (*self.users, *other.users)}
        parts = (*(self.parts or (self,)), *(other.parts or (other,)))
        return NoticeRecipients(
            users=tuple(users.values()),
            basis=self.basis if self.basis == other.basis else "mixed",
            fell_back=self.fell_back or other.fell_back,
            parts=parts,
        )


def _staff_roles(unit: Unit) -> tuple[str, ...]:
    """The role whose holders at `unit` stand in when it has no active liaison.

    Only the tax bureau has such staff (税务局工作人员, who act for it without a liaison record);
    at any other unit the liaison role without an active liaison record is an off-duty liaison.
    """
    return (Role.TAX_STAFF,) if unit.is_tax_bureau else ()


class NoticeBook:
    """The one rule of who must hear of an event concerning a unit, read for many units at once.

    Periodic scans build one book for all the units of a batch (a constant number of queries);
    `notice_recipients` builds one for a single unit. The rule, rung by rung:
    the assignee if any, active and still on duty for the unit; else the unit's active liaisons;
    else the unit's active accounts holding the matching role (the tax bureau's tax staff); else
    the working group.
    """

    def __init__(self, *, unit_ids: Iterable[int], with_leader: bool = False) -> None:
        ids = {pk for pk in unit_ids if pk}
        self._units = {
            u.pk: u for u in Unit.objects.filter(pk__in=ids).select_related("leader_user")
        }
        self._with_leader = with_leader
        self._liaisons: dict[int, list[User]] = {pk: [] for pk in ids}
        self._staff: dict[int, list[User]] = {pk: [] for pk in ids}
        self._group: NoticeRecipients | None = None
        if not ids:
            return
        for liaison in (
            Liaison.objects.filter(
                unit_id__in=ids, is_active=True, user__isnull=False, user__is_active=True
            )
            .select_related("user")
            .order_by("unit_id", "-is_primary", "pk")
        ):
            if liaison.user is not None:
                self._liaisons[liaison.unit_id].append(liaison.user)
        staff_roles = {role for unit in self._units.values() for role in _staff_roles(unit)}
        for user in (
            User.objects.filter(unit_id__in=ids, is_active=True, groups__name__in=staff_roles)
            .distinct()
            .order_by("pk")
            .prefetch_related("groups")
        ):
            unit = self._units[int(user.unit_id or 0)]
            if {g.name for g in user.groups.all()} & set(_staff_roles(unit)):
                self._staff[unit.pk].append(user)

    def working_group(self) -> NoticeRecipients:
        if self._group is None:
            self._group = working_group_recipients()
        return self._group

    def active_people(self, unit_id: int) -> list[User]:
        """The unit's own active people (liaisons, else role holders); empty means flagged."""
        return self._liaisons.get(unit_id) or self._staff.get(unit_id) or []

    def recipients(self, unit_id: int, *, assignee: Any = None) -> NoticeRecipients:
        unit = self._units.get(unit_id)
        unit_name = unit.name if unit else ""
        if assignee is not None and self._on_duty(unit_id, assignee):
            return self._with_unit_leader(
                NoticeRecipients(
                    users=(assignee,), basis=NoticeBasis.ASSIGNEE, unit_name=unit_name
                ),
                unit,
            )
        if self._liaisons.get(unit_id):
            found = NoticeRecipients(
                users=tuple(self._liaisons[unit_id]),
                basis=NoticeBasis.LIAISONS,
                unit_name=unit_name,
            )
            return self._with_unit_leader(found, unit)
        if self._staff.get(unit_id):
            found = NoticeRecipients(
                users=tuple(self._staff[unit_id]), basis=NoticeBasis.STAFF, unit_name=unit_name
            )
            return self._with_unit_leader(found, unit)
        group = self.working_group()
        return NoticeRecipients(
            users=group.users,
            basis=NoticeBasis.WORKING_GROUP if group.users else NoticeBasis.NOBODY,
            unit_name=unit_name,
            fell_back=True,
        )

    def _on_duty(self, unit_id: int, user: User) -> bool:
        """An assignee counts while active and still one of the unit's people on duty.

        A liaison taken off duty keeps the account but no longer acts for the unit (the same
        condition `_validate_assignee` checks when the assignee is named).
        """
        on_duty = (*self._liaisons.get(unit_id, ()), *self._staff.get(unit_id, ()))
        return getattr(user, "is_active", False) and any(u.pk == user.pk for u in on_duty)

    def _with_unit_leader(self, found: NoticeRecipients, unit: Unit | None) -> NoticeRecipients:
        leader = unit.leader_user if unit is not None and self._with_leader else None
        if leader is None or not leader.is_active or leader in found.users:
            return found
        return NoticeRecipients(
            users=(*found.users, leader), basis=found.basis, unit_name=found.unit_name
        )


def notice_recipients(
    *, unit: Unit | None, assignee: Any = None, with_leader: bool = False
) -> NoticeRecipients:
    """Who must hear of an event concerning `unit` (reminder, overdue, objection step, order …).

    The assignee if any (and active); else the unit's active liaisons; else the unit's active
    staff accounts holding the matching role (the tax bureau's tax staff); else — the unit has
    nobody active — the working group. `with_leader` adds the unit's leader account (逾期、整改:
    the unit's 分管负责人 hears of it too). See `NoticeRecipients` for what the result records.
    """
    if unit is None:
        return working_group_recipients()
    book = NoticeBook(unit_ids=[unit.pk], with_leader=with_leader)
    return book.recipients(unit.pk, assignee=assignee)


def working_group_recipients(*, leaders_only: bool = False) -> NoticeRecipients:
    """The working group as the audience of an escalation or a filing (Art. 3, 20, 21, 28)."""
    users = tuple(working_group_users(leaders_only=leaders_only))
    if leaders_only and not users:  # no leader on duty: the whole group rather than nobody
        users = tuple(working_group_users())
    return NoticeRecipients(
        users=users, basis=NoticeBasis.WORKING_GROUP if users else NoticeBasis.NOBODY
    )


def user_recipients(*, user: User, unit: Unit | None = None) -> NoticeRecipients:
    """One named person (the requester, the order's issuer), else the rule for their unit."""
    if user is not None and getattr(user, "is_active", False):
        return NoticeRecipients(
            users=(user,), basis=NoticeBasis.ASSIGNEE, unit_name=unit.name if unit else ""
        )
    return notice_recipients(unit=unit if unit is not None else getattr(user, "unit", None))


def units_without_active_person(*, unit_ids: Iterable[int] | None = None) -> QuerySet[Unit]:
    """Active units nobody can be told for: no active liaison and no active role holder.

    The same rungs as `NoticeBook` below the assignee: liaisons, then the accounts holding the
    unit's matching role (tax staff at the tax bureau).
    """
    liaisons = Liaison.objects.filter(
        unit=OuterRef("pk"), is_active=True, user__isnull=False, user__is_active=True
    )
    tax_staff = User.objects.filter(
        unit=OuterRef("pk"), is_active=True, groups__name=Role.TAX_STAFF
    )
    qs = Unit.objects.filter(is_active=True).exclude(
        Exists(liaisons) | (Q(kind="tax_bureau") & Exists(tax_staff))
    )
    if unit_ids is not None:
        qs = qs.filter(pk__in=list(unit_ids))
    return qs


# --- units nobody can be told for (flagged: /units/, the working group's home, system check) ---

_duty_sources: dict[str, Callable[[], QuerySet[Any]]] = {}
UNREACHABLE_CACHE_SECONDS = (
    60  # the home panel's list: a fact that changes with staffing, not per click
)


def register_duty_source(key: str, unit_ids: Callable[[], QuerySet[Any]]) -> None:
    """An app declares which units have open duties: `unit_ids()` is a one-column queryset.

    (Obligations, requests, objections, orders live in other apps, which agencies never imports.)
    """
    _duty_sources[key] = unit_ids


def units_unreachable() -> QuerySet[Unit]:
    """Units with open duties and nobody active to tell: their events go to the working group.

    One query: the duty sources are subqueries of a single statement.
    """
    if not _duty_sources:
        return Unit.objects.none()
    has_duties = functools.reduce(
        operator.or_, (Q(pk__in=source()) for source in _duty_sources.values())
    )
    return units_without_active_person().filter(has_duties).order_by("code")


def units_unreachable_cached() -> list[tuple[int, str]]:
    """(pk, name) of `units_unreachable`, cached briefly for a panel shown on every home page."""

    key = "agencies:units_unreachable"
    found = cache.get(key)
    if found is None:
        found = list(units_unreachable().values_list("pk", "name"))
        cache.set(key, found, UNREACHABLE_CACHE_SECONDS)
    return found
