"""Who may see and act on a collaboration request (Art. 7: the two units involved; Art. 3: the WG).

Seeing: the requesting unit, the target unit and the working group. Acting: the requester's side
(withdraw, clarify, close, reopen, contest, decide extensions), the target's side (accept, answer,
refuse, ask clarification or extension) and the working group (rule on a contested refusal).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import UnitKind, User, WorkingGroupMember
from agencies.roles import Role, has_role, is_working_group
from agencies.selectors import user_can_act_for, user_unit_ids
from collaboration.errors import CollaborationErrorCode
from zhengxiang_portal.core.errors import ApplicationError

from .models import CollaborationRequest
from .transitions import TRANSITIONS, Kind, Side, kind_fits

# Art. 6(三): cases go from the tax bureau to the judicial organs.
JUDICIAL_KINDS = frozenset({UnitKind.POLICE, UnitKind.PROCURATORATE, UnitKind.COURT})


def _cached_unit_ids(user: User) -> set[int]:
    return user_unit_ids(user=user)  # built on the per-request acted_unit_ids: no query again


def visible_unit_ids(user: User) -> set[int]:
    """Units whose requests (incoming and outgoing) this user sees."""
    return _cached_unit_ids(user)


def can_view(user: User, req: CollaborationRequest) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_working_group(user):
        return True
    ids = _cached_unit_ids(user)
    return req.requesting_unit_id in ids or req.target_unit_id in ids


def acts_for_requester(user: User, req: CollaborationRequest) -> bool:
    return user_can_act_for(user=user, unit=req.requesting_unit)


def acts_for_target(user: User, req: CollaborationRequest) -> bool:
    return user_can_act_for(user=user, unit=req.target_unit)


def seat_unit_ids(user: User) -> QuerySet:
    """The unit a working-group member sits for (a subquery: no round trip of its own)."""
    return WorkingGroupMember.objects.filter(user_id=user.pk).values("unit_id")


def own_unit_ids(user: User) -> set[int]:
    """Units a working-group member answers for: their account's units and their seat's unit."""
    return set(_cached_unit_ids(user)) | {row["unit_id"] for row in seat_unit_ids(user)}


def is_party(user: User, req: CollaborationRequest) -> bool:
    """The user's own unit requested or was asked: a member must stand aside (回避) from ruling."""
    return bool({req.requesting_unit_id, req.target_unit_id} & own_unit_ids(user))


def can_rule(user: User, req: CollaborationRequest) -> bool:
    """The working group rules on a contested refusal (Art. 3, 7), never in its own unit's cause."""
    return is_working_group(user) and not is_party(user, req)


def can_create(user: User) -> bool:
    """Tax staff and liaisons raise requests (a liaison's go to the tax bureau)."""
    return has_role(user, Role.TAX_STAFF, Role.LIAISON)


def sees_collaboration(user: User) -> bool:
    """Whether the navigation shows 协作事项 to this user."""
    return is_working_group(user) or has_role(user, Role.TAX_STAFF, Role.LIAISON)


_DENIED = {
    Side.TARGET: gettext_lazy("只有承办单位可以办理此操作。"),
    Side.REQUESTER: gettext_lazy("只有请求单位可以办理此操作。"),
    Side.ASSIGNER: gettext_lazy("您不能为该请求指定承办人。"),
    Side.EITHER: gettext_lazy("只有请求单位或承办单位可以补充材料。"),
}


def acting_side(user: User, req: CollaborationRequest, side: Side) -> Side | None:
    """The side `user` takes `side`'s step as (target, requester or the working group), or None."""
    if side == Side.TARGET:
        return Side.TARGET if acts_for_target(user, req) else None
    if side == Side.REQUESTER:
        return Side.REQUESTER if acts_for_requester(user, req) else None
    if side == Side.WORKING_GROUP:
        return Side.WORKING_GROUP if can_rule(user, req) else None
    if acts_for_target(user, req):
        return Side.TARGET
    requester = acts_for_requester(user, req)
    if side == Side.ASSIGNER:
        requester = requester and req.requesting_unit.is_tax_bureau
    return Side.REQUESTER if requester else None


def step_allows(user: User, req: CollaborationRequest, name: str) -> bool:
    """Whether `user` may take step `name` on `req` now (side, kind, state, condition)."""
    step = TRANSITIONS[name]
    return (
        kind_fits(step, req)
        and req.status in step.sources
        and (step.condition is None or step.condition.holds(req))
        and acting_side(user, req, step.side) is not None
    )


def step_check(user: User, req: CollaborationRequest, name: str) -> Side:
    """Check step `name` for a service; return the side the user acts as.

    In this order: the side (PermissionDenied), the kind of request, the state, the condition
    (an ApplicationError with a code each).
    """
    step = TRANSITIONS[name]
    side = acting_side(user, req, step.side)
    if side is None:
        if step.side == Side.WORKING_GROUP:
            if is_party(user, req):
                raise PermissionDenied(
                    _("您所在单位是该协作请求的当事方，须回避，由工作组其他成员裁定。")
                )
            raise PermissionDenied(_("只有共治专项工作组可以裁定。"))
        raise PermissionDenied(str(_DENIED[step.side]))
    if not kind_fits(step, req):
        if step.kind == Kind.TRANSFER:
            raise ApplicationError(
                code=CollaborationErrorCode.NOT_CASE_TRANSFER, message=_("该请求不是案件移送。")
            )
        raise ApplicationError(
            code=CollaborationErrorCode.OUTCOME_REQUIRED,
            message=_("案件移送须反馈处理结果（立案、不立案、判决等）。"),
        )
    if req.status not in step.sources:
        raise ApplicationError(
            code=CollaborationErrorCode.INVALID_STATUS,
            message=_("协作请求当前状态为“%(status)s”，不能进行此操作。")
            % {"status": req.get_status_display()},
        )
    if step.condition is not None and not step.condition.holds(req):
        raise ApplicationError(code=step.condition.code, message=str(step.condition.message))
    return side


def allowed_actions(user: User, req: CollaborationRequest) -> list[str]:
    """The steps this user may take on this request now, in the table's order (pages show
    exactly these forms; the API's detail lists them)."""
    return [name for name in TRANSITIONS if step_allows(user, req, name)]
