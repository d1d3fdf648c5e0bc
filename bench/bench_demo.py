"""Benchmark the demo generator: six months of the claims service centre, through the use cases.

    python bench/bench_demo.py [--db sqlite|postgres|both] [--days 182] [--seed 7]
                               [--pg-url postgresql://postgres@127.0.0.1:5432/test]

SQLite runs on a fresh file in a temporary directory. PostgreSQL runs on --pg-url after its
public schema is dropped and created again (so use a database nobody else is using at the
time). Prints items, events, wall and CPU seconds (this process only), and events per second.
The target: well under a minute on SQLite, since `make run` loads the demo on first start.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from flowdesk.demo import DemoSummary, run_demo  # noqa: E402
from flowdesk.storage.db import make_engine  # noqa: E402
from flowdesk.storage.migrate import upgrade  # noqa: E402
from flowdesk.storage.unit_of_work import UnitOfWork  # noqa: E402

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # fixed, so every run simulates the same history
TARGET_SQLITE_S = 60.0


def fresh_postgres(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def measure(engine: Engine, seed: int, days: int) -> tuple[DemoSummary, float, float]:
    """Run the demo once; returns the summary, wall seconds and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    summary = run_demo(UnitOfWork(engine), seed=seed, days=days, end=END)
    return summary, time.perf_counter() - wall, time.process_time() - cpu


def row(name: str, summary: DemoSummary, wall: float, cpu: float) -> str:
    return (f"{name:<11} {summary.items:>7,} {summary.events:>8,} {wall:>8.1f} {cpu:>7.1f} "
            f"{summary.events / wall:>9,.0f} {summary.items / wall:>8,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    print(f"flowdesk demo: seed {args.seed}, {args.days} days x 2 services (CLM, INT), "
          f"ending {END:%Y-%m-%d %H:%M} UTC")
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{'database':<11} {'items':>7} {'events':>8} {'wall s':>8} {'cpu s':>7} "
          f"{'events/s':>9} {'items/s':>8}")
    sqlite_wall = None
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
            upgrade(engine)
            summary, sqlite_wall, cpu = measure(engine, args.seed, args.days)
            engine.dispose()
        print(row("sqlite", summary, sqlite_wall, cpu))
    if args.db in ("postgres", "both"):
        engine = fresh_postgres(args.pg_url)
        summary, wall, cpu = measure(engine, args.seed, args.days)
        engine.dispose()
        print(row("postgresql", summary, wall, cpu) + "   (cpu: this process, not the server)")
    print("load average after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if sqlite_wall is not None and args.days == 182:
        verdict = "ok" if sqlite_wall < TARGET_SQLITE_S else "OVER"
        print(f"target: SQLite under {TARGET_SQLITE_S:.0f} s for 6 months x 2 services: {verdict}")


if __name__ == "__main__":
    main()
