"""Obligations per period: periods by frequency, working-day due dates, idempotent creation."""

import datetime as dt

import pytest
import time_machine

from sharing_catalog.models import CatalogItem, Obligation
from sharing_catalog.services.obligations import (
    obligations_generate,
    period_before,
    period_containing,
)
from sharing_catalog.tasks import generate_obligations_task
from tests.factories import CatalogItemViaServicesFactory, UnitFactory, WorkingGroupMemberFactory
from tests.sharing_catalog.catalog_helpers import at
from zhengxiang_portal.deadlines.models import CalendarOverride

F = CatalogItem.Frequency
pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    ("frequency", "day", "start", "end", "label"),
    [
        (F.DAILY, D(2026, 10, 8), D(2026, 10, 8), D(2026, 10, 8), "2026-10-08"),
        (F.WEEKLY, D(2026, 11, 27), D(2026, 11, 23), D(2026, 11, 29), "2026年第48周"),
        (F.WEEKLY, D(2027, 1, 1), D(2026, 12, 28), D(2027, 1, 3), "2026年第53周"),
        (F.MONTHLY, D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28), "2026年2月"),
        (F.MONTHLY, D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31), "2026年12月"),
        (F.QUARTERLY, D(2026, 8, 15), D(2026, 7, 1), D(2026, 9, 30), "2026年第3季度"),
        (F.HALF_YEARLY, D(2026, 6, 30), D(2026, 1, 1), D(2026, 6, 30), "2026年上半年"),
        (F.HALF_YEARLY, D(2026, 7, 1), D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
        (F.YEARLY, D(2026, 5, 5), D(2026, 1, 1), D(2026, 12, 31), "2026年度"),
    ],
)
def test_period_containing_a_day(frequency, day, start, end, label):
    period = period_containing(frequency, day)
    assert (period.start, period.end, period.label) == (start, end, label)


def test_on_event_items_have_no_periods():
    assert period_containing(F.ON_EVENT, D(2026, 5, 5)) is None


def test_the_period_before_january_is_last_december():
    january = period_containing(F.MONTHLY, D(2027, 1, 10))
    assert period_before(F.MONTHLY, january).label == "2026年12月"
    q1 = period_containing(F.QUARTERLY, D(2027, 2, 1))
    assert period_before(F.QUARTERLY, q1).start == D(2026, 10, 1)


@pytest.fixture
def wg(roles):
    return WorkingGroupMemberFactory().user


def _obligation(item, start):
    return Obligation.objects.get(item=item, period_start=start)


def test_due_date_counts_working_days_over_national_day_2026(wg):
    """September ends on Wed 30; 1–7 October is the holiday; Sat 10 October is a make-up day."""
    with time_machine.travel(at(2026, 9, 15), tick=False):
        item = CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory())  # due 5, grace 2
    september = _obligation(item, D(2026, 9, 1))
    # 8 Oct (1), 9 Oct (2), Sat 10 Oct make-up (3), 12 Oct (4), 13 Oct (5)
    assert september.due_date == D(2026, 10, 13)
    assert september.grace_until == D(2026, 10, 15)
    assert september.period_label == "2026年9月"


def test_due_date_crosses_new_year_2026_to_2027(wg):
    """December 2026 ends on Thu 31; 1–3 January 2027 are off; the count starts on Mon 4th."""
    provider = UnitFactory()
    with time_machine.travel(at(2026, 12, 20), tick=False):
        monthly = CatalogItemViaServicesFactory(actor=wg, provider=provider)
        quarterly = CatalogItemViaServicesFactory(
            actor=wg, provider=provider, code="ZX-T-Q", frequency=F.QUARTERLY,
            due_working_days=10, grace_working_days=3,
        )  # fmt: skip
        weekly = CatalogItemViaServicesFactory(
            actor=wg, provider=provider, code="ZX-T-W", frequency=F.WEEKLY,
            due_working_days=2, grace_working_days=0,
        )  # fmt: skip
    with time_machine.travel(at(2027, 1, 2), tick=False):
        created = generate_obligations_task()
    assert created >= 3
    december = _obligation(monthly, D(2026, 12, 1))
    assert (december.due_date, december.grace_until) == (D(2027, 1, 8), D(2027, 1, 12))
    q4 = _obligation(quarterly, D(2026, 10, 1))
    assert (q4.due_date, q4.grace_until) == (D(2027, 1, 15), D(2027, 1, 20))
    week53 = _obligation(weekly, D(2026, 12, 28))  # Mon 28 Dec – Sun 3 Jan
    assert (week53.period_label, week53.due_date) == ("2026年第53周", D(2027, 1, 5))
    assert _obligation(monthly, D(2027, 1, 1)).period_label == "2027年1月"


def test_an_admin_override_moves_the_due_date(wg):
    CalendarOverride.objects.create(day=D(2027, 1, 4), is_working_day=False, note="测试调整")
    with time_machine.travel(at(2026, 12, 20), tick=False):
        item = CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory())
    with time_machine.travel(at(2027, 1, 2), tick=False):
        generate_obligations_task()
    assert _obligation(item, D(2026, 12, 1)).due_date == D(2027, 1, 11)


@pytest.mark.parametrize(
    ("frequency", "start", "label"),
    [
        (F.DAILY, D(2026, 11, 27), "2026-11-27"),
        (F.WEEKLY, D(2026, 11, 23), "2026年第48周"),
        (F.MONTHLY, D(2026, 11, 1), "2026年11月"),
        (F.QUARTERLY, D(2026, 10, 1), "2026年第4季度"),
        (F.HALF_YEARLY, D(2026, 7, 1), "2026年下半年"),
        (F.YEARLY, D(2026, 1, 1), "2026年度"),
    ],
)
def test_publishing_creates_the_current_period_for_each_frequency(wg, frequency, start, label):
    with time_machine.travel(at(2026, 11, 27), tick=False):
        item = CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory(), frequency=frequency)
    assert list(
        Obligation.objects.filter(item=item).values_list("period_start", "period_label")
    ) == [(start, label)]


def test_the_beat_task_is_idempotent_and_adds_the_just_ended_period(wg):
    with time_machine.travel(at(2026, 10, 20), tick=False):
        item = CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory())
    with time_machine.travel(at(2026, 11, 2), tick=False):
        first = generate_obligations_task()
        second = generate_obligations_task()
    assert (first, second) == (1, 0)
    starts = sorted(Obligation.objects.filter(item=item).values_list("period_start", flat=True))
    assert starts == [D(2026, 10, 1), D(2026, 11, 1)]


def test_no_obligations_for_on_event_not_shared_off_platform_or_draft_items(wg):
    provider = UnitFactory()
    with time_machine.travel(at(2026, 11, 27), tick=False):
        CatalogItemViaServicesFactory(
            actor=wg, provider=provider, code="E", frequency=F.ON_EVENT, grace_working_days=0
        )
        CatalogItemViaServicesFactory(
            actor=wg, provider=provider, code="N", sharing_class=CatalogItem.SharingClass.NOT_SHARED
        )
        CatalogItemViaServicesFactory(
            actor=wg,
            provider=provider,
            code="O",
            transmission=CatalogItem.Transmission.OFF_PLATFORM,
        )
        draft = CatalogItemViaServicesFactory(actor=wg, provider=provider, code="D", publish=False)
        generate_obligations_task()
        obligations_generate(day=D(2026, 11, 27), items=[draft])
    assert not Obligation.objects.exists()


def test_a_past_period_can_be_generated_explicitly(wg):
    with time_machine.travel(at(2026, 11, 27), tick=False):
        item = CatalogItemViaServicesFactory(actor=wg, provider=UnitFactory())
        assert obligations_generate(day=D(2026, 6, 15)) == 1
        assert obligations_generate(day=D(2026, 6, 20)) == 0
    assert _obligation(item, D(2026, 6, 1)).due_date == D(2026, 7, 7)
