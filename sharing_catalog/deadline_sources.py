"""The catalog's deadlines a calendar change moves: obligations, objections (deadlines.rules)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengxiang_portal.deadlines.rules import DeadlineSource, register_deadline_source


def _obligation_label(obligation) -> str:
    return _("报送任务 %(item)s %(period)s") % {
        "item": obligation.item.name,
        "period": obligation.period_label,
    }


def _objection_unit(objection, field: str):
    """The answer deadline is the provider's; any other (the objector's reply) the consumer's."""
    return objection.provider if field == "deadline" else objection.consumer


def register() -> None:
    from .models import Objection, Obligation

    register_deadline_source(
        DeadlineSource(
            model="sharing_catalog.Obligation",
            running=Q(
                status__in=[
                    Obligation.Status.OPEN,
                    Obligation.Status.SUBMITTED,
                    Obligation.Status.OVERDUE,
                ]
            ),
            unit=lambda obligation, field: obligation.item.provider,
            label=_obligation_label,
            url=lambda o: reverse("sharing_catalog:obligation_detail", args=[o.pk]),
            select_related=("item__provider",),
        )
    )
    register_deadline_source(
        DeadlineSource(
            model="sharing_catalog.Objection",
            running=~Q(status=Objection.Status.CLOSED),
            unit=_objection_unit,
            assignee=lambda o, field: None if field == "deadline" else o.raised_by,
            label=lambda objection: objection.label,
            url=lambda o: reverse("sharing_catalog:objection_detail", args=[o.pk]),
            select_related=("item", "provider", "consumer", "raised_by"),
        )
    )
