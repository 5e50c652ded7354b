"""Lifecycle of a collaboration request (Art. 6, 7): every step, and who may take it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from collaboration.models import (
    Attachment,
    CollaborationRequest,
    Extension,
    RefusalRuling,
    Status,
    TimelineEntry,
    TransferOutcome,
)
from collaboration.services import (
    allocate_number,
    extension_decide,
    request_accept,
    request_add_attachments,
    request_answer,
    request_answer_clarification,
    request_ask_clarification,
    request_ask_extension,
    request_assign,
    request_close,
    request_contest,
    request_refuse,
    request_reopen,
    request_rule,
    request_start,
    request_withdraw,
    transfer_acknowledge,
    transfer_report_outcome,
)
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date
# 10:00 Beijing time on a given day, as an aware instant time_machine can travel to.
TZ = dt.timezone(dt.timedelta(hours=8))


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ)


def actions(req):
    return list(req.timeline.values_list("action", flat=True))


# --- create, number, deadline --------------------------------------------------------------


def test_create_gives_a_yearly_number_default_deadline_timeline_and_ledger(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):  # a Monday
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    assert req.number == "XZ-2026-000001"
    assert req.status == Status.SUBMITTED
    assert req.assignee == world.market_liaison  # the target's primary liaison by default
    # 涉税信息查询: 5 working days from Monday 11-02 → Monday 11-09.
    assert req.due_date == D(2026, 11, 9)
    assert req.working_days_allowed == 5
    assert actions(req) == ["submit"]
    entry = LedgerEntry.objects.filter(action="request").last()
    assert entry.details["event"] == "submit" and entry.category == "workflow"
    assert Notification.objects.filter(recipient=world.market_liaison).count() == 1


def test_numbers_restart_each_year(world):
    with time_machine.travel(at(D(2026, 12, 31)), tick=False):
        assert (
            CollaborationRequestFactory(actor=world.staff, target_unit=world.market).number
            == "XZ-2026-000001"
        )
        assert (
            CollaborationRequestFactory(actor=world.staff, target_unit=world.market).number
            == "XZ-2026-000002"
        )
    with time_machine.travel(at(D(2027, 1, 4)), tick=False):
        assert (
            CollaborationRequestFactory(actor=world.staff, target_unit=world.market).number
            == "XZ-2027-000001"
        )
    assert allocate_number(year=2027) == "XZ-2027-000002"


def test_deadline_across_national_day_2026_skips_the_holiday(world):
    # Wed 09-30 + 5 working days: 10-01..10-07 off, 10-08 (Thu), 10-09 (Fri),
    # 10-10 (Sat, make-up workday), 10-12, 10-13.
    with time_machine.travel(at(D(2026, 9, 30)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    assert req.due_date == D(2026, 10, 13)


def test_deadline_counts_the_make_up_sunday_before_national_day(world):
    # Fri 09-18 + 3 (先税后证核验): 09-20 (Sun, make-up), 09-21, 09-22.
    with time_machine.travel(at(D(2026, 9, 18)), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, matter_type=world.mt("tax-before-cert")
        )
    assert req.due_date == D(2026, 9, 22)


def test_deadline_across_new_year_2027(world):
    # Wed 2026-12-30 + 5: 12-31, (01-01 holiday, weekend) 01-04 … 01-07.
    with time_machine.travel(at(D(2026, 12, 30)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    assert req.due_date == D(2027, 1, 7)


def test_a_later_due_date_may_be_given_an_earlier_one_is_refused(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        later = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, due_date=D(2026, 11, 20)
        )
        assert later.due_date == D(2026, 11, 20)
        with pytest.raises(ApplicationError) as exc:
            CollaborationRequestFactory(
                actor=world.staff, target_unit=world.market, due_date=D(2026, 11, 3)
            )
    assert exc.value.code == "due_too_early"


def test_create_refused_for_a_unit_the_actor_does_not_act_for(world):
    with pytest.raises(PermissionDenied):
        CollaborationRequestFactory(target_unit=world.market, actor=world.other_liaison)


def test_request_between_two_non_tax_units_is_refused(world):
    with pytest.raises(ApplicationError) as exc:
        CollaborationRequestFactory(
            actor=world.market_liaison, requesting_unit=world.market, target_unit=world.other
        )
    assert exc.value.code == "not_with_tax_bureau"


def test_unit_may_raise_a_request_to_the_tax_bureau(world):
    req = CollaborationRequestFactory(
        actor=world.market_liaison, requesting_unit=world.market, target_unit=world.bureau
    )
    assert req.assignee is None  # the bureau has no liaison; tax staff accept and own it
    accepted = request_accept(req=req, actor=world.staff)
    assert accepted.assignee == world.staff


def test_assignee_must_act_for_the_target_unit(world):
    with pytest.raises(ApplicationError) as exc:
        CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, assignee=world.other_liaison
        )
    assert exc.value.code == "invalid_assignee"
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(PermissionDenied):
        request_assign(req=req, actor=world.other_liaison, assignee=world.market_liaison)


def test_tax_staff_reassign_to_another_liaison_of_the_target(world):
    from tests.factories import make_liaison

    second = make_liaison(world.market, primary=False, username="market2")
    req = request_assign(
        req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
        actor=world.staff,
        assignee=second,
    )
    assert req.assignee == second
    assert Notification.objects.filter(recipient=second, key__contains=":assign:").exists()


def test_attachment_is_stored_with_its_digest_and_size_limit(world, settings):
    upload = SimpleUploadedFile("清单.xlsx", b"data" * 10, content_type="application/vnd.ms-excel")
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market, files=[upload])
    att = Attachment.objects.get(request=req)
    assert att.original_name == "清单.xlsx" and att.size == 40 and len(att.sha256) == 64
    assert att.timeline_entry.action == "submit"
    settings.PORTAL_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ApplicationError) as exc:
        request_add_attachments(
            req=req, actor=world.staff, files=[SimpleUploadedFile("big.pdf", b"x" * 11)]
        )
    assert exc.value.code == "file_too_large"


# --- the happy path and who may take each step ---------------------------------------------


def test_accept_answer_close_by_the_right_sides(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(PermissionDenied):
        request_accept(req=req, actor=world.staff)  # the requester cannot accept
    with pytest.raises(PermissionDenied):
        request_accept(req=req, actor=world.other_liaison)
    req = request_accept(req=req, actor=world.market_liaison)
    req = request_start(req=req, actor=world.market_liaison)
    assert req.status == Status.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        request_answer(req=req, actor=world.staff, answer="自问自答")
    req = request_answer(req=req, actor=world.market_liaison, answer="已提供，见附件。")
    assert req.status == Status.ANSWERED and req.answered_late is False
    with pytest.raises(PermissionDenied):
        request_close(req=req, actor=world.market_liaison)
    req = request_close(req=req, actor=world.staff)
    assert req.status == Status.CLOSED
    assert actions(req) == ["submit", "accept", "start", "answer", "close"]
    ledger_events = [
        e.details["event"]
        for e in LedgerEntry.objects.filter(target_id=str(req.pk), action="request")
    ]
    assert ledger_events == ["submit", "accept", "start", "answer", "close"]


def test_answer_before_acceptance_is_refused(world):
    with pytest.raises(ApplicationError) as exc:
        request_answer(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
            answer="答复",
        )
    assert exc.value.code == "invalid_status"


def test_answer_after_the_due_date_is_late_and_counts_working_days(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
    with time_machine.travel(at(D(2026, 11, 11)), tick=False):  # due 11-09
        req = request_answer(req=req, actor=world.market_liaison, answer="迟到的答复")
    assert req.answered_late is True
    assert req.working_days_to_answer == 7


def test_reopen_sends_it_back_with_a_new_deadline_and_only_the_requester_may(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
        req = request_answer(req=req, actor=world.market_liaison, answer="答复")
    with time_machine.travel(at(D(2026, 11, 4)), tick=False):
        with pytest.raises(PermissionDenied):
            request_reopen(req=req, actor=world.market_liaison, reason="不满意")
        with pytest.raises(ApplicationError):
            request_reopen(req=req, actor=world.staff, reason="  ")
        req = request_reopen(req=req, actor=world.staff, reason="缺少 2025 年数据。")
    assert req.status == Status.REOPENED
    assert req.due_date == D(2026, 11, 11)
    assert req.deadline_version == 2
    req = request_answer(req=req, actor=world.market_liaison, answer="已补充 2025 年数据。")
    assert req.status == Status.ANSWERED


def test_withdraw_by_the_requester_only(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(PermissionDenied):
        request_withdraw(req=req, actor=world.market_liaison)
    req = request_withdraw(req=req, actor=world.staff, reason="不再需要")
    assert req.status == Status.WITHDRAWN
    with pytest.raises(ApplicationError):
        request_withdraw(req=req, actor=world.staff)


# --- clarification pauses the clock --------------------------------------------------------


def test_clarification_pauses_and_resumes_the_clock_exactly(world):
    # Submitted Mon 11-02, 5 working days → due Mon 11-09.
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
    # Wed 11-04: 2 working days used (11-03, 11-04), 3 left.
    with time_machine.travel(at(D(2026, 11, 4)), tick=False):
        with pytest.raises(PermissionDenied):
            request_ask_clarification(req=req, actor=world.staff, question="?")
        req = request_ask_clarification(
            req=req, actor=world.market_liaison, question="请提供企业统一社会信用代码。"
        )
    assert req.status == Status.AWAITING_CLARIFICATION
    assert req.remaining_working_days == 3
    # Answered Thu 11-12: the clock resumes with 3 working days → Tue 11-17.
    with time_machine.travel(at(D(2026, 11, 12)), tick=False):
        with pytest.raises(PermissionDenied):
            request_answer_clarification(req=req, actor=world.market_liaison, clarification="x")
        req = request_answer_clarification(
            req=req, actor=world.staff, clarification="代码为 91430408MA4L000000。"
        )
    assert req.status == Status.ACCEPTED
    assert req.due_date == D(2026, 11, 17)
    assert req.paused_working_days == 6  # 11-05, 06, 09, 10, 11, 12
    assert req.remaining_working_days is None and req.paused_on is None
    with time_machine.travel(at(D(2026, 11, 17)), tick=False):
        req = request_answer(req=req, actor=world.market_liaison, answer="答复")
    assert req.answered_late is False
    assert req.working_days_to_answer == 5  # 11 working days elapsed minus 6 paused


def test_clarification_across_national_day_resumes_after_the_holiday(world):
    # Mon 09-28 + 5 → 09-29, 09-30, 10-08, 10-09, 10-10 (Saturday make-up day).
    with time_machine.travel(at(D(2026, 9, 28)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
    assert req.due_date == D(2026, 10, 10)
    with time_machine.travel(at(D(2026, 9, 29)), tick=False):
        req = request_ask_clarification(req=req, actor=world.market_liaison, question="请补充")
    assert req.remaining_working_days == 4  # 09-30, 10-08, 10-09, 10-10
    with time_machine.travel(at(D(2026, 9, 30)), tick=False):
        req = request_answer_clarification(req=req, actor=world.staff, clarification="已补充")
    # From Wed 09-30, 4 working days: 10-08, 10-09, 10-10, 10-12.
    assert req.due_date == D(2026, 10, 12)


# --- refusal, contest, ruling --------------------------------------------------------------


def test_refusal_without_justification_is_refused(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    for text in ["", "   ", "不行"]:
        with pytest.raises(ApplicationError) as exc:
            request_refuse(req=req, actor=world.market_liaison, justification=text)
        assert exc.value.code == "justification_required"
    assert CollaborationRequest.objects.get(pk=req.pk).status == Status.SUBMITTED


def test_refusal_contest_and_unjustified_ruling(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
        with pytest.raises(PermissionDenied):
            request_refuse(req=req, actor=world.staff, justification="请求方不能拒绝自己的请求")
        req = request_refuse(
            req=req, actor=world.market_liaison, justification="该信息不属于本局登记职责范围。"
        )
        assert req.status == Status.REFUSED
        with pytest.raises(PermissionDenied):
            request_contest(req=req, actor=world.market_liaison, reason="承办方不能提出异议哦")
        with pytest.raises(ApplicationError):
            request_contest(req=req, actor=world.staff, reason="不对")
        req = request_contest(
            req=req, actor=world.staff, reason="股权变更登记属市场监管部门法定职责。"
        )
        assert req.status == Status.CONTESTED
        assert Notification.objects.filter(recipient=world.wg, key__contains=":contest:").exists()
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        for who in (world.staff, world.market_liaison, world.other_liaison):
            with pytest.raises(PermissionDenied):
                request_rule(req=req, actor=who, justified=False, comment="越权裁定")
        req = request_rule(req=req, actor=world.wg, justified=False, comment="拒绝理由不成立。")
    assert req.refusal_ruling == RefusalRuling.UNJUSTIFIED
    assert req.status == Status.ACCEPTED  # back to the unit
    assert req.due_date == D(2026, 11, 12)  # the matter's 5 working days from the ruling
    assert actions(req) == ["submit", "refuse", "contest", "rule"]
    entry = LedgerEntry.objects.filter(target_id=str(req.pk)).last()
    assert entry.details["ruling"] == "unjustified"


def test_justified_ruling_lets_the_refusal_stand(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    req = request_refuse(
        req=req, actor=world.market_liaison, justification="申请事项超出本单位职责范围。"
    )
    req = request_contest(req=req, actor=world.staff, reason="我局认为该事项属于贵局职责。")
    req = request_rule(req=req, actor=world.wg, justified=True, comment="拒绝理由成立。")
    assert req.status == Status.REFUSED and req.refusal_ruling == RefusalRuling.JUSTIFIED
    with pytest.raises(ApplicationError):
        request_contest(req=req, actor=world.staff, reason="再次提出异议再次提出")


# --- extensions ----------------------------------------------------------------------------


def test_extension_approved_moves_the_deadline(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
        with pytest.raises(PermissionDenied):
            request_ask_extension(
                req=req, actor=world.staff, reason="x", new_due_date=D(2026, 11, 20)
            )
        with pytest.raises(ApplicationError):
            request_ask_extension(
                req=req, actor=world.market_liaison, reason="需调档", new_due_date=D(2026, 11, 9)
            )
        ext = request_ask_extension(
            req=req, actor=world.market_liaison, reason="需调档", new_due_date=D(2026, 11, 20)
        )
        with pytest.raises(ApplicationError):
            request_ask_extension(
                req=req, actor=world.market_liaison, reason="再申请", new_due_date=D(2026, 11, 30)
            )
        with pytest.raises(PermissionDenied):
            extension_decide(ext=ext, actor=world.market_liaison, approve=True)
        extension_decide(ext=ext, actor=world.staff, approve=True, comment="同意")
    req.refresh_from_db()
    assert req.due_date == D(2026, 11, 20)
    assert req.deadline_version == 2
    assert Extension.objects.get(pk=ext.pk).status == Extension.Status.APPROVED
    with pytest.raises(ApplicationError):
        extension_decide(ext=ext, actor=world.staff, approve=False)


def test_extension_declined_keeps_the_deadline(world):
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = request_accept(
            req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
            actor=world.market_liaison,
        )
        ext = request_ask_extension(
            req=req, actor=world.market_liaison, reason="人手不足", new_due_date=D(2026, 11, 20)
        )
        extension_decide(ext=ext, actor=world.staff, approve=False, comment="请按期办理")
    req.refresh_from_db()
    assert req.due_date == D(2026, 11, 9)
    assert actions(req)[-1] == "decline_extension"


# --- case transfer (Art. 6(三)) -------------------------------------------------------------


def test_case_transfer_acknowledge_and_outcome(world):
    req = CollaborationRequestFactory(
        actor=world.staff, target_unit=world.police, matter_type=world.mt("case-transfer")
    )
    with pytest.raises(PermissionDenied):
        transfer_acknowledge(req=req, actor=world.market_liaison)
    req = transfer_acknowledge(req=req, actor=world.police_liaison, comment="已接收")
    assert req.acknowledged_at is not None
    with pytest.raises(ApplicationError) as exc:
        request_answer(req=req, actor=world.police_liaison, answer="已处理")
    assert exc.value.code == "outcome_required"
    req = transfer_report_outcome(
        req=req, actor=world.police_liaison, outcome=TransferOutcome.FILED, note="已立案侦查"
    )
    assert req.status == Status.ANSWERED and req.outcome == "filed"
    assert actions(req) == ["submit", "acknowledge", "report_outcome"]


def test_case_transfer_only_from_the_bureau_to_a_judicial_organ(world):
    with pytest.raises(ApplicationError) as exc:
        CollaborationRequestFactory(
            actor=world.staff, target_unit=world.market, matter_type=world.mt("case-transfer")
        )  # to 市场监管局
    assert exc.value.code == "invalid_case_transfer"


def test_ordinary_request_cannot_report_a_transfer_outcome(world):
    req = request_accept(
        req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
        actor=world.market_liaison,
    )
    with pytest.raises(ApplicationError):
        transfer_report_outcome(req=req, actor=world.market_liaison, outcome="filed", note="x")


@override_settings(PORTAL_UPLOAD_MAX_BYTES=1024)
def test_every_step_has_a_timeline_entry_with_actor_and_time(world):
    req = request_accept(
        req=CollaborationRequestFactory(actor=world.staff, target_unit=world.market),
        actor=world.market_liaison,
    )
    for entry in TimelineEntry.objects.filter(request=req):
        assert entry.created_at is not None
    assert TimelineEntry.objects.get(request=req, action="accept").actor == world.market_liaison


# --- every step refuses an actor from a third unit ----------------------------------------


def _steps(world):
    """Each step, with arguments that would succeed for the right actor."""
    return {
        "accept": lambda req, who: request_accept(req=req, actor=who),
        "start": lambda req, who: request_start(req=req, actor=who),
        "answer": lambda req, who: request_answer(req=req, actor=who, answer="答复"),
        "ask_clarification": lambda req, who: request_ask_clarification(
            req=req, actor=who, question="请补充"
        ),
        "refuse": lambda req, who: request_refuse(
            req=req, actor=who, justification="不属于本单位职责范围的事项。"
        ),
        "ask_extension": lambda req, who: request_ask_extension(
            req=req, actor=who, reason="调档", new_due_date=req.due_date + dt.timedelta(days=30)
        ),
        "withdraw": lambda req, who: request_withdraw(req=req, actor=who),
        "close": lambda req, who: request_close(req=req, actor=who),
        "reopen": lambda req, who: request_reopen(req=req, actor=who, reason="不满意"),
        "contest": lambda req, who: request_contest(
            req=req, actor=who, reason="属于贵单位法定职责，请办理。"
        ),
        "answer_clarification": lambda req, who: request_answer_clarification(
            req=req, actor=who, clarification="补充"
        ),
        "assign": lambda req, who: request_assign(
            req=req, actor=who, assignee=world.market_liaison
        ),
        "attach": lambda req, who: request_add_attachments(
            req=req, actor=who, files=[SimpleUploadedFile("x.txt", b"x")]
        ),
    }


@pytest.mark.parametrize(
    "step",
    [
        "accept",
        "start",
        "answer",
        "ask_clarification",
        "refuse",
        "ask_extension",
        "withdraw",
        "close",
        "reopen",
        "contest",
        "answer_clarification",
        "assign",
        "attach",
    ],
)
def test_every_step_refuses_a_third_units_liaison_and_the_working_group(world, step):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    for who in (world.other_liaison, world.wg, world.outsider):
        with pytest.raises(PermissionDenied):
            _steps(world)[step](req, who)
