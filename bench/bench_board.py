"""Server-side board render time: the full HTML response through the app, at 2,000 and 10,000
open items.

    .venv/bin/python bench/bench_board.py [--sizes 2000 10000] [--runs 40]

For each size it makes a fresh SQLite file, creates a service through the use cases (six open
stages without limits, then done and discarded), and bulk-inserts its items straight into the
tables (fast; the board only reads current state): the open items spread over the open stages
with customers, assignees and some open blockers, plus 300 items delivered in the last fortnight
and 3,000 delivered before it. Then it renders `GET /services/BENCH/board` through the app
(Starlette's TestClient, no network), signed in like a real client (a member of the service with
a personal token, `Authorization: Bearer` on every request, see bench/signed_in.py), and reports
p50/p95, the response size, the cards shown and the SQL statements per render (counted by
`storage.db.statements_run`), of which one is the sign-in's own lookup.

Targets (issue 13, "Speed at the limit"): p95 <= 50 ms at 2,000 open items and <= 80 ms at
10,000 (each column shows at most its cap of cards, the header counts stay exact); statements per
render do not grow with size, and stay at most the 14 a render ran before accounts, plus one for
the people's display names and one for signing in (16 in all; 12 since the cards are read with
their people and blockers in one statement). Each figure is printed next to its target; CPU ms
per render is the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from signed_in import bearer, member_token
from sqlalchemy import Engine, insert, update
from timing import frozen_heap, time_gets

from flowdesk.app import create_app
from flowdesk.config import Settings
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Actor
from flowdesk.domain.ranks import RANK_GAP
from flowdesk.domain.workflow import Phase, Service, StageKind, StageSpec
from flowdesk.services import admin
from flowdesk.services.commands import CreateService
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.tables import blockers, item_assignees, items, services
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.board_page import CARDS_PER_COLUMN, CLOSED_PER_COLUMN

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARGET_P95_MS = {2_000: 50.0, 10_000: 80.0}  # by open items
STATEMENTS_BEFORE_ACCOUNTS = 14  # a render, before sign-in: authentication may add one
DISPLAY_NAMES = 1  # since then: one query names the people on every card
KEY = "BENCH"
OPEN_STAGES = ["Received", "Triage", "Ready", "Assessment", "Approval", "Payment"]
PEOPLE = [f"{first} {last}" for first, last in zip(
    ["Ana", "Ben", "Chen", "Dana", "Emre", "Fatou", "Goran", "Hana", "Ivo", "Jun", "Kai", "Lea"],
    ["Lima", "Okafor", "Wei", "Fischer", "Yilmaz", "Diallo", "Petrov", "Sato", "Novak", "Park",
     "Berg", "Roux"], strict=True)]
CUSTOMERS = [f"Agency {n:02d}" for n in range(1, 41)]
TYPES = ["claim", "inquiry", "complaint", "refund"]
RECENT_DONE = 300
OLD_DONE = 3_000


@dataclass(frozen=True)
class Result:
    open_items: int
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float  # CPU time of this process per render: less sensitive to a busy machine
    size_kb: float
    cards: int
    queries: int


def seed(engine: Engine, open_items: int, rng: random.Random) -> Service:
    """A service with `open_items` open items and some history of deliveries."""
    uow = UnitOfWork(engine)
    specs = [StageSpec(name, Phase.UPSTREAM if n < 2 else Phase.COMMITTED,
                       StageKind.QUEUE if n % 2 == 0 else StageKind.ACTIVITY)
             for n, name in enumerate(OPEN_STAGES)]
    specs += [StageSpec("Done", Phase.DONE, StageKind.QUEUE),
              StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE)]
    service = admin.create_service(uow, FixedClock(NOW - timedelta(days=400)),
                                   Actor("bench", operator=True),
                                   CreateService(KEY, "Benchmark claims", stages=specs))
    open_ids = [s.id for s in service.stages if s.phase.is_open]
    done_id = service.stages_in(Phase.DONE)[0].id
    rows: list[dict[str, Any]] = []
    total = open_items + RECENT_DONE + OLD_DONE
    for number in range(1, total + 1):
        arrived = NOW - timedelta(minutes=rng.randint(60, 60 * 24 * 300))
        if number <= open_items:
            stage = open_ids[number % len(open_ids)]
            committed = arrived + timedelta(hours=2) if stage not in open_ids[:2] else None
            delivered = None
        else:
            stage = done_id
            recent = number <= open_items + RECENT_DONE
            delivered = NOW - timedelta(hours=rng.randint(1, 13 * 24) if recent
                                        else rng.randint(15 * 24, 300 * 24))
            arrived = min(arrived, delivered - timedelta(days=3))
            committed = arrived + timedelta(hours=2)
        cos = rng.choices(list(ClassOfService), weights=[2, 8, 80, 10])[0]
        rows.append({
            "service_id": service.id, "number": number, "key": f"{KEY}-{number}",
            "title": f"Claim {number}: {rng.choice(['lost luggage', 'flight delay', 'medical'])}"
                     f" in {rng.choice(['Lisbon', 'Oslo', 'Rome', 'Tokyo', 'Lima'])}",
            "description": "", "type": rng.choice(TYPES), "cos": cos.value,
            "customer": rng.choice(CUSTOMERS), "stage_id": stage, "rank": number * RANK_GAP,
            "version": 1, "arrived_at": arrived, "committed_at": committed,
            "delivered_at": delivered, "updated_at": NOW,
            "due_date": (NOW + timedelta(days=rng.randint(-3, 20))).date()
            if cos is ClassOfService.FIXED_DATE else None,
        })
    with engine.begin() as conn:
        conn.execute(insert(items), rows)
        conn.execute(update(services).where(services.c.id == service.id)
                     .values(next_number=total + 1))
        ids = [int(i) for i in conn.exec_driver_sql(
            "SELECT id FROM items WHERE service_id = ? ORDER BY number", (service.id,)).scalars()]
        conn.execute(insert(item_assignees), [
            {"item_id": item_id, "person": rng.choice(PEOPLE)}
            for item_id in ids if rng.random() < 0.7])
        conn.execute(insert(blockers), [
            {"item_id": item_id, "reason": "waiting for the airline", "category": "vendor",
             "started_at": NOW - timedelta(hours=5), "started_by": "bench"}
            for item_id in ids[:open_items] if rng.random() < 0.05])
    return service


def measure(open_items: int, runs: int, workdir: Path, freeze_gc: bool) -> Result:
    path = workdir / f"board-{open_items}.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine, open_items, random.Random(open_items))
    token = member_token(UnitOfWork(engine), FixedClock(NOW), KEY)
    app = create_app(Settings(database_url=url), clock=FixedClock(NOW), engine=engine)
    with frozen_heap(freeze_gc), TestClient(app, headers=bearer(token)) as client:
        timed = time_gets(client, engine, f"/services/{KEY}/board", runs)
    engine.dispose()
    assert len(timed.statements) == 1, f"statements per render varied: {timed.statements}"
    return Result(open_items, timed.p50_ms, timed.p95_ms, timed.cpu_p50_ms,
                  len(timed.body) / 1024, timed.body.count(b'<article class="card'),
                  timed.statements[0])


def target_for(open_items: int) -> float | None:
    """The p95 target for a board of this size: that of the nearest size at or above it."""
    above = [size for size in TARGET_P95_MS if size >= open_items]
    return TARGET_P95_MS[min(above)] if above else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--no-freeze-gc", dest="freeze_gc", action="store_false",
                        help="skip the gc.freeze() that `flowdesk serve` does after start-up")
    args = parser.parse_args()
    print(f"board render, full HTML through the app (SQLite, {platform.python_implementation()} "
          f"{platform.python_version()}); {len(OPEN_STAGES)} open columns, at most "
          f"{CARDS_PER_COLUMN} cards each; done column: newest {CLOSED_PER_COLUMN} of "
          f"{RECENT_DONE} recent ({RECENT_DONE + OLD_DONE} delivered in all); {args.runs} renders"
          f"{'; start-up heap frozen (gc.freeze)' if args.freeze_gc else ''}")
    print(f"{'open items':>10} | {'p50 ms':>7} | {'p95 ms':>7} | {'target p95':>10} | "
          f"{'CPU p50 ms':>10} | {'size KB':>8} | {'cards shown':>11} | {'SQL per render':>14}")
    results = []
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-board-") as tmp:
        for size in args.sizes:
            r = measure(size, args.runs, Path(tmp), args.freeze_gc)
            results.append(r)
            target = target_for(r.open_items)
            print(f"{r.open_items:>10,} | {r.p50_ms:>7.1f} | {r.p95_ms:>7.1f} | "
                  f"{'<= ' + format(target, '.0f') if target else '-':>10} | "
                  f"{r.cpu_p50_ms:>10.1f} | {r.size_kb:>8.0f} | {r.cards:>11,} | "
                  f"{r.queries:>14}")
    missed = [r for r in results if (t := target_for(r.open_items)) and r.p95_ms > t]
    ok = not missed
    constant = len({r.queries for r in results}) == 1
    signed_in = all(r.queries <= STATEMENTS_BEFORE_ACCOUNTS + DISPLAY_NAMES + 1
                    for r in results)
    verdict = "met" if ok else "NOT met at " + ", ".join(f"{r.open_items:,}" for r in missed)
    print(f"target p95: {verdict}"
          f"; SQL statements per render {'constant' if constant else 'NOT constant'}, "
          f"{'at most' if signed_in else 'MORE than'} {STATEMENTS_BEFORE_ACCOUNTS} + "
          f"{DISPLAY_NAMES} for display names + 1 for signing in; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0 if ok and constant and signed_in else 1


if __name__ == "__main__":
    sys.exit(main())
