"""When a duty counts as late: one rule for every deadline the assessment judges (Art. 25).

A score is computed *as of* a day: today while its period runs, or the period's last day once
the period is past. At that day every duty with a deadline (an obligation's grace period, an
objection's answer deadline, a collaboration request's due date) stands in one of four ways:

- done by its deadline: on time;
- done after its deadline: late;
- not done, and its deadline has passed at the as-of day: overdue (counted as not on time);
- not done, and its deadline has not passed: pending — nothing is late before its deadline, so
  it is not counted at all yet.

A deadline is the whole deadline day: on the day itself a duty is not yet late. A past period is
judged at the *end* of its last day, so a duty due on that last day and not done is overdue.
The catalog's and collaboration's assessment selectors classify their objects through
`AsOf.standing` and nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone


class Standing(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    PENDING = "pending"


@dataclass(frozen=True)
class AsOf:
    """The day lateness is judged at; `closed` when that whole day is over (a past period)."""

    day: dt.date
    closed: bool = False

    @classmethod
    def for_period(cls, *, end: dt.date, today: dt.date | None = None) -> AsOf:
        """Today while the period runs; the end of its last day once it is past."""
        today = today or timezone.localdate()
        if today > end:
            return cls(end, closed=True)
        return cls(today)

    def deadline_passed(self, deadline: dt.date) -> bool:
        """True once `deadline` is over: after it, or on it when the as-of day is over."""
        return deadline < self.day or (self.closed and deadline == self.day)

    def standing(self, *, deadline: dt.date, done_on: dt.date | None) -> Standing:
        """How a duty with this deadline, done on `done_on` (None: not done), stands."""
        passed = self.deadline_passed(deadline)
        if done_on is None or (done_on > self.day and not passed):
            # Not done, or done only after the as-of day with nothing late at that day.
            return Standing.OVERDUE if passed else Standing.PENDING
        return Standing.ON_TIME if done_on <= deadline else Standing.LATE


def local_day(moment: dt.datetime | None) -> dt.date | None:
    """The local (Asia/Shanghai) date of a stored moment; lateness is judged by local days."""
    return None if moment is None else timezone.localdate(moment)
