"""Case transfers both ways (Art. 6(三)): several progress reports per case, and the way back.

The judicial organ reports each stage (已受理, 立案, 移送审查起诉 …); a case that ends 不立案,
不起诉, 判决无罪 or 免予刑事处罚 is returned to the tax bureau, which records its administrative
handling (行政处罚决定 or 不予处罚) within `CASE_RETURN_HANDLING_WORKING_DAYS` working days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from collaboration.models import (
    AdminHandling,
    CollaborationRequest,
    Status,
    TimelineEntry,
    TransferOutcome,
    TransferReport,
)
from collaboration.permissions import allowed_actions
from collaboration.selectors import case_return_statistics, transfer_statistics
from collaboration.services import (
    case_return_scan,
    request_close,
    transfer_acknowledge,
    transfer_record_handling,
    transfer_report_outcome,
    transfer_return,
)
from tests.factories import CollaborationRequestFactory
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.deadlines.scan import deadline_scans
from zhengxiang_portal.deadlines.services import calendar_override_set
from zhengxiang_portal.ledger.models import LedgerEntry
from zhengxiang_portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
D = dt.date
TZ = dt.timezone(dt.timedelta(hours=8))
REASON = "当事人已补缴税款及滞纳金，依法不予追究刑事责任，建议依法给予行政处罚。"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ)


def actions(req) -> list[str]:
    return list(req.timeline.values_list("action", flat=True))


@pytest.fixture
def case(world):
    """A case the tax bureau transferred to the police on Monday 2026-11-02, acknowledged."""
    with time_machine.travel(at(D(2026, 11, 2)), tick=False):
        req = CollaborationRequestFactory(
            actor=world.staff,
            target_unit=world.police,
            matter_type=world.mt("case-transfer"),
            subject="涉嫌虚开增值税专用发票案",
            body="经稽查，某商贸公司涉嫌虚开，依法移送。",
        )
        return transfer_acknowledge(req=req, actor=world.police_liaison, comment="已接收")


def report(req, world, stage, day, note="进展说明", files=()):
    with time_machine.travel(at(day), tick=False):
        return transfer_report_outcome(
            req=req,
            actor=world.police_liaison,
            outcome=stage,
            note=note,
            occurred_on=day,
            files=list(files),
        )


RETURN_DAY = D(2026, 11, 20)  # a Friday


def returned(case, world, day=RETURN_DAY):
    with time_machine.travel(at(day), tick=False):
        return transfer_return(
            req=case,
            actor=world.police_liaison,
            outcome=TransferOutcome.NOT_FILED,
            reason=REASON,
            occurred_on=day,
            files=[SimpleUploadedFile("不立案决定书.txt", b"decision", "text/plain")],
        )


# --- several progress reports -------------------------------------------------------------------


def test_several_reports_keep_the_history_and_the_latest_is_the_stage(world, case):
    # Given a case, when the police report three stages over a month
    req = report(case, world, TransferOutcome.RECEIVED, D(2026, 11, 3), "经侦大队已受理。")
    assert req.status == Status.ANSWERED and req.answered_late is False  # the first answers
    req = report(req, world, TransferOutcome.FILED, D(2026, 11, 10), "已立案侦查。")
    file = SimpleUploadedFile("移送起诉意见书.txt", b"opinion", "text/plain")
    req = report(
        req, world, TransferOutcome.FOR_PROSECUTION, D(2026, 12, 1), "移送审查起诉。", [file]
    )
    # Then every report is kept, with date, note, reporter and files, and the stage is the latest
    reports = list(req.transfer_reports.all())
    assert [r.stage for r in reports] == ["received", "filed", "for_prosecution"]
    assert [r.occurred_on for r in reports] == [D(2026, 11, 3), D(2026, 11, 10), D(2026, 12, 1)]
    assert {r.reported_by for r in reports} == {world.police_liaison}
    assert {r.reporter_unit for r in reports} == {world.police}
    assert [a.original_name for a in reports[-1].timeline_entry.attachments.all()] == [
        "移送起诉意见书.txt"
    ]
    assert req.outcome == TransferOutcome.FOR_PROSECUTION and req.status == Status.ANSWERED
    assert actions(req) == ["submit", "acknowledge", *["report_outcome"] * 3]
    # and each is a ledger fact and a notice to the tax bureau, through the one sender
    events = LedgerEntry.objects.filter(action="request", details__event="report_outcome")
    assert events.count() == 3
    notices = Notification.objects.filter(recipient=world.staff, subject__contains="进展")
    assert notices.count() == 3
    entry = reports[-1].timeline_entry
    assert entry.details["told"] == ["staff"]


def test_a_backdated_report_does_not_replace_a_later_stage(world, case):
    req = report(case, world, TransferOutcome.FILED, D(2026, 11, 10))
    req = report(req, world, TransferOutcome.RECEIVED, D(2026, 11, 3))  # reported late
    assert req.outcome == TransferOutcome.FILED


def test_report_date_cannot_be_in_the_future_or_before_the_transfer(world, case):
    with time_machine.travel(at(D(2026, 11, 5)), tick=False):
        for day in (D(2026, 11, 6), D(2026, 10, 30)):
            with pytest.raises(ApplicationError) as exc:
                transfer_report_outcome(
                    req=case, actor=world.police_liaison, outcome="filed", note="x", occurred_on=day
                )
            assert exc.value.code in {"date_in_future", "date_too_early"}
    assert not TransferReport.objects.exists()


def test_only_the_judicial_organ_reports(world, case):
    for intruder in (world.staff, world.market_liaison, world.wg):
        with pytest.raises(PermissionDenied):
            transfer_report_outcome(req=case, actor=intruder, outcome="filed", note="已立案")
    assert not TransferReport.objects.exists()


def test_reports_are_offered_again_after_the_first_but_not_once_closed(world, case):
    assert "report_outcome" in allowed_actions(world.police_liaison, case)
    req = report(case, world, TransferOutcome.FILED, D(2026, 11, 10))
    assert {"report_outcome", "return_case"} <= set(allowed_actions(world.police_liaison, req))
    assert "report_outcome" not in allowed_actions(world.staff, req)
    req = request_close(req=req, actor=world.staff)
    assert "report_outcome" not in allowed_actions(world.police_liaison, req)
    with pytest.raises(ApplicationError) as exc:
        report(req, world, TransferOutcome.JUDGED, D(2026, 11, 10))
    assert exc.value.code == "invalid_status"


# --- the way back: returned for administrative handling ----------------------------------------


def test_return_sets_the_handling_deadline_and_tells_the_bureau(world, case):
    # Friday 2026-11-20 + 60 working days (no holiday until New Year's Day 2027)
    req = returned(case, world)
    assert req.status == Status.RETURNED and req.outcome == TransferOutcome.NOT_FILED
    assert req.answered_at is not None  # the return is the organ's feedback
    assert req.admin_due_date is not None and req.admin_due_date > D(2027, 2, 1)
    rep = req.transfer_reports.get()
    assert rep.returned and rep.note == REASON
    assert rep.timeline_entry.attachments.get().original_name == "不立案决定书.txt"
    assert actions(req)[-1] == "return_case"
    notice = Notification.objects.get(recipient=world.staff, subject__contains="退回行政处理")
    assert req.admin_due_date.isoformat() in notice.subject
    assert allowed_actions(world.staff, req) == ["record_handling", "attach"]
    assert "return_case" not in allowed_actions(world.police_liaison, req)


@override_settings(CASE_RETURN_HANDLING_WORKING_DAYS=5)
def test_the_handling_deadline_is_a_setting_in_working_days(world, case):
    req = returned(case, world)  # Friday 11-20 + 5 working days
    assert req.admin_due_date == D(2026, 11, 27)


@pytest.mark.parametrize("stage", ["filed", "prosecuted", "judged", "other"])
def test_only_the_decisions_of_article_6_3_return_a_case(world, case, stage):
    with pytest.raises(ApplicationError) as exc:
        transfer_return(req=case, actor=world.police_liaison, outcome=stage, reason=REASON)
    assert exc.value.code == "not_a_return_decision"


def test_return_needs_written_reasons(world, case):
    with pytest.raises(ApplicationError) as exc:
        transfer_return(req=case, actor=world.police_liaison, outcome="not_filed", reason="不立案")
    assert exc.value.code == "reason_required"


def test_an_ordinary_request_is_not_returned(world):
    req = CollaborationRequestFactory(actor=world.staff, target_unit=world.market)
    with pytest.raises(ApplicationError) as exc:
        transfer_return(req=req, actor=world.market_liaison, outcome="not_filed", reason=REASON)
    assert exc.value.code == "not_case_transfer"


def test_bureau_records_a_penalty_decision_on_time(world, case):
    req = returned(case, world)
    with time_machine.travel(at(D(2026, 12, 10)), tick=False):
        req = transfer_record_handling(
            req=req,
            actor=world.staff,
            result=AdminHandling.PENALTY,
            decision_number="衡蒸税稽罚〔2026〕12号",
            decided_on=D(2026, 12, 9),
            note="处少缴税款 0.5 倍罚款。",
        )
    assert req.status == Status.CLOSED and req.admin_result == "penalty"
    assert req.admin_handled_late is False and req.admin_recorded_by == world.staff
    assert actions(req)[-1] == "record_handling"
    assert LedgerEntry.objects.filter(details__event="record_handling").exists()
    assert Notification.objects.filter(
        recipient=world.police_liaison, subject__contains="已作行政处理"
    ).exists()


def test_penalty_needs_number_and_date_no_penalty_needs_a_reason(world, case):
    req = returned(case, world)
    with time_machine.travel(at(D(2026, 12, 10)), tick=False):
        for kwargs, code in [
            ({"result": "penalty", "decided_on": D(2026, 12, 9)}, "decision_number_required"),
            ({"result": "penalty", "decision_number": "罚〔2026〕1号"}, "decided_on_required"),
            ({"result": "no_penalty", "note": "情节轻微"}, "reason_required"),
            ({"result": "warning"}, "result_required"),
        ]:
            with pytest.raises(ApplicationError) as exc:
                transfer_record_handling(req=req, actor=world.staff, **kwargs)
            assert exc.value.code == code
        req = transfer_record_handling(
            req=req,
            actor=world.staff,
            result=AdminHandling.NO_PENALTY,
            note="违法行为轻微并及时纠正，没有造成危害后果，依法不予行政处罚。",
        )
    assert req.admin_result == "no_penalty" and req.admin_decided_on == D(2026, 12, 10)


def test_only_the_bureau_records_the_handling(world, case):
    req = returned(case, world)
    for intruder in (world.police_liaison, world.market_liaison, world.wg):
        with pytest.raises(PermissionDenied):
            transfer_record_handling(
                req=req, actor=intruder, result="penalty", decision_number="x", decided_on=None
            )


@override_settings(CASE_RETURN_HANDLING_WORKING_DAYS=5)
def test_handling_after_the_deadline_counts_late(world, case):
    req = returned(case, world)  # due 11-27
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        req = transfer_record_handling(
            req=req,
            actor=world.staff,
            result="penalty",
            decision_number="衡蒸税稽罚〔2026〕13号",
            decided_on=D(2026, 11, 30),
        )
    assert req.admin_handled_late is True


# --- the deadline scan ----------------------------------------------------------------------


@override_settings(CASE_RETURN_HANDLING_WORKING_DAYS=5, COLLAB_REMIND_WORKING_DAYS=2)
def test_scan_reminds_before_and_flags_overdue_after_each_once(world, case):
    req = returned(case, world)  # due Friday 11-27
    with time_machine.travel(at(D(2026, 11, 24)), tick=False):
        assert case_return_scan().reminded == 0  # 3 working days before: not yet
    with time_machine.travel(at(D(2026, 11, 25)), tick=False):
        first = case_return_scan()
        assert (first.reminded, first.overdue) == (1, 0)
        assert case_return_scan().reminded == 0  # beat firing twice sends nothing more
    with time_machine.travel(at(D(2026, 11, 30)), tick=False):
        second = case_return_scan()
        assert (second.reminded, second.overdue) == (0, 1)
        assert case_return_scan().overdue == 0
    kinds = list(
        TimelineEntry.objects.filter(request=req, action__startswith="handling_").values_list(
            "action", flat=True
        )
    )
    assert kinds == ["handling_remind", "handling_overdue"]
    overdue = TimelineEntry.objects.get(request=req, action="handling_overdue")
    assert "staff" in overdue.details["told"] and "wgl" in overdue.details["told"]
    assert Notification.objects.filter(recipient=world.wg, subject__contains="逾期").count() == 1
    assert LedgerEntry.objects.filter(details__event="handling_overdue").count() == 1


@override_settings(CASE_RETURN_HANDLING_WORKING_DAYS=5)
def test_scan_leaves_a_handled_case_alone(world, case):
    req = returned(case, world)
    with time_machine.travel(at(D(2026, 11, 23)), tick=False):
        transfer_record_handling(
            req=req, actor=world.staff, result="penalty", decision_number="罚1号",
            decided_on=D(2026, 11, 23),
        )  # fmt: skip
    with time_machine.travel(at(D(2026, 12, 7)), tick=False):
        result = case_return_scan()
    assert (result.reminded, result.overdue) == (0, 0)


def test_the_scan_is_registered_with_the_deadline_scans():
    assert "case_returns" in {scan.key for scan in deadline_scans()}


# --- statistics, list, export ---------------------------------------------------------------


def test_statistics_count_cases_by_stage_and_returns_by_handling(world, case):
    report(case, world, TransferOutcome.FILED, D(2026, 11, 10))
    with time_machine.travel(at(D(2026, 11, 3)), tick=False):
        other = CollaborationRequestFactory(
            actor=world.staff, target_unit=world.police, matter_type=world.mt("case-transfer")
        )
        transfer_acknowledge(req=other, actor=world.police_liaison)
    returned(other, world, D(2026, 11, 20))
    stages = transfer_statistics(D(2026, 11, 1), D(2026, 11, 30))
    row = stages.rows[0]
    headers = [str(h) for h in stages.headers]
    assert row[0] == "公安分局" and row[-1] == 2
    assert row[headers.index("立案")] == 1 and row[headers.index("不立案")] == 1
    with time_machine.travel(at(D(2026, 11, 25)), tick=False):
        returns = case_return_statistics(D(2026, 11, 1), D(2026, 11, 30))
    headers = [str(h) for h in returns.headers]
    assert returns.rows[0][headers.index("待处理")] == 1


def test_list_filters_and_exports_stage_and_handling(client, world, case):
    CollaborationRequestFactory(
        actor=world.staff, target_unit=world.market
    )  # an ordinary request, no stage
    returned(case, world)
    client.force_login(world.staff)
    page = client.get(reverse("collaboration:request_list"), {"outcome": "not_filed"})
    assert page.status_code == 200
    assert case.number in page.content.decode() and "XZ-2026-000002" not in page.content.decode()
    response = client.get(reverse("collaboration:request_export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    headers = rows[0]
    by_number = {r[0]: r for r in rows[1:]}
    line = by_number[case.number]
    assert line[headers.index("案件进展")] == "不立案"
    assert line[headers.index("行政处理期限")] != ""


# --- pages ----------------------------------------------------------------------------------


def test_detail_page_shows_the_progress_history_and_the_right_forms(client, world, case):
    req = report(case, world, TransferOutcome.RECEIVED, D(2026, 11, 3), "经侦大队已受理。")
    req = report(req, world, TransferOutcome.FILED, D(2026, 11, 10), "已立案侦查。")
    client.force_login(world.staff)
    html = client.get(reverse("collaboration:request_detail", args=[req.pk])).content.decode()
    assert "经侦大队已受理。" in html and "已立案侦查。" in html and "2026-11-10" in html
    assert f'action="/requests/{req.pk}/report_outcome/"' not in html  # not the bureau's
    client.force_login(world.police_liaison)
    html = client.get(reverse("collaboration:request_detail", args=[req.pk])).content.decode()
    assert f"/requests/{req.pk}/report_outcome/" in html
    assert f"/requests/{req.pk}/return_case/" in html


def test_police_return_and_bureau_record_through_the_pages(client, world, case):
    client.force_login(world.police_liaison)
    with time_machine.travel(at(D(2026, 11, 20)), tick=False):
        response = client.post(
            reverse("collaboration:request_action", args=[case.pk, "return_case"]),
            {
                "return_case-outcome": "exempted",
                "return_case-occurred_on": "2026-11-19",
                "return_case-reason": REASON,
                "return_case-files": SimpleUploadedFile("判决书.txt", b"x", "text/plain"),
            },
        )
    assert response.status_code == 302
    req = CollaborationRequest.objects.get(pk=case.pk)
    assert req.status == Status.RETURNED and req.outcome == "exempted"
    client.force_login(world.staff)
    html = client.get(reverse("collaboration:request_detail", args=[req.pk])).content.decode()
    assert "待税务部门登记" in html and f"/requests/{req.pk}/record_handling/" in html
    with time_machine.travel(at(D(2026, 11, 25)), tick=False):
        client.post(
            reverse("collaboration:request_action", args=[req.pk, "record_handling"]),
            {
                "record_handling-result": "penalty",
                "record_handling-decision_number": "衡蒸税稽罚〔2026〕20号",
                "record_handling-decided_on": "2026-11-24",
            },
        )
    req.refresh_from_db()
    assert req.status == Status.CLOSED and req.admin_decision_number == "衡蒸税稽罚〔2026〕20号"
    html = client.get(reverse("collaboration:request_detail", args=[req.pk])).content.decode()
    assert "衡蒸税稽罚〔2026〕20号" in html and "按期处理" in html


def test_other_units_see_nothing_of_a_case(client, world, case):
    returned(case, world)
    client.force_login(world.market_liaison)
    assert client.get(reverse("collaboration:request_detail", args=[case.pk])).status_code == 404
    response = client.post(
        reverse("collaboration:request_action", args=[case.pk, "record_handling"]),
        {"record_handling-result": "no_penalty", "record_handling-note": REASON},
    )
    assert response.status_code == 404
    assert CollaborationRequest.objects.get(pk=case.pk).status == Status.RETURNED


def test_detail_query_count_does_not_grow_with_reports(
    client, world, case, django_assert_max_num_queries
):
    req = report(case, world, TransferOutcome.RECEIVED, D(2026, 11, 3))
    client.force_login(world.staff)
    url = reverse("collaboration:request_detail", args=[req.pk])
    with django_assert_max_num_queries(60) as base:
        client.get(url)
    baseline = len(base.captured_queries)
    for day, stage in [(D(2026, 11, 10), "filed"), (D(2026, 11, 20), "for_prosecution")]:
        report(req, world, stage, day, files=[SimpleUploadedFile("a.txt", b"a", "text/plain")])
    with django_assert_max_num_queries(baseline):
        client.get(url)


# --- API ------------------------------------------------------------------------------------


def test_api_reports_returns_and_records(world, case):
    api = APIClient()
    api.force_authenticate(world.police_liaison)
    base = f"/api/requests/{case.pk}/"
    with time_machine.travel(at(D(2026, 11, 10)), tick=False):
        response = api.post(
            base + "report-outcome/",
            {"outcome": "filed", "occurred_on": "2026-11-09", "note": "已立案侦查。"},
            format="json",
        )
        assert response.status_code == 200, response.content
        response = api.post(
            base + "return-case/",
            {"outcome": "filed", "reason": REASON},
            format="json",
        )
        assert response.status_code == 400  # 立案 is not a decision that returns a case
        response = api.post(
            base + "return-case/",
            {"outcome": "not_prosecuted", "reason": REASON},
            format="json",
        )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "returned" and data["outcome"] == "not_prosecuted"
    assert [r["stage"] for r in data["transfer_reports"]] == ["filed", "not_prosecuted"]
    reports = api.get(base + "transfer-reports/").json()
    assert reports[0]["occurred_on"] == "2026-11-09" and reports[1]["returned"] is True
    # the police cannot record the bureau's handling
    response = api.post(
        base + "record-handling/", {"result": "no_penalty", "note": REASON}, format="json"
    )
    assert response.status_code == 403
    api.force_authenticate(world.staff)
    assert api.get(base).json()["allowed_actions"] == ["record_handling", "attach"]
    with time_machine.travel(at(D(2026, 11, 12)), tick=False):
        response = api.post(
            base + "record-handling/",
            {"result": "penalty", "decision_number": "罚〔2026〕3号", "decided_on": "2026-11-12"},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert response.json()["admin_result"] == "penalty"
    assert api.get("/api/requests/", {"admin_result": "penalty"}).json()["count"] == 1


def test_api_other_unit_gets_404_on_reports(world, case):
    api = APIClient()
    api.force_authenticate(world.market_liaison)
    assert api.get(f"/api/requests/{case.pk}/transfer-reports/").status_code == 404
    response = api.post(
        f"/api/requests/{case.pk}/report-outcome/", {"outcome": "filed", "note": "x"}
    )
    assert response.status_code == 404


@override_settings(CASE_RETURN_HANDLING_WORKING_DAYS=5)
def test_a_calendar_change_moves_the_handling_deadline_and_tells_the_bureau(world, case):
    req = returned(case, world)  # Friday 11-20 + 5 working days = Friday 11-27
    assert req.admin_due_date == D(2026, 11, 27)
    with time_machine.travel(at(D(2026, 11, 23)), tick=False):
        # the system's own recompute after a rest day is declared (actor None: no role check)
        calendar_override_set(day=D(2026, 11, 25), is_working_day=False, note="临时放假")
    req.refresh_from_db()
    assert req.admin_due_date == D(2026, 11, 30)
    moved = LedgerEntry.objects.get(details__event="deadline_moved")
    assert moved.details["moved"] == {"admin_due_date": ["2026-11-27", "2026-11-30"]}
    assert moved.details["told"] == ["staff"]  # the bureau's deadline, not the police's


def test_a_refused_handling_keeps_what_the_bureau_typed(client, world, case):
    """Bad input loses nothing: the refused step comes back filled in and open; nothing stored."""
    returned(case, world)
    client.force_login(world.staff)
    too_early = (RETURN_DAY - dt.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("collaboration:request_action", args=[case.pk, "record_handling"]),
        {
            "record_handling-result": "penalty",
            "record_handling-decision_number": "衡蒸税稽罚〔2026〕21号",
            "record_handling-decided_on": too_early,
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "行政处理决定日期不能早于" in html
    assert 'value="衡蒸税稽罚〔2026〕21号"' in html and f'value="{too_early}"' in html
    assert CollaborationRequest.objects.get(pk=case.pk).status == Status.RETURNED
