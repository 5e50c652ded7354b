"""Collaboration requests' deadlines a calendar change moves (deadlines.rules)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from zhengxiang_portal.deadlines.rules import DeadlineSource, register_deadline_source


def register() -> None:
    from django.db.models import Q

    from .models import RUNNING_STATUSES

    # A request waiting for clarification has its clock stopped: its deadline is computed again
    # from the working days left when it resumes, so it is not among the running ones.
    register_deadline_source(
        DeadlineSource(
            model="collaboration.CollaborationRequest",
            running=Q(status__in=RUNNING_STATUSES),
            unit=lambda req, field: req.target_unit,
            assignee=lambda req, field: req.assignee,
            label=lambda req: (
                _("协作请求 %(number)s：%(subject)s")
                % {"number": req.number, "subject": req.subject}
            ),
            url=lambda req: reverse("collaboration:request_detail", args=[req.pk]),
            select_related=("target_unit", "assignee"),
        )
    )
