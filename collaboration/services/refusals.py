"""Refusals and rulings (Art. 7: 不得无故拒绝): the target refuses only in writing, the requester
may contest, the refusing unit may reply, and the working group rules (Art. 3), never in its own
unit's cause."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import User
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.deadlines.calendar import WorkingCalendar

from ..models import CollaborationRequest, RefusalRuling, Status, TimelineEntry
from ..selectors import default_due_rule
from .common import (
    MIN_JUSTIFICATION_CHARS,
    begin,
    chosen_due_date,
    local_today,
    require_text,
    set_deadline,
)


@transaction.atomic
def request_refuse(
    *,
    req: CollaborationRequest,
    actor: User,
    justification: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """Refuse, only with a written justification (Art. 7: 不得无故拒绝)."""
    req, step = begin(req, actor, "refuse")
    justification = require_text(
        justification,
        code=CollaborationErrorCode.JUSTIFICATION_REQUIRED,
        message=_("拒绝协作须书面说明理由（不少于 %(n)d 字）。") % {"n": MIN_JUSTIFICATION_CHARS},
        min_chars=MIN_JUSTIFICATION_CHARS,
    )
    step.move()
    req.refusal_reason = justification
    req.refused_at = timezone.now()
    req.save(update_fields=["status", "refusal_reason", "refused_at", "updated_at"])
    step.record_and_tell(
        comment=justification,
        files=files,
        subject=_("协作请求 %(number)s 被拒绝") % {"number": req.number},
        body=justification,
    )
    return req


@transaction.atomic
def request_contest(
    *,
    req: CollaborationRequest,
    actor: User,
    reason: str,
    files: Sequence[UploadedFile] = (),
) -> CollaborationRequest:
    """The requester contests a refusal; the working group will rule on it."""
    req, step = begin(req, actor, "contest")
    reason = require_text(
        reason,
        code=CollaborationErrorCode.REASON_REQUIRED,
        message=_("请说明异议理由（不少于 %(n)d 字）。") % {"n": MIN_JUSTIFICATION_CHARS},
        min_chars=MIN_JUSTIFICATION_CHARS,
    )
    step.move()
    req.contest_reason = reason
    req.contested_at = timezone.now()
    req.save(update_fields=["status", "contest_reason", "contested_at", "updated_at"])
    step.record_and_tell(
        comment=reason,
        files=files,
        subject=_("协作请求 %(number)s 的拒绝被提出异议，请裁定") % {"number": req.number},
        body=reason,
    )
    return req


@transaction.atomic
def request_reply_contest(
    *,
    req: CollaborationRequest,
    actor: User,
    reply: str,
    files: Sequence[UploadedFile] = (),
) -> TimelineEntry:
    """The refusing unit answers the contest before the working group rules (Art. 7).

    The ruling hears both sides: the reply goes into the timeline (and the ledger) and the
    working group and the requester are told. The state stays 拒绝异议待裁定.
    """
    req, step = begin(req, actor, "reply_contest")
    reply = require_text(
        reply, code=CollaborationErrorCode.REPLY_REQUIRED, message=_("请填写对异议的答复。")
    )
    return step.record_and_tell(
        comment=reply,
        files=files,
        subject=_("协作请求 %(number)s：拒绝单位已答复异议") % {"number": req.number},
        body=reply,
    )


# --- the working group ----------------------------------------------------------------------


@transaction.atomic
def request_rule(
    *,
    req: CollaborationRequest,
    actor: User,
    justified: bool,
    comment: str,
    new_due_date: dt.date | None = None,
) -> CollaborationRequest:
    """The working group rules on a contested refusal (Art. 3, 7).

    Justified: the refusal stands. Unjustified: it counts against the unit in the assessment and
    the request goes back to the unit with a new deadline (the matter's default, or a given date).
    """
    req, step = begin(req, actor, "rule")
    comment = require_text(
        comment, code=CollaborationErrorCode.COMMENT_REQUIRED, message=_("请填写裁定意见。")
    )
    req.refusal_ruling = RefusalRuling.JUSTIFIED if justified else RefusalRuling.UNJUSTIFIED
    req.ruling_comment = comment
    req.ruled_at = timezone.now()
    req.ruled_by = actor
    details: dict = {"ruling": req.refusal_ruling}
    if justified:
        step.move(Status.REFUSED)
    else:
        cal = WorkingCalendar()
        rule = default_due_rule(matter_type=req.matter_type, start=local_today())
        default_due = rule.compute(cal)
        chosen = (
            chosen_due_date(new_due_date, cal)
            if new_due_date and new_due_date > local_today()
            else None
        )
        due = chosen or default_due
        step.move(Status.ACCEPTED)
        set_deadline(req, due, cal, None if chosen else rule)
        details["due_date"] = due.isoformat()
    req.save()
    subject = (
        _("工作组裁定：协作请求 %(number)s 的拒绝有正当理由")
        if justified
        else _("工作组裁定：协作请求 %(number)s 属无故拒绝，请继续办理")
    ) % {"number": req.number}
    step.record_and_tell(
        comment=comment,
        details=details,
        subject=subject,
        body=comment,
    )
    return req
