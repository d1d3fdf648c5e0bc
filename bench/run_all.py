"""Run every benchmark in turn (`make bench`), each in its own process, and stop on a failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ["bench_moves.py"],
    ["bench_board.py"],
    ["bench_at_risk.py"],
    ["bench_hostile.py"],
    ["bench_demo.py"],
    ["bench_analytics.py"],
    ["bench_analytics_db.py"],
    ["bench_demand.py"],
    ["bench_staffing_db.py"],
]


def main() -> int:
    for script, *args in BENCHMARKS:
        print(f"\n=== {script} {' '.join(args)}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / script), *args])
        if code != 0:
            print(f"{script} failed with exit code {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
