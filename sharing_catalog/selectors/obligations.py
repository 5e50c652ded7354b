"""Reads of reporting obligations: who sees which, what is due, facts for the assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from agencies.models import User
from agencies.roles import is_working_group
from agencies.selectors import user_unit_ids
from zhengxiang_portal.deadlines.asof import AsOf, Standing, local_day

from ..models import CatalogItem, Obligation

OPEN_STATES = (Obligation.Status.OPEN, Obligation.Status.SUBMITTED, Obligation.Status.OVERDUE)


def _scope(user: User) -> Q | None:
    """None = everything (working group); else the provider's and the consumers' obligations.

    A provider unit's liaisons see what their unit owes; a consumer unit (the tax bureau's staff
    among them) sees the obligations of items it receives, to know when data arrives (Art. 22).
    """
    if is_working_group(user):
        return None
    units = user_unit_ids(user=user)
    consumed = CatalogItem.objects.filter(consumers__in=units).values("pk")
    return Q(item__provider_id__in=units) | Q(item_id__in=consumed)


def obligation_list(
    *, user: User | AnonymousUser, filters: dict | None = None
) -> QuerySet[Obligation]:
    """Obligations this user may see, filtered and ordered by due date."""
    if not user.is_authenticated:
        return Obligation.objects.none()
    qs = Obligation.objects.select_related("item__provider")
    scope = _scope(user)
    if scope is not None:
        qs = qs.filter(scope)
    filters = filters or {}
    if filters.get("mine"):
        qs = qs.filter(item__provider_id__in=user_unit_ids(user=user))
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("provider"):
        qs = qs.filter(item__provider=filters["provider"])
    if filters.get("item"):
        qs = qs.filter(item=filters["item"])
    if filters.get("due_from"):
        qs = qs.filter(due_date__gte=filters["due_from"])
    if filters.get("due_to"):
        qs = qs.filter(due_date__lte=filters["due_to"])
    if filters.get("pending"):
        qs = qs.filter(status__in=OPEN_STATES)
    text = (filters.get("q") or "").strip()
    if text:
        qs = qs.filter(
            Q(item__name__icontains=text)
            | Q(item__code__icontains=text)
            | Q(period_label__icontains=text)
        )
    return qs.order_by("due_date", "item__code", "pk")


def obligation_get(*, user: User, pk: int) -> Obligation:
    """One obligation the user may see (raises Obligation.DoesNotExist otherwise)."""
    return obligation_list(user=user).get(pk=pk)


def obligation_home_list(*, user: User, limit: int = 10) -> list[Obligation]:
    """The user's own units' obligations still to be done, soonest due first (home panel)."""
    units = user_unit_ids(user=user)
    if not units:
        return []
    return list(
        Obligation.objects.select_related("item__provider")
        .filter(item__provider_id__in=units, status__in=OPEN_STATES)
        .order_by("due_date", "item__code")[:limit]
    )


def obligation_overdue_by_unit(*, user: User) -> list[dict[str, Any]]:
    """Overdue obligations counted per provider unit (the working group's view, Art. 20)."""
    rows = (
        obligation_list(user=user)
        .filter(status=Obligation.Status.OVERDUE)
        .order_by()
        .values("item__provider_id", "item__provider__name", "item__provider__code")
        .annotate(count=Count("pk"))
        .order_by("-count", "item__provider__code")
    )
    return [dict(row) for row in rows]


def obligation_state(obligation: Obligation, today: dt.date | None = None) -> str:
    """A tag colour for the state: ok, warn (due within a week), err (late), muted, or ""."""
    today = today or timezone.localdate()
    if obligation.status == Obligation.Status.FULFILLED:
        return "ok"
    if obligation.status == Obligation.Status.EXEMPT:
        return "muted"
    if obligation.status == Obligation.Status.OVERDUE or obligation.grace_until < today:
        return "err"
    if obligation.status == Obligation.Status.SUBMITTED:
        return ""  # uploaded, awaiting the provider's confirmation: neutral
    if (obligation.due_date - today).days <= 7:
        return "warn"
    return ""


# --- facts for the assessment app (Art. 25) -----------------------------------------------------


def obligation_list_for_assessment(
    *, start: dt.date, end: dt.date, unit_ids: Iterable[int] | None = None
) -> QuerySet[Obligation]:
    """Obligations whose due date falls in [start, end], optionally of these provider units.

    The 报送情况通报's view (what was due in a month or quarter, pending ones shown as pending);
    the scores read `obligation_list_judged_in`.
    """
    qs = Obligation.objects.select_related("item__provider").filter(
        due_date__gte=start, due_date__lte=end
    )
    if unit_ids is not None:
        qs = qs.filter(item__provider_id__in=list(unit_ids))
    return qs.order_by("due_date", "pk")


def obligation_list_judged_in(
    *, start: dt.date, end: dt.date, unit_ids: Iterable[int] | None = None
) -> QuerySet[Obligation]:
    """Obligations whose grace period ends in [start, end]: those an assessment period judges.

    An obligation is judged once, in the period its grace period ends in, as an objection's answer
    is in the period its first deadline falls in and a request in the period it is due (Art. 22,
    25): December's data due on 31 December with grace to 5 January is still pending when the
    fourth quarter is judged at its last day, and the first quarter is where it stands on time,
    late or not provided. Chosen by due date it was counted in no period at all.
    """
    qs = Obligation.objects.select_related("item__provider").filter(
        grace_until__gte=start, grace_until__lte=end
    )
    if unit_ids is not None:
        qs = qs.filter(item__provider_id__in=list(unit_ids))
    return qs.order_by("grace_until", "due_date", "pk")


def obligation_standing(obligation: Obligation, *, as_of: AsOf) -> Standing | None:
    """How the obligation stands at the as-of day; None when exempt (not counted).

    Confirmed (fulfilled) by the end of its grace period is on time (Art. 22: 校核、确认);
    unconfirmed is overdue only once the grace period has passed at the as-of day.
    """
    if obligation.status == Obligation.Status.EXEMPT:
        return None
    done_on = (
        local_day(obligation.fulfilled_at)
        if obligation.status == Obligation.Status.FULFILLED
        else None
    )
    return as_of.standing(deadline=obligation.grace_until, done_on=done_on)


def obligation_on_time(obligation: Obligation) -> bool | None:
    """True when confirmed by the end of the grace period (local date); None when exempt."""
    if obligation.status == Obligation.Status.EXEMPT:
        return None
    if obligation.status != Obligation.Status.FULFILLED or obligation.fulfilled_at is None:
        return False
    return timezone.localdate(obligation.fulfilled_at) <= obligation.grace_until
