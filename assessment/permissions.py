"""Who may do what in assessment (Art. 25, 28): the working group manages, units see their own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from agencies.models import User
from agencies.selectors import user_can_act_for, user_unit_ids

MANAGE = "assessment.manage_assessment"
FREEZE = "assessment.freeze_period"
VIEW_ALL = "assessment.view_all_scores"
ISSUE_ORDER = "assessment.issue_rectification"


def can_manage(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(MANAGE))


def can_freeze(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(FREEZE))


def can_view_all(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(VIEW_ALL))


def can_issue_orders(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.has_perm(ISSUE_ORDER))


def visible_unit_ids(user: User) -> set[int] | None:
    """None = every unit (leaders); else the units the user belongs to or acts for."""
    if can_view_all(user):
        return None
    return user_unit_ids(user=user)


def can_answer_order(user: User, order: Any) -> bool:
    """The unit's liaison answers an order addressed to the unit (Art. 28)."""
    return user_can_act_for(user=user, unit=order.unit)


def order_actions(user: User, order: Any) -> frozenset[str]:
    """The steps `user` may take on `order` now: the page's forms (services check them again).

    One reply per order: the unit's liaison answers an open order; the working group reviews an
    order still open (closes or escalates it) and records the accountability of an escalated one.
    """
    actions = set()
    if order.status == order.Status.OPEN and can_answer_order(user, order):
        actions.add("answer")
    if can_issue_orders(user):
        if order.is_open:
            actions.add("decide")
        if order.status == order.Status.ESCALATED:
            actions.add("accountability")
    return frozenset(actions)
