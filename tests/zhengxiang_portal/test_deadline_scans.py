"""The one deadline-scan helper and `manage.py run_deadline_scans` (issue 14 §8)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from sharing_catalog.services import objections as objection_services
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    private_media_root,
)
from tests.sharing_catalog.test_objections import confirmed_version
from zhengxiang_portal.deadlines.scan import ScanDays, deadline_scans
from zhengxiang_portal.ledger.selectors import ledger_history

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))


def test_every_deadline_scan_is_registered_in_order():
    assert [s.key for s in deadline_scans()] == [
        "requests",
        "case_returns",  # cases returned for administrative handling (Art. 6(三))
        "obligations",
        "objections",
        "orders",
    ]


def test_reached_and_passed_count_working_days_after_a_deadline():
    days = ScanDays.for_day(dt.date(2026, 12, 14))  # Monday
    # Thu 10, Fri 11, Mon 14: the 3rd working day after Wed 9 is today
    assert days.reached(3) == dt.date(2026, 12, 9)
    # three whole working days after Tue 8 (Wed, Thu, Fri) have gone by before today
    assert days.passed(3) == dt.date(2026, 12, 8)
    assert days.remind_until(1) == dt.date(2026, 12, 15)


def _run() -> list[str]:
    out = io.StringIO()
    call_command("run_deadline_scans", stdout=out)
    return out.getvalue().splitlines()


def test_the_command_runs_every_scan_says_what_each_did_and_sends_nothing_twice(roles):
    # given an objection raised on Monday 2026-11-02 (answer due Monday 2026-11-09)
    world = World()
    submission = confirmed_version(world, [good_row(n) for n in range(1, 4)])
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        o = objection_services.objection_raise(
            actor=world.consumer_liaison,
            submission=submission,
            category="error",
            description="成交金额明显错误",
            rows=[2],
        )
    # when the operator runs the scans the day after the deadline, twice
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=TZ), tick=False):
        first, second = _run(), _run()
    # then each scan reports its counts, and the second run finds nothing left to do
    labels = [line.split("：")[0] for line in first]
    assert labels == ["协作请求", "退回行政处理的案件", "报送任务", "数据异议", "责令改正"]
    assert "数据异议：提醒 0 逾期 1 升级 0 办结 0" in first
    assert "数据异议：提醒 0 逾期 0 升级 0 办结 0" in second
    assert [e.details["step"] for e in ledger_history(o)] == ["raise", "overdue"]
