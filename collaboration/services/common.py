"""What every collaboration service shares: the row lock and the step check, the timeline and
ledger entry of a step, telling the sides the step's table row names, deadlines and numbers.

Each service (requests.py, extensions.py, refusals.py, transfer.py) takes one step of
`collaboration.transitions.TRANSITIONS`: `begin` locks the request and checks the step (side,
kind, state, condition) and returns the step taken (`StepRun`), the service writes (`move`
puts the request in the step's to-state), then `record_and_tell` records the step that
happened — `record` appends the timeline entry (with its files, under the step's timeline action)
and the ledger entry in the same transaction — and `tell` notifies whom the step names, writing
on the entry who was told (or that nobody could be, which `notice_send` also logs as an error).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Unit, User
from agencies.selectors import (
    NoticeRecipients,
    notice_recipients,
    user_recipients,
    working_group_recipients,
)
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError
from zhengxiang_portal.core.uploads import attachments_store
from zhengxiang_portal.deadlines.calendar import WorkingCalendar
from zhengxiang_portal.deadlines.rules import Rule, deadline_rule_forget, deadline_rules_record
from zhengxiang_portal.ledger.actions import LedgerAction, LedgerCategory
from zhengxiang_portal.ledger.services import ledger_append
from zhengxiang_portal.notifications.services import notice_send

from ..models import (
    Attachment,
    CollaborationRequest,
    RequestNumberSequence,
    TimelineEntry,
)
from ..permissions import step_check
from ..transitions import TRANSITIONS, Side, entry_action, step_move

Action = TimelineEntry.Action
MIN_JUSTIFICATION_CHARS = 10  # a refusal or contest needs a real written reason, not "no"


# --- helpers --------------------------------------------------------------------------------


def local_today() -> dt.date:
    return timezone.localdate()


def require_text(
    value: str, *, code: CollaborationErrorCode, message: str, min_chars: int = 1
) -> str:
    text = (value or "").strip()
    if len(text) < min_chars:
        raise ApplicationError(code=code, message=message)
    return text


def lock(req: CollaborationRequest) -> CollaborationRequest:
    """Re-read the request under a row lock so two concurrent steps cannot both pass a check."""
    locked = (
        CollaborationRequest.objects.select_for_update(of=("self",))
        .select_related("matter_type", "requesting_unit", "target_unit", "assignee")
        .get(pk=req.pk)
    )
    return locked


def detail_url(req: CollaborationRequest) -> str:
    return reverse("collaboration:request_detail", args=[req.pk])


def _store_attachments(
    *,
    req: CollaborationRequest,
    entry: TimelineEntry | None,
    files: Sequence[UploadedFile],
    actor: User | None,
) -> list[Attachment]:
    def build(**fields: Any) -> Attachment:
        return Attachment(request=req, timeline_entry=entry, **fields)

    return attachments_store(files=files, build=build, actor=actor)


def _acting_unit(actor: User | None, req: CollaborationRequest, side: str) -> Unit | None:
    if side == Side.REQUESTER:
        return req.requesting_unit
    if side == Side.TARGET:
        return req.target_unit
    return actor.unit if actor is not None else None


def record(
    *,
    req: CollaborationRequest,
    actor: User | None,
    action: str,
    side: str,
    from_status: str,
    comment: str = "",
    details: dict | None = None,
    files: Sequence[UploadedFile] = (),
) -> TimelineEntry:
    """Write the timeline entry, its attachments and the ledger entry for one step.

    `actor` None is the system (a deadline scan): no person on the entry, "system" in the ledger.
    """
    unit = _acting_unit(actor, req, side)
    entry = TimelineEntry.objects.create(
        request=req,
        action=action,
        actor=actor,
        actor_unit=unit,
        comment=comment,
        from_status=from_status,
        to_status=req.status,
        details=details or {},
        created_at=timezone.now(),
    )
    attachments = _store_attachments(req=req, entry=entry, files=files, actor=actor)
    ledger_append(
        action=LedgerAction.REQUEST,
        category=LedgerCategory.WORKFLOW,
        actor=actor if actor is not None else "system",
        unit=unit,
        target=req,
        digest=attachments[0].sha256 if len(attachments) == 1 else "",
        details={
            "event": action,
            "number": req.number,
            "from": from_status,
            "to": req.status,
            "attachments": [a.sha256 for a in attachments],
            **(details or {}),
        },
    )
    return entry


def notify_side(
    *,
    req: CollaborationRequest,
    side: str,
    entry: TimelineEntry,
    subject: str,
    body: str = "",
    to: NoticeRecipients | None = None,
    event: str = "",
) -> NoticeRecipients:
    """Tell the other side of a step, once per timeline entry, after commit; record who.

    Who is the one rule (agencies.selectors.notice_recipients): the target unit's assignee, else its
    liaisons, else the tax bureau's tax staff, else the working group; on the requesting side the
    person who asked, else the same rule for the requesting unit. `to` is a choice by the same
    rule made by the caller; `event` names the event in the notice's key when one kind of step
    happens several times with different meanings (a case's stages).
    """
    if to is not None:
        pass  # the caller chose by the same rule (e.g. the requesting unit's people)
    elif side == Side.TARGET:
        to = notice_recipients(unit=req.target_unit, assignee=req.assignee)
    elif side == Side.REQUESTER:
        to = user_recipients(user=req.requested_by, unit=req.requesting_unit)
    else:
        to = working_group_recipients()
    notice_send(
        to=to,
        key=f"request:{req.pk}:{event or entry.action}:{entry.pk}",
        kind="collaboration",
        subject=subject,
        body=body,
        url=detail_url(req),
    )
    told = entry.details.get("told", [])
    entry.details = {
        **entry.details,
        **to.details(),
        "told": [*told, *(n for n in to.details()["told"] if n not in told)],
        "who": "；".join(filter(None, [entry.details.get("who", ""), to.who])),
    }
    entry.save(update_fields=["details"])
    return to


def chosen_due_date(day: dt.date, cal: WorkingCalendar) -> dt.date:
    """A deadline a person chose, on a working day: a rest day gives the next working day.

    民法典第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日.
    An extension "to 2027-01-01" (元旦) runs to Monday 2027-01-04, as the engine's own
    deadlines always do; the date stored and shown is the one in force.
    """
    return cal.add_working_days(day, 0)


def set_deadline(
    req: CollaborationRequest, due: dt.date, cal: WorkingCalendar, rule: Rule | None
) -> None:
    """Move the deadline: a new reminder level, and reminder state cleared for it.

    `rule` is how the engine computed `due` (a calendar change computes it again); None for a
    date a person chose (an approved extension, a ruling's date), which stays as chosen.
    """
    if rule is None:
        deadline_rule_forget(req, "due_date")
    else:
        deadline_rules_record([(req, rule)])
    req.due_date = due
    req.working_days_allowed = max(cal.working_days_between(req.submitted_on, due), 0)
    req.deadline_version = (req.deadline_version or 0) + 1
    req.reminded_at = None
    req.overdue_notified_at = None
    req.escalated_at = None


def allocate_number(*, year: int) -> str:
    """Hand out the next number of `year` (XZ-2026-000123), safely under concurrency.

    The sequence row is created if missing (a concurrent creator's insert is ignored) and then
    incremented with an UPDATE, whose row lock serialises allocators until commit.
    """
    RequestNumberSequence.objects.bulk_create(
        [RequestNumberSequence(year=year, last=0)], ignore_conflicts=True
    )
    RequestNumberSequence.objects.filter(year=year).update(last=F("last") + 1)
    last = RequestNumberSequence.objects.values_list("last", flat=True).get(year=year)
    return f"XZ-{year}-{last:06d}"


# --- create and assign ----------------------------------------------------------------------


def begin(
    req: CollaborationRequest, actor: User, name: str
) -> tuple[CollaborationRequest, StepRun]:
    """Lock the request and check step `name` of the table for `actor`; return it and the step
    taken (`StepRun`: the side the actor takes it as, and the state it starts from)."""
    locked = lock(req)
    side = step_check(actor, locked, name)
    return locked, StepRun(req=locked, actor=actor, name=name, side=side, before=locked.status)


def tell(
    *,
    req: CollaborationRequest,
    name: str,
    entry: TimelineEntry,
    subject: str,
    body: str = "",
    to: Mapping[Side, NoticeRecipients] | None = None,
    event: str = "",
) -> None:
    """Tell each side step `name` names (`TRANSITIONS[name].tell`), in its order.

    `to` gives a side's recipients where the step chooses them by the same rule otherwise
    (a case's reports go to the tax bureau's people, not only to the person who asked).
    """
    for side in TRANSITIONS[name].tell:
        notify_side(
            req=req,
            side=side,
            entry=entry,
            subject=subject,
            body=body,
            to=(to or {}).get(side),
            event=event,
        )


@dataclass(frozen=True)
class StepRun:
    """Step `name` of `TRANSITIONS` being taken on the locked `req` by `actor`, as `side`, from
    state `before` (`begin` returns it once the step's check has passed)."""

    req: CollaborationRequest
    actor: User
    name: str
    side: Side
    before: str

    def move(self, status: str | None = None) -> None:
        """Put the request in the step's to-state (`status`: which one, where it has several)."""
        step_move(self.req, self.name, status)

    def record_and_tell(
        self,
        *,
        comment: str = "",
        details: dict[str, Any] | None = None,
        files: Sequence[UploadedFile] = (),
        subject: str = "",
        body: str = "",
        to: Mapping[Side, NoticeRecipients] | None = None,
        event: str = "",
    ) -> TimelineEntry:
        """The step is done (the request holds its new state, saved in this transaction): record
        it and tell of it.

        The timeline entry (with `files`) and the ledger entry say what happened, from `before` to
        the request's state now, under the step's timeline action (`transitions.entry_action`);
        then each side the step's row names is told (`tell`), and the entry says who was — or
        that nobody could be. A step whose row names someone to tell needs a `subject`; a step
        that tells nobody takes none.
        """
        if bool(TRANSITIONS[self.name].tell) != bool(subject):
            raise ValueError(f"step {self.name!r}: a subject goes with a step that tells someone")
        entry = record(
            req=self.req,
            actor=self.actor,
            action=entry_action(self.name),
            side=self.side,
            from_status=self.before,
            comment=comment,
            details=details,
            files=files,
        )
        if subject:
            tell(
                req=self.req,
                name=self.name,
                entry=entry,
                subject=subject,
                body=body,
                to=to,
                event=event,
            )
        return entry


def stamp_answer(req: CollaborationRequest, actor: User, text: str) -> list[str]:
    """Stamp `req`'s answer given today by `actor` (on time or late); return the fields changed.

    The caller has moved the state (`step_move`): the answer's step says to which.
    """
    cal = WorkingCalendar()
    now = timezone.now()
    today = timezone.localdate(now)
    req.answer = text
    req.answered_at = now
    req.answered_on = today
    req.answered_by = actor
    req.answered_late = today > req.due_date
    req.working_days_to_answer = max(
        cal.working_days_between(req.submitted_on, today) - req.paused_working_days, 0
    )
    return [
        "status",
        "answer",
        "answered_at",
        "answered_on",
        "answered_by",
        "answered_late",
        "working_days_to_answer",
        "updated_at",
    ]


def scan_ledger_append(details: dict[str, Any]) -> None:
    """The 台账 line of one batch of a deadline scan (Art. 7, 20): what it found and whom it
    could not tell (each request's timeline names everyone who was)."""
    ledger_append(
        action=LedgerAction.REQUEST,
        category=LedgerCategory.WORKFLOW,
        actor="system",
        target_label=_("协作请求期限扫描"),
        details=details,
    )
