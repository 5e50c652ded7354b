"""Rectification orders' deadlines a calendar change moves (deadlines.rules)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from zhengxiang_portal.deadlines.rules import DeadlineSource, register_deadline_source

from .models import RectificationOrder


def register() -> None:
    register_deadline_source(
        DeadlineSource(
            model="assessment.RectificationOrder",
            running=Q(status=RectificationOrder.Status.OPEN),
            unit=lambda order, field: order.unit,
            label=str,
            url=lambda order: reverse("assessment:order_detail", args=[order.pk]),
            select_related=("unit",),
        )
    )
