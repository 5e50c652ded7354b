"""Objections (异议, Art. 19, 22): raise, answer, dispute, arbitrate, deadlines, facts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from sharing_catalog.models import Objection, Submission
from sharing_catalog.selectors.objections import (
    objection_evidence,
    objection_facts,
    objection_overdue_list,
)
from sharing_catalog.services import objections as svc
from sharing_catalog.services.ingest.pipeline import submission_ingest
from sharing_catalog.services.ingest.upload import submission_upload
from sharing_catalog.services.submissions import submission_confirm
from tests.factories import PASSWORD, UserFactory, WorkingGroupMemberFactory
from tests.sharing_catalog.submission_builders import (  # noqa: F401 (fixture)
    World,
    good_row,
    private_media_root,
    xlsx_file,
)
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.asof import AsOf
from zhengxiang_portal.deadlines.calendar import add_working_days
from zhengxiang_portal.ledger.actions import LedgerAction
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.ledger.selectors import ledger_history
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
TZ = dt.timezone(dt.timedelta(hours=8))
S = Objection.Status


def confirmed_version(world: World, rows: list[list], name: str = "v.xlsx") -> Submission:
    submission = submission_upload(
        obligation=world.obligation, actor=world.liaison, uploaded_file=xlsx_file(rows, name=name)
    )
    submission_ingest(submission_id=submission.pk)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.VALIDATED, submission.report
    return submission_confirm(submission=submission, actor=world.liaison)


@pytest.fixture
def world(roles):
    w = World()
    w.v1 = confirmed_version(w, [good_row(n) for n in range(1, 6)])
    return w


def _raise(world, rows=(2, 3), **kw):
    return svc.objection_raise(
        actor=world.consumer_liaison,
        submission=world.v1,
        category=kw.pop("category", "error"),
        description=kw.pop("description", "成交金额明显错误"),
        rows=rows,
        fields=kw.pop("fields", ["amount"]),
    )


def test_consumer_raises_on_rows_with_a_working_day_deadline_and_the_provider_is_told(world):
    with time_machine.travel(dt.datetime(2026, 12, 30, 10, 0, tzinfo=TZ), tick=False):
        o = _raise(world)
    # 5 working days from Wed 2026-12-30 crosses the New Year holiday
    assert o.deadline == add_working_days(dt.date(2026, 12, 30), 5)
    assert o.deadline > dt.date(2027, 1, 5)
    assert (o.provider, o.consumer, o.row_numbers) == (world.provider, world.consumer, [2, 3])
    assert len(o.row_keys) == 2
    assert Notification.objects.filter(recipient=world.liaison, key=f"objection:{o.pk}:raised")
    assert LedgerEntry.objects.filter(action=LedgerAction.OBJECTION).get().details["rows"] == [2, 3]


def test_a_second_open_objection_on_the_same_rows_points_to_the_first(world):
    first = _raise(world, rows=(2, 3))
    with pytest.raises(ApplicationError) as exc:
        _raise(world, rows=(3, 4))
    assert exc.value.code == "objection_exists"
    assert exc.value.details["objection_id"] == first.pk
    # other rows are fine; once the first closes, the same rows can be raised again
    _raise(world, rows=(5,))
    svc.objection_close(actor=world.consumer_liaison, objection=first, reason="withdrawn")
    _raise(world, rows=(2, 3))


def test_a_whole_version_objection_blocks_any_other(world):
    _raise(world, rows=())
    with pytest.raises(ApplicationError):
        _raise(world, rows=(6,))


def test_provider_and_outsider_cannot_raise(world):
    for actor in (world.liaison, world.outsider):
        with pytest.raises(PermissionDenied):
            svc.objection_raise(
                actor=actor, submission=world.v1, category="doubt", description="看不懂数据"
            )


def test_rows_must_belong_to_the_version(world):
    with pytest.raises(ApplicationError, match="不属于"):
        _raise(world, rows=(99,))


def test_an_accepted_explanation_closes_as_explained_and_a_dispute_reopens_it(world):
    o = _raise(world)
    with pytest.raises(PermissionDenied):
        svc.objection_explain(actor=world.consumer_liaison, objection=o, explanation="数据无误")
    o = svc.objection_explain(actor=world.liaison, objection=o, explanation="经核对，金额无误")
    assert o.status == S.EXPLAINED
    o = svc.objection_dispute(actor=world.consumer_liaison, objection=o, text="与登记系统不一致")
    assert (o.status, o.round) == (S.DISPUTED, 2)
    o = svc.objection_explain(actor=world.liaison, objection=o, explanation="附登记系统截图")
    o = svc.objection_accept(actor=world.consumer_liaison, objection=o)
    # the objector accepted the provider's explanation: 已说明, not 数据无误 (nobody chose that)
    assert (o.status, o.closing_reason) == (S.CLOSED, Objection.ClosingReason.EXPLAINED)


def test_correction_links_the_new_version_and_the_history_shows_every_step(world):
    o = _raise(world)
    rows = [good_row(n) for n in range(1, 6)]
    rows[0][2] = "2000.00"
    rows[1][2] = "3000.00"
    v2 = confirmed_version(world, rows, name="v2.xlsx")
    with pytest.raises(ApplicationError):
        svc.objection_correct(actor=world.liaison, objection=o, correction=world.v1)
    o = svc.objection_correct(actor=world.liaison, objection=o, correction=v2)
    assert (o.status, o.correction) == (S.CORRECTED, v2)
    o = svc.objection_accept(actor=world.consumer_liaison, objection=o)
    assert o.closing_reason == Objection.ClosingReason.CORRECTED
    steps = [(e.action, e.details.get("step")) for e in ledger_history(o)]
    assert steps == [
        ("objection", "raise"),
        ("correct", "correct"),
        ("objection", "accept"),
    ]


def test_either_side_asks_arbitration_and_only_the_working_group_rules(world):
    wg = WorkingGroupMemberFactory().user
    o = _raise(world)
    o = svc.objection_request_arbitration(actor=world.liaison, objection=o, reason="双方理解不一致")
    assert Notification.objects.filter(recipient=wg, key=f"objection:{o.pk}:r1:arbitration")
    with pytest.raises(PermissionDenied):
        svc.objection_rule(actor=world.consumer_liaison, objection=o, upheld=True, comment="成立")
    o = svc.objection_rule(actor=wg, objection=o, upheld=True, comment="以登记系统为准")
    assert (o.status, o.ruling, o.closing_reason) == (S.CLOSED, "upheld", "arbitrated")


def test_closing_reasons_are_checked_per_side(world):
    o = _raise(world)
    with pytest.raises(ApplicationError):
        svc.objection_close(actor=world.liaison, objection=o, reason="withdrawn")
    with pytest.raises(ApplicationError):
        svc.objection_close(actor=world.liaison, objection=o, reason="duplicate")  # needs text
    o = svc.objection_close(actor=world.liaison, objection=o, reason="duplicate", text="同异议 #1")
    assert o.closing_reason == "duplicate"


def test_deadline_scan_reminds_notifies_overdue_and_escalates_each_once(world):
    wg = WorkingGroupMemberFactory().user
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):  # Monday
        o = _raise(world)
    assert o.deadline == dt.date(2026, 11, 9)
    with time_machine.travel(dt.datetime(2026, 11, 5, 9, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().reminded == 0
    with time_machine.travel(dt.datetime(2026, 11, 6, 9, 0, tzinfo=TZ), tick=False):  # Friday
        assert svc.objection_deadline_scan().reminded == 1
        assert svc.objection_deadline_scan().reminded == 0  # beat fired twice
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=TZ), tick=False):
        counts = svc.objection_deadline_scan()
        assert (counts.overdue, counts.escalated) == (1, 0)
    with time_machine.travel(dt.datetime(2026, 11, 12, 9, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().escalated == 1
        assert not svc.objection_deadline_scan().acted
    keys = set(Notification.objects.values_list("key", flat=True))
    assert {f"objection:{o.pk}:r1:{k}" for k in ("reminder", "overdue", "escalated")} <= keys
    assert (
        Notification.objects.filter(recipient=wg, key=f"objection:{o.pk}:r1:escalated").count() == 1
    )


def test_a_silent_objector_closes_it_with_the_providers_explanation_not_as_data_correct(world):
    # given an explanation on Monday 2026-11-02; the item gives the objector 3 working days
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        o = _raise(world)
        o = svc.objection_explain(actor=world.liaison, objection=o, explanation="经核实确有错误")
    assert o.accept_deadline == dt.date(2026, 11, 5)
    # when the scan runs on the last day of the window, nothing closes
    with time_machine.travel(dt.datetime(2026, 11, 5, 18, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().closed == 0
    # then the next day it closes with the provider's own answer, and both sides are told once
    with time_machine.travel(dt.datetime(2026, 11, 6, 9, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().closed == 1
        assert svc.objection_deadline_scan().closed == 0
    o.refresh_from_db()
    assert (o.status, o.closing_reason) == (S.CLOSED, Objection.ClosingReason.EXPLAINED)
    assert o.closed_by is None
    for user in (world.liaison, world.consumer_liaison):
        told = Notification.objects.get(recipient=user, kind="objection_closed")
        assert told.subject.startswith(f"异议#{o.pk}（{world.item.name}）")
        assert "已说明" in told.subject
    assert [e.details["step"] for e in ledger_history(o)] == ["raise", "explain", "lapse"]


def test_a_silent_objector_after_a_correction_closes_it_as_corrected(world):
    o = _raise(world)
    rows = [good_row(n) for n in range(1, 6)]
    rows[0][2] = "2000.00"
    v2 = confirmed_version(world, rows, name="v2.xlsx")
    o = svc.objection_correct(actor=world.liaison, objection=o, correction=v2)
    with time_machine.travel(o.accept_deadline + dt.timedelta(days=1), tick=False):
        assert svc.objection_deadline_scan().closed == 1
    o.refresh_from_db()
    assert o.closing_reason == Objection.ClosingReason.CORRECTED


def test_the_objectors_window_is_the_items_own_setting(world):
    world.item.objection_accept_working_days = 1
    world.item.save(update_fields=["objection_accept_working_days"])
    with time_machine.travel(dt.datetime(2026, 11, 6, 9, 0, tzinfo=TZ), tick=False):  # Friday
        o = _raise(world)
        o = svc.objection_explain(actor=world.liaison, objection=o, explanation="经核实无误")
    assert o.accept_deadline == dt.date(2026, 11, 9)


def test_only_the_objector_chooses_data_correct(world):
    o = svc.objection_explain(actor=world.liaison, objection=_raise(world), explanation="数据无误")
    with pytest.raises(ApplicationError):
        svc.objection_close(actor=world.liaison, objection=o, reason="data_correct")
    o = svc.objection_close(actor=world.consumer_liaison, objection=o, reason="data_correct")
    assert (o.closing_reason, o.closed_by) == ("data_correct", world.consumer_liaison)


def test_tax_staff_who_raised_it_hears_the_answer_and_the_subject_names_number_and_item(world):
    # given the consumer is the tax bureau and one of its staff (not a liaison) raised it
    world.consumer.kind = "tax_bureau"
    world.consumer.save(update_fields=["kind"])
    staff = UserFactory(unit=world.consumer, roles=[Role.TAX_STAFF])
    o = svc.objection_raise(
        actor=staff, submission=world.v1, category="error", description="成交金额明显错误", rows=[2]
    )
    # when the provider answers
    svc.objection_explain(actor=world.liaison, objection=o, explanation="法院确认金额有误")
    # then the objector is told, with the objection's number and item in the subject
    told = Notification.objects.get(recipient=staff, kind="objection_explained")
    assert told.subject.startswith(f"异议#{o.pk}（{world.item.name}）：提供单位已解释说明")
    raised = Notification.objects.get(recipient=world.liaison, kind="objection_raised")
    assert raised.subject.startswith(f"异议#{o.pk}（{world.item.name}）")
    # and who was told is a recorded fact of the step
    explain = next(e for e in ledger_history(o) if e.details["step"] == "explain")
    assert explain.details["told"] == [staff.username]


def test_a_unit_with_no_active_person_has_its_objection_notices_go_to_the_working_group(world):
    wg = WorkingGroupMemberFactory().user
    world.liaison.is_active = False
    world.liaison.save(update_fields=["is_active"])
    o = _raise(world)
    assert Notification.objects.filter(recipient=wg, key=f"objection:{o.pk}:raised").exists()


def test_the_table_decides_which_steps_each_side_may_take(world):
    o = _raise(world)
    assert svc.objection_steps(user=world.liaison, objection=o) == {
        "explain",
        "correct",
        "arbitrate",
        "close",
    }
    assert svc.objection_steps(user=world.consumer_liaison, objection=o) == {"arbitrate", "close"}
    assert svc.objection_steps(user=world.outsider, objection=o) == set()
    o = svc.objection_explain(actor=world.liaison, objection=o, explanation="经核实无误")
    assert svc.objection_steps(user=world.consumer_liaison, objection=o) == {
        "accept",
        "dispute",
        "arbitrate",
        "close",
    }


@override_settings(OBJECTION_ESCALATE_WORKING_DAYS=4)
def test_overdue_is_marked_in_the_ledger_and_escalation_waits_for_the_setting(world):
    wg = WorkingGroupMemberFactory().user
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        o = _raise(world)  # deadline Mon 2026-11-09
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().overdue == 1
    o.refresh_from_db()
    assert o.overdue_at is not None and o.is_overdue_on(dt.date(2026, 11, 10))
    assert [e.details["step"] for e in ledger_history(o)] == ["raise", "overdue"]
    assert [u.pk for u in objection_overdue_list(as_of=dt.date(2026, 11, 10))] == [o.pk]
    assert not objection_overdue_list(as_of=dt.date(2026, 11, 9)).exists()
    with time_machine.travel(dt.datetime(2026, 11, 13, 9, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().escalated == 0  # 11-09 + 4 = 11-13
    with time_machine.travel(dt.datetime(2026, 11, 16, 9, 0, tzinfo=TZ), tick=False):
        assert svc.objection_deadline_scan().escalated == 1
    told = Notification.objects.get(recipient=wg, kind="objection_escalated")
    assert told.subject.startswith(f"异议#{o.pk}（{world.item.name}）")


def test_objection_facts_for_assessment(world):
    wg = WorkingGroupMemberFactory().user
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        on_time = _raise(world, rows=(2,))
        late = _raise(world, rows=(3,))
        unanswered = _raise(world, rows=(4,))
        upheld = _raise(world, rows=(5,))
        svc.objection_explain(actor=world.liaison, objection=on_time, explanation="核实无误")
    with time_machine.travel(dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ), tick=False):
        svc.objection_explain(actor=world.liaison, objection=late, explanation="迟到的答复")
        svc.objection_request_arbitration(
            actor=world.consumer_liaison, objection=upheld, reason="请裁决此事"
        )
        svc.objection_rule(actor=wg, objection=upheld, upheld=True, comment="成立")
    facts = objection_facts(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    stats = facts[world.provider.pk]
    assert (stats.received, stats.answered_on_time, stats.answered_late) == (4, 1, 1)
    assert (stats.open_overdue, stats.upheld_against) == (1, 1)
    evidence = objection_evidence(
        unit_id=world.provider.pk,
        start=dt.date(2026, 11, 1),
        end=dt.date(2026, 11, 30),
        kind="open_overdue",
    )
    assert [o.pk for o in evidence] == [unanswered.pk]


def test_an_answer_due_after_new_year_is_judged_in_the_new_years_period(world):
    """Seen on the demo played with beat (test_eight_weeks_under_beat): an objection raised on
    2026-12-30 was due 2027-01-07 and never answered, yet counted in no period — pending at the
    end of 2026, and outside 2027 because it was raised in 2026."""
    with time_machine.travel(dt.datetime(2026, 12, 30, 10, 0, tzinfo=TZ), tick=False):
        unanswered = _raise(world, rows=(2,))
    assert unanswered.first_deadline == dt.date(2027, 1, 7)  # 12-31, 元旦 and a weekend, 01-04…07
    q4, q1 = (
        (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        (dt.date(2027, 1, 1), dt.date(2027, 3, 31)),
    )
    stats = objection_facts(start=q4[0], end=q4[1], as_of=AsOf(q4[1], closed=True))[
        world.provider.pk
    ]
    assert (stats.received, stats.answered_on_time, stats.open_overdue) == (1, 0, 0)
    as_of = AsOf(dt.date(2027, 1, 20))
    stats = objection_facts(start=q1[0], end=q1[1], as_of=as_of)[world.provider.pk]
    assert (stats.received, stats.answered_on_time, stats.open_overdue) == (0, 0, 1)
    evidence = objection_evidence(
        unit_id=world.provider.pk, start=q1[0], end=q1[1], kind="open_overdue", as_of=as_of
    )
    assert [o.pk for o in evidence] == [unanswered.pk]


# --- pages and API -------------------------------------------------------------------------
def test_consumer_raises_from_the_records_page_after_declaring_purpose(client, world):
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    records_url = reverse("sharing_catalog:submission_records", args=[world.v1.pk])
    first = client.get(records_url)
    assert first.status_code == 302
    assert reverse("sharing_catalog:purpose", args=[world.item.pk]) in first["Location"]
    client.post(first["Location"], {"purpose": "risk", "next": records_url})
    page = client.get(records_url)
    assert page.status_code == 200
    view = LedgerEntry.objects.get(action=LedgerAction.VIEW)
    assert (view.actor, view.details["purpose"], view.details["rows"]) == (
        world.consumer_liaison,
        "risk",
        5,
    )
    response = client.post(
        reverse("sharing_catalog:objection_raise", args=[world.v1.pk]),
        {
            "rows": ["2", "4"],
            "category": "doubt",
            "fields": ["amount"],
            "description": "金额存疑待核",
        },
    )
    o = Objection.objects.get()
    assert response["Location"] == reverse("sharing_catalog:objection_detail", args=[o.pk])
    assert o.row_numbers == [2, 4]
    listing = client.get(reverse("sharing_catalog:objection_list"))
    assert [x.pk for x in listing.context["page"].object_list] == [o.pk]


def test_outsider_is_refused_objections_through_page_and_api(client, world):
    o = _raise(world)
    client.login(username=world.outsider.username, password=PASSWORD)
    assert client.get(reverse("sharing_catalog:objection_detail", args=[o.pk])).status_code == 404
    assert (
        client.post(
            reverse("sharing_catalog:objection_action", args=[o.pk, "explain"]),
            {"explanation": "xxxx"},
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("sharing_catalog:submission_records", args=[world.v1.pk])).status_code
        == 404
    )
    assert client.get(f"/api/objections/{o.pk}/").status_code == 404
    assert client.post(f"/api/objections/{o.pk}/explain/", {"text": "xxxx"}).status_code == 404
    assert client.get("/api/objections/").json()["count"] == 0
    created = client.post(
        "/api/objections/",
        {"submission": world.v1.pk, "category": "doubt", "description": "无权提出的异议"},
        content_type="application/json",
    )
    assert created.status_code == 404


def test_api_raise_and_explain(client, world):
    client.login(username=world.consumer_liaison.username, password=PASSWORD)
    response = client.post(
        "/api/objections/",
        {"submission": world.v1.pk, "category": "error", "description": "金额错误", "rows": [2]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    again = client.post(
        "/api/objections/",
        {"submission": world.v1.pk, "category": "error", "description": "金额错误", "rows": [2]},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert again.json()["error"]["details"]["objection_id"] == pk
    client.login(username=world.liaison.username, password=PASSWORD)
    done = client.post(
        f"/api/objections/{pk}/explain/", {"text": "金额核实无误"}, content_type="application/json"
    )
    assert done.json()["status"] == "explained"
    # the objector's window is part of the answer
    assert done.json()["accept_deadline"] == add_working_days(timezone.localdate(), 3).isoformat()


def test_the_list_and_the_page_mark_an_unanswered_objection_overdue_the_day_after(client, world):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False):
        o = _raise(world)  # answer due Monday 2026-11-09
    detail = reverse("sharing_catalog:objection_detail", args=[o.pk])

    def pages_on(moment: dt.datetime) -> str:
        with time_machine.travel(moment, tick=False):
            client.login(username=world.liaison.username, password=PASSWORD)
            listing, page = client.get("/catalog/objections/"), client.get(detail)
        assert listing.status_code == page.status_code == 200
        return listing.content.decode() + page.content.decode()

    assert "已逾期" not in pages_on(dt.datetime(2026, 11, 9, 17, 0, tzinfo=TZ))
    assert pages_on(dt.datetime(2026, 11, 10, 9, 0, tzinfo=TZ)).count("已逾期") == 2


def test_objection_list_page_and_api_query_counts_are_flat(
    client, world, django_assert_max_num_queries
):
    for row in (2, 3, 4, 5, 6):
        _raise(world, rows=(row,))
    client.login(username=world.liaison.username, password=PASSWORD)
    client.get(reverse("sharing_catalog:objection_list"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("sharing_catalog:objection_list"))
    assert len(page.context["page"].object_list) == 5
    with django_assert_max_num_queries(10):
        api = client.get("/api/objections/")
    assert api.json()["count"] == 5
