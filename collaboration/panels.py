"""Home-page panels: 待办协作请求 (liaisons, tax staff) and 待裁定 (working group)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from agencies.roles import Role, has_role, is_working_group

from .models import RUNNING_STATUSES
from .selectors import (
    contests_to_rule,
    due_soon_threshold,
    request_rows,
    request_todo,
    request_visible,
)

PANEL_ROWS = 5


def todo_panel(request: HttpRequest) -> dict | None:
    user = request.user
    if not has_role(user, Role.TAX_STAFF, Role.LIAISON):
        return None
    qs = request_rows(request_todo(user=user)).order_by("due_date", "pk")
    rows = list(qs[:PANEL_ROWS])
    return {
        "rows": rows,
        "count": qs.count() if len(rows) == PANEL_ROWS else len(rows),
        "today": timezone.localdate(),
        "soon": due_soon_threshold(),
    }


def rulings_panel(request: HttpRequest) -> dict | None:
    user = request.user
    if not is_working_group(user):
        return None
    qs = request_rows(contests_to_rule(user=user)).order_by("contested_at")
    rows = list(qs[:PANEL_ROWS])
    return {
        "rows": rows,
        "count": qs.count() if len(rows) == PANEL_ROWS else len(rows),
        "escalated": request_visible(user=user)
        .filter(status__in=RUNNING_STATUSES, escalated_at__isnull=False)
        .count(),
    }
