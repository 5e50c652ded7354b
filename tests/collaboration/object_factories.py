"""Collaboration requests owned by a unit, for the generated cross-unit access tests
(tests/security/test_object_access.py; registry in tests/object_access.py).

A request belongs to its two units (Art. 7): the factories raise one between unit A and the tax
bureau, so a liaison of another unit must get 404 (the selector filters by unit first). Each step
is put in the state where the owner may really take it, so the positive control proves the owner
gets through, not merely past the lookup: incoming requests (tax bureau → A) for the target's
steps, outgoing ones (A → tax bureau) for the requester's, a contested one for the working
group's ruling.

Matter types are the working group's shared list, read by every user (the request form offers
them to every unit): nothing unit-specific, so their routes are exempt.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Unit, UnitKind
from agencies.roles import Role
from collaboration.actions import ACTIONS
from collaboration.models import CollaborationRequest
from collaboration.services import request_letter_issue
from tests.factories import (
    CollaborationRequestFactory,
    UserFactory,
    WorkingGroupMemberFactory,
    make_liaison,
    matter_type,
    the_tax_bureau,
)
from tests.object_access import ListCase, ObjectCase, exempt, list_factory, object_factory

exempt(
    "matter-type-detail",
    "matter types are the working group's shared catalogue of request kinds (code, name, default "
    "deadline, legal basis), readable by every user; they belong to no unit",
)
exempt(
    "matter-type-list",
    "the shared list of active matter types; it has no unit-owned rows to leak",
)


def _staff(bureau: Unit):
    return UserFactory(unit=bureau, roles=[Role.TAX_STAFF])


def _file(name: str = "材料.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "协作材料".encode(), content_type="text/plain")


def _run(req: CollaborationRequest, name: str, actor, **data) -> CollaborationRequest:
    """Take one step through the same table the pages and the API use."""
    files = data.pop("files", [])
    ACTIONS[name].run(req, actor, data, files)
    return CollaborationRequest.objects.get(pk=req.pk)


def _bureau_staff(req: CollaborationRequest):
    return _staff(req.target_unit)


# --- the target's side (A is asked) ----------------------------------------------------------


@object_factory(
    "collaboration:request_detail",
    "collaboration-request-detail",
    "collaboration-request-timeline",
    "collaboration-request-attachments",
)
def request(unit):
    req = CollaborationRequestFactory(target_unit=unit, files=[_file("协查函.txt")])
    return ObjectCase(kwargs={"pk": req.pk}, owner=make_liaison(unit))


@object_factory("collaboration:request_action")
def request_action_page(unit):
    req = CollaborationRequestFactory(target_unit=unit)
    return ObjectCase(
        kwargs={"pk": req.pk, "action": "accept"},
        owner=make_liaison(unit),
        method="post",
        data={"accept-comment": "已受理，5 个工作日内答复。"},
    )


@object_factory("collaboration-request-accept")
def accept(unit):
    req = CollaborationRequestFactory(target_unit=unit)
    return ObjectCase({"pk": req.pk}, make_liaison(unit), "post", {"comment": "已受理。"})


def _accepted(unit):
    owner = make_liaison(unit)
    req = _run(CollaborationRequestFactory(target_unit=unit), "accept", owner, comment="")
    return req, owner


@object_factory("collaboration-request-start")
def start(unit):
    req, owner = _accepted(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"comment": "开始办理。"})


@object_factory("collaboration-request-answer")
def answer(unit):
    req, owner = _accepted(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"answer": "经查，该公司 2026 年无变更。"})


@object_factory("collaboration-request-ask-clarification")
def ask_clarification(unit):
    req, owner = _accepted(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"question": "请提供统一社会信用代码。"})


@object_factory("collaboration-request-refuse")
def refuse(unit):
    req, owner = _accepted(unit)
    data = {"justification": "该信息依法不属于本单位职责范围。"}
    return ObjectCase({"pk": req.pk}, owner, "post", data)


@object_factory("collaboration-request-ask-extension")
def ask_extension(unit):
    req, owner = _accepted(unit)
    new_due = (req.due_date + dt.timedelta(days=14)).isoformat()
    data = {"reason": "涉及历史档案调取。", "new_due_date": new_due}
    return ObjectCase({"pk": req.pk}, owner, "post", data)


@object_factory("collaboration-request-assign")
def assign(unit):
    req = CollaborationRequestFactory(target_unit=unit)
    owner = make_liaison(unit)
    data = {"assignee": owner.get_username(), "comment": "由本人承办。"}
    return ObjectCase({"pk": req.pk}, owner, "post", data)


@object_factory("collaboration-request-attach")
def attach(unit):
    req = CollaborationRequestFactory(target_unit=unit)
    # The client reads the file once: the intruder's request (404) is sent first.
    return ObjectCase({"pk": req.pk}, make_liaison(unit), "post", {"files": _file()})


def _transfer(unit):
    """A case transfer (案件移送) to unit A as a judicial organ (Art. 6(三))."""
    Unit.objects.filter(pk=unit.pk).update(kind=UnitKind.POLICE)
    unit.refresh_from_db()
    return CollaborationRequestFactory(
        target_unit=unit, matter_type=matter_type("case-transfer")
    ), make_liaison(unit)


@object_factory("collaboration-request-acknowledge")
def acknowledge(unit):
    req, owner = _transfer(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"comment": "已接收。"})


@object_factory("collaboration-request-report-outcome")
def report_outcome(unit):
    req, owner = _transfer(unit)
    req = _run(req, "acknowledge", owner, comment="")
    return ObjectCase({"pk": req.pk}, owner, "post", {"outcome": "filed", "note": "已立案侦查。"})


@object_factory("collaboration-request-return-case")
def return_case(unit):
    req, owner = _transfer(unit)
    req = _run(req, "acknowledge", owner, comment="")
    data = {"outcome": "not_filed", "reason": "当事人已补缴税款，不予立案，建议行政处罚。"}
    return ObjectCase({"pk": req.pk}, owner, "post", data)


@object_factory("collaboration-request-transfer-reports")
def transfer_reports(unit):
    req, owner = _transfer(unit)
    req = _run(req, "acknowledge", owner, comment="")
    req = _run(req, "report_outcome", owner, outcome="filed", note="已立案侦查。")
    return ObjectCase(kwargs={"pk": req.pk}, owner=owner)


@object_factory("collaboration:attachment_download", "collaboration-api-attachment-download")
def attachment(unit):
    req = CollaborationRequestFactory(target_unit=unit, files=[_file("协查函.txt")])
    return ObjectCase(kwargs={"pk": req.attachments.get().pk}, owner=make_liaison(unit))


# --- the requester's side (A asks the tax bureau) ---------------------------------------------


def _outgoing(unit):
    owner = make_liaison(unit)
    return (
        CollaborationRequestFactory(
            requesting_unit=unit, actor=owner, target_unit=the_tax_bureau()
        ),
        owner,
    )


@object_factory("collaboration-request-withdraw")
def withdraw(unit):
    req, owner = _outgoing(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"comment": "已自行查明，撤回。"})


@object_factory("collaboration-request-answer-clarification")
def answer_clarification(unit):
    req, owner = _outgoing(unit)
    staff = _bureau_staff(req)
    req = _run(req, "accept", staff, comment="")
    req = _run(req, "ask_clarification", staff, question="请提供纳税人识别号。")
    data = {"clarification": "纳税人识别号见附件。"}
    return ObjectCase({"pk": req.pk}, owner, "post", data)


def _answered(unit):
    req, owner = _outgoing(unit)
    staff = _bureau_staff(req)
    req = _run(req, "accept", staff, comment="")
    req = _run(req, "answer", staff, answer="经核实，该公司已按期申报。")
    return req, owner


@object_factory("collaboration-request-close")
def close(unit):
    req, owner = _answered(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"comment": "答复已收悉。"})


@object_factory("collaboration-request-reopen")
def reopen(unit):
    req, owner = _answered(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"reason": "答复未涉及 2025 年度。"})


@object_factory("collaboration-request-contest")
def contest(unit):
    req, owner = _outgoing(unit)
    staff = _bureau_staff(req)
    req = _run(req, "refuse", staff, justification="涉及纳税人秘密，不予提供。")
    return ObjectCase({"pk": req.pk}, owner, "post", {"reason": "本单位依法有权获取。"})


@object_factory("collaboration-request-reply-contest")
def reply_contest(unit):
    req, owner = _accepted(unit)
    req = _run(req, "refuse", owner, justification="该信息依法不属于本单位职责范围。")
    req = _run(req, "contest", _staff(req.requesting_unit), reason="属于贵单位法定职责范围。")
    return ObjectCase({"pk": req.pk}, owner, "post", {"reply": "登记档案由省局集中管理。"})


def _extension_pending(unit):
    req, owner = _outgoing(unit)
    staff = _bureau_staff(req)
    req = _run(req, "accept", staff, comment="")
    new_due = req.due_date + dt.timedelta(days=14)
    req = _run(req, "ask_extension", staff, reason="需调取档案。", new_due_date=new_due)
    return req, owner


@object_factory("collaboration-request-approve-extension")
def approve_extension(unit):
    req, owner = _extension_pending(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"comment": "同意。"})


@object_factory("collaboration-request-decline-extension")
def decline_extension(unit):
    req, owner = _extension_pending(unit)
    return ObjectCase({"pk": req.pk}, owner, "post", {"comment": "时限紧迫，不同意。"})


@object_factory("collaboration-request-record-handling")
def record_handling(unit):
    """A case transferred to A (police) came back; the tax bureau's staff record the handling."""
    req, officer = _transfer(unit)
    req = _run(req, "acknowledge", officer, comment="")
    reason = "不予立案，建议依法给予行政处罚。"
    req = _run(req, "return_case", officer, outcome="not_filed", reason=reason)
    data = {"result": "no_penalty", "note": "违法行为轻微并及时纠正，依法不予行政处罚。"}
    return ObjectCase({"pk": req.pk}, _bureau_staff_of(req), "post", data)


def _bureau_staff_of(req: CollaborationRequest):
    return _staff(req.requesting_unit)


# --- the working group's ruling ---------------------------------------------------------------


@object_factory("collaboration-request-rule")
def rule(unit):
    req, liaison = _outgoing(unit)
    staff = _bureau_staff(req)
    req = _run(req, "refuse", staff, justification="涉及纳税人秘密，不予提供。")
    req = _run(req, "contest", liaison, reason="本单位依法有权获取。")
    leader = WorkingGroupMemberFactory(leader=True).user  # not a party: may rule
    data = {"ruling": "unjustified", "comment": "拒绝理由不成立，请按期提供。"}
    return ObjectCase({"pk": req.pk}, leader, "post", data)


# --- lists ------------------------------------------------------------------------------------


@list_factory("collaboration-request-list")
def requests(unit):
    liaison = make_liaison(unit)
    ids = {
        CollaborationRequestFactory(target_unit=unit).pk,
        CollaborationRequestFactory(
            requesting_unit=unit, actor=liaison, target_unit=the_tax_bureau()
        ).pk,
    }
    return ListCase(id_field="id", ids=ids)


# --- numbered letters (协作函 / 案件移送函, issue 18) --------------------------------------------


@object_factory("collaboration:letter", "collaboration:letter_docx")
def request_letter(unit):
    req = CollaborationRequestFactory(target_unit=unit)
    request_letter_issue(actor=_staff(req.requesting_unit), req=req)
    return ObjectCase(kwargs={"pk": req.pk}, owner=make_liaison(unit))


@object_factory("collaboration:letter_issue")
def request_letter_issue_case(unit):
    liaison = make_liaison(unit)
    return ObjectCase(
        {
            "pk": CollaborationRequestFactory(
                requesting_unit=unit, actor=liaison, target_unit=the_tax_bureau()
            ).pk
        },
        liaison,
        "post",
    )
