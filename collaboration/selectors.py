"""Reads of collaboration requests, scoped to what the user may see (Art. 7), and statistics.

`request_statistics` and `request_evidence` are the interface the assessment (Art. 25) uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.roles import Role, is_working_group
from agencies.selectors import user_unit_ids
from zhengxiang_portal.deadlines.asof import AsOf, Standing
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule
from zhengxiang_portal.statistics import StatisticsTable, crosstab

from .models import (
    RUNNING_STATUSES,
    AdminHandling,
    Attachment,
    CollaborationRequest,
    Extension,
    MatterType,
    RefusalRuling,
    Status,
    TimelineEntry,
    TransferOutcome,
    TransferReport,
)
from .permissions import seat_unit_ids, visible_unit_ids

# A case returned for administrative handling was answered by the judicial organ (Art. 6(三)).
ANSWERED_STATUSES = (Status.ANSWERED, Status.CLOSED, Status.RETURNED)
AMBER_WORKING_DAYS = 2  # "due soon" highlight: due within two working days


def _base() -> QuerySet[CollaborationRequest]:
    return CollaborationRequest.objects.select_related(
        "matter_type", "requesting_unit", "target_unit", "assignee", "requested_by"
    )


# What a list of requests shows (the list page, the home panels): no bodies, answers or rulings.
# Each list row used to carry ~120 columns over six joined tables into six model instances.
LIST_COLUMNS = (
    "number",
    "subject",
    "category",
    "priority",
    "status",
    "due_date",
    "submitted_at",
    "escalated_at",
    "contested_at",
    "matter_type__name",
    "requesting_unit__name",
    "requesting_unit__short_name",
    "target_unit__name",
    "target_unit__short_name",
    "assignee__username",
    "assignee__full_name",
    "outcome",
    "admin_result",
    "admin_due_date",
)


def request_rows(qs: QuerySet[CollaborationRequest]) -> QuerySet[CollaborationRequest]:
    """`qs` loading only what a list row shows (LIST_COLUMNS); a detail page loads the rest."""
    return (
        qs.select_related(None)
        .select_related("matter_type", "requesting_unit", "target_unit", "assignee")
        .only(*LIST_COLUMNS)
    )


def request_visible(*, user: User) -> QuerySet[CollaborationRequest]:
    """Requests this user may see: their units' incoming and outgoing ones; all for the WG."""
    if not getattr(user, "is_authenticated", False):
        return CollaborationRequest.objects.none()
    qs = _base()
    if is_working_group(user):
        return qs
    ids = visible_unit_ids(user)
    return qs.filter(Q(requesting_unit_id__in=ids) | Q(target_unit_id__in=ids))


def request_list(*, user: User, filters: dict | None = None) -> QuerySet[CollaborationRequest]:
    """The list page and API: visible requests, filtered (status, category, unit, overdue …)."""
    qs = request_visible(user=user)
    filters = filters or {}
    today = timezone.localdate()
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("matter_type"):
        qs = qs.filter(matter_type=filters["matter_type"])
    if filters.get("unit"):
        unit = filters["unit"]
        qs = qs.filter(Q(requesting_unit=unit) | Q(target_unit=unit))
    if filters.get("direction") == "incoming":
        qs = qs.filter(target_unit_id__in=visible_unit_ids(user))
    elif filters.get("direction") == "outgoing":
        qs = qs.filter(requesting_unit_id__in=visible_unit_ids(user))
    if filters.get("overdue"):
        qs = qs.filter(status__in=RUNNING_STATUSES, due_date__lt=today)
    if filters.get("contested"):
        qs = qs.filter(status=Status.CONTESTED)
    if filters.get("outcome"):
        qs = qs.filter(outcome=filters["outcome"])
    if filters.get("admin_result"):
        qs = qs.filter(admin_result=filters["admin_result"])
    if filters.get("q"):
        q = filters["q"]
        qs = qs.filter(Q(number__icontains=q) | Q(subject__icontains=q))
    return qs


def request_get(*, user: User, pk: int) -> CollaborationRequest:
    """One request with its timeline, attachments and extensions; DoesNotExist if not visible."""
    return (
        request_visible(user=user)
        .prefetch_related(
            Prefetch(
                "timeline",
                queryset=TimelineEntry.objects.select_related("actor", "actor_unit")
                .prefetch_related("attachments")
                .order_by("created_at", "id"),
            ),
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
            Prefetch(
                "extensions",
                queryset=Extension.objects.select_related("requested_by", "decided_by"),
            ),
            Prefetch(
                "transfer_reports",
                queryset=TransferReport.objects.select_related(
                    "reported_by", "reporter_unit", "timeline_entry"
                ).prefetch_related("timeline_entry__attachments"),
            ),
        )
        .select_related("admin_recorded_by")
        .get(pk=pk)
    )


def attachment_get(*, user: User, pk: int) -> Attachment:
    """An attachment, if the user may see its request (DoesNotExist otherwise)."""
    visible = request_visible(user=user).values("pk")
    return Attachment.objects.select_related("request").get(pk=pk, request__in=visible)


def matter_type_list() -> QuerySet[MatterType]:
    return MatterType.objects.filter(is_active=True)


def oversight_list(*, user: User) -> QuerySet[CollaborationRequest]:
    """The working group's view: every overdue and every contested request."""
    today = timezone.localdate()
    return request_visible(user=user).filter(
        Q(status__in=RUNNING_STATUSES, due_date__lt=today) | Q(status=Status.CONTESTED)
    )


def assignee_candidates(*, unit: Unit) -> QuerySet[User]:
    """Who may be named assignee (承办人) for `unit`: the bureau's tax staff, else its liaisons.

    The same accounts the services accept (`user_can_act_for`), so a form offers no wrong pick.
    """
    if unit.is_tax_bureau:
        qs = User.objects.filter(unit=unit, groups__name=Role.TAX_STAFF)
    else:
        qs = User.objects.filter(liaison__unit=unit, liaison__is_active=True)
    return qs.filter(is_active=True).distinct().order_by("full_name", "username")


def default_due_rule(*, matter_type: MatterType, start: dt.date | None = None) -> Rule:
    """The matter type's default deadline rule: its working days from `start` (today)."""
    return Rule("due_date", matter_type.default_working_days, start=start or timezone.localdate())


def default_due_date(*, matter_type: MatterType, start: dt.date | None = None) -> dt.date:
    """The matter type's default deadline: its working days from `start` (today)."""
    return default_due_rule(matter_type=matter_type, start=start).compute()


def contests_to_rule(*, user: User) -> QuerySet[CollaborationRequest]:
    """Contested refusals this member may rule on: not those where their own unit is a party."""
    own, seat = user_unit_ids(user=user), seat_unit_ids(user)
    return (
        request_visible(user=user)
        .filter(status=Status.CONTESTED)
        .exclude(Q(requesting_unit_id__in=own) | Q(target_unit_id__in=own))
        .exclude(Q(requesting_unit_id__in=seat) | Q(target_unit_id__in=seat))
    )


def due_soon_threshold(today: dt.date | None = None) -> dt.date:
    """Due on or before this date (and not yet overdue) = amber."""
    return WorkingCalendar().add_working_days(today or timezone.localdate(), AMBER_WORKING_DAYS)


def request_todo(*, user: User) -> QuerySet[CollaborationRequest]:
    """What waits on this user's units: incoming running requests, clarifications, answers.

    A pending extension is an EXISTS, not a join: joining the extensions needed DISTINCT over
    every selected column, and PostgreSQL spent ~10 ms planning that on each home page.
    """
    ids = visible_unit_ids(user)
    extension_pending = Extension.objects.filter(
        request_id=OuterRef("pk"), status=Extension.Status.PENDING
    )
    return _base().filter(
        Q(target_unit_id__in=ids, status__in=RUNNING_STATUSES)
        | Q(
            requesting_unit_id__in=ids,
            status__in=[Status.AWAITING_CLARIFICATION, Status.ANSWERED],
        )
        | (Q(requesting_unit_id__in=ids) & Exists(extension_pending))
    )


# --- statistics for the assessment (Art. 25) ------------------------------------------------


@dataclass(frozen=True)
class RequestStats:
    """One target unit's collaboration record over a period (requests counted by due date).

    The outcomes are disjoint: each request counts in at most one of answered on time, answered
    late, overdue open, refused (justified) and refused unjustified.
    """

    received: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    overdue_open: int = 0
    refused_justified: int = 0
    refused_unjustified: int = 0
    avg_working_days_to_answer: float | None = None

    @property
    def decided(self) -> int:
        """Requests whose timeliness is settled: answered, overdue open or refused unjustified."""
        return (
            self.answered_on_time + self.answered_late + self.overdue_open
            + self.refused_unjustified
        )  # fmt: skip

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率 in percent: answered on time over the settled requests (Art. 7: 不得拖延)."""
        return round(100 * self.answered_on_time / self.decided, 1) if self.decided else None


STATISTICS_GROUPINGS = ("target_unit_id", "category")
EVIDENCE_KINDS = ("received", "on_time", "late", "overdue_open", "refused_unjustified")
_STANDING_KIND = {
    Standing.ON_TIME: "on_time",
    Standing.LATE: "late",
    Standing.OVERDUE: "overdue_open",
}
_FACT_FIELDS = (
    "pk",
    "target_unit_id",
    "category",
    "status",
    "due_date",
    "answered_on",
    "answered_at",
    "refusal_ruling",
    "working_days_to_answer",
)


def _period(start: dt.date, end: dt.date) -> QuerySet[CollaborationRequest]:
    # A request the requester withdrew is no duty of the target unit.
    return CollaborationRequest.objects.filter(due_date__gte=start, due_date__lte=end).exclude(
        status=Status.WITHDRAWN
    )


def _answered(row: dict[str, Any]) -> bool:
    return row["status"] in ANSWERED_STATUSES and row["answered_at"] is not None


def _outcome(row: dict[str, Any], as_of: AsOf) -> str | None:
    """The request's outcome at the as-of day, or None when it does not count yet.

    A refusal the working group ruled unjustified is never an answer on time, whatever the
    unit does with the new deadline (Art. 7: 不得无故拒绝、拖延). A refusal stands as justified
    until ruled otherwise; while contested, or while the clock waits for the requester's
    clarification, the request counts nowhere. Otherwise the request stands by its due date
    at the as-of day (`zhengxiang_portal.deadlines.asof`): not late before its deadline.
    """
    if row["refusal_ruling"] == RefusalRuling.UNJUSTIFIED:
        return "refused_unjustified"
    if row["status"] == Status.REFUSED:
        return "refused_justified"
    if _answered(row):
        done_on = row["answered_on"] or timezone.localdate(row["answered_at"])
    elif row["status"] in RUNNING_STATUSES:
        done_on = None
    else:
        return None
    return _STANDING_KIND.get(as_of.standing(deadline=row["due_date"], done_on=done_on))


def request_statistics(
    *,
    start: dt.date,
    end: dt.date,
    unit_ids: Iterable[int] | None = None,
    as_of: AsOf | None = None,
    by: str = "target_unit_id",
) -> dict[Any, RequestStats]:
    """Per target unit: received, answered on time / late, overdue open, refusals, average time.

    Requests count when their due date falls in [start, end]; lateness is judged at the as-of
    day (`AsOf.for_period(end=end)` by default: today, or the period's end once it is past).
    `by="category"` groups the same numbers by 协作类别 instead of by unit.
    One query, whatever the number of units.
    """
    if by not in STATISTICS_GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; expected one of {STATISTICS_GROUPINGS}")
    as_of = as_of or AsOf.for_period(end=end)
    qs = _period(start, end)
    if unit_ids is not None:
        qs = qs.filter(target_unit_id__in=list(unit_ids))
    counts: dict[Any, dict[str, int]] = {}
    answer_days: dict[Any, list[int]] = {}
    for row in qs.values(*_FACT_FIELDS).order_by().iterator(chunk_size=2000):
        unit = counts.setdefault(row[by], dict.fromkeys(_COUNTED, 0))
        unit["received"] += 1
        outcome = _outcome(row, as_of)
        if outcome is not None:
            unit[outcome] += 1
        if _answered(row) and row["working_days_to_answer"] is not None:
            answer_days.setdefault(row[by], []).append(row["working_days_to_answer"])
    return {
        unit_id: RequestStats(
            received=n["received"],
            answered_on_time=n["on_time"],
            answered_late=n["late"],
            overdue_open=n["overdue_open"],
            refused_justified=n["refused_justified"],
            refused_unjustified=n["refused_unjustified"],
            avg_working_days_to_answer=(
                round(sum(days) / len(days), 2) if (days := answer_days.get(unit_id)) else None
            ),
        )
        for unit_id, n in counts.items()
    }


_COUNTED = ("received", "on_time", "late", "overdue_open", "refused_justified",
            "refused_unjustified")  # fmt: skip


def request_evidence(
    *, unit_id: int, start: dt.date, end: dt.date, kind: str, as_of: AsOf | None = None
) -> QuerySet[CollaborationRequest]:
    """The requests behind one number of `request_statistics`, so a score explains itself."""
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"unknown evidence kind {kind!r}; expected one of {EVIDENCE_KINDS}")
    as_of = as_of or AsOf.for_period(end=end)
    mine = _period(start, end).filter(target_unit_id=unit_id)
    if kind != "received":
        mine = mine.filter(
            pk__in=[row["pk"] for row in mine.values(*_FACT_FIELDS) if _outcome(row, as_of) == kind]
        )
    return mine.select_related("matter_type", "requesting_unit", "target_unit").order_by(
        "due_date", "pk"
    )


def transfer_statistics(start: dt.date, end: dt.date) -> StatisticsTable:
    """Cases transferred in [start, end] by judicial organ and current stage (Art. 6(三))."""
    counts = (
        CollaborationRequest.objects.filter(
            matter_type__is_case_transfer=True, submitted_on__gte=start, submitted_on__lte=end
        )
        .exclude(status=Status.WITHDRAWN)
        .values_list("target_unit__name", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return crosstab(
        title=_("案件移送（按司法机关与当前进展）"),
        first_heading=_("司法机关"),
        counts=counts,
        columns=[("", _("未反馈")), *TransferOutcome.choices],
    )


def case_return_statistics(start: dt.date, end: dt.date) -> StatisticsTable:
    """Cases returned in [start, end] by judicial organ and the tax bureau's handling."""
    today = timezone.localdate()
    rows = (
        CollaborationRequest.objects.filter(
            returned_at__isnull=False,
            returned_at__date__gte=start,
            returned_at__date__lte=end,
        )
        .values_list("target_unit__name", "admin_result", "admin_due_date", "admin_handled_late")
        .order_by()
    )

    def column(result: str, due: dt.date | None, late: bool | None) -> str:
        if result:
            return f"{result}_late" if late else result
        return "overdue" if due is not None and due < today else "pending"

    return crosstab(
        title=_("退回行政处理（按司法机关与行政处理结果）"),
        first_heading=_("退回机关"),
        counts=[(name, column(result, due, late), 1) for name, result, due, late in rows],
        columns=[
            ("pending", _("待处理")),
            ("overdue", _("逾期未处理")),
            (AdminHandling.PENALTY, _("按期行政处罚")),
            (f"{AdminHandling.PENALTY}_late", _("逾期行政处罚")),
            (AdminHandling.NO_PENALTY, _("按期不予处罚")),
            (f"{AdminHandling.NO_PENALTY}_late", _("逾期不予处罚")),
        ],
    )


def ledger_unit_scope(unit_ids: Iterable[int]) -> Q:
    """Ledger entries about requests the units made or must answer (their own 台账, Art. 22)."""
    from zhengxiang_portal.ledger.selectors import target_scope

    ids = list(unit_ids)
    return target_scope(
        CollaborationRequest,
        CollaborationRequest.objects.filter(
            Q(requesting_unit_id__in=ids) | Q(target_unit_id__in=ids)
        ),
    )
