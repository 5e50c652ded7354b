"""A deadline a person chooses ends on a working day.

民法典第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日.

Seen on the demo, played from 2026-12-06 (tests/zhengxiang_portal/test_eight_weeks_under_beat.py):
XZ-2026-000006's extension was asked "14 days later", 2027-01-01 (元旦); approved as asked, the
request fell due on the holiday, was reminded "将于 2027-01-01 到期" and marked overdue on
Saturday 2027-01-02, two working days before the unit could have answered.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from collaboration.services import (
    extension_decide,
    request_accept,
    request_ask_extension,
    request_contest,
    request_refuse,
    request_rule,
)
from tests.factories import CollaborationRequestFactory

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=TZ)


def test_an_extension_asked_to_a_holiday_runs_to_the_next_working_day(world):
    with time_machine.travel(at(D(2026, 12, 7)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
        ext = request_ask_extension(
            req=req, actor=world.market_liaison, reason="需调档", new_due_date=D(2027, 1, 1)
        )
        # 2027-01-01 is 元旦, 01-02 and 01-03 the weekend: the extension runs to Monday 01-04
        assert ext.new_due_date == D(2027, 1, 4)
        extension_decide(ext=ext, actor=world.staff, approve=True, comment="同意")
    req.refresh_from_db()
    assert req.due_date == D(2027, 1, 4)


def test_an_extension_to_a_working_day_stays_as_asked(world):
    with time_machine.travel(at(D(2026, 12, 7)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
        ext = request_ask_extension(
            req=req, actor=world.market_liaison, reason="需调档", new_due_date=D(2026, 12, 31)
        )
    assert ext.new_due_date == D(2026, 12, 31)


def test_a_request_created_with_a_due_date_on_a_weekend_runs_to_monday(world):
    with time_machine.travel(at(D(2026, 12, 7)), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, due_date=D(2027, 1, 2)
        )
    assert req.due_date == D(2027, 1, 4)


def test_a_ruling_that_gives_a_holiday_as_the_new_deadline_gives_the_next_working_day(world):
    with time_machine.travel(at(D(2026, 12, 7)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        req = request_refuse(
            req=req, actor=world.market_liaison, justification="不属于本单位职责范围"
        )
        req = request_contest(req=req, actor=world.staff, reason="该信息由贵局登记，请提供")
        req = request_rule(
            req=req,
            actor=world.wg,
            justified=False,
            comment="属于职责范围，应予协作。",
            new_due_date=D(2027, 1, 1),
        )
    assert req.due_date == D(2027, 1, 4)
