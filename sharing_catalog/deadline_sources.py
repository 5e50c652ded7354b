"""The catalog's deadlines a calendar change moves: obligations, objections (deadlines.rules)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from zhengxiang_portal.deadlines.rules import DeadlineSource, register_deadline_source

from .models import Objection, Obligation


def _obligation_label(obligation) -> str:
    return _("报送任务 %(item)s %(period)s") % {
        "item": obligation.item.name,
        "period": obligation.period_label,
    }


def _objection_unit(objection, field: str):
    """The objector's reply window is the consumer's; the answer deadlines are the provider's."""
    return objection.consumer if field == "accept_deadline" else objection.provider


def _objection_runs(objection, field: str) -> bool:
    """The answer deadlines run until the provider answers; the reply window only after."""
    if field == "accept_deadline":
        return objection.awaits_consumer
    return objection.awaits_provider


def register() -> None:
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
            assignee=lambda o, field: o.raised_by if field == "accept_deadline" else None,
            runs=lambda o, field: (
                o.awaits_consumer if field == "accept_deadline" else o.awaits_provider
            ),
            label=lambda objection: objection.label,
            url=lambda o: reverse("sharing_catalog:objection_detail", args=[o.pk]),
            select_related=("item", "provider", "consumer", "raised_by"),
        )
    )
