"""报送情况通报: each unit's due / on time / late / missing / first-pass / open objections, ranked.

The expected numbers are worked out by hand from the scenario below (2026 Q3, judged after it).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from agencies.roles import Role
from sharing_catalog.models import Objection
from sharing_catalog.selectors.bulletin import bulletin_period, reporting_bulletin
from tests.factories import (
    DueObligationFactory,
    ObjectionFactory,
    SubmissionFactory,
    UnitFactory,
    UserFactory,
)
from zhengxiang_portal.core.errors import ApplicationError

pytestmark = pytest.mark.django_db
D = dt.date
AFTER_Q3 = dt.datetime(2026, 10, 20, 9, tzinfo=dt.UTC)


def _objection(submission, consumer, user, status):
    return ObjectionFactory(
        submission=submission, consumer=consumer, raised_by=user,
        category=Objection.Category.values[0], description="数据有误", status=status,
        first_deadline=D(2026, 9, 1), deadline=D(2026, 9, 1),
        closing_reason="explained" if status == Objection.Status.CLOSED else "",
    )  # fmt: skip


@pytest.fixture
def scenario(roles):
    a = UnitFactory(code="A", name="甲局")
    b = UnitFactory(code="B", name="乙局")
    c = UnitFactory(code="C", name="丙局")
    user = UserFactory()
    # 甲: on time, late, missing; one exempt and one outside the quarter (neither counted)
    a1 = DueObligationFactory(unit=a, due=D(2026, 7, 10), fulfilled_on=D(2026, 7, 9))
    a2 = DueObligationFactory(unit=a, due=D(2026, 8, 10), fulfilled_on=D(2026, 8, 12))
    DueObligationFactory(unit=a, due=D(2026, 9, 10), status="open")
    DueObligationFactory(unit=a, due=D(2026, 9, 20), status="exempt")
    DueObligationFactory(unit=a, due=D(2026, 6, 10), status="open")
    s1 = SubmissionFactory(obligation=a1, version=1, status="validated")  # first upload passed
    SubmissionFactory(obligation=a2, version=1, status="invalid")  # first upload failed …
    SubmissionFactory(
        obligation=a2, version=2, status="confirmed"
    )  # … the second is not a first upload
    _objection(s1, b, user, Objection.Status.OPEN)
    _objection(s1, b, user, Objection.Status.CLOSED)
    # 乙: two on time, first upload passed
    b1 = DueObligationFactory(unit=b, due=D(2026, 7, 15), fulfilled_on=D(2026, 7, 15))
    DueObligationFactory(unit=b, due=D(2026, 8, 15), fulfilled_on=D(2026, 8, 1))
    SubmissionFactory(obligation=b1, version=1, status="confirmed")
    # 丙: one late, no first upload recorded
    DueObligationFactory(unit=c, due=D(2026, 9, 5), fulfilled_on=D(2026, 9, 8))
    return a, b, c


def _by_name(rows):
    return {r.unit_name: r for r in rows}


@time_machine.travel(AFTER_Q3, tick=False)
def test_quarter_figures_equal_the_hand_count(scenario):
    rows = reporting_bulletin(period=bulletin_period("2026-Q3"))
    got = {
        r.unit_name: (r.rank, r.due, r.on_time, r.late, r.missing, r.pending, r.first_total,
                      r.first_passed, r.open_objections, r.on_time_rate, r.first_pass_rate,
                      r.to_be_named)
        for r in rows
    }  # fmt: skip
    assert got == {
        "乙局": (1, 2, 2, 0, 0, 0, 1, 1, 0, Decimal("100.0"), Decimal("100.0"), False),
        "丙局": (2, 1, 0, 1, 0, 0, 0, 0, 0, Decimal("0.0"), None, True),
        "甲局": (3, 3, 1, 1, 1, 0, 2, 1, 1, Decimal("33.3"), Decimal("50.0"), True),
    }
    assert [r.unit_name for r in rows] == ["乙局", "丙局", "甲局"]


@time_machine.travel(dt.datetime(2026, 10, 20, 9, tzinfo=dt.UTC), tick=False)
def test_a_month_still_running_counts_a_not_yet_due_obligation_as_pending(roles):
    unit = UnitFactory(name="丁局")
    DueObligationFactory(unit=unit, due=D(2026, 10, 25), status="open")
    DueObligationFactory(unit=unit, due=D(2026, 10, 9), fulfilled_on=D(2026, 10, 9))
    (row,) = reporting_bulletin(period=bulletin_period("2026-10"))
    assert (row.due, row.on_time, row.pending, row.missing) == (2, 1, 1, 0)
    assert row.on_time_rate == Decimal("100.0") and not row.to_be_named


def test_periods_parse_months_and_quarters_and_refuse_anything_else():
    q4 = bulletin_period("2026-q4")
    assert (q4.start, q4.end, q4.label) == (D(2026, 10, 1), D(2026, 12, 31), "2026年第四季度")
    feb = bulletin_period("2028-02")
    assert (feb.start, feb.end, feb.label) == (D(2028, 2, 1), D(2028, 2, 29), "2028年2月")
    for bad in ("2026-13", "2026-Q5", "26-01", "", "2026/09"):
        with pytest.raises(ApplicationError):
            bulletin_period(bad)


@time_machine.travel(AFTER_Q3, tick=False)
def test_page_print_xlsx_and_docx_show_the_same_ranking_and_name_the_laggards(client, scenario):
    client.force_login(UserFactory(roles=[Role.WG_LEADER]))
    q = "?period=2026-Q3"
    page = client.get(reverse("sharing_catalog:bulletin") + q).content.decode()
    assert page.index("乙局") < page.index("丙局") < page.index("甲局")
    assert "点名督促" in page
    printed = client.get(reverse("sharing_catalog:bulletin_print") + q).content.decode()
    assert "2026年第三季度共享数据报送情况通报" in printed
    assert "予以点名督促：丙局、甲局" in printed
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("sharing_catalog:bulletin_xlsx") + q).content)
    ).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:6] == [1, "乙局", 2, 2, 0, 0]
    assert values[3][:6] == [3, "甲局", 3, 1, 1, 1]
    word = Document(io.BytesIO(client.get(reverse("sharing_catalog:bulletin_docx") + q).content))
    table = word.tables[0]
    assert [cell.text for cell in table.rows[3].cells][:2] == ["3", "甲局"]


def test_the_bulletin_is_the_working_groups_and_a_bad_period_is_a_clear_error(client, roles):
    client.force_login(UserFactory(roles=[Role.TAX_STAFF]))
    assert client.get(reverse("sharing_catalog:bulletin")).status_code == 403
    assert client.get(reverse("sharing_catalog:bulletin_xlsx")).status_code == 403
    client.force_login(UserFactory(roles=[Role.WG_MEMBER]))
    response = client.get(reverse("sharing_catalog:bulletin") + "?period=2026-13")
    assert response.status_code == 400 and "期间格式应为" in response.content.decode()
    assert client.get(reverse("sharing_catalog:bulletin_docx") + "?period=x").status_code == 400


def test_the_obligation_list_links_the_working_group_to_the_bulletin(client, roles):
    client.force_login(UserFactory(roles=[Role.WG_LEADER]))
    page = client.get(reverse("sharing_catalog:obligation_list")).content.decode()
    assert reverse("sharing_catalog:bulletin") in page
