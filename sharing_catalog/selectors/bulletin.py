"""The 报送情况通报: each provider unit's reporting for a month or a quarter (Art. 20, 22, 28).

Every figure is read through the catalog's own rules: an obligation's standing is
`obligation_standing` at the period's as-of day (on time, late, missing = overdue, pending =
still inside its grace period), the first-pass rate counts version 1 of the period's obligations
whose validation finished, and open objections are those against the unit's data not closed.
Once a period's bulletin is published, `bulletin_for_period` reads the figures as they were sent.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from agencies.models import Unit
from sharing_catalog.errors import CatalogErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.asof import AsOf, Standing

from ..models import BulletinPublication, Objection, Submission
from .obligations import obligation_list_for_assessment, obligation_standing


@dataclass(frozen=True)
class BulletinPeriod:
    label: str  # "2026年9月" / "2026年第三季度"
    key: str  # "2026-09" / "2026-Q3"
    start: dt.date
    end: dt.date


_QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


def bulletin_period(key: str) -> BulletinPeriod:
    """Parse "2026-09" (a month) or "2026-Q3" (a quarter); a clear error otherwise."""
    key = (key or "").strip().upper()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", key):
        year, month = int(m[1]), int(m[2])
        if 1 <= month <= 12:
            start = dt.date(year, month, 1)
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
            return BulletinPeriod(_("%(y)s年%(m)s月") % {"y": year, "m": month}, key, start, end)
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", key):
        year, q = int(m[1]), int(m[2])
        start = dt.date(year, 3 * q - 2, 1)
        end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(1)
        label = _("%(y)s年第%(q)s季度") % {"y": year, "q": _QUARTER_NAMES[q]}
        return BulletinPeriod(label, key, start, end)
    raise ApplicationError(
        code=CatalogErrorCode.INVALID_PERIOD,
        message=_("期间格式应为 2026-09（月）或 2026-Q3（季度）。"),
    )


@dataclass
class UnitReporting:
    unit_id: int
    unit_name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    first_total: int = 0
    first_passed: int = 0
    open_objections: int = 0
    rank: int = 0

    @staticmethod
    def _pct(n: int, d: int) -> Decimal | None:
        if not d:
            return None
        return (Decimal(100) * n / d).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def on_time_rate(self) -> Decimal | None:
        """On time over the obligations already judged (pending ones are not yet)."""
        return self._pct(self.on_time, self.due - self.pending)

    @property
    def first_pass_rate(self) -> Decimal | None:
        return self._pct(self.first_passed, self.first_total)

    @property
    def to_be_named(self) -> bool:
        """Named and urged in the bulletin: anything missing or late (Art. 28)."""
        return self.missing > 0 or self.late > 0


def _sort_key(r: UnitReporting) -> tuple:
    rate = r.on_time_rate if r.on_time_rate is not None else Decimal(101)
    return (r.missing, r.late, -rate, r.open_objections, r.unit_name)


def reporting_bulletin(
    *, period: BulletinPeriod, today: dt.date | None = None
) -> list[UnitReporting]:
    """Every provider unit with obligations due in the period, ranked best first.

    Rank: fewest missing, then fewest late, then highest on-time rate, then fewest open
    objections; equal records share a rank.
    """
    as_of = AsOf.for_period(end=period.end, today=today)
    rows: dict[int, UnitReporting] = {}

    def row(unit: Unit) -> UnitReporting:
        if unit.pk not in rows:
            rows[unit.pk] = UnitReporting(unit_id=unit.pk, unit_name=unit.name)
        return rows[unit.pk]

    standing_field = {
        Standing.ON_TIME: "on_time",
        Standing.LATE: "late",
        Standing.OVERDUE: "missing",
        Standing.PENDING: "pending",
    }
    for obligation in obligation_list_for_assessment(start=period.start, end=period.end):
        standing = obligation_standing(obligation, as_of=as_of)
        if standing is None:  # exempt: not due
            continue
        r = row(obligation.item.provider)
        r.due += 1
        field = standing_field[standing]
        setattr(r, field, getattr(r, field) + 1)
    firsts = Submission.objects.filter(
        version=1,
        obligation__due_date__gte=period.start,
        obligation__due_date__lte=period.end,
        status__in=Submission.PASSED_STATUSES | Submission.FAILED_STATUSES,
    ).values_list("obligation__item__provider_id", "status")
    counted: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, status in firsts:
        counted[unit_id][0] += 1
        counted[unit_id][1] += status in Submission.PASSED_STATUSES
    for unit_id, (total, passed) in counted.items():
        if unit_id in rows:
            rows[unit_id].first_total, rows[unit_id].first_passed = total, passed
    open_counts = (
        Objection.objects.exclude(status=Objection.Status.CLOSED)
        .filter(provider_id__in=list(rows))
        .values_list("provider_id", flat=True)
    )
    for unit_id in open_counts:
        rows[unit_id].open_objections += 1
    ranked = sorted(rows.values(), key=_sort_key)
    previous = None
    for i, r in enumerate(ranked, start=1):
        key = _sort_key(r)[:-1]
        r.rank = ranked[i - 2].rank if previous == key else i
        previous = key
    return ranked


@dataclass
class Bulletin:
    """A period's ranked rows; `frozen` when they are the figures as published (`publication`)."""

    period: BulletinPeriod
    rows: list[UnitReporting]
    publication: BulletinPublication | None
    frozen: bool

    @property
    def issued_on(self) -> dt.date | None:
        return self.publication.issued_on if self.frozen and self.publication else None


def bulletin_for_period(*, period: BulletinPeriod, live: bool = False) -> Bulletin:
    """The period's bulletin as published, when it was and its figures were kept (Art. 28: a
    通报 sent is a document; later changes do not rewrite it); otherwise, or with `live`, the
    figures computed now."""
    publication = (
        BulletinPublication.objects.filter(period_key=period.key)
        .select_related("published_by")
        .first()
    )
    if publication is not None and publication.rows and not live:
        rows = [UnitReporting(**row) for row in publication.rows]
        return Bulletin(period, rows, publication, frozen=True)
    return Bulletin(period, reporting_bulletin(period=period), publication, frozen=False)
