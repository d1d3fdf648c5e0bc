"""Server-side render time of the "due and at risk" page with 2,000 open items, each due.

    .venv/bin/python bench/bench_at_risk.py [--open 2000] [--runs 40] [--no-freeze-gc]

It makes a fresh SQLite file with the board benchmark's service (`bench_board.seed`: the open
items spread over six open stages, 300 items delivered in the last fortnight and 3,000 before),
gives every open item a due time from an agreement (arrival + 2 days), and writes each item's
history into the event log (created, committed, delivered), since the page reads the flow
from it. Then it renders `GET /services/BENCH/at-risk` through the app (no network), signed in
with a member's token, and reports p50/p95, the CPU time per render, the rows and the SQL
statements per render. Nothing is kept between renders: each one reads and scores every open
item and the last 180 days' deliveries (`services.risk_scores`), then shows the first page
(the riskiest 200, with the count of all of them). For comparison it also times the API's
`GET /metrics/on-time`, which answers every scored item.

The start-up heap is frozen as `flowdesk serve` does (`bench/timing.py`); `--no-freeze-gc`
skips that, and then a full garbage collection over it lands in one render in three or four.

Target (issue 10): p95 <= 150 ms with 2,000 open items.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench_board import KEY, NOW, OPEN_STAGES, seed
from fastapi.testclient import TestClient
from signed_in import bearer, member_token
from sqlalchemy import Engine, bindparam, insert, select, update
from timing import Timed, frozen_heap, time_gets

from flowdesk.app import create_app
from flowdesk.config import Settings
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.workflow import Service
from flowdesk.storage.db import make_engine
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
    parser.add_argument("--no-freeze-gc", dest="freeze_gc", action="store_false",
                        help="skip the gc.freeze() that `flowdesk serve` does after start-up")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-at-risk-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'at-risk.db'}"
        engine = make_engine(url)
        upgrade(engine)
        service = seed(engine, args.open_items, random.Random(args.open_items))
        due = with_history(engine, service, random.Random(1))
        token = member_token(UnitOfWork(engine), FixedClock(NOW), KEY)
        app = create_app(Settings(database_url=url), clock=FixedClock(NOW), engine=engine)
        with frozen_heap(args.freeze_gc), TestClient(app, headers=bearer(token)) as client:
            page = time_gets(client, engine, f"/services/{KEY}/at-risk", args.runs)
            api = time_gets(client, engine, f"/api/v1/services/{KEY}/metrics/on-time",
                            args.runs)
        engine.dispose()
    body = page.body
    rows = body.count(b'<tr id="risk-')
    count = re.search(rb'id="at-risk-count"><strong>(\d+)</strong> of (\d+)', body)
    assert count is not None, body[:2000]
    flagged, total = int(count.group(1)), int(count.group(2))
    print(f"due and at risk page, full HTML through the app (SQLite, "
          f"{platform.python_implementation()} {platform.python_version()}); "
          f"{args.open_items:,} open items over {len(OPEN_STAGES)} stages, {due:,} of them due; "
          f"3,300 delivered; {len(body) / 1024:.0f} KB, {rows:,} rows shown of {total:,}, "
          f"{flagged:,} at risk{'; start-up heap frozen (gc.freeze)' if args.freeze_gc else ''}")
    line("page 1", page)
    line("API /metrics/on-time (every item, JSON)", api)
    ok = page.p95_ms <= TARGET_P95_MS
    print(f"target p95 <= {TARGET_P95_MS:.0f} ms (page): {'met' if ok else 'NOT met'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0 if ok else 1


def line(label: str, r: Timed) -> None:
    print(f"{label}: p50 {r.p50_ms:.1f} ms | p95 {r.p95_ms:.1f} ms | CPU p50 {r.cpu_p50_ms:.1f} ms"
          f" | SQL per render {r.statements} | {len(r.body) / 1024:.0f} KB | {r.runs} renders")


if __name__ == "__main__":
    sys.exit(main())
