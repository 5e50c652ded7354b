"""Benchmark "download": a 100,000-row submission downloaded as .xlsx and as CSV.

Issue 16 point 4: 100,000 rows as .xlsx in under 10 s, in constant memory, still formula-safe
and masked. The rows are stored by the real upload service (bench.ingest's child, with its two
sensitive columns sealed); each download then runs in its own process through the one read
path (`submission_export`: read_open, opening sealed values, masking, the access log, the
file spooled to disk past 8 MB) and read back as the response sends it; prints
  BENCH download_xlsx_s / download_csv_s          seconds for the export
  BENCH download_xlsx_peak_rss_mb / …_csv_…       peak memory (VmHWM) of that process
The .xlsx is written by zhengxiang_portal/xlsx_stream (streamed SpreadsheetML), as every export.

Run: `make bench BENCH=download` (DATABASE_URL=… for PostgreSQL; migrate first). ROWS=…
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.ingest import _bench_dir, _child, generate, peak_rss_mb


def child_export(submission_id: int, fmt: str) -> dict:
    from sharing_catalog.models import Submission
    from sharing_catalog.services.submissions import submission_export

    submission = Submission.objects.select_related("uploaded_by").get(pk=submission_id)
    start, cpu = time.perf_counter(), time.process_time()
    export = submission_export(submission=submission, actor=submission.uploaded_by, fmt=fmt)
    sent = 0  # sent as the response sends it: the spooled file, 64 KB at a time
    with export.file as fh:
        while chunk := fh.read(1 << 16):
            sent += len(chunk)
    return {
        "elapsed": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rows": export.rows,
        "bytes": sent,
        "maxrss_mb": peak_rss_mb(),
    }


def run() -> None:
    from sharing_catalog.models import Submission

    rows = int(os.environ.get("ROWS", "100000"))
    path = _bench_dir() / f"ingest_{rows}.xlsx"
    if not path.exists():
        generate(path, rows)
    ingested = _child("ingest", path)
    if ingested["status"] != "validated":
        raise RuntimeError(f"ingest failed: {ingested}")
    submission = Submission.objects.filter(status="validated").order_by("-pk").first()
    if submission is None:
        raise RuntimeError("no validated submission to download")
    for fmt in ("xlsx", "csv"):
        out = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "bench.download", str(submission.pk), fmt],
            env=dict(os.environ),
            capture_output=True,
            text=True,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"{fmt} export failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"# {fmt}: {result['rows']} rows, {result['bytes'] / 1e6:.1f} MB in"
            f" {result['elapsed']:.1f} s ({result['cpu']:.1f} s of this process's CPU; the rest is"
            " the database and waiting for a core)"
        )
        print(f"BENCH download_{fmt}_s {result['elapsed']:.2f} s")
        print(f"BENCH download_{fmt}_peak_rss_mb {result['maxrss_mb']:.0f} MB")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxiang_portal.settings.local")
    django.setup()
    print(json.dumps(child_export(int(sys.argv[1]), sys.argv[2])))
