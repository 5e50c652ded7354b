"""Benchmark "upload_memory": peak memory of ingesting hostile workbooks and a normal one.

Issue 16 point 1: whatever a file contains, the ingestion stays under INGEST_MEMORY_BUDGET_MB.
Each file goes through the real upload service and task (bench.ingest's child, one process per
file so that one peak does not hide another). Prints per file
  BENCH upload_memory_<case>_peak_rss_mb   peak memory (VmHWM) of the ingesting process
  BENCH upload_memory_<case>_readers_peak_rss_mb   the larger of its reader processes' peaks
with the file's size, the outcome and the time. Cases: issue 16's shared-string bomb (4,000 × 10
cells → one 32,767-character string), an inline-string bomb, a 16,384-column sheet, and a
normal 100,000-row × 12-column workbook (ROWS=… overrides).

Run: `make bench BENCH=upload_memory` (DATABASE_URL=… for PostgreSQL; migrate first).
"""

from __future__ import annotations

import os

from bench.ingest import _bench_dir, _child, generate


def run() -> None:
    from django.conf import settings

    from tests.sharing_catalog.hostile_workbooks import (
        inline_string_bomb,
        shared_string_bomb,
        wide_sheet,
    )

    folder = _bench_dir()
    rows = int(os.environ.get("ROWS", "100000"))
    normal = folder / f"ingest_{rows}.xlsx"
    if not normal.exists():
        generate(normal, rows)
    cases = {
        "shared_string_bomb": shared_string_bomb(folder / "shared_string_bomb.xlsx"),
        "inline_string_bomb": inline_string_bomb(folder / "inline_string_bomb.xlsx"),
        "wide_sheet": wide_sheet(folder / "wide_sheet.xlsx"),
        f"normal_{rows}": normal,
    }
    print(f"# budget INGEST_MEMORY_BUDGET_MB={settings.INGEST_MEMORY_BUDGET_MB}")
    for case, path in cases.items():
        result = _child("ingest", path)
        print(
            f"# {case}: {path.stat().st_size / 1e6:.2f} MB on disk, {result['status']}"
            f" ({result['rows']} rows stored, {result['errors']} errors) in"
            f" {result['elapsed']:.1f} s"
        )
        print(f"BENCH upload_memory_{case}_peak_rss_mb {result['maxrss_mb']:.0f} MB")
        # a workbook of INGEST_PARALLEL_MIN_BYTES or more is read by two reader processes
        # (PostgreSQL): the larger one's peak, 0 when the worker read the file itself
        print(
            f"BENCH upload_memory_{case}_readers_peak_rss_mb {result['readers_maxrss_mb']:.0f} MB"
        )
