"""Who may see and act on a collaboration request (Art. 7: the two units involved; Art. 3: the WG).

Seeing: the requesting unit, the target unit and the working group. Acting: the requester's side
(withdraw, clarify, close, reopen, contest, decide extensions), the target's side (accept, answer,
refuse, ask clarification or extension) and the working group (rule on a contested refusal).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agencies.models import UnitKind
from agencies.roles import Role, has_role, is_working_group
from agencies.selectors import user_can_act_for, user_unit_ids

from .models import CollaborationRequest

# Art. 6(三): cases go from the tax bureau to the judicial organs.
JUDICIAL_KINDS = frozenset({UnitKind.POLICE, UnitKind.PROCURATORATE, UnitKind.COURT})


def _cached_unit_ids(user: Any) -> set[int]:
    return user_unit_ids(user=user)  # built on the per-request acted_unit_ids: no query again


def visible_unit_ids(user: Any) -> set[int]:
    """Units whose requests (incoming and outgoing) this user sees."""
    return _cached_unit_ids(user)


def can_view(user: Any, req: CollaborationRequest) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_working_group(user):
        return True
    ids = _cached_unit_ids(user)
    return req.requesting_unit_id in ids or req.target_unit_id in ids


def acts_for_requester(user: Any, req: CollaborationRequest) -> bool:
    return user_can_act_for(user=user, unit=req.requesting_unit)


def acts_for_target(user: Any, req: CollaborationRequest) -> bool:
    return user_can_act_for(user=user, unit=req.target_unit)


def seat_unit_ids(user: Any) -> QuerySet:
    """The unit a working-group member sits for (a subquery: no round trip of its own)."""
    from agencies.models import WorkingGroupMember

    return WorkingGroupMember.objects.filter(user_id=user.pk).values("unit_id")


def own_unit_ids(user: Any) -> set[int]:
    """Units a working-group member answers for: their account's units and their seat's unit."""
    return set(_cached_unit_ids(user)) | {row["unit_id"] for row in seat_unit_ids(user)}


def is_party(user: Any, req: CollaborationRequest) -> bool:
    """The user's own unit requested or was asked: a member must stand aside (回避) from ruling."""
    return bool({req.requesting_unit_id, req.target_unit_id} & own_unit_ids(user))


def can_rule(user: Any, req: CollaborationRequest) -> bool:
    """The working group rules on a contested refusal (Art. 3, 7), never in its own unit's cause."""
    return is_working_group(user) and not is_party(user, req)


def can_create(user: Any) -> bool:
    """Tax staff and liaisons raise requests (a liaison's go to the tax bureau)."""
    return has_role(user, Role.TAX_STAFF, Role.LIAISON)


def sees_collaboration(user: Any) -> bool:
    """Whether the navigation shows 协作事项 to this user."""
    return is_working_group(user) or has_role(user, Role.TAX_STAFF, Role.LIAISON)


def allowed_actions(user: Any, req: CollaborationRequest) -> list[str]:
    """The steps this user may take on this request now (pages show exactly these forms)."""
    from .models import OPEN_STATUSES, RUNNING_STATUSES, Status

    actions: list[str] = []
    target = acts_for_target(user, req)
    requester = acts_for_requester(user, req)
    transfer = req.matter_type.is_case_transfer
    pending = req.pending_extension
    if target:
        if req.status == Status.SUBMITTED:
            actions.append("acknowledge" if transfer else "accept")
        if req.status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED):
            actions.append("report_outcome" if transfer else "answer")
        if transfer and req.status == Status.ANSWERED:
            actions.append("report_outcome")  # later stages of the case (Art. 6(三))
        if transfer and req.status in (
            Status.ACCEPTED,
            Status.IN_PROGRESS,
            Status.REOPENED,
            Status.ANSWERED,
        ):
            actions.append("return_case")
        if req.status == Status.ACCEPTED:
            actions.append("start")
        if req.status == Status.CONTESTED:
            actions.append("reply_contest")
        if req.status in RUNNING_STATUSES:
            actions += ["ask_clarification", "refuse"]
            if pending is None:
                actions.append("ask_extension")
    if requester:
        if req.status == Status.AWAITING_CLARIFICATION:
            actions.append("answer_clarification")
        if transfer and req.status == Status.RETURNED:
            actions.append("record_handling")
        if req.status == Status.ANSWERED:
            actions += ["close", "reopen"]
        if req.status == Status.REFUSED and not req.refusal_ruling:
            actions.append("contest")
        if pending is not None:
            actions += ["approve_extension", "decline_extension"]
        if req.status in OPEN_STATUSES:
            actions.append("withdraw")
    if req.status in OPEN_STATUSES and (
        target or (requester and req.requesting_unit.is_tax_bureau)
    ):
        actions.append("assign")
    if req.status == Status.CONTESTED and can_rule(user, req):
        actions.append("rule")
    if (target or requester) and req.status not in (
        Status.CLOSED,
        Status.WITHDRAWN,
    ):
        actions.append("attach")
    return actions
