"""Benchmark flow analytics read from the database (`--service`) for the 6-month demo services.

    python bench/bench_analytics_db.py [--db sqlite|postgres|both] [--days 182]
                                       [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Builds the demo (seed 7, fixed end) in a fresh SQLite file, and on PostgreSQL in a schema of
its own, then times for each service: loading the event log into a timeline, the analysis, the
summary metrics, and a 10,000-trial forecast. Each step runs 5 times; the
median is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from flowdesk.analytics import analyse  # noqa: E402
from flowdesk.demo import run_demo  # noqa: E402
from flowdesk.domain.people import LOCAL_USER  # noqa: E402
from flowdesk.services import analytics  # noqa: E402
from flowdesk.services.flow_data import load_flow_data  # noqa: E402
from flowdesk.storage.db import make_engine  # noqa: E402
from flowdesk.storage.migrate import upgrade  # noqa: E402
from flowdesk.storage.unit_of_work import UnitOfWork  # noqa: E402

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SCHEMA = "flowdesk_bench_analytics"
RUNS = 5


def median_ms(step: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def bench(label: str, url: str, days: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(engine)
    started = time.perf_counter()
    summary = run_demo(uow, seed=7, days=days, end=END)
    print(f"{label}: demo {summary.items} items, {summary.events} events "
          f"({time.perf_counter() - started:.1f} s to build)")
    print(f"{'db':<10} {'service':<8} {'items':>6} {'load ms':>8} {'analyse ms':>11} "
          f"{'metrics ms':>11} {'forecast ms':>12} {'total ms':>9}")
    for key in ("CLM", "INT"):
        bench_service(label, uow, key)
    engine.dispose()


def bench_service(label: str, uow: UnitOfWork, key: str) -> None:
    load_ms, data = median_ms(lambda: load_flow_data(uow, LOCAL_USER, key))
    analyse_ms, flow = median_ms(lambda: analyse(data.timeline, data.workflow, as_of=END))
    source = analytics.FlowSource(data.service.name, flow, data.due_dates, data.service)
    metrics_ms, _ = median_ms(lambda: analytics.metrics(source))
    forecast_ms, _ = median_ms(lambda: analytics.forecast(source, when_count=100, seed=1))
    total = load_ms + analyse_ms + metrics_ms + forecast_ms
    print(f"{label:<10} {key:<8} {flow.item_count:>6} {load_ms:>8.1f} {analyse_ms:>11.1f} "
          f"{metrics_ms:>11.1f} {forecast_ms:>12.1f} {total:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--days", type=int, default=182)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            bench("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", args.days)
    if args.db in ("postgres", "both"):
        admin = make_engine(args.pg_url)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        try:
            bench("postgres", f"{args.pg_url}?options=-csearch_path%3D{SCHEMA}", args.days)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
