"""Collaboration requests' deadlines a calendar change moves (deadlines.rules)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhengxiang_portal.deadlines.rules import DeadlineSource, register_deadline_source


def register() -> None:
    from django.db.models import Q

    from .models import RUNNING_STATUSES, Status

    # A request waiting for clarification has its clock stopped: its deadline is computed again
    # from the working days left when it resumes, so it is not among the running ones.
    # A case returned for administrative handling (Art. 6(三)) runs the tax bureau's deadline.
    def runs(req, field: str) -> bool:
        if field == "admin_due_date":
            return req.status == Status.RETURNED
        return req.status in RUNNING_STATUSES

    def bureau_side(field: str) -> bool:
        return field == "admin_due_date"

    register_deadline_source(
        DeadlineSource(
            model="collaboration.CollaborationRequest",
            running=Q(status__in=RUNNING_STATUSES) | Q(status=Status.RETURNED),
            runs=runs,
            unit=lambda req, field: req.requesting_unit if bureau_side(field) else req.target_unit,
            assignee=lambda req, field: req.requested_by if bureau_side(field) else req.assignee,
            label=lambda req: (
                _("协作请求 %(number)s：%(subject)s")
                % {"number": req.number, "subject": req.subject}
            ),
            url=lambda req: reverse("collaboration:request_detail", args=[req.pk]),
            select_related=("target_unit", "assignee", "requesting_unit", "requested_by"),
        )
    )
