"""Benchmarks: `make bench` runs them all, `make bench BENCH=<name>` one of them.

Each benchmark module exposes `run() -> None` and prints lines `BENCH <name> <value> <unit>`.
"""

BENCHMARKS: dict[str, str] = {
    # name -> module path; issues add their benchmarks here.
    "load": "bench.load",
    "ingest": "bench.ingest",
}
