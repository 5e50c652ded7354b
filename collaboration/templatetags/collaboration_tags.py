"""A request's status tag and its deadline, as every list row, panel and detail page shows them.

Tags, not included templates: the request list draws both for each of its rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.translation import gettext

from collaboration.models import TransferOutcome
from collaboration.services.waits import WAIT_LABELS

register = template.Library()

STATUS_MODIFIERS = {
    "closed": " tag--ok",
    "answered": " tag--ok",
    "refused": " tag--err",
    "contested": " tag--err",
    "withdrawn": " tag--muted",
    "awaiting_clarification": " tag--warn",
    "returned": " tag--warn",
}


@register.simple_tag
def request_status(r: Any) -> str:
    return format_html(
        '<span class="tag{}">{}</span>', STATUS_MODIFIERS.get(r.status, ""), r.get_status_display()
    )


@register.simple_tag
def request_deadline(r: Any, today: dt.date, soon: dt.date) -> str:
    """Red when overdue, amber within two working days, paused while awaiting clarification.

    A case returned for administrative handling shows the tax bureau's handling deadline.
    """
    if r.status == "returned" and r.admin_due_date is not None:
        admin_due = date_format(r.admin_due_date, "Y-m-d")
        if r.admin_due_date < today:
            return format_html(
                '<span class="deadline--overdue" title="{}">{} <span class="tag tag--err">{}'
                "</span></span>",
                gettext("行政处理期限"),
                admin_due,
                gettext("逾期"),
            )
        return format_html('<span title="{}">{}</span>', gettext("行政处理期限"), admin_due)
    due = date_format(r.due_date, "Y-m-d")
    if r.is_running and r.due_date < today:
        return format_html(
            '<span class="deadline--overdue" title="{}">{} <span class="tag tag--err">{}</span>'
            "</span>",
            gettext("已逾期"),
            due,
            gettext("逾期"),
        )
    if r.is_running and r.due_date <= soon:
        return format_html(
            '<span class="deadline--soon" title="{}">{} <span class="tag tag--warn">{}</span>'
            "</span>",
            gettext("两个工作日内到期"),
            due,
            gettext("即将到期"),
        )
    if r.status == "awaiting_clarification":
        return format_html(
            '<span class="muted">{} <span class="tag tag--muted">{}</span></span>',
            due,
            gettext("计时暂停"),
        )
    return due


@register.filter
def wait_label(value: str) -> str:
    """What a wait reminder was about (services.waits), from a timeline entry's details."""
    label = WAIT_LABELS.get(value)
    return str(label) if label else ""


@register.filter
def transfer_stage(value: str) -> str:
    """A case's stage (立案, 不起诉 …) from the value a timeline entry's details hold."""
    if value in TransferOutcome.values:
        return str(TransferOutcome(value).label)
    return ""
