"""The missing-calendar warning every page shows to those who keep or rely on the calendar."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from agencies.roles import WORKING_GROUP_ROLES, Role, has_role

from .calendar import missing_years
from .services import can_edit_calendar

# Who must know that deadlines rest on a guessed calendar: those who enter it, and the working
# group that enforces the deadlines (Art. 7, 25). Liaisons and tax staff are not asked to act.
WARNED_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, *WORKING_GROUP_ROLES)


def calendar_warning(request: HttpRequest) -> dict:
    """`calendar_missing_years`: the years still missing (cached calendar: no query per page)."""
    user = getattr(request, "user", None)
    if user is None or not has_role(user, *WARNED_ROLES):
        return {}
    missing = missing_years(timezone.localdate())
    if not missing:
        return {}
    return {
        "calendar_missing_years": "、".join(str(y) for y in missing),
        "calendar_can_edit": can_edit_calendar(user),
    }
