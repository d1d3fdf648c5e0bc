"""Benchmark flowdesk.analytics on a seeded synthetic history.

    python bench/bench_analytics.py [--items 1000000] [--trials 1000000]

Generates (once, cached in bench/.data/, which git ignores) a gzipped CSV of ~8 state
changes per item, then measures: reading it (target <= 5 s), the full metrics set after
loading (<= 1 s), Monte Carlo "when will 1,000 be done" with 1,000,000 trials (<= 1 s),
and the process's peak memory (<= 2 GB). Wall and CPU times are both printed: the
machine is shared, and the load average is printed too.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from flowdesk.analytics import (  # noqa: E402
    Period,
    Workflow,
    analyse,
    cumulative_flow,
    items_table,
    period_of,
    read_history,
    summary,
    throughput_samples,
    when_done,
    work_mix,
)

T = TypeVar("T")
TARGETS = {"read": 5.0, "metrics": 1.0, "forecast": 1.0}


def timed(label: str, work: Callable[[], T]) -> tuple[T, float]:
    """Run ``work`` once; print and return its wall time."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    target = TARGETS.get(label)
    verdict = "" if target is None else ("  ok" if wall <= target else "  OVER") + (
        f" (target {target:.0f} s)")
    print(f"  {label:<34} {wall:7.3f} s wall {cpu:7.3f} s cpu{verdict}")
    return result, wall


def data_for(items: int, seed: int) -> tuple[Path, Path]:
    """Return the cached history and workflow files, generating them if needed."""
    folder = HERE / ".data"
    folder.mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("*\n")
    path = folder / f"history-{items}-{seed}.csv.gz"
    workflow = path.with_suffix("").with_suffix(".toml")
    if not path.exists() or not workflow.exists():
        print(f"generating {path.name} (once) ...", flush=True)
        # A separate process, so that generating does not count in our peak memory.
        subprocess.run([sys.executable, str(HERE / "synth_history.py"), "--items", str(items),
                        "--seed", str(seed), "--out", str(path)], check=True)
    return path, workflow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--trials", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2013)
    args = parser.parse_args()
    path, workflow_file = data_for(args.items, args.seed)
    workflow = Workflow.from_toml(workflow_file)
    print(f"history: {path} ({path.stat().st_size / 1e6:.0f} MB gzipped), inflated with "
          f"{'isal' if importlib.util.find_spec('isal') else 'zlib'}")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    history, read_wall = timed("read", lambda: read_history(path, workflow))
    timeline = history.timeline
    print(f"    {len(timeline):,} state changes, {timeline.item_count:,} items, "
          f"{history.problem_count} problem rows")

    parts: dict[str, float] = {}

    def part(name: str, work: Callable[[], T]) -> T:
        began = time.perf_counter()
        result = work()
        parts[name] = time.perf_counter() - began
        return result

    def full_metrics() -> tuple[dict[str, object], int]:
        flow = part("analyse", lambda: analyse(timeline, workflow))
        period = period_of(flow)
        report = part("summary", lambda: summary(flow))
        part("cumulative flow", lambda: cumulative_flow(flow, period))
        table = part("items table", lambda: items_table(flow))
        part("work mix", lambda: (work_mix(flow, "type", period),
                                  work_mix(flow, "class_of_service", period)))
        return report, len(table)

    (report, rows), metrics_wall = timed("metrics", full_metrics)
    print("    " + ", ".join(f"{name} {wall:.3f} s" for name, wall in parts.items()))
    print(f"    delivered {report['delivered_count']:,}; lead time days "
          f"{report['lead_time_days']}; items table {rows:,} rows")

    flow = analyse(timeline, workflow)
    last_day = flow.zone.day_of(np.array([flow.as_of]))[0]
    end = date(1970, 1, 1) + timedelta(days=int(last_day))
    window = Period.of(end - timedelta(days=89), end)
    start = end + timedelta(days=1)
    rng = np.random.default_rng(args.seed)
    everyone = throughput_samples(flow, window)
    slice_ = {"team": "team-01", "type": "bug"}
    one_team = throughput_samples(flow, window, slice_)
    print(f"    throughput samples: last 90 days, {everyone.mean():.0f}/day overall, "
          f"{one_team.mean():.1f}/day for team-01 bugs")
    when, forecast_wall = timed("forecast", lambda: when_done(
        everyone, 1_000, start, rng, trials=args.trials))
    print(f"    1,000 items, {args.trials:,} trials: {when.as_dict()['on_or_before']}")
    team, _ = timed("forecast (team-01 bugs)", lambda: when_done(
        one_team, 1_000, start, rng, trials=args.trials))
    print(f"    team-01 bugs: {team.as_dict()['on_or_before']}")

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(f"  {'peak memory':<34} {peak:7.2f} GB{'  ok' if peak <= 2 else '  OVER'} "
          "(target 2 GB)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    met = read_wall <= 5 and metrics_wall <= 1 and forecast_wall <= 1 and peak <= 2
    print("all targets met" if met else "some targets missed (see OVER)")


if __name__ == "__main__":
    main()
