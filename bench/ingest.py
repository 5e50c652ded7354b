"""Benchmark "ingest": a 200,000-row × 12-column .xlsx from upload to stored records.

Prints
  BENCH ingest_rows_per_s        upload → validated records through the real service and task
  BENCH ingest_floor_rows_per_s  the bare floor in the same run: calamine read + COPY (temp table)
  BENCH ingest_floor_ratio       ingest rate ÷ floor rate (issue 16's target: at least 50 %)
  BENCH ingest_peak_rss_mb       peak memory (VmHWM) of the process doing the real ingest
  BENCH ingest_readers_peak_rss_mb  peak memory of the larger of its two reader processes
                                 (a large workbook is read and checked in two forked readers)
plus a breakdown of where the time goes. Each measured part runs in its own child process so
that the peak memory of one does not hide in another's (generation uses openpyxl).

Run: `DATABASE_URL=postgres://… python -m bench ingest` (migrate first). ROWS=… overrides size;
REPEAT=n runs it n times and prints the medians (each run's CPU seconds too, which a busy
machine inflates less than its wall-clock seconds).
From 1,000,000 rows the file is a UTF-8 CSV (issue 16: a 1,000,000-row CSV under 1 GB peak:
`ROWS=1000000 make bench BENCH=ingest`), below it an .xlsx; FORMAT=csv or FORMAT=xlsx chooses.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COLUMNS = [
    # key, label, type, required, unique, extra
    ("credit_code", "统一社会信用代码", "credit_code", True, True, {}),
    ("name", "企业名称", "text", True, False, {"max_length": 100}),
    ("legal_rep", "法定代表人", "text", True, False, {"max_length": 30}),
    ("legal_id", "法定代表人身份证号码", "id_number", True, False, {}),
    ("phone", "联系电话", "phone", False, False, {}),
    ("amount", "成交金额", "decimal", True, False, {}),
    ("tax", "应纳税额", "decimal", False, False, {}),
    ("deal_date", "成交日期", "date", True, False, {}),
    ("reg_date", "登记日期", "date", False, False, {}),
    ("kind", "标的类型", "enum", True, False, {"enum_values": ["不动产", "车辆", "股权", "其他"]}),
    (
        "street",
        "所属镇街",
        "enum",
        True,
        False,
        {"enum_values": ["联合街道", "蒸湘街道", "红湘街道", "雨母山镇", "呆鹰岭镇"]},
    ),
    ("paid", "是否完税", "boolean", False, False, {}),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红文斌"
WORDS = [
    "湘江",
    "雁城",
    "蒸水",
    "衡岳",
    "南岳",
    "船山",
    "石鼓",
    "华新",
    "立新",
    "金源",
    "恒通",
    "宏达",
]
TRADES = ["商贸", "建材", "科技", "置业", "物流", "餐饮", "机械", "电子", "医药", "农业"]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "商行", "经营部"]


def peak_rss_mb() -> float:
    """This process's own peak resident memory. Linux carries ru_maxrss across exec, so a child
    would report its parent's peak (the workbook generation) when that was higher; VmHWM
    belongs to the process's own memory map."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _repeat_wanted() -> int:
    """REPEAT=n runs the floor and the ingest n times and prints the medians (a shared machine's
    speed drifts from run to run)."""
    return max(int(os.environ.get("REPEAT", "1")), 1)


def _cpu_s() -> float:
    """CPU seconds this process used (all its threads; PostgreSQL's own work not included)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rows_wanted() -> int:
    return int(os.environ.get("ROWS", "200000"))


def _format_wanted(rows: int) -> str:
    fmt = os.environ.get("FORMAT", "").lower() or ("csv" if rows >= 1_000_000 else "xlsx")
    if fmt not in {"xlsx", "csv"}:
        raise SystemExit(f"FORMAT must be xlsx or csv, not {fmt!r}")
    return fmt


def _bench_dir() -> Path:
    from django.conf import settings

    path = Path(settings.BASE_DIR) / "var" / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def generate(path: Path, rows: int) -> None:
    """Write a realistic workbook (openpyxl, write-only: flat memory) or, for a .csv path, the
    same rows as UTF-8 CSV."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            for row in _generated_rows(rows):
                writer.writerow(["" if v is None else v for v in row])
        return
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("数据")
    for row in _generated_rows(rows):
        sheet.append(row)
    workbook.save(path)


def _generated_rows(rows: int):
    from stdnum.cn import ric, uscc

    rng = random.Random(20261127)
    yield [c[1] for c in COLUMNS]
    base = dt.date(2026, 10, 1)
    for n in range(rows):
        body = f"9143040{n:010d}"
        code = body + uscc.calc_check_digit(body)
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(15000))
        id_body = f"430408{birth:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = id_body + ric.calc_check_digit(id_body + "0")
        name = f"衡阳{rng.choice(WORDS)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        amount = round(rng.uniform(1000, 5_000_000), 2)
        yield (
            [
                code,
                name,
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                id_number,
                f"139{rng.randrange(10**8):08d}" if n % 3 else f"0734-8{rng.randrange(10**6):06d}",
                amount,
                round(amount * 0.03, 2),
                base + dt.timedelta(days=n % 31),
                dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4000)),
                rng.choice(COLUMNS[9][5]["enum_values"]),
                rng.choice(COLUMNS[10][5]["enum_values"]),
                "是" if n % 2 else "否",
            ]
        )


def _setup_world():
    """A provider unit and liaison, a published item with the 12-column schema, an obligation."""
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from agencies.models import Liaison, Unit
    from agencies.models import User as UserModel
    from agencies.services import ACT_FOR_UNIT
    from sharing_catalog.models import CatalogItem, Obligation, SchemaField, SchemaVersion
    from sharing_catalog.services.catalog import SENSITIVE_BY_DEFAULT

    tag = f"{int(time.time() * 1000) % 10**10}"
    unit = Unit.objects.create(
        code=f"BENCH-{tag}", name=f"基准测试单位{tag}", kind="court", category="co_governance"
    )
    user = UserModel.objects.create(username=f"bench_{tag}", unit=unit)
    Liaison.objects.create(unit=unit, user=user, name="基准", phone="13900000000")
    assign_perm(ACT_FOR_UNIT, user, unit)
    item = CatalogItem.objects.create(
        code=f"BENCH-{tag}",
        name="司法拍卖成交信息（基准）",
        provider=unit,
        sharing_class="unconditional",
        legal_basis="第二十二条",
        frequency="monthly",
        transmission="platform_upload",
        status="published",
    )
    schema = SchemaVersion.objects.create(item=item, version=1, published_at=timezone.now())
    for pos, (key, label, ftype, required, unique, extra) in enumerate(COLUMNS, start=1):
        SchemaField.objects.create(
            schema=schema,
            position=pos,
            key=key,
            label=label,
            field_type=ftype,
            required=required,
            is_unique_key=unique,
            # as the catalog service marks them: ID numbers and phones are sealed at ingestion
            is_sensitive=ftype in SENSITIVE_BY_DEFAULT,
            **extra,
        )
    obligation = Obligation.objects.create(
        item=item,
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        period_label="2026年10月",
        due_date=dt.date(2026, 11, 7),
        grace_until=dt.date(2026, 11, 10),
    )
    return obligation, user


def child_ingest(path: Path) -> dict:
    """Upload through the real service; the task runs eagerly in this process."""
    from django.core.files import File

    from sharing_catalog.models import Record, Submission
    from sharing_catalog.services.ingest import parallel, pipeline, upload
    from zhengxiang_portal.celery import app

    app.conf.task_always_eager = True
    obligation, user = _setup_world()
    phases: dict[str, float] = {}

    def timed(module, name: str, phase: str) -> None:
        """Time every call of `module`.`name` as `phase` (the last call's seconds)."""
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                phases[phase] = time.perf_counter() - t

        setattr(module, name, wrapper)

    timed(pipeline, "_validate_into", "read_validate_and_copy_s")  # the row path
    timed(parallel, "validate_parallel", "readers_and_copy_s")  # the reader processes
    timed(parallel, "measure_table", "measure_beside_the_load_s")
    timed(pipeline, "_load_records", "load_records_s")  # SQLite
    start, cpu_start = time.perf_counter(), _cpu_s()
    with path.open("rb") as fh:
        submission = upload.submission_upload(
            obligation=obligation, actor=user, uploaded_file=File(fh, name=path.name)
        )
    elapsed = time.perf_counter() - start
    submission = Submission.objects.get(pk=submission.pk)
    stored = Record.objects.filter(submission=submission).count()
    return {
        "elapsed": elapsed,
        "status": submission.status,
        "rows": stored,
        "errors": submission.error_count,
        "phases": phases,
        "maxrss_mb": peak_rss_mb(),
        # the reader processes (issue 16 point 6), reaped: the larger one's peak
        "readers_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpu_s": _cpu_s() - cpu_start,
        "readers_cpu_s": _children_cpu_s(),
    }


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_floor(path: Path) -> dict:
    """Bare floor: calamine reads every row, psycopg COPY loads them into a temp table."""
    from django.db import connection
    from python_calamine import CalamineWorkbook

    start, cpu_start = time.perf_counter(), _cpu_s()
    if path.suffix == ".csv":
        fh = path.open(encoding="utf-8", newline="")
        rows = csv.reader(fh)
    else:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    next(rows)
    count = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        columns = ", ".join(f"c{i} text" for i in range(len(COLUMNS)))
        cursor.execute(f"CREATE TEMP TABLE bench_floor ({columns})")
        if connection.vendor == "postgresql":
            with cursor.copy("COPY bench_floor FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([str(v) for v in row])
                    count += 1
        else:  # SQLite has no COPY: executemany is its fastest bulk path
            placeholders = ", ".join("?" for _ in COLUMNS)
            batch = []
            for row in rows:
                batch.append([str(v) for v in row])
                count += 1
                if len(batch) == 5000:
                    cursor.executemany(f"INSERT INTO bench_floor VALUES ({placeholders})", batch)  # noqa: S608
                    batch = []
            if batch:
                cursor.executemany(f"INSERT INTO bench_floor VALUES ({placeholders})", batch)  # noqa: S608
    elapsed = time.perf_counter() - start
    return {
        "elapsed": elapsed,
        "rows": count,
        "maxrss_mb": peak_rss_mb(),
        "cpu_s": _cpu_s() - cpu_start,
    }


def _child(kind: str, path: Path) -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "zhengxiang_portal.settings.local")
    # A 1,000,000-row CSV is ~160 MB, over the default upload cap (100 MB): the operator's
    # setting is raised for this run only, as an operator would for such files.
    env.setdefault("PORTAL_UPLOAD_MAX_BYTES", str(max(100 << 20, path.stat().st_size + (1 << 20))))
    out = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "bench.ingest", kind, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> None:
    from django.db import connection

    rows = _rows_wanted()
    path = _bench_dir() / f"ingest_{rows}.{_format_wanted(rows)}"
    if not path.exists():
        t = time.perf_counter()
        generate(path, rows)
        print(
            f"# generated {path.name} ({path.stat().st_size / 1e6:.1f} MB) "
            f"in {time.perf_counter() - t:.1f} s"
        )
    print(
        f"# database: {connection.vendor}; {rows} rows × {len(COLUMNS)} columns"
        f" ({path.suffix[1:]}, {path.stat().st_size / 1e6:.0f} MB); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    runs = []
    for n in range(1, _repeat_wanted() + 1):
        floor = _child("floor", path)
        real = _child("ingest", path)
        if real["status"] != "validated" or real["rows"] != rows:
            raise RuntimeError(f"ingest did not store every row: {real}")
        rate = rows / real["elapsed"]
        floor_rate = floor["rows"] / floor["elapsed"]
        readers_peak = real["readers_maxrss_mb"]
        runs.append((rate, floor_rate, rate / floor_rate, real["maxrss_mb"], readers_peak))
        print(
            f"# run {n}: floor {floor['elapsed']:.2f} s (peak {floor['maxrss_mb']:.0f} MB, "
            f"CPU {floor['cpu_s']:.2f} s); ingest {real['elapsed']:.2f} s (CPU "
            f"{real['cpu_s']:.2f} s, readers' {real['readers_cpu_s']:.2f} s) = "
            f"{rate / floor_rate:.0%} of the floor rate"
        )
        for phase, seconds in real["phases"].items():
            print(f"#   {phase}: {seconds:.2f} s")
        # (the measure runs inside the readers' phase, beside the first reader's load)
        other = real["elapsed"] - sum(
            seconds for phase, seconds in real["phases"].items() if not phase.startswith("measure")
        )
        print(f"#   upload, hash, checks, claim, end of COPY, commit: {other:.2f} s")
    if len(runs) > 1:
        print(f"# medians of {len(runs)} runs (each ratio compares the two halves of one run)")
    rate, floor_rate, ratio, peak, readers_peak = (
        statistics.median(column) for column in zip(*runs, strict=True)
    )
    print(f"BENCH ingest_rows_per_s {rate:.0f} rows/s")
    print(f"BENCH ingest_floor_rows_per_s {floor_rate:.0f} rows/s")
    print(f"BENCH ingest_floor_ratio {ratio:.0%}")
    print(f"BENCH ingest_peak_rss_mb {peak:.0f} MB")
    # 0 when the file was read in the worker itself (CSV, or a workbook under the threshold)
    print(f"BENCH ingest_readers_peak_rss_mb {readers_peak:.0f} MB")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxiang_portal.settings.local")
    django.setup()
    mode, file_path = sys.argv[1], Path(sys.argv[2])
    if os.environ.get("BENCH_AS_WORKER") == "true":
        # The load benchmark's ingestion runs as the Celery worker would: at its CPU priority.
        from zhengxiang_portal.celery import yield_cpu_to_pages

        yield_cpu_to_pages()
    result = child_ingest(file_path) if mode == "ingest" else child_floor(file_path)
    print(json.dumps(result))
