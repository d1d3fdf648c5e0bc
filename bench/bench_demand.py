"""Benchmark demand sensing and staffing suggestions on seeded synthetic data.

    python bench/bench_demand.py [--items 200000] [--days 730] [--seed 11] [--runs 9]

Demand: a service with ``--items`` arrivals over ``--days`` days in Europe/Brussels, with
weekday and hour patterns, deliveries a few days later, a type and a customer per item.
After the timeline is analysed (timed, but not part of the target: a service analyses
its flow once for every metric), it times :func:`demand_alerts` (baseline, inflow,
queue and work mix by type and customer): cold, on a fresh flow whose per-item local
days are not worked out yet, and warm. Target: <= 100 ms.

Staffing: 50 services and 500 people with skills, WIP and absences; times the loads
and the suggestions together. Target: <= 200 ms.

Times are medians of ``--runs`` runs, wall clock; the load average is printed too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from flowdesk.analytics import Workflow, analyse  # noqa: E402
from flowdesk.analytics.alerts import demand_alerts  # noqa: E402
from flowdesk.analytics.arrays import US_PER_DAY, US_PER_SECOND  # noqa: E402
from flowdesk.analytics.demand import (  # noqa: E402
    arrivals_heatmap,
    baseline,
    today_against_usual,
)
from flowdesk.analytics.flow import Flow  # noqa: E402
from flowdesk.analytics.periods import Period  # noqa: E402
from flowdesk.analytics.timeline import Attribute, Timeline  # noqa: E402
from flowdesk.analytics.timezones import to_us  # noqa: E402
from flowdesk.domain.demand import Thresholds  # noqa: E402
from flowdesk.domain.skills import Person  # noqa: E402
from flowdesk.domain.staffing import ServiceDemand, service_loads, suggest_staffing  # noqa: E402

T = TypeVar("T")
DEMAND_TARGET_MS = 100.0
STAFFING_TARGET_MS = 200.0
WORKFLOW = Workflow(upstream=("Backlog",), committed=("Doing",), done=("Done",),
                    discarded=("Dropped",), timezone="Europe/Brussels")
#: Tuesday 10:30 in Brussels: the inflow alert has ten whole hours to compare.
NOW = datetime(2026, 3, 10, 10, 30, tzinfo=ZoneInfo("Europe/Brussels"))
WEEKDAY_FACTORS = np.array([1.2, 1.05, 1.0, 0.95, 0.7, 0.08, 0.04])
HOUR_FACTORS = np.array([0.1] * 7 + [1, 3, 4, 3.5, 2.5, 1.5, 3, 3.5, 3, 2, 1] + [0.3] * 6)
TYPES = ("bug", "feature", "question", "incident")
US_PER_HOUR = 3600 * US_PER_SECOND


def median_ms(work: Callable[[], T], runs: int) -> tuple[float, T]:
    """Return the median wall time of ``runs`` calls, in ms, and the last result."""
    times, result = [], None
    for _ in range(runs):
        began = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - began) * 1000)
    assert result is not None
    return statistics.median(times), result


def verdict(ms: float, target: float) -> str:
    return f"{ms:8.1f} ms  {'ok' if ms <= target else 'OVER'} (target <= {target:.0f} ms)"


def synthetic_flow(items: int, days: int, rng: np.random.Generator) -> Flow:
    """Return the analysed flow of a service with weekday and hour patterns."""
    now = to_us(NOW)
    first = (now // US_PER_DAY - days) * US_PER_DAY
    day_numbers = first // US_PER_DAY + np.arange(days + 1)  # today too, up to now
    weights = WEEKDAY_FACTORS[(day_numbers + 3) % 7]
    drawn = items + items // 50  # a few land later today than now: drawn, then dropped
    day = rng.choice(days + 1, size=drawn, p=weights / weights.sum())
    hour = rng.choice(24, size=drawn, p=HOUR_FACTORS / HOUR_FACTORS.sum())
    # Local hours in +01:00 (close enough to Brussels for synthetic data).
    arrived = first + day * US_PER_DAY + (hour - 1) * US_PER_HOUR
    arrived += rng.integers(0, US_PER_HOUR, size=drawn)
    arrived = np.sort(arrived[arrived < now][:items])
    n = arrived.size
    committed = arrived + rng.integers(60, 3 * 86_400, size=n) * US_PER_SECOND
    delivered = committed + (rng.exponential(4.0, size=n) * US_PER_DAY).astype(np.int64)
    has_commit, has_done = committed < now, delivered < now
    rows = 1 + has_commit.astype(np.int64) + has_done
    item = np.repeat(np.arange(n, dtype=np.int32), rows)
    start = np.cumsum(rows) - rows
    at = np.empty(int(rows.sum()), dtype=np.int64)
    state = np.empty(at.size, dtype=np.int32)
    at[start], state[start] = arrived, 0
    at[start[has_commit] + 1], state[start[has_commit] + 1] = committed[has_commit], 1
    at[start[has_done] + 2], state[start[has_done] + 2] = delivered[has_done], 2
    customers = tuple(f"customer-{k:02d}" for k in range(30))
    popularity = 1 / np.arange(1, 31)
    attributes = {
        "type": Attribute(TYPES, rng.choice(4, size=n, p=[0.3, 0.4, 0.2, 0.1]).astype(np.int32)),
        "customer": Attribute(customers, rng.choice(
            30, size=n, p=popularity / popularity.sum()).astype(np.int32)),
    }
    timeline = Timeline(items=np.char.add("I", np.arange(n).astype(str)),
                        states=("Backlog", "Doing", "Done"), substates=(), item=item,
                        state=state, substate=np.full(at.size, -1, dtype=np.int32), at=at,
                        attributes=attributes)
    return analyse(timeline, WORKFLOW, as_of=NOW)


def bench_demand(args: argparse.Namespace) -> bool:
    rng = np.random.default_rng(args.seed)
    flow = synthetic_flow(args.items, args.days, rng)
    analyse_ms, _ = median_ms(lambda: analyse(flow.timeline, WORKFLOW, as_of=NOW), 3)
    holidays = [date(2025, 12, 25), date(2026, 1, 1), date(2026, 2, 16)]
    thresholds = Thresholds()
    print(f"demand: {flow.item_count:,} items over {args.days} days, {len(flow.timeline):,} "
          f"state changes; now {NOW.isoformat()}")
    print(f"  analyse (shared with every metric, not in the target) {analyse_ms:8.1f} ms")

    def cold() -> list[object]:
        return list(demand_alerts(replace(flow), thresholds, holidays=holidays))

    cold_ms, alerts = median_ms(cold, args.runs)
    warm_ms, _ = median_ms(lambda: demand_alerts(flow, thresholds, holidays=holidays),
                           args.runs)
    print(f"  demand alerts, cold flow            {verdict(cold_ms, DEMAND_TARGET_MS)}")
    print(f"  demand alerts, warm flow            {verdict(warm_ms, DEMAND_TARGET_MS)}")
    for alert in alerts:
        print(f"    {alert.severity:<8} {alert.sentence}")  # type: ignore[attr-defined]
    now = flow.as_of
    base_ms, base = median_ms(lambda: baseline(flow.arrived, flow.zone, now, holidays),
                              args.runs)
    today_ms, _ = median_ms(lambda: today_against_usual(flow.arrived, base, now), args.runs)
    two_years = Period(flow.as_of_day - args.days, flow.as_of_day)
    heat_ms, _ = median_ms(lambda: arrivals_heatmap(flow.arrived, flow.zone, two_years),
                           args.runs)
    print(f"  parts: baseline {base_ms:.1f} ms, today's series {today_ms:.1f} ms, "
          f"heat map over the whole history {heat_ms:.1f} ms")
    return max(cold_ms, warm_ms) <= DEMAND_TARGET_MS


def synthetic_organisation(rng: np.random.Generator, services: int = 50,
                           people: int = 500) -> tuple[list[ServiceDemand], list[Person],
                                                       dict[str, list[str]]]:
    """Return demands, people and needed skills; about a third of services overloaded."""
    names = [f"service-{k:02d}" for k in range(services)]
    skills = [f"skill-{k:02d}" for k in range(20)]
    staff = []
    for k in range(people):
        homes = {names[k % services]}
        if rng.random() < 0.1:
            homes.add(names[int(rng.integers(services))])
        held = rng.choice(len(skills), size=int(rng.integers(2, 6)), replace=False)
        limit = int(rng.integers(2, 6))
        staff.append(Person(
            f"user-{k:03d}", f"User {k}", frozenset(homes),
            {skills[s]: int(rng.integers(1, 4)) for s in held},
            available=bool(rng.random() > 0.05), wip_limit=limit,
            wip=int(rng.integers(0, limit + 1)), weekly_hours=float(rng.choice([24, 32, 40]))))
    demands = [ServiceDemand(name, int(rng.integers(10, 40)), float(rng.integers(0, 25)),
                             int(rng.random() < 0.1)) for name in names]
    needed = {name: [skills[s] for s in rng.choice(len(skills), size=3, replace=False)]
              for name in names}
    return demands, staff, needed


def bench_staffing(args: argparse.Namespace) -> bool:
    demands, people, needed = synthetic_organisation(np.random.default_rng(args.seed))

    def suggest() -> list[object]:
        return list(suggest_staffing(service_loads(demands, people), people, needed))

    ms, suggestions = median_ms(suggest, args.runs)
    loads = service_loads(demands, people)
    overloaded = sum(load.overloaded for load in loads.values())
    print(f"staffing: {len(demands)} services ({overloaded} overloaded), {len(people)} people")
    print(f"  loads and suggestions               {verdict(ms, STAFFING_TARGET_MS)}")
    print(f"    {len(suggestions)} suggestions")
    for line in suggestions[0].reasons if suggestions else ():  # type: ignore[attr-defined]
        print(f"    {line}")
    return ms <= STAFFING_TARGET_MS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    met = bench_demand(args)
    met = bench_staffing(args) and met
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("all targets met" if met else "some targets missed (see OVER)")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
