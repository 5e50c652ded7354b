"""The official calendar is data: each year's State Council schedule, entered by the admins.

Every 2027 schedule here is MADE-UP TEST DATA: the State Council's 2027 schedule is not known to
us, and nothing in the portal ships one.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from agencies.roles import Role
from tests.factories import OfficialDayFactory, OfficialYearFactory, UserFactory, make_liaison
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.calendar import WorkingCalendar, add_working_days, missing_years
from zhengxiang_portal.deadlines.models import CalendarOverride, OfficialDay, OfficialYear
from zhengxiang_portal.deadlines.schedule_input import schedule_from_csv, schedule_from_text
from zhengxiang_portal.deadlines.services import calendar_override_set, official_year_enter
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry

D = dt.date
pytestmark = pytest.mark.django_db

# MADE-UP TEST DATA, not the State Council's schedule (which we do not know).
TEST_SCHEDULE_2027 = """
# 测试数据：虚构的 2027 年安排
2026-12-31 休 元旦
2027-01-01 休 元旦
2027-01-02 班 元旦
2027-02-06 ~ 2027-02-13 休 春节
2027-02-14 班 春节
2027-10-01~2027-10-07 休 国庆节
2027-09-26 班 国庆节
2027-10-09 班 国庆节
"""


def _noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai


@pytest.fixture
def sysadmin(roles):
    return UserFactory(roles=[Role.SYSTEM_ADMIN])


def _enter_2027(actor):
    schedule, _moves = official_year_enter(
        actor=actor, year=2027, entries=schedule_from_text(TEST_SCHEDULE_2027), source="测试"
    )
    return schedule


# --- the engine -----------------------------------------------------------------------------


def test_a_year_not_entered_falls_back_to_the_package_which_guesses_2027(db):
    # Given no 2027 schedule: the package's rule-based holidays, no make-up workdays.
    assert add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 6)
    assert not WorkingCalendar().is_working_day(D(2027, 2, 14))


def test_an_entered_year_counts_its_holidays_and_make_up_workdays(sysadmin):
    _enter_2027(sysadmin)
    cal = WorkingCalendar()
    # 10-01..10-07 off, 10-08 (Fri) is the first working day, 10-09 (Sat) a make-up workday.
    assert cal.add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert cal.add_working_days(D(2027, 9, 30), 2) == D(2027, 10, 9)
    assert cal.is_working_day(D(2027, 2, 14))  # Sunday, make-up workday
    assert not cal.is_working_day(D(2027, 2, 8))  # Monday in the Spring Festival
    assert cal.is_working_day(D(2027, 3, 1))  # an ordinary Monday of an entered year
    assert not cal.is_working_day(D(2027, 3, 6))  # an ordinary Saturday


def test_an_entered_schedule_is_counted_across_the_year_end(sysadmin):
    # The package has 2026-12-31 (Thu) as a working day; the entered 2027 schedule makes it a
    # holiday and 2027-01-02 (Sat) a make-up workday.
    assert add_working_days(D(2026, 12, 30), 1) == D(2026, 12, 31)
    _enter_2027(sysadmin)
    assert add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 2)
    assert add_working_days(D(2026, 12, 30), 2) == D(2027, 1, 4)


def test_an_override_still_wins_over_an_entered_schedule(sysadmin):
    from zhengxiang_portal.deadlines.services import calendar_override_set

    _enter_2027(sysadmin)
    calendar_override_set(day=D(2027, 10, 8), is_working_day=False, note="临时放假", actor=sysadmin)
    assert add_working_days(D(2027, 9, 30), 1) == D(2027, 10, 9)


# --- entering a schedule ----------------------------------------------------------------------


def test_entering_a_year_records_every_day_and_writes_the_ledger(sysadmin):
    schedule = _enter_2027(sysadmin)
    assert schedule.days.filter(is_working_day=False).count() == 2 + 8 + 7
    assert set(schedule.days.filter(is_working_day=True).values_list("day", flat=True)) == {
        D(2027, 1, 2),
        D(2027, 2, 14),
        D(2027, 9, 26),
        D(2027, 10, 9),
    }
    entry = LedgerEntry.objects.get(action=LedgerAction.CALENDAR)
    assert entry.actor == sysadmin
    assert entry.details["year"] == 2027
    assert "2027-02-14" in entry.details["workdays"]


def test_entering_a_year_again_replaces_its_schedule(sysadmin):
    _enter_2027(sysadmin)
    official_year_enter(
        actor=sysadmin,
        year=2027,
        entries=schedule_from_text("2027-01-01~2027-01-03 休 元旦\n2027-05-01~2027-05-12 休 测试"),
    )
    days = list(OfficialDay.objects.values_list("day", flat=True))
    assert (len(days), days[0], days[-1]) == (15, D(2027, 1, 1), D(2027, 5, 12))
    assert OfficialYear.objects.count() == 1


def test_the_csv_import_reads_the_same_schedule_in_gbk_with_a_header(sysadmin):
    data = (
        "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06~2027-02-13,休,春节\n"
        "2027-10-01~2027-10-07,休,国庆节\n2027-10-09,班,国庆节\n"
    ).encode("gbk")
    entries = schedule_from_csv(data)
    official_year_enter(actor=sysadmin, year=2027, entries=entries)
    assert OfficialDay.objects.count() == 17
    assert OfficialDay.objects.get(day=D(2027, 10, 9)).name == "国庆节"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-02-30 休", "日期“2027-02-30”不存在"),
        ("2027-10-01 放羊", "类型“放羊”无法识别"),
        ("2027-10-07~2027-10-01 休", "结束日期早于开始日期"),
        ("明天 休", "不是日期"),
        ("2027-10-01", "需要日期和类型"),
    ],
)
def test_unreadable_lines_are_refused_with_their_line_number(text, message):
    with pytest.raises(ApplicationError) as caught:
        schedule_from_text("2027-01-01 休 元旦\n" + text)
    assert "未保存任何内容" in str(caught.value.message)
    assert any(e.startswith("第2行：") and message in e for e in caught.value.details["errors"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-01-01 休\n2028-01-03 休", "不在 2027 年内"),
        ("2027-01-01 休\n2027-01-01 班", "与第1行重复"),
        ("2027-01-01 休\n2027-03-01 班", "本来就是工作日"),
        ("2027-01-02 班\n2027-10-01~2027-10-07 休", "没有元旦"),
        ("2027-01-01 休\n2027-10-01~2027-10-07 休", "只有 8 个放假日，少于法定节假日 13 天"),
    ],
)
def test_inconsistent_schedules_are_refused_and_nothing_is_saved(sysadmin, text, message):
    OfficialYearFactory(year=2026)
    with pytest.raises(ApplicationError) as caught:
        official_year_enter(actor=sysadmin, year=2027, entries=schedule_from_text(text))
    assert any(message in e for e in caught.value.details["errors"])
    assert not OfficialYear.objects.filter(year=2027).exists()
    assert not LedgerEntry.objects.filter(action=LedgerAction.CALENDAR).exists()


def test_a_day_already_in_another_years_schedule_is_refused(sysadmin):
    OfficialDayFactory(schedule=OfficialYearFactory(year=2026), day=D(2026, 12, 31))
    with pytest.raises(ApplicationError) as caught:
        official_year_enter(
            actor=sysadmin, year=2027, entries=schedule_from_text("2026-12-31 休\n2027-01-01 休")
        )
    assert any("已在 2026 年的安排中" in e for e in caught.value.details["errors"])


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TAX_STAFF, Role.WG_LEADER])
def test_only_the_system_and_security_admins_may_enter_a_schedule(roles, role):
    actor = UserFactory(roles=[role])
    with pytest.raises(PermissionDenied):
        _enter_2027(actor)
    assert not OfficialYear.objects.exists()


def test_a_liaison_may_not_enter_a_schedule(roles):
    with pytest.raises(PermissionDenied):
        _enter_2027(make_liaison())


def test_the_security_admin_may_enter_a_schedule(roles):
    _enter_2027(UserFactory(roles=[Role.SECURITY_ADMIN]))
    assert OfficialYear.objects.filter(year=2027).exists()


# --- the page ---------------------------------------------------------------------------------


def test_the_page_saves_a_typed_schedule(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("deadlines:schedule_list"),
        {"year": "2027", "source": "测试", "text": TEST_SCHEDULE_2027},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("deadlines:schedule_detail", args=[2027])
    assert OfficialDay.objects.filter(schedule__year=2027).count() == 21
    page = client.get(response["Location"]).content.decode()
    assert "2027-02-14" in page


def test_the_page_imports_a_csv_file(client, sysadmin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(sysadmin)
    upload = SimpleUploadedFile(
        "2027.csv", b"date,kind,name\n2027-01-01,holiday,\n2027-05-01~2027-05-12,holiday,\n"
    )
    response = client.post(reverse("deadlines:schedule_list"), {"year": "2027", "file": upload})
    assert response.status_code == 302
    assert OfficialDay.objects.count() == 13


def test_the_page_shows_every_error_in_chinese_and_saves_nothing(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("deadlines:schedule_list"),
        {"year": "2027", "text": "2027-02-30 休\n2027-10-01 放羊"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "第1行：日期“2027-02-30”不存在" in page
    assert "第2行：类型“放羊”无法识别" in page
    assert not OfficialYear.objects.exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TAX_STAFF, Role.WG_MEMBER])
def test_the_page_is_refused_to_other_roles(client, roles, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("deadlines:schedule_list")).status_code == 403
    response = client.post(
        reverse("deadlines:schedule_list"), {"year": "2027", "text": TEST_SCHEDULE_2027}
    )
    assert response.status_code == 403
    assert not OfficialYear.objects.exists()


def test_the_page_is_in_the_navigation_of_the_admins_only(client, roles):
    url = reverse("deadlines:schedule_list")
    for role, shown in [
        (Role.SYSTEM_ADMIN, True),
        (Role.SECURITY_ADMIN, True),
        (Role.AUDITOR, False),
        (Role.WG_LEADER, False),
    ]:
        client.force_login(UserFactory(roles=[role]))
        nav = [i["url"] for i in client.get("/").context["nav_items"]]
        assert (url in nav) is shown, role


# --- the November warning ----------------------------------------------------------------------


def test_next_year_is_missing_from_the_first_of_november_only(db):
    assert missing_years(D(2026, 10, 31)) == []
    assert missing_years(D(2026, 11, 1)) == [2027]
    OfficialYearFactory(year=2027)
    assert missing_years(D(2026, 11, 1)) == []


def test_this_year_is_missing_when_neither_entered_nor_carried_by_the_package(db):
    assert missing_years(D(2027, 3, 1)) == [2027]


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.WG_MEMBER])
def test_the_warning_shows_on_every_page_from_november_and_goes_once_entered(client, roles, role):
    user = UserFactory(roles=[role])
    with time_machine.travel(_noon(D(2026, 10, 31)), tick=False):
        client.force_login(user)  # the session's idle timeout runs on the travelled clock
        page = client.get("/").content.decode()
        assert "主导航" in page
        assert "data-calendar-warning" not in page
    with time_machine.travel(_noon(D(2026, 11, 1)), tick=False):
        client.force_login(user)
        page = client.get("/inbox/").content.decode()
        assert "data-calendar-warning" in page
        assert "2027年的国务院节假日安排尚未录入" in page
        _enter_2027(UserFactory(roles=[Role.SYSTEM_ADMIN]))
        assert "data-calendar-warning" not in client.get("/inbox/").content.decode()


@pytest.mark.parametrize("role", [Role.LIAISON, Role.TAX_STAFF, Role.AUDITOR])
def test_the_warning_is_not_shown_to_those_who_cannot_act_on_it(client, roles, role):
    user = UserFactory(roles=[role])
    with time_machine.travel(_noon(D(2026, 11, 1)), tick=False):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert "主导航" in page
        assert "data-calendar-warning" not in page


def test_the_warning_costs_no_query_once_the_calendar_is_cached(rf, roles):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhengxiang_portal.deadlines.context_processors import calendar_warning

    request = rf.get("/")
    request.user = UserFactory(roles=[Role.WG_LEADER])
    with time_machine.travel(_noon(D(2026, 11, 1)), tick=False):
        calendar_warning(request)
        with CaptureQueriesContext(connection) as queries:
            context = calendar_warning(request)
    assert context["calendar_missing_years"] == "2027"
    assert len(queries) == 0


def test_healthz_reports_the_missing_year_without_failing(client):
    with time_machine.travel(_noon(D(2026, 11, 1)), tick=False):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["checks"]["calendar"] == {"ok": False, "missing_years": [2027]}
        OfficialYearFactory(year=2027)
        assert client.get("/healthz").json()["checks"]["calendar"] == {
            "ok": True,
            "missing_years": [],
        }


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TAX_STAFF, Role.WG_MEMBER])
def test_withdrawing_an_override_is_refused_to_other_roles(client, sysadmin, role):
    calendar_override_set(day=D(2026, 12, 8), is_working_day=False, actor=sysadmin)
    client.force_login(UserFactory(roles=[role]))
    response = client.post(reverse("deadlines:override_delete", args=["2026-12-08"]))
    assert response.status_code == 403
    assert CalendarOverride.objects.filter(day=D(2026, 12, 8)).exists()
