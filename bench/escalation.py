"""Benchmark: one reminder / overdue / escalation scan over 100,000 open requests (issue 5).

Generates 300 units, each with a primary liaison, and N open collaboration requests (default
100,000; `BENCH_ESCALATION_REQUESTS` to change) whose due dates spread from 20 days ago to
180 days ahead (see DAYS_BEHIND), so that the scan finds reminders, overdue notices and
escalations all at once. Rows go in
with PostgreSQL COPY (bulk_create elsewhere). Then one `request_deadline_scan()` is timed and its
SQL queries counted:

    BENCH escalation_scan_s <seconds> s
    BENCH escalation_scan_queries <count> queries

The query count does not depend on N (compare BENCH_ESCALATION_REQUESTS=10000). Use a dedicated
database: the benchmark deletes every collaboration request and notification in it.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time

UNITS = 300
DEFAULT_REQUESTS = 100_000
WG_MEMBERS = 3
# Due dates spread from 20 days ago to 180 days ahead: about one open request in ten overdue, as
# in a backlog that a first scan after an outage must catch up with in one run.
DAYS_BEHIND, DAYS_AHEAD = 20, 180
PREFIX = "ESCBENCH-"  # distinct from the other benchmarks, which share the database


def _reset() -> None:
    from django.db import connection

    from agencies.models import Liaison, Unit, User, WorkingGroupMember
    from collaboration.models import CollaborationRequest, RequestNumberSequence
    from zhengxiang_portal.notifications.models import Notification

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE collaboration_collaborationrequest, notifications_notification CASCADE"
            )
    else:
        CollaborationRequest.objects.all().delete()
        Notification.objects.all().delete()
    RequestNumberSequence.objects.all().delete()
    WorkingGroupMember.objects.filter(user__username__startswith="escbench_").delete()
    Liaison.objects.filter(unit__code__startswith=PREFIX).delete()
    User.objects.filter(username__startswith="escbench_").delete()
    Unit.objects.filter(code__startswith=PREFIX).delete()


def _generate(n: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from agencies.models import Liaison, Unit, UnitKind, User, WorkingGroupMember
    from collaboration.models import CollaborationRequest, MatterType, Status

    rng = random.Random(20261127)  # fixed seed: the same data set every run
    bureau = Unit.objects.create(
        code=f"{PREFIX}TAX",
        name="升级扫描基准税务局",
        kind=UnitKind.TAX_BUREAU,
        category="co_governance",
    )
    units = Unit.objects.bulk_create(
        Unit(
            code=f"{PREFIX}{i:04d}",
            name=f"升级扫描基准单位{i:04d}",
            kind=UnitKind.DISTRICT_DEPARTMENT,
            category="co_governance",
        )
        for i in range(1, UNITS)
    )
    if connection.vendor != "postgresql":  # SQLite returns no ids from bulk_create
        units = list(Unit.objects.filter(code__startswith=PREFIX).exclude(pk=bureau.pk))
    staff = User.objects.create(username="escbench_staff", unit=bureau, email="staff@bench.local")
    liaisons = User.objects.bulk_create(
        User(username=f"escbench_liaison_{u.code}", unit=u, email=f"{u.code}@bench.local")
        for u in units
    )
    if connection.vendor != "postgresql":
        liaisons = list(User.objects.filter(username__startswith="escbench_liaison_"))
    by_unit = {u.unit_id: u for u in liaisons}
    Liaison.objects.bulk_create(
        Liaison(unit_id=uid, user=user, name=user.username, phone="0", is_primary=True)
        for uid, user in by_unit.items()
    )
    for i in range(WG_MEMBERS):
        member = User.objects.create(
            username=f"escbench_wg_{i}", unit=bureau, email=f"wg{i}@b.local"
        )
        WorkingGroupMember.objects.create(user=member, unit=bureau, position="member")

    matter = MatterType.objects.order_by("pk").first()
    if matter is None:
        raise SystemExit("run migrate first (the matter types are seeded there)")
    today = timezone.localdate()
    now = timezone.now()
    statuses = [Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED]
    columns = [
        "number", "category", "matter_type_id", "subject", "body", "legal_basis", "priority",
        "requesting_unit_id", "requested_by_id", "target_unit_id", "assignee_id", "status",
        "status_before_pause", "submitted_at", "submitted_on", "working_days_allowed", "due_date",
        "paused_working_days", "deadline_version", "answer", "refusal_reason", "contest_reason",
        "refusal_ruling", "ruling_comment", "outcome", "outcome_note", "created_at", "updated_at",
    ]  # fmt: skip

    def row(i: int) -> list:
        unit = units[rng.randrange(len(units))]
        due = today + dt.timedelta(days=rng.randint(-DAYS_BEHIND, DAYS_AHEAD))
        submitted = due - dt.timedelta(days=14)
        return [
            f"XZ-{today.year}-{i:06d}", matter.category, matter.pk, f"基准请求 {i}", "内容", "",
            "normal", bureau.pk, staff.pk, unit.pk, by_unit[unit.pk].pk, rng.choice(statuses), "",
            now, submitted, 10, due, 0, 1, "", "", "", "", "", "", "", now, now,
        ]  # fmt: skip

    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = CollaborationRequest._meta.db_table
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for i in range(1, n + 1):
                    copy.write_row(row(i))
        else:
            CollaborationRequest.objects.bulk_create(
                (
                    CollaborationRequest(**dict(zip(columns, row(i), strict=True)))
                    for i in range(1, n + 1)
                ),
                batch_size=2000,
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {CollaborationRequest._meta.db_table}")


def run() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from collaboration.services import request_deadline_scan

    n = int(os.environ.get("BENCH_ESCALATION_REQUESTS", DEFAULT_REQUESTS))
    started = time.perf_counter()
    _reset()
    _generate(n)
    print(f"# escalation: {UNITS} units, {n} open requests generated in "
          f"{time.perf_counter() - started:.1f} s on {connection.vendor}")  # fmt: skip
    # A long-running worker has these loaded already; do not time one-off process warm-up:
    # the broker connection, the holiday tables and the URL resolver.
    from django.urls import reverse

    from zhengxiang_portal.deadlines.calendar import is_working_day
    from zhengxiang_portal.notifications.tasks import send_notification_emails_task

    send_notification_emails_task.delay(notification_ids=[])
    is_working_day(dt.date.today())  # noqa: DTZ011  (any day: only loads the tables)
    reverse("collaboration:request_detail", args=[1])

    with CaptureQueriesContext(connection) as queries:
        t0 = time.perf_counter()
        result = request_deadline_scan()
        elapsed = time.perf_counter() - t0
    print(
        f"# escalation: reminded {result.reminded}, overdue {result.overdue}, "
        f"escalated {result.escalated}, notifications {result.notifications}"
    )
    print(f"BENCH escalation_scan_s {elapsed:.2f} s")
    print(f"BENCH escalation_scan_queries {len(queries.captured_queries)} queries")
