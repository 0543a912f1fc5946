"""Run every benchmark in turn with its default settings: `python -m benchmarks [NAME ...]`.

Each benchmark is its own module (`python -m benchmarks.bench_codec --help`); this only runs
them one after another, in separate processes so none inherits another's caches.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    failed = 0
    for name in names:
        print(f"== {name}", flush=True)
        failed += subprocess.call([sys.executable, "-m", f"benchmarks.{name}"]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
