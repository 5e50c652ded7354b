"""A month's sections count records by their local (Beijing) day: an order issued at 23:30 on
30 November and one at 00:30 on 1 December (still 30 November in UTC) fall in different months."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from assessment.models import RectificationOrder
from tests.factories import RectificationOrderFactory, UnitFactory, WorkingGroupMemberFactory
from zhengxiang_portal.statistics import statistics_tables

pytestmark = pytest.mark.django_db
D = dt.date
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _orders(start: dt.date, end: dt.date) -> list[list]:
    (table,) = [t for t in statistics_tables(start=start, end=end) if "责令改正" in str(t.title)]
    return [list(row) for row in table.rows]


def test_orders_fall_in_the_month_of_their_local_day(roles):
    unit = UnitFactory(name="区医保局")
    leader = WorkingGroupMemberFactory(leader=True).user
    for moment in (dt.datetime(2026, 11, 30, 23, 30, tzinfo=BEIJING),
                   dt.datetime(2026, 12, 1, 0, 30, tzinfo=BEIJING)):  # fmt: skip
        with time_machine.travel(moment, tick=False):
            RectificationOrderFactory(
                actor=leader, unit=unit, failure=RectificationOrder.Failure.NOT_PROVIDING_DATA,
                facts="未按期报送。", requirement="请补报。",
            )  # fmt: skip
    # 待整改 column then 合计: one order each month, none counted twice or lost
    assert _orders(D(2026, 11, 1), D(2026, 11, 30)) == [["区医保局", 1, 0, 0, 0, 1]]
    assert _orders(D(2026, 12, 1), D(2026, 12, 31)) == [["区医保局", 1, 0, 0, 0, 1]]
    assert _orders(D(2026, 11, 1), D(2026, 12, 31)) == [["区医保局", 2, 0, 0, 0, 2]]
