"""Eight weeks of a district office on the demo data, every periodic task run as beat would.

Seeded on Sunday 2026-12-06 at 08:00. Then every day from Monday 2026-12-07 to Sunday
2027-01-31 — working days, weekends, 元旦 2027 and the year end alike — each schedule the apps
register (`zhengxiang_portal.core.schedules`, what `setup_portal` writes to django-celery-beat)
runs at the moments of the day its crontab names (an hourly one at a few hours), and the
interval ones once in the night, morning, action and afternoon hours, eagerly, in-process. A
few things people do happen on the way (below, `ACTIONS`); otherwise nobody uploads, answers or
decides anything.

The facts asserted are those of the regulation as the portal reads it: whoever must act is told
once, on the working day the rule names (Art. 7, 20, 22, 28; the Chinese calendar with 元旦,
weekends and an admin's make-up working day), nobody twice, a unit with nobody to tell reaches
the working group and says so; a score never counts a duty late before its deadline (Art. 25).
The calendar override below (Saturday 2027-01-09 a working day) is MADE-UP TEST DATA.

One test function, seeded once: 56 days × 14 moments, ~30 s.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
import time_machine
from celery import current_app
from django.core.management import call_command

from agencies.models import User
from assessment.models import Period, RectificationOrder, Score
from assessment.selectors import period_current
from collaboration.models import CollaborationRequest, Extension, TimelineEntry
from collaboration.services import extension_decide
from sharing_catalog.models import Objection, Obligation, OffPlatformAgreement, Submission
from sharing_catalog.services.objections import objection_raise
from zhengxiang_portal.core.schedules import Schedule, registered_schedules
from zhengxiang_portal.deadlines.services import calendar_override_set
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification
from zhengxiang_portal.notifications.selectors import notification_unread_count

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
D = dt.date
WG = ("wg_leader", "wg_member")
DEMO_ACCOUNTS = (
    "tax_staff", *WG, "liaison_bank", "liaison_court", "liaison_finance", "liaison_housing",
    "liaison_hrss", "liaison_land", "liaison_market", "liaison_police", "liaison_power",
    "auditor", "security_admin", "system_admin",
)  # fmt: skip
SEEDED = dt.datetime(2026, 12, 6, 8, 0, tzinfo=TZ)
FIRST, LAST = D(2026, 12, 7), D(2027, 1, 31)
# An hourly crontab ("15 * * * *", "0 8-18 * * *") is played at its first hour and at these
# hours of the day only, and the interval schedules (every minute … every hour) after the last
# crontab of these hours and of the action hour: often enough to see on which day each notice
# goes out, few enough for a fast test. (Not also after 01:30, 03:30 and 08:30, the other
# moments played: a notice or a change they could act on then is acted on at 09:15 the same
# day — the notices' days, which is what is asserted, stay the same.)
HOURLY_AT = (0, 9, 15)
ACTION_HOUR = 10
INTERVAL_AT = (*HOURLY_AT, ACTION_HOUR)
MAKE_UP_DAY = D(2027, 1, 9)  # a Saturday the admins declare a working day (made-up)


def _field(spec: str, value: int) -> bool:
    if spec == "*":
        return True
    for part in spec.split(","):
        lo, _sep, hi = part.partition("-")
        if int(lo) <= value <= int(hi or lo):
            return True
    return False


def _fires(schedule: Schedule, day: dt.date, hour: int, minute: int, last_of_hour: bool) -> bool:
    if schedule.every_seconds:
        return last_of_hour and hour in INTERVAL_AT
    assert schedule.crontab is not None
    m, h, dom, month, dow = schedule.crontab.split()
    return (
        _field(m, minute)
        and _field(h, hour)
        and _field(dom, day.day)
        and _field(month, day.month)
        and _field(dow, day.isoweekday() % 7)
    )


def _expand(spec: str, every: range) -> list[int]:
    return [v for v in every if _field(spec, v)]


def _ticks(schedules: list[Schedule]) -> list[tuple[int, int]]:
    """The moments of a day at which beat fires a crontab schedule, plus the action hour."""
    ticks = {(ACTION_HOUR, 0)}
    for schedule in schedules:
        if schedule.crontab:
            minute, hour = schedule.crontab.split()[:2]
            hours = _expand(hour, range(24))
            if len(hours) > len(HOURLY_AT):  # hourly: a few hours of the day, the first too
                hours = sorted({hours[0], *(h for h in HOURLY_AT if h in hours)})
            ticks |= {(h, m) for h in hours for m in _expand(minute, range(60))}
    return sorted(ticks)


def _days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def _local(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


def _user(name: str) -> User:
    return User.objects.get(username=name)


# --- what people do on the way ----------------------------------------------------------------


def _tax_staff_approves_the_land_bureaus_extension() -> None:
    """XZ-2026-000006: the land bureau asked (at the seed) for 14 more days; approved."""
    ext = Extension.objects.get(request__number="XZ-2026-000006", status=Extension.Status.PENDING)
    extension_decide(ext=ext, actor=_user("tax_staff"), approve=True, comment="同意延期。")


def _admin_declares_a_make_up_working_day() -> None:
    calendar_override_set(
        day=MAKE_UP_DAY, is_working_day=True, note="测试数据：调休上班", actor=_user("system_admin")
    )


def _tax_staff_raises_an_objection_before_new_year() -> None:
    """A second objection on the court's auction data, on a row the first one does not cover."""
    first = Objection.objects.order_by("pk").first()  # the demo's one objection
    assert first is not None
    submission = Submission.objects.get(pk=first.submission_id)
    row = submission.records.order_by("row_number").values_list("row_number", flat=True)[2]
    objection_raise(
        actor=_user("tax_staff"),
        submission=submission,
        category=Objection.Category.DOUBT,
        description="第4行买受人名称与工商登记不一致，请核实。",
        rows=[row],
    )


ACTIONS = {
    (D(2026, 12, 7), ACTION_HOUR): _admin_declares_a_make_up_working_day,
    (D(2026, 12, 8), ACTION_HOUR): _tax_staff_approves_the_land_bureaus_extension,
    (D(2026, 12, 30), ACTION_HOUR): _tax_staff_raises_an_objection_before_new_year,
}


def _score(period: str, unit_code: str, indicator_kind: str) -> dict:
    score = Score.objects.get(
        period__name=period, unit__code=unit_code, indicator__kind=indicator_kind
    )
    return {"facts": score.facts, "evidence": sorted((e["id"], e["tag"]) for e in score.evidence)}


Q4, Q1 = "2026年第4季度", "2027年第1季度"
# What the dashboards say at 10:00 on a few days (after the night's recompute): nothing counts
# as late on or before its deadline day, and it does the day after (Art. 25).
SCORE_LOOKS = {
    # power's November data: due 12-10, grace period to 12-14
    D(2026, 12, 14): (Q4, "ZX-POWER", "on_time_upload_rate"),
    D(2026, 12, 15): (Q4, "ZX-POWER", "on_time_upload_rate"),
    # the land bureau's XZ-2026-000006, extended to 01-04
    D(2027, 1, 4): (Q1, "ZX-NR", "collaboration_on_time"),
    D(2027, 1, 5): (Q1, "ZX-NR", "collaboration_on_time"),
    # the court's answer to objection #2, due 01-07
    D(2027, 1, 7): (Q1, "ZX-COURT", "objection_answers_on_time"),
    D(2027, 1, 8): (Q1, "ZX-COURT", "objection_answers_on_time"),
}
# Mornings the inboxes are read: Mondays, the first working day after 元旦, a deadline day.
INBOX_LOOKS = (D(2026, 12, 14), D(2026, 12, 21), D(2027, 1, 4), D(2027, 1, 8), D(2027, 1, 25))


def _expected_notices(ob, rq, oj, nth, pe) -> dict[str, tuple[dt.date, tuple[str, ...]]]:
    """Every notice of the eight weeks but the daily ledger digests: key → (local day, who).

    `ob(code, period)`, `rq(number)` and `oj(n)` (the n-th objection: 1 the demo's, 2 the one
    raised on 12-30), `nth(model, n)` (a model's n-th row in the order made) and `pe(name)` (an
    assessment period) give the ids the keys carry.
    """
    e: dict[str, tuple[dt.date, tuple[str, ...]]] = {}

    def obligation(pk, remind=None, overdue=None, escalate=None, who=()):
        for event, day, people in (
            ("reminder", remind, who),
            ("overdue", overdue, who),
            ("escalation", escalate, WG),
        ):
            if day:
                e[f"obligation:{pk}:{event}"] = (day, people)

    def request(pk, level, remind=None, overdue=None, escalate=None, who=()):
        for event, day, people in (
            ("remind", remind, who),
            ("overdue", overdue, who),
            ("escalate", escalate, WG),
        ):
            if day:
                e[f"request:{pk}:{event}:{level}"] = (day, people)

    # Monthly data for November, due 12-07 (5 working days), grace period 2 working days: told
    # at the seed; overdue the day after the grace period; escalated once 3 more working days
    # have passed (12-10, 12-11, 12-14). 医疗保障局 has nobody to tell: the group hears instead.
    for code, who in (
        ("ZX-ML-001", ("liaison_land",)),
        ("ZX-ML-003", ("liaison_court",)),
        ("ZX-ML-004", ("liaison_hrss",)),
        ("ZX-ML-005", ("liaison_bank",)),
        ("ZX-ML-007", ("liaison_housing",)),
        ("ZX-ML-008", ("liaison_finance",)),
        ("ZX-ML-011", WG),
        ("ZX-ML-012", ("liaison_finance",)),
    ):
        obligation(
            ob(code, "2026年11月"), overdue=D(2026, 12, 10), escalate=D(2026, 12, 15), who=who
        )
        # December's, due Friday 01-08 (元旦 and the weekend not counted): reminded 3 working
        # days before; the grace period runs over the make-up Saturday 01-09 to Monday 01-11.
        obligation(
            ob(code, "2026年12月"),
            remind=D(2027, 1, 5),
            overdue=D(2027, 1, 12),
            escalate=D(2027, 1, 15),
            who=who,
        )
    # Power reports 8 working days after the month: November's due 12-10, December's 01-12
    # (01-13 before the make-up Saturday).
    power = ("liaison_power",)
    obligation(
        ob("ZX-ML-006", "2026年11月"), D(2026, 12, 7), D(2026, 12, 15), D(2026, 12, 18), power
    )
    obligation(ob("ZX-ML-006", "2026年12月"), D(2027, 1, 8), D(2027, 1, 15), D(2027, 1, 20), power)
    # The fourth quarter, due 10 working days after it (01-14 with the make-up Saturday):
    # police, and the water company, which has nobody to tell.
    for code, who in (("ZX-ML-010", ("liaison_police",)), ("ZX-ML-013", WG)):
        obligation(ob(code, "2026年第4季度"), D(2027, 1, 11), D(2027, 1, 20), D(2027, 1, 23), who)
    # Weekly market data, due the 2nd working day after the week, grace 1 working day; the year
    # has 53 ISO weeks and week 1 of 2027 starts on 01-04.
    market = ("liaison_market",)
    obligation(ob("ZX-ML-002", "2026年第49周"), None, D(2026, 12, 10), D(2026, 12, 15), market)
    weekly = [
        ("2026年第50周", D(2026, 12, 10), D(2026, 12, 17), D(2026, 12, 22)),
        ("2026年第51周", D(2026, 12, 17), D(2026, 12, 24), D(2026, 12, 29)),
        # due 12-29, grace 12-30: escalated after 12-31, 01-04 and 01-05 (元旦 a rest day)
        ("2026年第52周", D(2026, 12, 24), D(2026, 12, 31), D(2027, 1, 6)),
        # due 01-05: reminded 12-30 (12-31, 01-04, 01-05); escalated on Sunday 01-10, after
        # the working days 01-07, 01-08 and the make-up Saturday 01-09
        ("2026年第53周", D(2026, 12, 30), D(2027, 1, 7), D(2027, 1, 10)),
        ("2027年第1周", D(2027, 1, 8), D(2027, 1, 14), D(2027, 1, 19)),
        ("2027年第2周", D(2027, 1, 14), D(2027, 1, 21), D(2027, 1, 26)),
        ("2027年第3周", D(2027, 1, 21), D(2027, 1, 28), None),
        ("2027年第4周", D(2027, 1, 28), None, None),
    ]
    for label, remind, overdue, escalate in weekly:
        obligation(ob("ZX-ML-002", label), remind, overdue, escalate, market)

    # Collaboration requests: reminded 2 working days before the due date, overdue the day
    # after, escalated on the 3rd working day after it (Art. 7).
    request(rq("XZ-2026-000002"), 1, None, D(2026, 12, 8), D(2026, 12, 10), ("liaison_land",))
    request(rq("XZ-2026-000001"), 1, D(2026, 12, 9), D(2026, 12, 12), D(2026, 12, 16), market)
    # addressed to the tax bureau: its tax staff are told
    request(
        rq("XZ-2026-000012"), 1, D(2026, 12, 9), D(2026, 12, 12), D(2026, 12, 16), ("tax_staff",)
    )
    request(
        rq("XZ-2026-000007"),
        2,
        D(2026, 12, 16),
        D(2026, 12, 19),
        D(2026, 12, 23),
        ("liaison_bank",),
    )
    # extension asked to 元旦, approved 12-08: it runs to Monday 01-04 (no reminder of the old
    # deadline 12-18 any more)
    request(
        rq("XZ-2026-000006"), 2, D(2026, 12, 30), D(2027, 1, 5), D(2027, 1, 7), ("liaison_land",)
    )
    # due 01-18 at the seed, 01-15 once 01-09 is a working day
    request(
        rq("XZ-2026-000010"), 1, D(2027, 1, 13), D(2027, 1, 16), D(2027, 1, 20), ("liaison_police",)
    )

    # Objections (Art. 22): reminded 1 working day before, overdue the day after (both sides
    # told), escalated once 2 working days have passed.
    court, both = ("liaison_court",), ("liaison_court", "tax_staff")
    e[f"objection:{oj(1)}:r1:reminder"] = (D(2026, 12, 10), court)
    e[f"objection:{oj(1)}:r1:overdue"] = (D(2026, 12, 12), both)
    e[f"objection:{oj(1)}:r1:escalated"] = (D(2026, 12, 16), WG)
    # raised Wednesday 12-30: 5 working days are 12-31, 01-04 … 01-07
    e[f"objection:{oj(2)}:raised"] = (D(2026, 12, 30), court)
    e[f"objection:{oj(2)}:r1:reminder"] = (D(2027, 1, 6), court)
    e[f"objection:{oj(2)}:r1:overdue"] = (D(2027, 1, 8), both)
    e[f"objection:{oj(2)}:r1:escalated"] = (D(2027, 1, 10), WG)  # after 01-08 and Saturday 01-09

    # The rectification order (Art. 28), due 12-18: reminded 2 working days before; overdue the
    # day after, to the unit and the leader who issued it.
    order = nth(RectificationOrder, 1)
    e[f"rectification:{order}:reminder"] = (D(2026, 12, 16), market)
    e[f"rectification:{order}:overdue"] = (D(2026, 12, 19), ("liaison_market", "wg_leader"))
    # The off-platform agreement past its migration date (Art. 21): told on the first weekday.
    e[f"agreement:{nth(OffPlatformAgreement, 2)}:migration_overdue"] = (
        D(2026, 12, 7),
        ("liaison_housing", "tax_staff"),
    )
    # The extension approved: the land bureau is told.
    e[f"request:{rq('XZ-2026-000006')}:approve_extension"] = (D(2026, 12, 8), ("liaison_land",))

    # The make-up working day moves the running deadlines it touches; each owner told once.
    moved = "calendar:sharing_catalog.Obligation:{}:"
    for code, who in (
        ("ZX-ML-001", ("liaison_land",)),
        ("ZX-ML-003", ("liaison_court",)),
        ("ZX-ML-004", ("liaison_hrss",)),
        ("ZX-ML-005", ("liaison_bank",)),
        ("ZX-ML-006", power),
        ("ZX-ML-007", ("liaison_housing",)),
        ("ZX-ML-008", ("liaison_finance",)),
        ("ZX-ML-011", WG),
        ("ZX-ML-012", ("liaison_finance",)),
    ):
        e[moved.format(ob(code, "2026年12月"))] = (D(2026, 12, 7), who)
    e[moved.format(ob("ZX-ML-010", "2026年第4季度"))] = (D(2026, 12, 7), ("liaison_police",))
    e[moved.format(ob("ZX-ML-013", "2026年第4季度"))] = (D(2026, 12, 7), WG)
    e[f"calendar:collaboration.CollaborationRequest:{rq('XZ-2026-000010')}:"] = (
        D(2026, 12, 7),
        ("liaison_police",),
    )
    # the returned case's 60 working days for the bureau's administrative handling
    e[f"calendar:collaboration.CollaborationRequest:{rq('XZ-2026-000015')}:"] = (
        D(2026, 12, 7),
        ("tax_staff",),
    )
    # The new year's first quarter opens by itself; the group is told.
    e["period:opened"] = (D(2027, 1, 1), WG)
    # An ended quarter is ready to be frozen 10 working days after its end (Art. 25): the leader
    # is asked on that working day at 09:00 and reminded every 5 working days until it is frozen
    # (here nobody freezes). The third quarter was ready in October: asked at the first morning
    # played, then weekly; 元旦 moves one reminder to Tuesday, the make-up Saturday counts.
    leader = ("wg_leader",)
    q3_asked = (D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21), D(2026, 12, 28),
                D(2027, 1, 5), D(2027, 1, 11), D(2027, 1, 18), D(2027, 1, 25))  # fmt: skip
    for level, day in enumerate(q3_asked):
        e[f"period:{pe('2026年第3季度')}:freeze:{level}"] = (day, leader)
    # The fourth quarter: 01-04 … 01-08, the make-up Saturday 01-09, 01-11 … 01-14
    for level, day in enumerate((D(2027, 1, 14), D(2027, 1, 21), D(2027, 1, 28))):
        e[f"period:{pe(Q4)}:freeze:{level}"] = (day, leader)

    # Waits on someone other than the asked unit (Art. 7), since the seed on Sunday 12-06:
    # reminded every 5 working days while they last — 12-11, 12-18, 12-25, 01-04 (元旦 a rest
    # day), 01-09 (the make-up Saturday), 01-15, 01-22, 01-29.
    weekly = (
        D(2026, 12, 11), D(2026, 12, 18), D(2026, 12, 25), D(2027, 1, 4),
        D(2027, 1, 9), D(2027, 1, 15), D(2027, 1, 22), D(2027, 1, 29),
    )  # fmt: skip
    for number, wait, who in (
        # the court answered; the tax staff never closes it (the portal closes nothing itself)
        ("XZ-2026-000004", "acceptance", ("tax_staff",)),
        # the market bureau asked for clarification; the tax staff never gives it
        ("XZ-2026-000005", "clarification", ("tax_staff",)),
        # the court's refusal contested; the working group never rules
        ("XZ-2026-000009", "ruling", WG),
    ):
        for level, day in enumerate(weekly, start=1):
            e[f"request:{rq(number)}:wait_{wait}:2026-12-06:{level}"] = (day, who)
    # XZ-2026-000006's extension, asked at the seed, waits a working day for the tax staff's
    # decision: they are reminded on Monday 12-07 and approve on Tuesday.
    xz6 = rq("XZ-2026-000006")
    ext = Extension.objects.get(request_id=xz6).pk
    e[f"request:{xz6}:wait_extension:{ext}:remind:asked"] = (D(2026, 12, 7), ("tax_staff",))

    # 2027's official schedule is never entered (only the make-up Saturday): those who may enter
    # it, the system and the security admin, are told on the first working day of every week.
    for day in (
        D(2026, 12, 7), D(2026, 12, 14), D(2026, 12, 21), D(2026, 12, 28),
        D(2027, 1, 4), D(2027, 1, 11), D(2027, 1, 18), D(2027, 1, 25),
    ):  # fmt: skip
        iso = day.isocalendar()
        e[f"calendar-missing:2027:{iso.year}-W{iso.week:02d}"] = (
            day,
            ("security_admin", "system_admin"),
        )
    return e


def _key_of(n: Notification) -> str:
    """The notice's key, without what the table cannot know in advance: the timeline entry id of
    a request step, the new dates of a calendar move, the id of a period."""
    key = n.key
    if key.startswith("calendar:"):
        return key[: key.rindex(":") + 1]
    if n.kind == "period_opened":
        return "period:opened"
    if key.startswith("request:") and key.count(":") == 3 and n.kind == "collaboration":
        return key[: key.rindex(":")]
    return key


def test_eight_weeks_of_beat_tell_each_person_once_on_the_right_working_day(client):
    # Given the demo data as of Sunday morning 2026-12-06
    with time_machine.travel(SEEDED, tick=False):
        call_command("seed_demo", verbosity=0)
    current_app.loader.import_default_modules()
    schedules = registered_schedules()
    # every schedule beat would run is a task this process can run
    assert [s.task for s in schedules if s.task not in current_app.tasks] == []
    ticks = _ticks(schedules)
    seeded = set(Notification.objects.values_list("pk", flat=True))
    accounts = {name: _user(name) for name in DEMO_ACCOUNTS}

    # When every day until 2027-01-31 beat fires what is due, and people do what ACTIONS says
    runs: Counter[str] = Counter()
    looks: dict[dt.date, dict] = {}
    unread: dict[dt.date, dict[str, int]] = {}
    for day in _days(FIRST, LAST):
        for i, (hour, minute) in enumerate(ticks):
            last_of_hour = i + 1 == len(ticks) or ticks[i + 1][0] != hour
            with time_machine.travel(
                dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ), tick=False
            ):
                if (hour, minute) == (ACTION_HOUR, 0):
                    if (day, hour) in ACTIONS:
                        ACTIONS[day, hour]()
                    if day in SCORE_LOOKS:
                        looks[day] = _score(*SCORE_LOOKS[day])
                    if day in INBOX_LOOKS:
                        unread[day] = {
                            name: notification_unread_count(user=user)
                            for name, user in accounts.items()
                        }
                for schedule in schedules:
                    if _fires(schedule, day, hour, minute, last_of_hour):
                        current_app.tasks[schedule.task].apply(throw=True)
                        runs[schedule.name] += 1

    # Then every registered schedule ran, the daily ones once a day
    assert sorted(runs) == sorted(s.name for s in schedules)
    days = (LAST - FIRST).days + 1
    assert (
        runs["ledger: publish daily digest"]
        == runs["sharing_catalog: generate obligations"]
        == days
    )

    notices = list(
        Notification.objects.exclude(pk__in=seeded)
        .select_related("recipient")
        .order_by("created_at", "pk")
    )
    # and nobody was told anything twice
    assert len({(n.recipient_id, _key_of(n)) for n in notices}) == len(notices)

    # and each notice went to the people who must act, on the day the rules say, and no other
    # notice went out (the ledger digests aside: below)
    told: dict[str, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for n in notices:
        if n.kind != "ledger_digest":
            days_seen, people = told[_key_of(n)]
            days_seen.add(_local(n.created_at))
            people.add(n.recipient.username)
    seen = {key: (min(d), tuple(sorted(p))) for key, (d, p) in told.items() if len(d) == 1}
    assert {key: d for key, (d, _p) in told.items() if len(d) != 1} == {}
    obligation_ids = {
        (o.item.code, o.period_label): o.pk for o in Obligation.objects.select_related("item")
    }
    request_ids = dict(CollaborationRequest.objects.values_list("number", "pk"))
    objection_ids = list(Objection.objects.order_by("pk").values_list("pk", flat=True))
    expected = _expected_notices(
        lambda c, p: obligation_ids[c, p],
        request_ids.__getitem__,
        lambda n: objection_ids[n - 1],
        lambda model, n: model.objects.order_by("pk").values_list("pk", flat=True)[n - 1],
        dict(Period.objects.values_list("name", "pk")).__getitem__,
    )
    expected = {key: (day, tuple(sorted(who))) for key, (day, who) in expected.items()}
    assert {k: v for k, v in seen.items() if expected.get(k) != v} == {
        k: v for k, v in expected.items() if seen.get(k) != v
    }

    # and the working group gets one ledger digest a day (Art. 22), for the day before
    digests = [
        (n.recipient.username, n.key, _local(n.created_at))
        for n in notices
        if n.kind == "ledger_digest"
    ]
    assert sorted(digests) == sorted(
        (name, f"ledger-digest:{day - dt.timedelta(days=1)}", day)
        for day in _days(FIRST, LAST)
        for name in WG
    )

    # and on the mornings the inboxes were read, each account had exactly what had reached it
    # by then (nobody reads here); the auditor was never asked for anything, the system and
    # security admins only to enter the missing calendar
    for day, counts in unread.items():
        cutoff = dt.datetime.combine(day, dt.time(ACTION_HOUR), tzinfo=TZ)
        assert counts == {
            name: Notification.objects.filter(recipient=user, created_at__lte=cutoff).count()
            for name, user in accounts.items()
        }, day
    assert not Notification.objects.filter(recipient=accounts["auditor"]).exists()
    for admin in ("security_admin", "system_admin"):
        assert set(
            Notification.objects.filter(recipient=accounts[admin]).values_list("kind", flat=True)
        ) == {"calendar_missing"}
    with time_machine.travel(dt.datetime(2027, 2, 1, 9, tzinfo=TZ), tick=False):
        for name, user in accounts.items():
            client.force_login(user)
            page = client.get("/inbox/")
            assert page.status_code == 200, name
            latest = Notification.objects.filter(recipient=user).first()
            if latest is not None:
                assert latest.subject in page.content.decode(), name
            assert client.get("/").status_code == 200, name
        # the leaders' dashboard, a unit's own scores, the obligations list and the 台账
        for name, url in (
            ("wg_leader", "/assessment/"),
            ("liaison_market", "/assessment/mine/"),
            ("liaison_market", "/catalog/obligations/"),
            ("liaison_land", "/ledger/"),
            ("auditor", "/ledger/"),
        ):
            client.force_login(accounts[name])
            page = client.get(url, follow=True)
            assert page.status_code == 200, (name, url)
            if url.startswith("/assessment/"):
                assert Q1 in page.content.decode(), (name, url)

    # and where the unit had nobody to tell, the record says the group was told instead; where
    # it had, it names who
    def deadline_entry(obligation_pk: int, event: str) -> dict:
        return LedgerEntry.objects.get(
            action="deadline", target_id=str(obligation_pk), details__event=event
        ).details

    med = deadline_entry(obligation_ids["ZX-ML-011", "2026年11月"], "overdue")
    assert (med["basis"], med["fell_back"], sorted(med["told"])) == (
        "working_group",
        True,
        list(WG),
    )
    land = deadline_entry(obligation_ids["ZX-ML-001", "2026年11月"], "overdue")
    assert (land["basis"], land["fell_back"], land["told"]) == ("liaisons", False, ["liaison_land"])
    escalated = TimelineEntry.objects.get(
        request__number="XZ-2026-000006", action="escalate", details__level=2
    ).details
    assert sorted(escalated["told"]) == list(WG)
    # and a notice says no more than is true when it goes out: XZ-2026-000002, due Monday 12-07,
    # is escalated on Thursday 12-10 at midnight, its 3rd working day overdue, not "more than 3"
    xz2 = Notification.objects.filter(key=f"request:{request_ids['XZ-2026-000002']}:escalate:1")
    assert {n.body for n in xz2} == {
        "“【演示】蒸湘区某小区 3 栋不动产登记先税后证核验”办理期限为 2026-12-07，"
        "逾期已达 3 个工作日。"
    }

    # and no duty counted late on or before its deadline day, and each did the day after
    power = [obligation_ids["ZX-ML-006", f"2026年{m}月"] for m in (9, 10, 11)]
    assert looks[D(2026, 12, 14)] == {
        "facts": {"due": 2, "on_time": 1},
        "evidence": sorted([(power[0], "on_time"), (power[1], "overdue_open")]),
    }
    assert looks[D(2026, 12, 15)] == {
        "facts": {"due": 3, "on_time": 1},
        "evidence": sorted(
            [(power[0], "on_time"), (power[1], "overdue_open"), (power[2], "overdue_open")]
        ),
    }
    xz6 = request_ids["XZ-2026-000006"]
    assert looks[D(2027, 1, 4)]["facts"]["counted"] == 0
    assert looks[D(2027, 1, 5)] == {
        "facts": {"counted": 1, "on_time": 0},
        "evidence": [(xz6, "overdue_open")],
    }
    assert looks[D(2027, 1, 7)]["facts"]["counted"] == 0
    assert looks[D(2027, 1, 8)]["evidence"] == [(objection_ids[1], "open_overdue")]

    # and the year rolled over: 2027's first quarter opened on its first night and is what the
    # dashboard shows; January's obligations were created on 01-01, week 53 of 2026 on 12-28;
    # the objection raised on 12-30 is judged in 2027, not lost between the two years
    q1 = Period.objects.get(name=Q1)
    opened = LedgerEntry.objects.get(details__event="period_opened")
    assert (q1.start, _local(opened.created_at)) == (D(2027, 1, 1), D(2027, 1, 1))
    with time_machine.travel(dt.datetime(2027, 2, 1, 9, tzinfo=TZ), tick=False):
        assert period_current() == q1
    created = {
        label: {_local(o.created_at) for o in Obligation.objects.filter(period_label=label)}
        for label in ("2027年1月", "2027年第1季度", "2026年第53周", "2027年第1周")
    }
    assert created == {
        "2027年1月": {D(2027, 1, 1)},
        "2027年第1季度": {D(2027, 1, 1)},
        "2026年第53周": {D(2026, 12, 28)},
        "2027年第1周": {D(2027, 1, 4)},
    }
    # the demo's objection and the one tax_staff raised on 12-30 (ids differ between databases)
    demo_objection, raised_objection = objection_ids
    court_q4 = _score(Q4, "ZX-COURT", "objection_answers_on_time")
    assert [pk for pk, _tag in court_q4["evidence"]] == [demo_objection]
    assert _score(Q1, "ZX-COURT", "objection_answers_on_time")["evidence"] == [
        (raised_objection, "open_overdue")
    ]

    # and the ended quarters, still open, were recomputed every night, but the 台账 holds only the
    # recomputations that changed something: the third quarter's none after the seed, the fourth
    # quarter's none once the year ended (nothing of it changed in January)
    def recorded(name: str) -> list[dt.date]:
        return [
            _local(e.created_at)
            for e in LedgerEntry.objects.filter(
                details__event="recompute", target_id=str(Period.objects.get(name=name).pk)
            )
        ]

    q3_period = Period.objects.get(name="2026年第3季度")
    assert _local(q3_period.computed_at) == LAST
    assert recorded("2026年第3季度") == [SEEDED.date()]
    assert max(recorded(Q4)) == D(2026, 12, 31)
