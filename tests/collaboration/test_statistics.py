"""Statistics for the assessment (Art. 25): numbers per target unit and period, and evidence."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from collaboration.selectors import RequestStats, request_evidence, request_statistics
from collaboration.services import (
    request_accept,
    request_answer,
    request_contest,
    request_refuse,
    request_rule,
    request_withdraw,
)
from tests.factories import CollaborationRequestFactory

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ)


@pytest.fixture
def november(world):
    """Six requests to 市场监管局 due in November 2026, one to another unit, in every outcome."""
    liaison = world.market_liaison
    made = {}
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):  # all due Mon 11-09
        for name in ["on_time", "late", "overdue", "justified", "unjustified", "withdrawn"]:
            made[name] = CollaborationRequestFactory(
                actor=world.staff, target_unit=world.market, subject=name
            )
        made["other"] = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.other, subject="other"
        )
        for name in ["on_time", "late", "overdue"]:
            request_accept(req=made[name], actor=liaison)
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        request_answer(req=made["on_time"], actor=liaison, answer="按期答复")  # 3 working days
        for name in ["justified", "unjustified"]:
            request_refuse(
                req=made[name], actor=liaison, justification="不属于本局职责范围的事项。"
            )
            request_contest(req=made[name], actor=world.staff, reason="属于贵局职责，请继续办理。")
        request_rule(req=made["justified"], actor=world.wg, justified=True, comment="理由成立")
        request_rule(req=made["unjustified"], actor=world.wg, justified=False, comment="不成立")
        request_withdraw(req=made["withdrawn"], actor=world.staff)
    with time_machine.travel(at(D(2026, 11, 12)), tick=False):
        request_answer(req=made["late"], actor=liaison, answer="逾期答复")  # 8 working days
    return made


def test_request_statistics_counts_each_outcome(world, november):
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        stats = request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30))
    # "unjustified" went back to the unit with a new deadline (11-12) — still in November; it
    # counts once, as an unjustified refusal (never on time), not also as overdue.
    assert stats[world.market.pk] == RequestStats(
        received=5,
        answered_on_time=1,
        answered_late=1,
        overdue_open=1,
        refused_justified=1,
        refused_unjustified=1,
        avg_working_days_to_answer=5.5,
    )
    assert stats[world.other.pk].received == 1


def test_statistics_by_due_date_window_and_unit_filter(world, november):
    assert request_statistics(start=D(2026, 12, 1), end=D(2026, 12, 31)) == {}
    only = request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30), unit_ids=[world.other.pk])
    assert list(only) == [world.other.pk]


def test_statistics_run_in_one_query(world, november, django_assert_num_queries):
    with django_assert_num_queries(1):
        request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30))


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("received", {"on_time", "late", "overdue", "justified", "unjustified"}),
        ("on_time", {"on_time"}),
        ("late", {"late"}),
        ("overdue_open", {"overdue"}),
        ("refused_unjustified", {"unjustified"}),
    ],
)
def test_request_evidence_lists_the_requests_behind_each_number(world, november, kind, expected):
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        qs = request_evidence(
            unit_id=world.market.pk, start=D(2026, 11, 1), end=D(2026, 11, 30), kind=kind
        )
        assert {r.subject for r in qs} == expected


def test_unknown_evidence_kind_is_an_error(world):
    with pytest.raises(ValueError):
        request_evidence(unit_id=1, start=D(2026, 1, 1), end=D(2026, 12, 31), kind="bogus")


# --- the month view (issue 18 #3) -------------------------------------------------------------


def test_on_time_rate_counts_only_settled_requests():
    # Given 1 on time, 1 late, 1 overdue, 1 unjustified refusal and 1 justified refusal
    st = RequestStats(
        received=5, answered_on_time=1, answered_late=1, overdue_open=1, refused_justified=1,
        refused_unjustified=1,
    )  # fmt: skip
    # Then the justified refusal is not settled timeliness: 1 of 4 on time
    assert (st.decided, st.on_time_rate) == (4, 25.0)
    assert RequestStats().on_time_rate is None


def test_request_statistics_by_category(world, november):
    # When the November numbers are grouped by 协作类别 (all seven are 涉税信息查询: supervision)
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        stats = request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30), by="category")
    # Then by hand: market's five plus the other unit's open request, overdue at 11-30
    assert stats == {
        "supervision": RequestStats(
            received=6, answered_on_time=1, answered_late=1, overdue_open=2,
            refused_justified=1, refused_unjustified=1, avg_working_days_to_answer=5.5,
        )
    }  # fmt: skip
    assert stats["supervision"].on_time_rate == 20.0
    with pytest.raises(ValueError):
        request_statistics(start=D(2026, 11, 1), end=D(2026, 11, 30), by="bogus")


def _month_page(client, world, **params):
    client.force_login(world.wg)
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        return client.get(reverse("collaboration:statistics"), params)


def test_statistics_page_month_selector_counts_that_month_only(client, world, november):
    # Given November's requests and one more due in December
    with time_machine.travel(at(D(2026, 11, 27)), tick=False):
        make_december = CollaborationRequestFactory(
            actor=world.staff, requesting_unit=world.bureau, target_unit=world.market,
            matter_type=world.mt("bank-reconciliation"), subject="december", body="对账",
        )  # fmt: skip
    assert make_december.due_date.month == 12
    # When the working group picks the month 2026-11
    page = _month_page(client, world, month="2026-11")
    # Then the unit and category tables hold November's numbers, with the rate and the charts
    assert page.status_code == 200
    rows = {unit.code: st for unit, st in page.context["rows"]}
    assert rows["SAMR"].received == 5 and rows["SAMR"].on_time_rate == 25.0
    assert rows["OTHER"].received == 1 and rows["OTHER"].on_time_rate == 0.0
    assert [(label, st.received) for label, st in page.context["categories"]] == [("监管协作", 6)]
    html = page.content.decode()
    assert html.count('<svg class="chart"') == 2 and "按期办结率" in html
    # and the month of December counts only the December request (征管协作)
    december = _month_page(client, world, month="2026-12")
    assert [(label, st.received) for label, st in december.context["categories"]] == [
        ("征管协作", 1)
    ]


def test_statistics_month_must_be_a_month(client, world):
    page = _month_page(client, world, month="2026-13")
    assert page.status_code == 200
    assert "月份格式应为 2026-11。" in page.content.decode()
    assert page.context["rows"] == []


def test_statistics_excel_has_the_page_numbers_and_is_formula_safe(client, world, november):
    # Given a unit whose name a spreadsheet would run as a formula
    world.other.name = "=HYPERLINK(1)"
    world.other.save(update_fields=["name"])
    # When the month's statistics are exported
    response = _month_page(client, world, month="2026-11", format="xlsx")
    # Then the workbook has the unit and category sheets with the page's numbers
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    by_unit = [list(r) for r in book.worksheets[0].iter_rows(min_row=3, values_only=True)]
    assert ["区市场监管局", 5, 1, 1, 1, 1, 1, 25, 5.5] in by_unit
    assert ["'=HYPERLINK(1)", 1, 0, 0, 1, 0, 0, 0, None] in by_unit
    by_category = [list(r) for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert by_category == [["监管协作", 6, 1, 1, 2, 1, 1, 20, 5.5]]
