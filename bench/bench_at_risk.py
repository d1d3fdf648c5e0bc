"""Server-side render time of the "due and at risk" page with 2,000 open items, each due.

    .venv/bin/python bench/bench_at_risk.py [--open 2000] [--runs 40]

It makes a fresh SQLite file with the board benchmark's service (`bench_board.seed`: the open
items spread over six open stages, 300 items delivered in the last fortnight and 3,000 before),
gives every open item a due time from an agreement (arrival + 2 days), and writes each item's
history into the event log (created, committed, delivered), since the page reads the flow
from it. Then it renders `GET /services/BENCH/at-risk` through the app (no network), signed in
with a member's token, and reports p50/p95, the CPU time per render, the rows and the SQL
statements per render. Nothing is kept between renders: each one reads the open items and
the last 180 days' deliveries (`services.risk_scores`).

Target (issue 10): p95 <= 150 ms with 2,000 open items.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_board import KEY, NOW, OPEN_STAGES, seed
from fastapi.testclient import TestClient
from signed_in import bearer, member_token
from sqlalchemy import Engine, bindparam, insert, select, update

from flowdesk.app import create_app
from flowdesk.config import Settings
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.workflow import Service
from flowdesk.storage.db import make_engine, statements_run
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.tables import item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork

TARGET_P95_MS = 150.0


def with_history(engine: Engine, service: Service, rng: random.Random) -> int:
    """Write each item's events and give the open ones a due time (from a day ago to five
    days ahead); returns how many are due."""
    first = service.stages[0].id
    committed_stage = {s.name: s.id for s in service.stages}["Assessment"]
    done = next(s.id for s in service.stages if s.name == "Done")
    events: list[dict[str, Any]] = []
    due: list[dict[str, Any]] = []
    with engine.begin() as conn:
        rows = conn.execute(select(items.c.id, items.c.stage_id, items.c.arrived_at,
                                   items.c.committed_at, items.c.delivered_at)
                            .where(items.c.service_id == service.id)
                            .order_by(items.c.id)).all()
        for r in rows:
            base = {"service_id": service.id, "item_id": r.id, "actor": "bench", "payload": {}}
            events.append({**base, "kind": "created", "from_stage_id": None,
                           "to_stage_id": first, "at": r.arrived_at})
            if r.delivered_at is not None:
                events.append({**base, "kind": "moved", "from_stage_id": first,
                               "to_stage_id": committed_stage, "at": r.committed_at})
                events.append({**base, "kind": "moved", "from_stage_id": committed_stage,
                               "to_stage_id": done, "at": r.delivered_at})
                continue
            if r.stage_id != first:
                events.append({**base, "kind": "moved", "from_stage_id": first,
                               "to_stage_id": r.stage_id,
                               "at": r.committed_at or r.arrived_at + timedelta(hours=1)})
            due.append({"b_id": r.id, "b_due": NOW + timedelta(hours=rng.randint(-24, 120))})
        conn.execute(insert(item_events), events)
        conn.execute(update(items).where(items.c.id == bindparam("b_id"))
                     .values(due_at=bindparam("b_due")), due)
    return len(due)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", dest="open_items", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-at-risk-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'at-risk.db'}"
        engine = make_engine(url)
        upgrade(engine)
        service = seed(engine, args.open_items, random.Random(args.open_items))
        due = with_history(engine, service, random.Random(1))
        token = member_token(UnitOfWork(engine), FixedClock(NOW), KEY)
        app = create_app(Settings(database_url=url), clock=FixedClock(NOW), engine=engine)
        with TestClient(app, headers=bearer(token)) as client:
            for _ in range(3):  # warm up: templates compiled
                client.get(f"/services/{KEY}/at-risk")
            timed = render(client, engine, args.runs)
        engine.dispose()
    body = timed.body
    rows = body.count(b'<tr id="risk-')
    flagged = body.count(b'class="is-at-risk"')
    print(f"due and at risk page, full HTML through the app (SQLite, "
          f"{platform.python_implementation()} {platform.python_version()}); "
          f"{args.open_items:,} open items over {len(OPEN_STAGES)} stages, {due:,} of them due; "
          f"3,300 delivered; {len(body) / 1024:.0f} KB, {rows:,} rows, {flagged:,} at risk")
    r = timed
    print(f"p50 {r.p50:.1f} ms | p95 {r.p95:.1f} ms | CPU p50 {r.cpu:.1f} ms | "
          f"SQL per render {r.statements} | {r.runs} renders")
    ok = r.p95 <= TARGET_P95_MS
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms: {'met' if ok else 'NOT met'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0 if ok else 1


@dataclass(frozen=True)
class Timed:
    p50: float
    p95: float
    cpu: float
    statements: list[int]
    runs: int
    body: bytes


def render(client: TestClient, engine: Engine, runs: int) -> Timed:
    times: list[float] = []
    cpu: list[float] = []
    statements: set[int] = set()
    body = b""
    for _ in range(runs):
        with statements_run(engine) as run:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(f"/services/{KEY}/at-risk")
            times.append((time.perf_counter() - started) * 1_000)
            cpu.append((time.process_time() - cpu_started) * 1_000)
        assert response.status_code == 200, response.text[:500]
        statements.add(len(run))
        body = response.content
    times.sort()
    return Timed(statistics.median(times), times[int(0.95 * (len(times) - 1))],
                 statistics.median(cpu), sorted(statements), runs, body)


if __name__ == "__main__":
    sys.exit(main())
