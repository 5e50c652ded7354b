"""Run benchmarks: `python -m bench [name ...]`."""

import importlib
import os
import sys

import django

from bench import BENCHMARKS


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengxiang_portal.settings.local")
    django.setup()
    names = [a for a in argv if a] or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    if not names:
        print("no benchmarks registered yet")
        return 0
    for name in names:
        importlib.import_module(BENCHMARKS[name]).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
