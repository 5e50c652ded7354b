"""The steps a user takes on a request, by name: form, label and the service each one calls.

One entry per step of the state machine (`transitions.TRANSITIONS`, which says who may take it
when). Pages (views.py) and the API (api/views.py) dispatch through this one table, so both call
the same service with the same arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agencies.models import User
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError

from . import forms as f
from . import services as s
from .models import CollaborationRequest, Extension
from .transitions import TRANSITIONS


@dataclass(frozen=True)
class StepAction:
    """One step: `hint` is the short explanation shown beside its button (what it does, after)."""

    name: str
    label: Promise
    form: type[forms.Form]
    run: Callable[[CollaborationRequest, User, dict[str, Any], Sequence[UploadedFile]], object]
    hint: Promise
    danger: bool = False


def _pending(req: CollaborationRequest) -> Extension:
    ext = req.extensions.filter(status=Extension.Status.PENDING).first()
    if ext is None:
        raise ApplicationError(
            code=CollaborationErrorCode.NO_PENDING_EXTENSION, message=_("没有待审批的延期申请。")
        )
    return ext


ACTIONS: dict[str, StepAction] = {
    a.name: a
    for a in [
        StepAction(
            "accept",
            _("受理"),
            f.CommentForm,
            lambda req, user, d, files: s.request_accept(req=req, actor=user, comment=d["comment"]),
            hint=_("确认由本单位办理；期限照常计算，之后可直接答复或先标记开始办理。"),
        ),
        StepAction(
            "acknowledge",
            _("确认接收"),
            f.CommentForm,
            lambda req, user, d, files: s.transfer_acknowledge(
                req=req, actor=user, comment=d["comment"]
            ),
            hint=_("确认已接收移送的案件（第六条第三项），之后反馈处理结果。"),
        ),
        StepAction(
            "start",
            _("开始办理"),
            f.CommentForm,
            lambda req, user, d, files: s.request_start(req=req, actor=user, comment=d["comment"]),
            hint=_("标记已着手办理、尚需时间，请求单位可看到进展；不结束办理，办完后再“答复”。"),
        ),
        StepAction(
            "answer",
            _("答复"),
            f.AnswerForm,
            lambda req, user, d, files: s.request_answer(
                req=req, actor=user, answer=d["answer"], files=files
            ),
            hint=_("提交办理结果，请求进入“已答复”；请求单位据此办结或退回重办。"),
        ),
        StepAction(
            "report_outcome",
            _("反馈案件进展"),
            f.OutcomeForm,
            lambda req, user, d, files: s.transfer_report_outcome(
                req=req,
                actor=user,
                outcome=d["outcome"],
                note=d["note"],
                occurred_on=d.get("occurred_on"),
                files=files,
            ),
            hint=_(
                "每有进展（受理、立案、移送审查起诉、起诉、判决等）即反馈一次；"
                "首次反馈即为答复，税务部门可看到全部进展。"
            ),
        ),
        StepAction(
            "return_case",
            _("退回行政处理"),
            f.ReturnForm,
            lambda req, user, d, files: s.transfer_return(
                req=req,
                actor=user,
                outcome=d["outcome"],
                reason=d["reason"],
                occurred_on=d.get("occurred_on"),
                files=files,
            ),
            hint=_(
                "不立案、不起诉、判决无罪或免予刑事处罚的案件，需给予行政处罚的，"
                "连同决定及理由移送税务部门（第六条第三项）。"
            ),
        ),
        StepAction(
            "record_handling",
            _("登记行政处理结果"),
            f.HandlingForm,
            lambda req, user, d, files: s.transfer_record_handling(
                req=req,
                actor=user,
                result=d["result"],
                note=d["note"],
                decision_number=d["decision_number"],
                decided_on=d.get("decided_on"),
                files=files,
            ),
            hint=_("登记行政处罚决定（文号、日期）或不予处罚的理由，案件办结。"),
        ),
        StepAction(
            "ask_clarification",
            _("要求补充说明"),
            f.QuestionForm,
            lambda req, user, d, files: s.request_ask_clarification(
                req=req, actor=user, question=d["question"], files=files
            ),
            hint=_("请请求单位补充说明；期间办理时限暂停计算。"),
        ),
        StepAction(
            "answer_clarification",
            _("补充说明"),
            f.ClarificationForm,
            lambda req, user, d, files: s.request_answer_clarification(
                req=req, actor=user, clarification=d["clarification"], files=files
            ),
            hint=_("补充说明后恢复计时，剩余工作日接续计算。"),
        ),
        StepAction(
            "refuse",
            _("拒绝"),
            f.RefuseForm,
            lambda req, user, d, files: s.request_refuse(
                req=req, actor=user, justification=d["justification"], files=files
            ),
            danger=True,
            hint=_(
                "书面说明理由后拒绝（第七条：不得无故拒绝）；请求单位可提出异议，由工作组裁定。"
            ),
        ),
        StepAction(
            "contest",
            _("提出异议"),
            f.ContestForm,
            lambda req, user, d, files: s.request_contest(
                req=req, actor=user, reason=d["reason"], files=files
            ),
            hint=_("认为拒绝理由不成立时提出，由专项工作组裁定。"),
        ),
        StepAction(
            "reply_contest",
            _("答复异议"),
            f.ContestReplyForm,
            lambda req, user, d, files: s.request_reply_contest(
                req=req, actor=user, reply=d["reply"], files=files
            ),
            hint=_("工作组裁定前说明拒绝的依据；请求状态不变，答复记入办理记录。"),
        ),
        StepAction(
            "rule",
            _("裁定"),
            f.RuleForm,
            lambda req, user, d, files: s.request_rule(
                req=req,
                actor=user,
                justified=d["ruling"] == "justified",
                comment=d["comment"],
                new_due_date=d.get("new_due_date"),
            ),
            hint=_("裁定拒绝是否有正当理由；无故拒绝的，请求退回承办单位继续办理并重新计算期限。"),
        ),
        StepAction(
            "ask_extension",
            _("申请延期"),
            f.ExtensionForm,
            lambda req, user, d, files: s.request_ask_extension(
                req=req, actor=user, reason=d["reason"], new_due_date=d["new_due_date"]
            ),
            hint=_("申请延长办理期限，由请求单位同意或不同意。"),
        ),
        StepAction(
            "approve_extension",
            _("同意延期"),
            f.CommentForm,
            lambda req, user, d, files: s.extension_decide(
                ext=_pending(req), actor=user, approve=True, comment=d["comment"]
            ),
            hint=_("同意后办理期限改为申请的日期。"),
        ),
        StepAction(
            "decline_extension",
            _("不同意延期"),
            f.CommentForm,
            lambda req, user, d, files: s.extension_decide(
                ext=_pending(req), actor=user, approve=False, comment=d["comment"]
            ),
            danger=True,
            hint=_("不同意时原办理期限不变。"),
        ),
        StepAction(
            "close",
            _("办结"),
            f.CommentForm,
            lambda req, user, d, files: s.request_close(req=req, actor=user, comment=d["comment"]),
            hint=_("认可答复，结束该协作请求。"),
        ),
        StepAction(
            "reopen",
            _("退回重办"),
            f.ReopenForm,
            lambda req, user, d, files: s.request_reopen(
                req=req, actor=user, reason=d["reason"], files=files
            ),
            hint=_("对答复不满意时退回，承办单位按事项默认时限重新办理。"),
        ),
        StepAction(
            "withdraw",
            _("撤回"),
            f.CommentForm,
            lambda req, user, d, files: s.request_withdraw(
                req=req, actor=user, reason=d["comment"]
            ),
            danger=True,
            hint=_("不再需要协作时撤回，请求结束。"),
        ),
        StepAction(
            "assign",
            _("指定承办人"),
            f.AssignForm,
            lambda req, user, d, files: s.request_assign(
                req=req, actor=user, assignee=d["assignee"], comment=d["comment"]
            ),
            hint=_("指定具体承办人，承办人将收到通知。"),
        ),
        StepAction(
            "attach",
            _("补充材料"),
            f.AttachForm,
            lambda req, user, d, files: s.request_add_attachments(
                req=req, actor=user, files=files, comment=d["comment"]
            ),
            hint=_("补充材料，不改变请求状态。"),
        ),
    ]
}


if set(ACTIONS) != set(TRANSITIONS):  # a step without its form and service, or the reverse
    raise ImproperlyConfigured(
        f"collaboration actions {sorted(set(ACTIONS) ^ set(TRANSITIONS))} differ from the steps"
    )


def make_form(
    name: str,
    req: CollaborationRequest,
    data: QueryDict | None = None,
    files: MultiValueDict[str, UploadedFile] | None = None,
) -> forms.Form:
    action = ACTIONS[name]
    kwargs: dict[str, Any] = {"prefix": name}
    if action.form is f.AssignForm:
        kwargs["req"] = req
    return action.form(data, files, **kwargs)
