"""Month statistics at the edges (issue 18 done-when): the due date decides the month, a deadline
of 5 working days runs over the National Day holiday, an answer near midnight counts on its local
day, and the average handling time counts working days only. Counted by hand.

2026 schedule (国务院办公厅): Friday 25 September off (中秋), 1–7 October off (国庆), Sunday
20 September and Saturday 10 October worked. A 涉税信息查询 (5 working days): made Mon 21 Sep →
due Tue 29 Sep (22, 23, 24, 28, 29); Tue 22 → Wed 30 Sep; Wed 23 → Thu 8 Oct; Thu 24 → Fri 9 Oct.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from collaboration.selectors import RequestStats, request_statistics
from collaboration.services import request_accept, request_answer
from tests.factories import CollaborationRequestFactory

pytestmark = pytest.mark.django_db
D = dt.date
BEIJING = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BEIJING)


@pytest.fixture
def autumn(world):
    liaison = world.market_liaison
    made = {}
    for name, day in [("sep29", D(2026, 9, 21)), ("sep30", D(2026, 9, 22)),
                      ("oct08", D(2026, 9, 23)), ("oct09", D(2026, 9, 24))]:  # fmt: skip
        with time_machine.travel(at(day), tick=False):
            made[name] = CollaborationRequestFactory(
                actor=world.staff, target_unit=world.market, subject=name
            )
            request_accept(req=made[name], actor=liaison)
    assert {k: r.due_date for k, r in made.items()} == {
        "sep29": D(2026, 9, 29), "sep30": D(2026, 9, 30),
        "oct08": D(2026, 10, 8), "oct09": D(2026, 10, 9),
    }  # fmt: skip
    # sep29: never answered. sep30: answered at 23:30 on its due day (15:30 UTC): on time
    with time_machine.travel(at(D(2026, 9, 30), 23, 30), tick=False):
        request_answer(req=made["sep30"], actor=liaison, answer="按期答复")
    with time_machine.travel(at(D(2026, 10, 8)), tick=False):
        request_answer(req=made["oct08"], actor=liaison, answer="节后第一天答复")
    # oct09: answered Monday 12 October, a working day after its due date: late
    with time_machine.travel(at(D(2026, 10, 12)), tick=False):
        request_answer(req=made["oct09"], actor=liaison, answer="逾期答复")
    return made


@time_machine.travel(at(D(2026, 11, 2)), tick=False)
def test_september_and_october_split_on_the_due_date_over_the_holiday(world, autumn):
    september = request_statistics(start=D(2026, 9, 1), end=D(2026, 9, 30))
    october = request_statistics(start=D(2026, 10, 1), end=D(2026, 10, 31))
    # September: sep29 overdue, sep30 on time in 5 working days (23, 24, 28, 29, 30 Sep)
    assert september == {
        world.market.pk: RequestStats(received=2, answered_on_time=1, overdue_open=1,
                                      avg_working_days_to_answer=5.0)
    }  # fmt: skip
    assert september[world.market.pk].on_time_rate == 50.0
    # October: oct08 on time in 5 working days (24, 28, 29, 30 Sep, 8 Oct); oct09 late in 7
    # (28, 29, 30 Sep, 8, 9, 10, 12 Oct: the holidays do not count, the Saturday worked does)
    assert october == {
        world.market.pk: RequestStats(received=2, answered_on_time=1, answered_late=1,
                                      avg_working_days_to_answer=6.0)
    }  # fmt: skip
    assert october[world.market.pk].on_time_rate == 50.0


@time_machine.travel(at(D(2026, 11, 2)), tick=False)
def test_the_page_shows_the_same_figures_for_the_month_picked(client, world, autumn):
    client.force_login(world.wg)
    page = client.get(reverse("collaboration:statistics"), {"month": "2026-10"})
    rows = {unit.code: st for unit, st in page.context["rows"]}
    assert rows["SAMR"].received == 2 and rows["SAMR"].answered_late == 1
    assert rows["SAMR"].avg_working_days_to_answer == 6.0
    september = client.get(reverse("collaboration:statistics"), {"month": "2026-09"})
    assert {u.code: st.overdue_open for u, st in september.context["rows"]} == {"SAMR": 1}
