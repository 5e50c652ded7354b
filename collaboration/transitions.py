"""The collaboration request's state machine, declared once (Art. 6, 7; STYLE: a state machine is a
table).

Each step names the side that takes it, the states it starts from, the states it may lead to, who
is told, and the kind of request it applies to. From it: the services check a step with
`permissions.step_check` (side, kind, state, condition) and move the state with `step_move`;
`permissions.allowed_actions` lists the steps `permissions.step_allows` lets a user take now (the
page shows exactly those forms, the API's detail says the same); once a step is done the services
record it under its timeline action (`entry_action`) and tell whom it names, in one call
(`services.common.StepRun.record_and_tell`); the API has one POST action per step
(`actions.ACTIONS` holds each step's form and service, one per step here). So the checks, the
buttons and the API actions cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from collaboration.errors import CollaborationErrorCode

from .models import OPEN_STATUSES, RUNNING_STATUSES, CollaborationRequest, Status, TimelineEntry

ALL_STATUSES = frozenset(Status.values)
# The judicial organ holds a transferred case: before its first report, after it, after 退回重办.
REPORTABLE = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED, Status.ANSWERED})


class Side(StrEnum):
    """Who takes a step, or is told of it."""

    TARGET = "target"  # the unit asked (承办单位)
    REQUESTER = "requester"  # the unit that asked (请求单位)
    WORKING_GROUP = "wg"  # the working group (Art. 3), never in its own unit's cause
    ASSIGNER = "assigner"  # the target, or the tax bureau for a request it raised
    EITHER = "either"  # either of the two units


class Kind(StrEnum):
    """Which requests a step applies to."""

    ANY = "any"
    ORDINARY = "ordinary"  # not a case transfer
    TRANSFER = "transfer"  # a case transfer (案件移送, Art. 6(三))


@dataclass(frozen=True)
class Condition:
    """A further condition of a step beyond its state, with the error when it fails."""

    holds: Callable[[CollaborationRequest], bool]
    code: CollaborationErrorCode
    message: Promise


@dataclass(frozen=True)
class Step:
    """One transition: `targets` are the states it may lead to (empty: the state stays).

    `entry` is the action of the timeline entry the step writes when it is not the step's own
    name (`entry_action`).
    """

    side: Side
    sources: frozenset[str]
    targets: tuple[str, ...] = ()
    tell: tuple[Side, ...] = ()
    kind: Kind = Kind.ANY
    condition: Condition | None = None
    entry: str = ""


def kind_fits(step: Step, req: CollaborationRequest) -> bool:
    """Whether `step` applies to this kind of request (ordinary or case transfer)."""
    if step.kind == Kind.ANY:
        return True
    return req.is_case_transfer == (step.kind == Kind.TRANSFER)


def _no_pending_extension(req: CollaborationRequest) -> bool:
    return req.pending_extension is None


def _not_ruled(req: CollaborationRequest) -> bool:
    return not req.refusal_ruling


# The service decides a given extension: when none is pending, that one was decided already.
PENDING = Condition(
    holds=lambda req: req.pending_extension is not None,
    code=CollaborationErrorCode.EXTENSION_DECIDED,
    message=gettext_lazy("该延期申请已处理。"),
)

# Order matters: it is the order of the forms on the page (the first one is open).
TRANSITIONS: dict[str, Step] = {
    # --- the target unit ---
    "accept": Step(
        Side.TARGET, frozenset({Status.SUBMITTED}), (Status.ACCEPTED,), (Side.REQUESTER,),
        Kind.ORDINARY,
    ),
    "acknowledge": Step(
        Side.TARGET, frozenset({Status.SUBMITTED}), (Status.ACCEPTED,), (Side.REQUESTER,),
        Kind.TRANSFER,
    ),
    "answer": Step(
        Side.TARGET, frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED}),
        (Status.ANSWERED,), (Side.REQUESTER,), Kind.ORDINARY,
    ),
    # The first report answers the request; later ones keep it answered (Art. 6(三)).
    "report_outcome": Step(
        Side.TARGET, REPORTABLE, (Status.ANSWERED,), (Side.REQUESTER,), Kind.TRANSFER
    ),
    "return_case": Step(
        Side.TARGET, REPORTABLE, (Status.RETURNED,), (Side.REQUESTER,), Kind.TRANSFER
    ),
    "start": Step(Side.TARGET, frozenset({Status.ACCEPTED}), (Status.IN_PROGRESS,)),
    "reply_contest": Step(
        Side.TARGET, frozenset({Status.CONTESTED}), (), (Side.WORKING_GROUP, Side.REQUESTER)
    ),
    "ask_clarification": Step(
        Side.TARGET, frozenset(RUNNING_STATUSES), (Status.AWAITING_CLARIFICATION,),
        (Side.REQUESTER,),
    ),
    "refuse": Step(
        Side.TARGET, frozenset(RUNNING_STATUSES), (Status.REFUSED,), (Side.REQUESTER,)
    ),
    "ask_extension": Step(
        Side.TARGET, frozenset(RUNNING_STATUSES), (), (Side.REQUESTER,),
        condition=Condition(
            _no_pending_extension,
            CollaborationErrorCode.EXTENSION_PENDING,
            gettext_lazy("已有待审批的延期申请。"),
        ),
    ),
    # --- the requesting unit ---
    # The clock resumes in the state it was paused in.
    "answer_clarification": Step(
        Side.REQUESTER, frozenset({Status.AWAITING_CLARIFICATION}), RUNNING_STATUSES,
        (Side.TARGET,),
    ),
    "record_handling": Step(
        Side.REQUESTER, frozenset({Status.RETURNED}), (Status.CLOSED,), (Side.TARGET,),
        Kind.TRANSFER,
    ),
    "close": Step(Side.REQUESTER, frozenset({Status.ANSWERED}), (Status.CLOSED,), (Side.TARGET,)),
    "reopen": Step(
        Side.REQUESTER, frozenset({Status.ANSWERED}), (Status.REOPENED,), (Side.TARGET,)
    ),
    "contest": Step(
        Side.REQUESTER, frozenset({Status.REFUSED}), (Status.CONTESTED,), (Side.WORKING_GROUP,),
        condition=Condition(
            _not_ruled,
            CollaborationErrorCode.ALREADY_RULED,
            gettext_lazy("工作组已对该拒绝作出裁定。"),
        ),
    ),
    "approve_extension": Step(
        Side.REQUESTER, ALL_STATUSES, (), (Side.TARGET,), condition=PENDING
    ),
    "decline_extension": Step(
        Side.REQUESTER, ALL_STATUSES, (), (Side.TARGET,), condition=PENDING
    ),
    "withdraw": Step(
        Side.REQUESTER, frozenset(OPEN_STATUSES), (Status.WITHDRAWN,), (Side.TARGET,)
    ),
    # --- either side, and the working group ---
    "assign": Step(Side.ASSIGNER, frozenset(OPEN_STATUSES), (), (Side.TARGET,)),
    # Justified: the refusal stands; unjustified: back to the unit with a new deadline.
    "rule": Step(
        Side.WORKING_GROUP, frozenset({Status.CONTESTED}), (Status.REFUSED, Status.ACCEPTED),
        (Side.REQUESTER, Side.TARGET),
    ),
    "attach": Step(
        Side.EITHER, ALL_STATUSES - {Status.CLOSED, Status.WITHDRAWN},
        entry=TimelineEntry.Action.COMMENT,
    ),
}  # fmt: skip


def step_move(req: CollaborationRequest, name: str, status: str | None = None) -> str:
    """Put `req` in the step's to-state (or `status`, which must be one of them); return the old."""
    step = TRANSITIONS[name]
    before = req.status
    chosen = status or (step.targets[0] if step.targets else before)
    if step.targets and chosen not in step.targets:
        raise ValueError(f"step {name!r} cannot lead to {chosen!r}")
    req.status = chosen
    return before


def entry_action(name: str) -> str:
    """The action of the timeline entry step `name` writes: the step's name unless it says."""
    return TRANSITIONS[name].entry or name
