"""The one working-day engine (statutory holidays, 调休 make-up days, overrides, year ends)."""

import datetime as dt

import pytest

from zhengxiang_portal.deadlines.calendar import WorkingCalendar, add_working_days
from zhengxiang_portal.deadlines.services import calendar_override_set

D = dt.date


def test_national_day_holiday_is_not_counted():
    # 2026-09-30 (Wed) + 1 working day: 10-01..10-07 are the National Day holiday.
    cal = WorkingCalendar(overrides={})
    assert not cal.is_working_day(D(2026, 10, 1))
    assert cal.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_make_up_workdays_count_as_working_days():
    cal = WorkingCalendar(overrides={})
    assert cal.is_working_day(D(2026, 9, 20))  # Sunday, 调休上班
    assert cal.is_working_day(D(2026, 10, 10))  # Saturday, 调休上班
    # Friday 2026-09-18 + 1 working day is the make-up Sunday, not Monday.
    assert cal.add_working_days(D(2026, 9, 18), 1) == D(2026, 9, 20)


def test_deadline_across_new_year_skips_the_holiday_and_keeps_working_in_2027():
    cal = WorkingCalendar(overrides={})
    assert not cal.is_working_day(D(2027, 1, 1))
    # Wed 2026-12-30 + 5 working days: 12-31, (01-01 holiday, weekend), 01-04..01-07.
    assert cal.add_working_days(D(2026, 12, 30), 5) == D(2027, 1, 7)


def test_spring_festival_of_a_year_past_the_official_schedule_is_still_a_holiday():
    cal = WorkingCalendar(overrides={})
    # 2028 Spring Festival falls on 2028-01-26; the rule-based calendar knows it.
    assert not cal.is_working_day(D(2028, 1, 26))


@pytest.mark.django_db
def test_admin_override_wins_over_the_package():
    calendar_override_set(day=D(2027, 2, 20), is_working_day=False, note="临时调整")
    calendar_override_set(day=D(2027, 2, 21), is_working_day=True, note="调休上班")
    cal = WorkingCalendar()
    assert not cal.is_working_day(D(2027, 2, 20))
    assert cal.is_working_day(D(2027, 2, 21))  # a Sunday made a working day


@pytest.mark.django_db
def test_override_takes_effect_without_restart():
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)
    calendar_override_set(day=D(2026, 11, 30), is_working_day=False)
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 12, 1)


def test_working_days_between_counts_the_end_not_the_start():
    cal = WorkingCalendar(overrides={})
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert cal.working_days_between(D(2026, 10, 8), D(2026, 9, 30)) == -1
    assert cal.working_days_between(D(2026, 11, 2), D(2026, 11, 2)) == 0


def test_zero_days_rolls_a_rest_day_to_the_next_working_day():
    cal = WorkingCalendar(overrides={})
    assert cal.add_working_days(D(2026, 10, 3), 0) == D(2026, 10, 8)
    assert cal.add_working_days(D(2026, 11, 2), 0) == D(2026, 11, 2)
