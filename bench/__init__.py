"""Benchmarks: `make bench` runs them all, `make bench BENCH=<name>` one of them.

Each benchmark module exposes `run() -> None` and prints lines `BENCH <name> <value> <unit>`.
"""

BENCHMARKS: dict[str, str] = {
    # name -> module path; issues add their benchmarks here.
    "escalation": "bench.escalation",
    "load": "bench.load",
    "assessment": "bench.assessment",
    "ingest": "bench.ingest",
    "upload_memory": "bench.upload_memory",
    "download": "bench.download",
}
