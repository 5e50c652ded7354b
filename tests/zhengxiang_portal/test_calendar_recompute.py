"""A calendar change moves every running deadline it affects, records each move, tells the owners.

Issue 14, seen 4: marking 2026-12-08 a rest day moved the engine (12-11) while the stored
obligation kept 12-10. The 2027 schedule below is MADE-UP TEST DATA.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from agencies.roles import Role
from assessment.models import RectificationOrder
from collaboration.services import (
    extension_decide,
    request_accept,
    request_ask_extension,
)
from sharing_catalog.models import Obligation
from tests.factories import (
    CatalogItemViaServicesFactory,
    CollaborationRequestFactory,
    RectificationOrderFactory,
    UnitFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    make_tax_bureau,
)
from tests.sharing_catalog.catalog_helpers import at
from zhengxiang_portal.deadlines.calendar import add_working_days
from zhengxiang_portal.deadlines.schedule_input import schedule_from_text
from zhengxiang_portal.deadlines.services import (
    calendar_override_delete,
    calendar_override_set,
    deadlines_recompute,
    official_year_enter,
)
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def sysadmin(roles):
    return UserFactory(roles=[Role.SYSTEM_ADMIN])


@pytest.fixture
def november_obligation(roles):
    """An obligation for November 2026 due 8 working days after 11-30: 2026-12-10 (grace 12-14)."""
    wg = WorkingGroupMemberFactory().user
    provider = UnitFactory(name="区医保局")
    liaison = make_liaison(provider)
    with time_machine.travel(at(2026, 11, 15), tick=False):
        item = CatalogItemViaServicesFactory(
            actor=wg, provider=provider, due_working_days=8, grace_working_days=2
        )
    obligation = Obligation.objects.get(item=item, period_start=D(2026, 11, 1))
    assert (obligation.due_date, obligation.grace_until) == (D(2026, 12, 10), D(2026, 12, 14))
    return obligation, liaison


def _moves(target) -> list[LedgerEntry]:
    return list(
        LedgerEntry.objects.filter(
            action=LedgerAction.CALENDAR,
            details__event="deadline_moved",
            target_type=ContentType.objects.get_for_model(target),
            target_id=str(target.pk),
        )
    )


def test_an_override_moves_the_stored_obligation_and_says_so(sysadmin, november_obligation):
    obligation, liaison = november_obligation
    with time_machine.travel(at(2026, 12, 2), tick=False):
        calendar_override_set(
            day=D(2026, 12, 8), is_working_day=False, note="临时放假", actor=sysadmin
        )
    obligation.refresh_from_db()
    assert add_working_days(D(2026, 11, 30), 8) == D(2026, 12, 11)
    assert (obligation.due_date, obligation.grace_until) == (D(2026, 12, 11), D(2026, 12, 15))
    (entry,) = _moves(obligation)
    assert entry.details["moved"] == {
        "due_date": ["2026-12-10", "2026-12-11"],
        "grace_until": ["2026-12-14", "2026-12-15"],
    }
    assert "2026-12-08 改为休息日" in entry.details["reason"]
    assert entry.details["told"] == [liaison.username]
    assert entry.unit == obligation.item.provider
    notice = Notification.objects.get(recipient=liaison, kind="deadline_moved")
    assert "报送截止日由 2026-12-10 改为 2026-12-11" in notice.body
    assert obligation.item.name in notice.subject


def test_a_unit_with_nobody_active_has_its_move_told_to_the_working_group(
    sysadmin, november_obligation
):
    obligation, liaison = november_obligation
    liaison.is_active = False
    liaison.save(update_fields=["is_active"])
    leader = WorkingGroupMemberFactory(leader=True).user
    with time_machine.travel(at(2026, 12, 2), tick=False):
        calendar_override_set(day=D(2026, 12, 8), is_working_day=False, actor=sysadmin)
    (entry,) = _moves(obligation)
    assert entry.details["basis"] == "working_group"
    assert entry.details["fell_back"] is True
    assert leader.username in entry.details["told"]
    assert Notification.objects.filter(recipient=leader, kind="deadline_moved").exists()


def test_recomputing_again_moves_nothing_and_tells_nobody_twice(sysadmin, november_obligation):
    obligation, _liaison = november_obligation
    with time_machine.travel(at(2026, 12, 2), tick=False):
        calendar_override_set(day=D(2026, 12, 8), is_working_day=False, actor=sysadmin)
        assert deadlines_recompute(reason="再次计算") == []
    assert len(_moves(obligation)) == 1
    assert Notification.objects.filter(kind="deadline_moved").count() == 1


def test_a_deadline_already_past_is_not_moved(sysadmin, november_obligation):
    obligation, _liaison = november_obligation
    # On 12-12 the due date (12-10) has passed; only the grace end (12-14) still runs.
    with time_machine.travel(at(2026, 12, 12), tick=False):
        calendar_override_set(day=D(2026, 12, 14), is_working_day=False, actor=sysadmin)
    obligation.refresh_from_db()
    assert (obligation.due_date, obligation.grace_until) == (D(2026, 12, 10), D(2026, 12, 15))


def test_removing_the_override_moves_the_deadline_back(sysadmin, november_obligation):
    obligation, _liaison = november_obligation
    with time_machine.travel(at(2026, 12, 2), tick=False):
        calendar_override_set(day=D(2026, 12, 8), is_working_day=False, actor=sysadmin)
        calendar_override_delete(day=D(2026, 12, 8), actor=sysadmin)
    obligation.refresh_from_db()
    assert obligation.due_date == D(2026, 12, 10)
    assert len(_moves(obligation)) == 2


@pytest.fixture
def world(roles):
    """The tax bureau's staff asks 区市场监管局 (one liaison); the working group orders."""
    from types import SimpleNamespace

    from collaboration.demo import ensure_matter_types
    from collaboration.models import MatterType

    ensure_matter_types()
    bureau = make_tax_bureau()
    market = UnitFactory(name="区市场监管局")
    return SimpleNamespace(
        bureau=bureau,
        staff=UserFactory(unit=bureau, roles=[Role.TAX_STAFF]),
        market=market,
        market_liaison=make_liaison(market),
        wg=WorkingGroupMemberFactory(unit=bureau, leader=True).user,
        mt=lambda code: MatterType.objects.get(code=code),
    )


def test_entering_next_years_schedule_moves_requests_and_orders_into_it(sysadmin, world):
    # Given a request and an order whose deadlines fall in the (guessed) 2027 National Day week.
    with time_machine.travel(at(2027, 9, 24), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff,
            requesting_unit=world.bureau,
            target_unit=world.market,
            matter_type=world.mt("tax-info-query"),
            subject="查询某公司股权变更登记信息",
            body="请提供 2027 年度股权变更登记记录。",
        )
        order = RectificationOrderFactory(
            actor=world.wg,
            unit=world.market,
            failure=RectificationOrder.Failure.NOT_COOPERATING,
            facts="未按期答复。",
            requirement="请按期答复。",
            working_days=5,
        )
    # The package guesses 2027-10-01..10-05 off (Fri–Tue) and no make-up days.
    assert order.due_date == D(2027, 10, 6)
    req_days = req.matter_type.default_working_days
    old_req_due = req.due_date
    assert old_req_due >= D(2027, 10, 6)
    # When the (made-up) official schedule is entered: 10-01..10-07 off, Sun 9-26 and Sat 10-09
    # make-up workdays.
    with time_machine.travel(at(2027, 9, 24, hour=15), tick=False):
        _schedule, moves = official_year_enter(
            actor=sysadmin,
            year=2027,
            entries=schedule_from_text(
                "2027-01-01~2027-01-03 休 元旦\n2027-02-06~2027-02-13 休 春节\n"
                "2027-10-01~2027-10-07 休 国庆节\n2027-09-26 班 国庆节\n2027-10-09 班 国庆节"
            ),
            source="测试数据（虚构）",
        )
    req.refresh_from_db()
    order.refresh_from_db()
    # 9-26 (1), 9-27 (2), 9-28 (3), 9-29 (4), 9-30 (5): the order falls due before the holiday.
    assert order.due_date == D(2027, 9, 30)
    assert req.due_date == add_working_days(D(2027, 9, 24), req_days) != old_req_due
    assert {(type(m.target).__name__, m.field) for m in moves} == {
        ("CollaborationRequest", "due_date"),
        ("RectificationOrder", "due_date"),
    }
    (req_move,) = _moves(req)
    assert req_move.details["told"] == [world.market_liaison.username]  # the assignee
    assert "录入2027年国务院节假日安排" in req_move.details["reason"]
    assert Notification.objects.filter(
        recipient=world.market_liaison, kind="deadline_moved", subject__contains=req.number
    ).exists()


def test_a_date_a_person_chose_is_not_moved(sysadmin, world):
    with time_machine.travel(at(2026, 12, 1), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff,
            requesting_unit=world.bureau,
            target_unit=world.market,
            matter_type=world.mt("tax-info-query"),
            subject="查询登记信息",
            body="请提供登记记录。",
        )
        req = request_accept(req=req, actor=world.market_liaison)
        ext = request_ask_extension(
            req=req, actor=world.market_liaison, reason="材料较多", new_due_date=D(2026, 12, 18)
        )
        extension_decide(ext=ext, actor=world.staff, approve=True)
        calendar_override_set(day=D(2026, 12, 16), is_working_day=False, actor=sysadmin)
    req.refresh_from_db()
    assert req.due_date == D(2026, 12, 18)
    assert _moves(req) == []


def _objection(settings, tmp_path):
    """区法院's confirmed data and an objection to row 2 by the consumer, raised on 2026-12-01."""
    from sharing_catalog.services.ingest.pipeline import submission_ingest
    from sharing_catalog.services.ingest.upload import submission_upload
    from sharing_catalog.services.objections import objection_raise
    from sharing_catalog.services.submissions import submission_confirm
    from tests.sharing_catalog.submission_builders import World, good_row, xlsx_file

    settings.MEDIA_ROOT = tmp_path / "media"  # the upload stays out of var/media
    world = World()
    with time_machine.travel(at(2026, 12, 1), tick=False):
        submission = submission_upload(
            obligation=world.obligation,
            actor=world.liaison,
            uploaded_file=xlsx_file([good_row(n) for n in range(1, 4)]),
        )
        submission_ingest(submission_id=submission.pk)
        submission.refresh_from_db()
        version = submission_confirm(submission=submission, actor=world.liaison)
        objection = objection_raise(
            actor=world.consumer_liaison,
            submission=version,
            category="error",
            description="成交金额明显错误",
            rows=[2],
            fields=["amount"],
        )
    return world, objection


def test_the_objectors_reply_window_moves_and_the_objector_is_told(
    sysadmin, roles, settings, tmp_path
):
    from sharing_catalog.services.objections import objection_explain

    world, objection = _objection(settings, tmp_path)
    with time_machine.travel(at(2026, 12, 2), tick=False):
        objection = objection_explain(
            actor=world.liaison, objection=objection, explanation="数据核对无误，系登记口径不同。"
        )
        old = objection.accept_deadline
        calendar_override_set(day=old, is_working_day=False, actor=sysadmin)
    objection.refresh_from_db()
    assert objection.accept_deadline == add_working_days(old, 1)
    (entry,) = _moves(objection)
    assert entry.details["moved"] == {
        "accept_deadline": [old.isoformat(), objection.accept_deadline.isoformat()]
    }
    assert entry.details["told"] == [world.consumer_liaison.username]  # the objector
    assert entry.unit == objection.consumer


def test_an_objections_answer_deadline_moves_and_the_provider_is_told(
    sysadmin, roles, settings, tmp_path
):
    world, objection = _objection(settings, tmp_path)
    with time_machine.travel(at(2026, 12, 1), tick=False):
        old = objection.deadline
        calendar_override_set(day=old, is_working_day=False, actor=sysadmin)
    objection.refresh_from_db()
    assert objection.deadline == objection.first_deadline == add_working_days(old, 1)
    (entry,) = _moves(objection)
    assert entry.details["told"] == [world.liaison.username]  # the provider's liaison
    assert Notification.objects.filter(
        recipient=world.liaison, kind="deadline_moved", subject__contains=f"异议#{objection.pk}"
    ).exists()


def test_the_calendar_page_sets_and_withdraws_an_override(client, sysadmin, november_obligation):
    from django.urls import reverse

    obligation, _liaison = november_obligation
    with time_machine.travel(at(2026, 12, 2), tick=False):
        client.force_login(sysadmin)
        response = client.post(
            reverse("deadlines:override_set"),
            {"day": "2026-12-08", "is_working_day": "0", "note": "临时放假"},
        )
        assert response.status_code == 302
        obligation.refresh_from_db()
        assert obligation.due_date == D(2026, 12, 11)
        page = client.get(reverse("deadlines:schedule_list")).content.decode()
        assert "临时放假" in page
        client.post(reverse("deadlines:override_delete", args=["2026-12-08"]))
    obligation.refresh_from_db()
    assert obligation.due_date == D(2026, 12, 10)


@pytest.mark.parametrize("role", [Role.LIAISON, Role.TAX_STAFF, Role.AUDITOR, Role.WG_LEADER])
def test_only_the_admins_may_set_an_override(client, roles, role, november_obligation):
    from django.urls import reverse

    from zhengxiang_portal.deadlines.models import CalendarOverride

    obligation, _liaison = november_obligation
    with time_machine.travel(at(2026, 12, 2), tick=False):
        client.force_login(UserFactory(roles=[role]))
        response = client.post(
            reverse("deadlines:override_set"), {"day": "2026-12-08", "is_working_day": "0"}
        )
        with pytest.raises(PermissionDenied):
            calendar_override_set(
                day=D(2026, 12, 8), is_working_day=False, actor=UserFactory(roles=[role])
            )
    assert response.status_code == 403
    assert not CalendarOverride.objects.exists()
    obligation.refresh_from_db()
    assert obligation.due_date == D(2026, 12, 10)
