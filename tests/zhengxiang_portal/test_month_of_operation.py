"""A month and a half of daily operation on the demo data (issue 14, "Done when").

Seeded on 2026-12-01, then every working day from 2026-12-01 to 2027-01-15 the deadline scans run
twice (09:00 and 15:00, as beat would), with time travel. On 2026-12-14 the court answers the tax
bureau's objection #1 late (it admits the figures are wrong) and the tax staff who raised it says
nothing. At the end: every overdue obligation, request, objection and order reached at least one
active person of the responsible unit, or the working group when the unit has nobody active; no
notice was sent twice; no objection closed as 数据无误 unless someone chose that answer.

One test function, seeded once: ~46 days × 2 runs of the four scans.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q

from agencies.models import Liaison, Unit, User
from agencies.selectors import units_without_active_person, working_group_users
from assessment.models import RectificationOrder
from collaboration.models import CollaborationRequest
from sharing_catalog.models import Objection, Obligation
from sharing_catalog.services.objections import objection_explain
from zhengxiang_portal.deadlines.calendar import is_working_day
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
FIRST, LAST = dt.date(2026, 12, 1), dt.date(2027, 1, 15)
COURT_ANSWERS_ON = dt.date(2026, 12, 14)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


def _days():
    day = FIRST
    while day <= LAST:
        yield day
        day += dt.timedelta(days=1)


def _event(key: str) -> str:
    """What a notice is about, without its object id, deadline level or answer round:
    "request:13:overdue:2" → "request:overdue"; "objection:1:r1:reminder" → "objection:reminder".

    A wait on the requester or the working group is reminded every few working days while it lasts
    (collaboration.services.waits): each period's reminder is its own event,
    "request:9:wait_ruling:2026-12-01:2" → "request:wait_ruling:2026-12-01:2"."""
    if ":wait_" in key:
        return ":".join(part for i, part in enumerate(key.split(":")) if i != 1)
    return ":".join(
        part
        for i, part in enumerate(key.split(":"))
        if i != 1 and not part.isdigit() and not (part[:1] == "r" and part[1:].isdigit())
    )


def _people_of(unit: Unit) -> set[int]:
    """The unit's own people: its liaisons' accounts and its staff accounts."""
    liaisons = Liaison.objects.filter(unit=unit, user__isnull=False).values_list("user_id")
    return set(User.objects.filter(Q(unit=unit) | Q(pk__in=liaisons)).values_list("pk", flat=True))


def _reached(unit: Unit, key_prefix: str, nobody_active: set[int], group: set[int]) -> bool:
    """The overdue notice reached an active person of `unit`, or the working group if none."""
    told = set(
        Notification.objects.filter(
            key__startswith=key_prefix, key__contains="overdue", recipient__is_active=True
        ).values_list("recipient_id", flat=True)
    )
    if unit.pk in nobody_active:
        return bool(told & group)
    return bool(told & _people_of(unit))


def test_a_month_of_deadline_scans_tells_the_right_people_once_and_closes_nothing_wrongly():
    # Given the demo data as of the morning of 2026-12-01
    with time_machine.travel(_at(FIRST, 8), tick=False):
        call_command("seed_demo", verbosity=0)
    tax_staff = User.objects.get(username="tax_staff")
    court = User.objects.get(username="liaison_court")
    objection = Objection.objects.get(raised_by=tax_staff)

    # When the deadline scans run twice every working day until 2027-01-15
    report = io.StringIO()
    for day in _days():
        if day == COURT_ANSWERS_ON:  # late: the objection is overdue and escalated by then
            with time_machine.travel(_at(day, 11), tick=False):
                objection_explain(
                    actor=court,
                    objection=objection,
                    explanation="经核对，第2、3行成交金额登记有误，以网络司法拍卖平台公示金额为准。",
                )
        if not is_working_day(day):
            continue
        for hour in (9, 15):
            with time_machine.travel(_at(day, hour), tick=False):
                call_command("run_deadline_scans", stdout=report)

    # Then the operator's report shows the objection closing once, on the day after the window
    assert report.getvalue().count("数据异议：提醒 0 逾期 0 升级 0 办结 1") == 1

    # and every overdue object reached its unit's people, or the working group for a unit with
    # nobody active
    nobody_active = set(units_without_active_person().values_list("pk", flat=True))
    group = {u.pk for u in working_group_users()}
    overdue = [
        *(
            (o.item.provider, f"obligation:{o.pk}:")
            for o in Obligation.objects.filter(overdue_at__isnull=False).select_related("item")
        ),
        *(
            (r.target_unit, f"request:{r.pk}:")
            for r in CollaborationRequest.objects.filter(overdue_notified_at__isnull=False)
        ),
        *(
            (o.provider, f"objection:{o.pk}:")
            for o in Objection.objects.filter(overdue_at__isnull=False)
        ),
        *(
            (o.unit, f"rectification:{o.pk}:")
            for o in RectificationOrder.objects.filter(overdue_at__isnull=False)
        ),
    ]
    kinds = Counter(prefix.split(":")[0] for _unit, prefix in overdue)
    assert set(kinds) == {"obligation", "request", "objection", "rectification"}, kinds
    missed = [p for unit, p in overdue if not _reached(unit, p, nobody_active, group)]
    assert missed == []
    # the tax bureau's requests reach its tax staff (it has no liaison in the demo)
    xz12 = CollaborationRequest.objects.get(number="XZ-2026-000012")
    assert Notification.objects.filter(
        recipient=tax_staff, key__startswith=f"request:{xz12.pk}:remind"
    ).exists()

    # and no notice was sent twice: not the same key, not the same kind of notice about the same
    # object to the same person
    notices = list(Notification.objects.values_list("recipient_id", "key", "url"))
    assert len({(r, k) for r, k, _u in notices}) == len(notices)
    same_event = Counter((r, url, _event(key)) for r, key, url in notices)
    assert [event for event, n in same_event.items() if n > 1] == []

    # and the objection the court answered (admitting the error) closed with the court's own
    # answer after the tax staff's silence, both sides told; nothing closed as 数据无误 by itself
    objection.refresh_from_db()
    assert (objection.status, objection.closing_reason) == (
        Objection.Status.CLOSED,
        Objection.ClosingReason.EXPLAINED,
    )
    assert objection.escalated_at is not None
    assert Notification.objects.filter(recipient=tax_staff, kind="objection_explained").exists()
    for side in (tax_staff, court):
        assert Notification.objects.filter(recipient=side, kind="objection_closed").exists()
    assert not Objection.objects.filter(
        closing_reason=Objection.ClosingReason.DATA_CORRECT, closed_by__isnull=True
    ).exists()
