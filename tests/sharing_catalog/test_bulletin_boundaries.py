"""报送情况通报 at the edges (issue 18 done-when): a month's first and last day, the local day of a
confirmation near midnight, and a grace period running over the National Day holiday.

Every figure is counted by hand from the facts below. The 2026 schedule (国务院办公厅): 1–7
October off (国庆), Saturday 10 October worked; so 3 working days after Wednesday 30 September
are 8, 9 and 10 October.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from sharing_catalog.models import Obligation
from sharing_catalog.selectors.bulletin import bulletin_period, reporting_bulletin
from tests.factories import DueObligationFactory, UnitFactory
from zhengxiang_portal.deadlines.calendar import add_working_days

pytestmark = pytest.mark.django_db
D = dt.date
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _obligation(unit, code, due, *, grace=None, confirmed=None):
    """An obligation due `due`, its grace period ending `grace`, confirmed at the local time."""
    obligation = DueObligationFactory(unit=unit, due=due, status="open", code=code)
    obligation.grace_until = grace or due
    if confirmed is not None:
        obligation.status = Obligation.Status.FULFILLED
        obligation.fulfilled_at = confirmed
    obligation.save()
    return obligation


@pytest.fixture
def unit(roles):
    unit = UnitFactory(code="A", name="甲局")
    after_holiday = D(2026, 10, 10)
    _obligation(
        unit, "first-day", D(2026, 9, 1), confirmed=dt.datetime(2026, 9, 1, 9, tzinfo=BEIJING)
    )
    _obligation(unit, "august", D(2026, 8, 31))  # August's: not in September
    _obligation(unit, "holiday-open", D(2026, 9, 30), grace=after_holiday)
    _obligation(unit, "holiday-done", D(2026, 9, 30), grace=after_holiday,
                confirmed=dt.datetime(2026, 10, 9, 10, tzinfo=BEIJING))  # fmt: skip
    # 00:30 on 1 October in Beijing is still 30 September in UTC: late all the same
    _obligation(unit, "after-midnight", D(2026, 9, 30),
                confirmed=dt.datetime(2026, 10, 1, 0, 30, tzinfo=BEIJING))  # fmt: skip
    _obligation(unit, "before-midnight", D(2026, 9, 30),
                confirmed=dt.datetime(2026, 9, 30, 23, 30, tzinfo=BEIJING))  # fmt: skip
    _obligation(unit, "october", D(2026, 10, 1))  # October's first day: not in September
    return unit


def _figures(row):
    return (row.due, row.on_time, row.late, row.missing, row.pending, row.on_time_rate,
            row.to_be_named)  # fmt: skip


def test_the_engine_counts_the_national_day_holiday_as_the_schedule_says():
    assert add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


@time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=BEIJING), tick=False)
def test_september_counts_its_first_and_last_day_and_the_local_day_of_each_confirmation(unit):
    (row,) = reporting_bulletin(period=bulletin_period("2026-09"))
    # due in September: first-day, the two holiday ones, after- and before-midnight (5);
    # on time: first-day, before-midnight; late: after-midnight; the two whose grace runs
    # over the holiday are not judged at September's end (pending, not missing)
    assert _figures(row) == (5, 2, 1, 0, 2, Decimal("66.7"), True)


@time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=BEIJING), tick=False)
def test_the_quarter_holds_augusts_and_septembers_last_days_and_not_octobers_first(unit):
    (row,) = reporting_bulletin(period=bulletin_period("2026-Q3"))
    # September's five and August's last day (never confirmed: missing); 2 on time of 4 judged
    assert _figures(row) == (6, 2, 1, 1, 2, Decimal("50.0"), True)


@time_machine.travel(dt.datetime(2026, 10, 12, 9, tzinfo=BEIJING), tick=False)
def test_october_running_holds_its_first_day_overdue(unit):
    (row,) = reporting_bulletin(period=bulletin_period("2026-10"))
    assert _figures(row) == (1, 0, 0, 1, 0, Decimal("0.0"), True)


@time_machine.travel(dt.datetime(2026, 9, 30, 23, 45, tzinfo=BEIJING), tick=False)
def test_on_septembers_last_evening_nothing_due_that_day_is_missing_yet(unit):
    # At 23:45 on 30 September (15:45 UTC) the month still runs and its last day is not over:
    # first-day and before-midnight (23:30) are on time; the other three are not judged yet
    (row,) = reporting_bulletin(period=bulletin_period("2026-09"))
    assert (row.due, row.on_time, row.late, row.missing, row.pending) == (5, 2, 0, 0, 3)
