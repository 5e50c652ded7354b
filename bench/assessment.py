"""Assessment benchmark: full recomputation of one year and the leaders' dashboard page.

Data (bulk-generated, only for models merged into this branch): 300 units, 200 catalog items,
5 years of monthly obligations (12,000), their submissions (first versions, ~10 % failing
validation and corrected by a second version), 100,000 collaboration requests. Objections are not
generated (their model is not in this branch yet).

Run against a dedicated PostgreSQL database:
    createdb -h 127.0.0.1 -U postgres zx_assessment_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zx_assessment_bench make bench BENCH=assessment
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

UNITS = 300
ITEMS = 200
YEARS = (2022, 2023, 2024, 2025, 2026)
REQUESTS = 100_000
BENCH_YEAR = 2025
PREFIX = "BX"


def _generate() -> None:
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from agencies.models import Unit, UnitKind, User
    from agencies.roles import Role
    from agencies.services import roles_sync
    from collaboration.demo import ensure_matter_types
    from collaboration.models import CollaborationRequest, MatterType
    from sharing_catalog.models import CatalogItem, Obligation, SchemaVersion, Submission

    rng = random.Random(20261127)
    roles_sync()
    if Unit.objects.filter(code__startswith=f"{PREFIX}-U").count() == UNITS:
        if not Submission.objects.filter(obligation__item__code__startswith=f"{PREFIX}-I").exists():
            raise RuntimeError("bench data from an older run: dropdb/createdb the bench database")
        print(f"# reusing generated data in {connection.settings_dict['NAME']}")
        return
    with transaction.atomic():
        Unit.objects.bulk_create(
            [
                Unit(
                    code=f"{PREFIX}-U{i:03d}",
                    name=f"基准测试单位{i:03d}",
                    short_name=f"单位{i:03d}",
                    kind=UnitKind.DISTRICT_DEPARTMENT,
                    category=Unit.Category.CO_GOVERNANCE,
                )
                for i in range(UNITS)
            ],
            batch_size=1000,
        )
        units = list(Unit.objects.filter(code__startswith=f"{PREFIX}-U").order_by("code"))
        bureau, _c = Unit.objects.get_or_create(
            code=f"{PREFIX}-TAX",
            defaults={"name": "基准测试税务局", "kind": UnitKind.TAX_BUREAU,
                      "category": Unit.Category.CO_GOVERNANCE},
        )  # fmt: skip
        staff, _c = User.objects.get_or_create(username="bench_staff", defaults={"unit": bureau})
        leader, _c = User.objects.get_or_create(username="bench_leader", defaults={"unit": bureau})
        leader.groups.add(Group.objects.get(name=Role.WG_LEADER))
        CatalogItem.objects.bulk_create(
            [
                CatalogItem(
                    code=f"{PREFIX}-I{i:03d}",
                    name=f"基准测试目录项{i:03d}",
                    provider=units[i % UNITS],
                    sharing_class=CatalogItem.SharingClass.UNCONDITIONAL,
                    legal_basis="《税收征收管理法》第六条",
                    frequency=CatalogItem.Frequency.MONTHLY,
                    transmission=CatalogItem.Transmission.PLATFORM_UPLOAD,
                    status=CatalogItem.Status.PUBLISHED,
                )
                for i in range(ITEMS)
            ]
        )
        items = list(CatalogItem.objects.filter(code__startswith=f"{PREFIX}-I"))
        by_item = {item.pk: item.provider for item in items}
        obligations = []
        today = timezone.localdate()
        for item in items:
            for year in YEARS:
                for month in range(1, 13):
                    start = dt.date(year, month, 1)
                    due = dt.date(year + (month == 12), month % 12 + 1, 10)
                    roll = rng.random()
                    if due > today:
                        status, fulfilled = Obligation.Status.OPEN, None
                    elif roll < 0.80:
                        status, fulfilled = Obligation.Status.FULFILLED, due - dt.timedelta(days=2)
                    elif roll < 0.93:
                        status, fulfilled = Obligation.Status.FULFILLED, due + dt.timedelta(days=9)
                    elif roll < 0.97:
                        status, fulfilled = Obligation.Status.OVERDUE, None
                    else:
                        status, fulfilled = Obligation.Status.EXEMPT, None
                    obligations.append(
                        Obligation(
                            item=item,
                            period_start=start,
                            period_end=due - dt.timedelta(days=10),
                            period_label=f"{year}-{month:02d}",
                            due_date=due,
                            grace_until=due + dt.timedelta(days=3),
                            status=status,
                            fulfilled_at=(
                                dt.datetime.combine(fulfilled, dt.time(10), tzinfo=dt.UTC)
                                if fulfilled
                                else None
                            ),
                        )
                    )
        Obligation.objects.bulk_create(obligations, batch_size=5000)
        schemas = {
            s.item_id: s
            for s in SchemaVersion.objects.bulk_create(
                [SchemaVersion(item=item, version=1) for item in items]
            )
        }
        submissions = []
        for ob in Obligation.objects.filter(item__in=items, fulfilled_at__isnull=False).only(
            "pk", "item_id", "fulfilled_at"
        ):
            versions = ["invalid", "confirmed"] if rng.random() < 0.1 else ["confirmed"]
            for version, status in enumerate(versions, start=1):
                submissions.append(
                    Submission(
                        obligation_id=ob.pk,
                        version=version,
                        unit=by_item[ob.item_id],
                        source=Submission.Source.UPLOAD,
                        file=f"bench/{ob.pk}-{version}.xlsx",
                        original_filename="数据.xlsx",
                        file_kind="xlsx",
                        file_sha256=f"{ob.pk:032d}{version:032d}",
                        schema=schemas[ob.item_id],
                        status=status,
                        confirmed_at=ob.fulfilled_at if status == "confirmed" else None,
                    )
                )
        Submission.objects.bulk_create(submissions, batch_size=5000)
        ensure_matter_types()
        matter = MatterType.objects.order_by("pk").first()
        first_day = dt.date(YEARS[0], 1, 1)
        span = (dt.date(YEARS[-1], 11, 1) - first_day).days
        rows = []
        for n in range(REQUESTS):
            submitted = first_day + dt.timedelta(days=rng.randrange(span))
            due = submitted + dt.timedelta(days=14)
            roll = rng.random()
            answered = None
            late = False
            ruling = ""
            if roll < 0.75:
                status, answered = "closed", submitted + dt.timedelta(days=rng.randrange(3, 14))
            elif roll < 0.88:
                status, answered, late = (
                    "closed",
                    due + dt.timedelta(days=rng.randrange(1, 9)),
                    True,
                )
            elif roll < 0.93:
                status = "in_progress"
            elif roll < 0.97:
                status, ruling = "refused", "justified"
            else:
                status, ruling = "refused", "unjustified"
            submitted_at = dt.datetime.combine(submitted, dt.time(9), tzinfo=dt.UTC)
            rows.append(
                CollaborationRequest(
                    number=f"{PREFIX}-{n:07d}",
                    category=matter.category,
                    matter_type=matter,
                    subject=f"基准测试协作请求 {n}",
                    body="基准测试",
                    requesting_unit=bureau,
                    requested_by=staff,
                    target_unit=units[rng.randrange(UNITS)],
                    status=status,
                    submitted_at=submitted_at,
                    submitted_on=submitted,
                    working_days_allowed=10,
                    due_date=due,
                    answered_at=(
                        dt.datetime.combine(answered, dt.time(15), tzinfo=dt.UTC)
                        if answered
                        else None
                    ),
                    answered_on=answered,
                    answered_late=late,
                    working_days_to_answer=(answered - submitted).days if answered else None,
                    refusal_ruling=ruling,
                    refused_at=submitted_at if status == "refused" else None,
                    refusal_reason="不属于本单位职责" if status == "refused" else "",
                )
            )
        CollaborationRequest.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")


def run() -> None:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from agencies.models import User
    from assessment.facts import source_status
    from assessment.models import Period
    from assessment.services import period_create, period_recompute

    if connection.vendor != "postgresql":
        print("# warning: not PostgreSQL; set DATABASE_URL to zx_assessment_bench")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    _generate()
    sources = ", ".join(f"{k}={'on' if c else 'off'}" for k, _l, c in source_status())
    print(f"# data ready in {time.perf_counter() - started:.1f} s; sources: {sources}")
    year = Period.objects.filter(kind=Period.Kind.YEAR, year=BENCH_YEAR).first() or period_create(
        actor=None, kind=Period.Kind.YEAR, year=BENCH_YEAR, check=False
    )
    previous = Period.objects.filter(kind=Period.Kind.YEAR, year=BENCH_YEAR - 1).first()
    if previous is None:
        previous = period_create(
            actor=None, kind=Period.Kind.YEAR, year=BENCH_YEAR - 1, check=False
        )
        period_recompute(period=previous)
    started, started_cpu = time.perf_counter(), time.process_time()
    scores = period_recompute(period=year)
    recompute_s = time.perf_counter() - started
    print(f"# recomputed {scores} scores; CPU {time.process_time() - started_cpu:.1f} s")
    print(f"BENCH assessment_recompute_s {recompute_s:.2f} s")

    setup_test_environment()
    settings.DEBUG = False
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="bench_leader"))
    url = f"/assessment/?period={year.pk}"
    response = client.get(url)  # warm-up: templates, content types, permissions
    if response.status_code != 200:
        raise RuntimeError(f"dashboard answered {response.status_code}")
    timings = []
    cpu = []
    queries = 0
    for _ in range(9):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(ctx)
    # On a shared 2-core machine wall time swings with the load; CPU time shows the page's cost.
    print(f"# dashboard: {len(response.content) // 1024} KiB, CPU {statistics.median(cpu):.1f} ms, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"BENCH dashboard_ms {statistics.median(timings):.1f} ms")
    print(f"BENCH dashboard_queries {queries} queries")
