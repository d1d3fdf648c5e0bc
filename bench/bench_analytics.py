"""Benchmark flowdesk.analytics on a seeded synthetic history.

    python bench/bench_analytics.py [--items 1000000 [10000000]] [--runs 3]
                                    [--trials 1000000] [--process-only]

Generates (once, cached in bench/.data/, which git ignores) a gzipped CSV of ~8 state
changes per item for each --items, then measures:

- the whole process: `flowdesk metrics --history` from start to exit, the median wall time
  of --runs and its peak memory, next to two floors measured in the same run (how long
  `python -c pass` takes, and inflating the file alone on one core with the inflater the
  reader uses), so figures taken when the machine is slower or faster can be read
  (targets: 1M items <= 2.0 s and <= 1 GB; 10M items <= 25 s and <= 6 GB); with both 1M
  and 10M, the ratio of their times (target <= 11x: the cost grows linearly); GB here are
  10^9 bytes (ru_maxrss is in KiB);
- then, in this process, on the last --items (unless --process-only): reading it
  (target <= 5 s), the full metrics set after loading (<= 1 s), Monte Carlo "when will
  1,000 be done" with 1,000,000 trials (<= 1 s), and the process's peak memory (<= 2 GB).

Wall and CPU times are both printed: the machine is shared, and the load average is printed
too. Generating the 10M-item history takes minutes and ~800 MB of disk, once.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import resource
import statistics
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
#: items -> (seconds, GB) for `flowdesk metrics --history` as a whole process
PROCESS_TARGETS = {1_000_000: (2.0, 1.0), 10_000_000: (25.0, 6.0)}
MAX_RATIO = 11.0  # the 10M time over the 1M time


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


def one_process(command: list[str]) -> tuple[float, float, float]:
    """Run a command to its end; return its wall time, CPU time (s) and peak memory (GB)."""
    began = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed ({status})")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024 / 1e9  # KiB -> GB


INFLATE_ALONE = """
import sys, time
from pathlib import Path
from flowdesk.analytics.byteread import reading
began = time.perf_counter()
buffer = memoryview(bytearray(2 << 20))
with reading(Path(sys.argv[1])) as readinto:  # the reader's own inflater
    while readinto(buffer):
        pass
print(time.perf_counter() - began)
"""


def floors(path: Path) -> str:
    """Return the two floors of a run on this machine, now: `python -c pass` (median of 5)
    and inflating ``path`` alone on one core (median of 3)."""
    starts = [one_process([sys.executable, "-c", "pass"])[0] for _ in range(5)]
    inflating = [float(subprocess.run([sys.executable, "-c", INFLATE_ALONE, str(path)],
                                      check=True, capture_output=True, text=True).stdout)
                 for _ in range(3)]
    return (f"python -c pass {statistics.median(starts):.3f} s, inflating the file alone "
            f"{statistics.median(inflating):.2f} s (one core)")


def whole_process(items: int, seed: int, runs: int) -> float:
    """Print and return the median wall time of `flowdesk metrics --history` on the
    history of ``items`` items, next to its targets."""
    path, workflow = data_for(items, seed)
    flowdesk = str(Path(sys.executable).with_name("flowdesk"))
    command = [flowdesk, "metrics", "--history", str(path), "--workflow", str(workflow)]
    load = os.getloadavg()[0]
    measured = [one_process(command) for _ in range(runs)]
    wall = statistics.median(m[0] for m in measured)
    cpu = statistics.median(m[1] for m in measured)
    peak = max(m[2] for m in measured)
    seconds, gigabytes = PROCESS_TARGETS.get(items, (None, None))
    verdict = "" if seconds is None else (
        f"  {'ok' if wall <= seconds else 'OVER'} (target {seconds:g} s)")
    memory = "" if gigabytes is None else (
        f"  {'ok' if peak <= gigabytes else 'OVER'} (target {gigabytes:g} GB)")
    print(f"  whole process, {items:>10,} items  {wall:7.2f} s wall {cpu:7.2f} s cpu{verdict}"
          f"   peak {peak:5.2f} GB{memory}   (median of {runs}, load average {load:.2f} "
          f"-> {os.getloadavg()[0]:.2f})", flush=True)
    print(f"    floors now: {floors(path)}", flush=True)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--runs", type=int, default=3,
                        help="whole-process runs per size (the median is shown)")
    parser.add_argument("--trials", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--process-only", action="store_true",
                        help="only the whole-process figures, not the library's parts")
    args = parser.parse_args()
    print(f"`flowdesk metrics --history` as a whole process, on {os.cpu_count()} cores "
          f"(FLOWDESK_ANALYTICS_THREADS={os.environ.get('FLOWDESK_ANALYTICS_THREADS', '')!r})")
    import flowdesk

    compileall.compile_dir(Path(flowdesk.__file__).parent, quiet=1)  # as installing does
    walls = {items: whole_process(items, args.seed, args.runs) for items in args.items}
    if 1_000_000 in walls and 10_000_000 in walls:
        ratio = walls[10_000_000] / walls[1_000_000]
        print(f"  10M / 1M time                     {ratio:7.2f}x"
              f"  {'ok' if ratio <= MAX_RATIO else 'OVER'} (target {MAX_RATIO:g}x: linear)")
    if args.process_only:
        return
    items = args.items[-1]
    path, workflow_file = data_for(items, args.seed)
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

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # KiB -> GB
    print(f"  {'peak memory':<34} {peak:7.2f} GB{'  ok' if peak <= 2 else '  OVER'} "
          "(target 2 GB)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    met = read_wall <= 5 and metrics_wall <= 1 and forecast_wall <= 1 and peak <= 2
    print("all targets met" if met else "some targets missed (see OVER)")


if __name__ == "__main__":
    main()
