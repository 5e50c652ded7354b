"""The steps a user takes on a request, by name: form, label and the service each one calls.

Pages (views.py) and the API (api/views.py) dispatch through this one table, so both call the
same service with the same arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import forms as f
from . import services as s
from .models import CollaborationRequest


@dataclass(frozen=True)
class StepAction:
    name: str
    label: Any
    form: type[forms.Form]
    run: Callable[..., Any]
    danger: bool = False


def _pending(req: CollaborationRequest):
    ext = req.extensions.filter(status="pending").first()
    if ext is None:
        from zhengxiang_portal.core.errors import ApplicationError

        raise ApplicationError(code="no_pending_extension", message=_("没有待审批的延期申请。"))
    return ext


ACTIONS: dict[str, StepAction] = {
    a.name: a
    for a in [
        StepAction(
            "accept",
            _("受理"),
            f.CommentForm,
            lambda req, user, d, files: s.request_accept(req=req, actor=user, comment=d["comment"]),
        ),
        StepAction(
            "acknowledge",
            _("确认接收"),
            f.CommentForm,
            lambda req, user, d, files: s.transfer_acknowledge(
                req=req, actor=user, comment=d["comment"]
            ),
        ),
        StepAction(
            "start",
            _("开始办理"),
            f.CommentForm,
            lambda req, user, d, files: s.request_start(req=req, actor=user, comment=d["comment"]),
        ),
        StepAction(
            "answer",
            _("答复"),
            f.AnswerForm,
            lambda req, user, d, files: s.request_answer(
                req=req, actor=user, answer=d["answer"], files=files
            ),
        ),
        StepAction(
            "report_outcome",
            _("反馈处理结果"),
            f.OutcomeForm,
            lambda req, user, d, files: s.transfer_report_outcome(
                req=req, actor=user, outcome=d["outcome"], note=d["note"], files=files
            ),
        ),
        StepAction(
            "ask_clarification",
            _("要求补充说明"),
            f.QuestionForm,
            lambda req, user, d, files: s.request_ask_clarification(
                req=req, actor=user, question=d["question"], files=files
            ),
        ),
        StepAction(
            "answer_clarification",
            _("补充说明"),
            f.ClarificationForm,
            lambda req, user, d, files: s.request_answer_clarification(
                req=req, actor=user, clarification=d["clarification"], files=files
            ),
        ),
        StepAction(
            "refuse",
            _("拒绝"),
            f.RefuseForm,
            lambda req, user, d, files: s.request_refuse(
                req=req, actor=user, justification=d["justification"], files=files
            ),
            danger=True,
        ),
        StepAction(
            "contest",
            _("提出异议"),
            f.ContestForm,
            lambda req, user, d, files: s.request_contest(
                req=req, actor=user, reason=d["reason"], files=files
            ),
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
        ),
        StepAction(
            "ask_extension",
            _("申请延期"),
            f.ExtensionForm,
            lambda req, user, d, files: s.request_ask_extension(
                req=req, actor=user, reason=d["reason"], new_due_date=d["new_due_date"]
            ),
        ),
        StepAction(
            "approve_extension",
            _("同意延期"),
            f.CommentForm,
            lambda req, user, d, files: s.extension_decide(
                ext=_pending(req), actor=user, approve=True, comment=d["comment"]
            ),
        ),
        StepAction(
            "decline_extension",
            _("不同意延期"),
            f.CommentForm,
            lambda req, user, d, files: s.extension_decide(
                ext=_pending(req), actor=user, approve=False, comment=d["comment"]
            ),
            danger=True,
        ),
        StepAction(
            "close",
            _("办结"),
            f.CommentForm,
            lambda req, user, d, files: s.request_close(req=req, actor=user, comment=d["comment"]),
        ),
        StepAction(
            "reopen",
            _("退回重办"),
            f.ReopenForm,
            lambda req, user, d, files: s.request_reopen(
                req=req, actor=user, reason=d["reason"], files=files
            ),
        ),
        StepAction(
            "withdraw",
            _("撤回"),
            f.CommentForm,
            lambda req, user, d, files: s.request_withdraw(
                req=req, actor=user, reason=d["comment"]
            ),
            danger=True,
        ),
        StepAction(
            "assign",
            _("指定承办人"),
            f.AssignForm,
            lambda req, user, d, files: s.request_assign(
                req=req, actor=user, assignee=d["assignee"], comment=d["comment"]
            ),
        ),
        StepAction(
            "attach",
            _("补充材料"),
            f.AttachForm,
            lambda req, user, d, files: s.request_add_attachments(
                req=req, actor=user, files=files, comment=d["comment"]
            ),
        ),
    ]
}


def make_form(name: str, req: CollaborationRequest, data=None, files=None) -> forms.Form:
    action = ACTIONS[name]
    kwargs: dict = {"prefix": name}
    if action.form is f.AssignForm:
        kwargs["req"] = req
    return action.form(data, files, **kwargs)
