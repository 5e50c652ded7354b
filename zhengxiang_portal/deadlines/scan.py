"""One deadline-scan helper for every deadline scan (requests, obligations, objections, orders).

Deadlines live in the database and a periodic scan acts on them (FACTS: Celery ETA tasks are not a
place for deadlines). Every scan does the same few things, and they are here once:

- `ScanResult`: what a scan did, counted per kind (reminded, marked overdue, escalated, closed)
  and the notices it created; `more` when a batch came back full.
- `ScanDays`: the day's thresholds on the working-day calendar, computed once per scan, so a scan
  filters with plain date comparisons: "remind until", "N working days reached / passed".
- `claim_batches`: due rows claimed with SELECT … FOR UPDATE SKIP LOCKED in short transactions, the
  due condition checked again under the lock: two workers never both act on a row, beat firing
  twice finds nothing left, and a worker dying mid-batch rolls back so the next run does it. The
  caller changes the state, appends the ledger entry and notifies inside that transaction.
- a registry: each app registers its scan in `AppConfig.ready()`; `run_deadline_scans` runs them
  all (the `run_deadline_scans` command, and tests that play days of operation).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .calendar import WorkingCalendar

SCAN_BATCH = 200  # rows claimed per transaction: short locks, bounded memory


@dataclass
class ScanResult:
    """What one deadline scan did, per kind; the same shape for every scan."""

    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    closed: int = 0
    notifications: int = 0
    more: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def acted(self) -> bool:
        return bool(self.reminded or self.overdue or self.escalated or self.closed)


@dataclass(frozen=True)
class ScanDays:
    """One scan's day and the working-day thresholds it compares deadlines with."""

    today: dt.date
    calendar: WorkingCalendar

    @classmethod
    def for_day(cls, today: dt.date | None = None) -> ScanDays:
        return cls(today=today or timezone.localdate(), calendar=WorkingCalendar())

    def remind_until(self, days: int) -> dt.date:
        """Deadlines from today up to this day are within `days` working days: remind them."""
        return self.calendar.add_working_days(self.today, days)

    def reached(self, days: int) -> dt.date:
        """The latest deadline that today is at least `days` working days past (d + days <= today).

        "Escalate on the Nth working day after the deadline" is `deadline <= reached(N)`.
        """
        current, counted = self.today, 0
        while counted < days:
            if self.calendar.is_working_day(current):
                counted += 1
            current -= dt.timedelta(days=1)
        return current

    def passed(self, days: int) -> dt.date:
        """The latest deadline with `days` whole working days gone by after it (d + days < today).

        "Escalate once N working days after the deadline have passed" is `deadline <= passed(N)`.
        """
        return ScanDays(self.today - dt.timedelta(days=1), self.calendar).reached(days)


def claim_batches(queryset: QuerySet, *, batch: int = SCAN_BATCH) -> Iterator[list[Any]]:
    """Yield the rows of `queryset` (the due condition) in batches, each claimed in its own
    transaction: the caller acts on a batch inside that transaction.

    A row another worker holds is skipped (it is being done); a row that stopped being due
    between the first read and the lock (answered, already stamped) is not yielded.
    """
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            rows = list(
                queryset.filter(pk__in=ids[start : start + batch])
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
            )
            if rows:
                yield rows


@dataclass(frozen=True)
class DeadlineScan:
    """A registered scan: a key, a label for people, and the function that runs it once."""

    key: str
    label: Any
    run: Callable[[], ScanResult]
    order: int = 100


_scans: dict[str, DeadlineScan] = {}


def register_deadline_scan(scan: DeadlineScan) -> None:
    _scans[scan.key] = scan


def deadline_scans() -> list[DeadlineScan]:
    return sorted(_scans.values(), key=lambda s: s.order)


def run_deadline_scans() -> list[tuple[DeadlineScan, ScanResult]]:
    """Run every registered deadline scan once, in order; each is idempotent."""
    return [(scan, scan.run()) for scan in deadline_scans()]
