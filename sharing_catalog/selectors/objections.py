"""Reads of objections: per unit lists, the working group's queue, and facts for assessment.

Assessment (Art. 25) reads objection handling through `objection_facts` and drills down with
`objection_evidence`; it never queries the Objection model itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from agencies.roles import is_working_group
from sharing_catalog.models import Objection
from sharing_catalog.selectors.entitlements import reader_unit_ids
from zhengxiang_portal.deadlines.asof import AsOf, Standing, local_day
from zhengxiang_portal.statistics import StatisticsTable, crosstab

S = Objection.Status


def objection_list(*, user: User, filters: dict | None = None) -> QuerySet[Objection]:
    """Objections the user's units raised or must answer; all for the working group."""
    qs = Objection.objects.select_related("item", "provider", "consumer", "submission", "raised_by")
    if not is_working_group(user):
        units = reader_unit_ids(user=user)
        qs = qs.filter(Q(provider_id__in=units) | Q(consumer_id__in=units))
    filters = filters or {}
    if filters.get("open"):
        qs = qs.exclude(status=S.CLOSED)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("side") == "provider":
        qs = qs.filter(provider_id__in=reader_unit_ids(user=user))
    elif filters.get("side") == "consumer":
        qs = qs.filter(consumer_id__in=reader_unit_ids(user=user))
    if filters.get("submission"):
        qs = qs.filter(submission_id=filters["submission"])
    return qs.order_by("deadline", "pk")


def objection_get(*, user: User, pk: int) -> Objection:
    return objection_list(user=user).get(pk=pk)


def objection_overdue_list(
    *, as_of: dt.date, unit_ids: list[int] | None = None
) -> QuerySet[Objection]:
    """Objections the provider has not answered although the current deadline is before `as_of`
    (Art. 22: 及时解释说明或更正): nothing is overdue on its deadline day itself.

    The deadline scan also stamps `overdue_at` and writes a ledger entry (step "overdue") the
    first time it finds one; a dispute starts a new round with a new deadline.
    """
    qs = Objection.objects.select_related("item", "provider", "consumer").filter(
        status__in=[S.OPEN, S.DISPUTED], deadline__lt=as_of
    )
    if unit_ids is not None:
        qs = qs.filter(provider_id__in=unit_ids)
    return qs.order_by("deadline", "pk")


@dataclass
class ObjectionStats:
    """One provider unit's objection handling in a period (for the assessment)."""

    received: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    open_overdue: int = 0
    upheld_against: int = 0


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


# How each standing at the as-of day is counted (zhengxiang_portal.deadlines.asof).
_COUNTED_AS = {
    Standing.ON_TIME: "answered_on_time",
    Standing.LATE: "answered_late",
    Standing.OVERDUE: "open_overdue",
}


def _answer_kind(o: Objection, as_of: AsOf) -> str | None:
    """answered_on_time / answered_late / open_overdue at the as-of day, or None (not counted).

    The provider owes an answer by the first deadline (Art. 22: 及时解释说明或更正), and again by
    the new deadline of each disputed round: one awaiting the provider past its current deadline
    is overdue (the scan's `overdue_at`), whatever it answered before. An objection closed
    without an answer (withdrawn, duplicate, arbitrated) owes none; one still unanswered is
    overdue only once its deadline has passed at the as-of day.
    """
    if o.awaits_provider and as_of.deadline_passed(o.deadline):
        return "open_overdue"  # overdue in its current round, e.g. disputed and not answered
    answered_on = local_day(o.answered_at)
    if answered_on is None and o.status == S.CLOSED:
        return None
    return _COUNTED_AS.get(as_of.standing(deadline=o.first_deadline, done_on=answered_on))


def objection_facts(
    *, start: dt.date, end: dt.date, unit_ids: list[int] | None = None, as_of: AsOf | None = None
) -> dict[int, ObjectionStats]:
    """Per provider unit: objections received in [start, end]; those whose first answer deadline
    falls in [start, end] answered on time or late, or still unanswered past their deadline at
    the as-of day (`AsOf.for_period(end=end)` by default); upheld against it by the working group.

    An answer is judged in the period its deadline falls in, as a request's is: one raised on
    30 December and due on 7 January is still pending at the end of the year, and the new year's
    period is where it is answered on time, late, or not at all.
    """
    as_of = as_of or AsOf.for_period(end=end)
    lo, hi = _bounds(start, end)
    received = Objection.objects.filter(created_at__gte=lo, created_at__lt=hi)
    owed = Objection.objects.filter(first_deadline__gte=start, first_deadline__lte=end)
    ruled = Objection.objects.filter(
        ruled_at__gte=lo, ruled_at__lt=hi, ruling=Objection.Ruling.UPHELD
    )
    if unit_ids is not None:
        received = received.filter(provider_id__in=unit_ids)
        owed = owed.filter(provider_id__in=unit_ids)
        ruled = ruled.filter(provider_id__in=unit_ids)
    stats: dict[int, ObjectionStats] = {}
    for provider_id in received.values_list("provider_id", flat=True):
        stats.setdefault(provider_id, ObjectionStats()).received += 1
    fields = ("provider_id", "answered_at", "first_deadline", "deadline", "status")
    for o in owed.only(*fields).iterator():
        kind = _answer_kind(o, as_of)
        if kind is not None:
            s = stats.setdefault(o.provider_id, ObjectionStats())
            setattr(s, kind, getattr(s, kind) + 1)
    for provider_id in ruled.values_list("provider_id", flat=True):
        stats.setdefault(provider_id, ObjectionStats()).upheld_against += 1
    return stats


EVIDENCE_KINDS = ("received", "answered_on_time", "answered_late", "open_overdue", "upheld_against")


def objection_evidence(
    *, unit_id: int, start: dt.date, end: dt.date, kind: str, as_of: AsOf | None = None
) -> list[Objection]:
    """The objections behind one number of `objection_facts` (drill-down of a score)."""
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"unknown kind {kind}")
    as_of = as_of or AsOf.for_period(end=end)
    lo, hi = _bounds(start, end)
    base = Objection.objects.select_related("item", "consumer").filter(provider_id=unit_id)
    if kind == "upheld_against":
        return list(base.filter(ruled_at__gte=lo, ruled_at__lt=hi, ruling=Objection.Ruling.UPHELD))
    if kind == "received":
        return list(base.filter(created_at__gte=lo, created_at__lt=hi).order_by("created_at"))
    owed = base.filter(first_deadline__gte=start, first_deadline__lte=end).order_by("created_at")
    return [o for o in owed if _answer_kind(o, as_of) == kind]


def objection_statistics(start: dt.date, end: dt.date) -> StatisticsTable:
    """Objections raised in [start, end] (local days) by item and current state (Art. 23)."""
    counts = (
        Objection.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
        .values_list("item__name", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return crosstab(
        title=_("异议（按信息资源与办理状态）"),
        first_heading=_("信息资源"),
        counts=counts,
        columns=Objection.Status.choices,
    )
