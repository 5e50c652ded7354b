"""Rules for the deadlines that ran before rules were kept, where the rule is certain.

A rule is recorded only when it reproduces the stored date under today's calendar: a deadline
whose rule cannot be known (a later objection round, a request whose deadline moved) keeps its
date and no calendar change moves it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations


def backfill(apps, schema_editor):
    from zhengxiang_portal.deadlines.calendar import CalendarData, WorkingCalendar

    ContentType = apps.get_model("contenttypes", "ContentType")
    DeadlineRule = apps.get_model("deadlines", "DeadlineRule")
    cal = WorkingCalendar(
        data=CalendarData(
            overrides=dict(
                apps.get_model("deadlines", "CalendarOverride").objects.values_list(
                    "day", "is_working_day"
                )
            ),
            official_days=dict(
                apps.get_model("deadlines", "OfficialDay").objects.values_list(
                    "day", "is_working_day"
                )
            ),
            entered_years=frozenset(
                apps.get_model("deadlines", "OfficialYear").objects.values_list("year", flat=True)
            ),
        )
    )
    tz = ZoneInfo(settings.TIME_ZONE)
    rows = []

    def add(obj, field, start, days, start_field=""):
        content_type, _ = ContentType.objects.get_or_create(
            app_label=obj._meta.app_label, model=obj._meta.model_name
        )
        rows.append(
            DeadlineRule(
                content_type=content_type,
                object_id=obj.pk,
                field=field,
                start=start,
                start_field=start_field,
                working_days=days,
            )
        )

    def local_day(moment: dt.datetime) -> dt.date:
        return moment.astimezone(tz).date()

    Obligation = apps.get_model("sharing_catalog", "Obligation")
    for o in Obligation.objects.filter(status__in=["open", "submitted", "overdue"]).select_related(
        "item"
    ):
        if cal.add_working_days(o.period_end, o.item.due_working_days) == o.due_date:
            add(o, "due_date", o.period_end, o.item.due_working_days)
            if cal.add_working_days(o.due_date, o.item.grace_working_days) == o.grace_until:
                add(o, "grace_until", None, o.item.grace_working_days, start_field="due_date")
    Objection = apps.get_model("sharing_catalog", "Objection")
    for o in Objection.objects.exclude(status="closed").filter(round=1).select_related("item"):
        start = local_day(o.created_at)
        if cal.add_working_days(start, o.item.objection_working_days) == o.deadline:
            add(o, "deadline", start, o.item.objection_working_days)
            if o.first_deadline == o.deadline:  # assessment judges answers by it
                add(o, "first_deadline", start, o.item.objection_working_days)
    Order = apps.get_model("assessment", "RectificationOrder")
    for o in Order.objects.filter(status="open"):
        start = local_day(o.issued_at)
        if cal.add_working_days(start, o.working_days) == o.due_date:
            add(o, "due_date", start, o.working_days)
    Request = apps.get_model("collaboration", "CollaborationRequest")
    running = ["submitted", "accepted", "in_progress", "reopened"]
    for r in Request.objects.filter(status__in=running).select_related("matter_type"):
        days = r.matter_type.default_working_days
        if cal.add_working_days(r.submitted_on, days) == r.due_date:
            add(r, "due_date", r.submitted_on, days)
    DeadlineRule.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("deadlines", "0003_deadline_rule"),
        ("sharing_catalog", "0005_field_disclosure_purpose_declaration"),
        ("collaboration", "0003_request_table_fillfactor"),
        ("assessment", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
