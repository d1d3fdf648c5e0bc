"""Benchmark what computing `due_at` adds to creating an item (issue 10: at most 1 ms).

    python bench/bench_create_item.py [--db sqlite|postgres|both] [--items 400] [--runs 5]
        [--pg-url postgresql://postgres@127.0.0.1:5432/test]

Two services alike but for their agreements: PLAIN has none, SLA has four (whole
service; class expedite; customer ACME; ACME in class expedite) with a Brussels calendar,
a cut-off and holidays. Items are created through `services.items.create_item` as the local
operator, alternating between the services so both see the same machine; every item names
a customer of the registry (50 entries), so both look it up, as items do. Reported: the
median time of a create in each service over `--items` x `--runs` creates each, one in each
service in turn, and the difference: what the agreement adds (reading which versions are
current, choosing the most specific, `entitle`, the larger row and event); and `entitle`
alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from flowdesk.domain.classes import ClassOfService  # noqa: E402
from flowdesk.domain.clock import FixedClock  # noqa: E402
from flowdesk.domain.entitlement import entitle  # noqa: E402
from flowdesk.domain.people import Actor  # noqa: E402
from flowdesk.services import admin, agreements, items, registry  # noqa: E402
from flowdesk.services.commands import CreateItem, CreateService  # noqa: E402
from flowdesk.storage import agreements as store  # noqa: E402
from flowdesk.storage.db import make_engine  # noqa: E402
from flowdesk.storage.migrate import upgrade  # noqa: E402
from flowdesk.storage.unit_of_work import UnitOfWork  # noqa: E402

OPERATOR = Actor("bench", "Bench", operator=True)
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SCHEMA = "flowdesk_bench_create"
TARGET_MS = 1.0
CALENDAR = {"timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "working_hours": ["09:00", "17:00"],
            "holidays": ["2026-04-06", "2026-05-01", "2026-12-25"]}


def agreement(value: float, unit: str, **scope: object) -> dict[str, object]:
    return {"calendar": CALENDAR, "target": {"value": value, "unit": unit, "share": 0.85},
            "cut_off": "12:00" if unit != "working_hours" else None, **scope}


def setup(uow: UnitOfWork, clock: FixedClock) -> None:
    for key in ("PLAIN", "SLA"):
        admin.create_service(uow, clock, OPERATOR, CreateService(
            key=key, name=key.title(), timezone="Europe/Brussels"))
    registry.create_customer(uow, clock, OPERATOR, name="ACME", key="acme")
    for n in range(49):
        registry.create_customer(uow, clock, OPERATOR, name=f"Customer {n}")
    for body in (agreement(2, "working_days"),
                 agreement(4, "working_hours", class_of_service="expedite"),
                 agreement(1, "working_days", customer="acme"),
                 agreement(2, "working_hours", customer="acme", class_of_service="expedite")):
        agreements.create_agreement(uow, clock, OPERATOR, "SLA", body)


def create(uow: UnitOfWork, clock: FixedClock, key: str, i: int) -> float:
    """Create one item; return how long it took, in ms."""
    clock.set(START + timedelta(minutes=7 * i))
    cmd = CreateItem(key, f"Request {i}", customer="acme" if i % 2 else f"customer {i % 49}",
                     cos=ClassOfService.EXPEDITE if i % 10 == 0 else ClassOfService.STANDARD)
    began = time.perf_counter()
    items.create_item(uow, clock, OPERATOR, cmd)
    return (time.perf_counter() - began) * 1000


def run(url: str, args: argparse.Namespace) -> None:
    engine = make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(engine)
    clock = FixedClock(START)
    setup(uow, clock)
    for i in range(20):  # warm both up: statement caches, the agreement cache
        for key in ("PLAIN", "SLA"):
            create(uow, clock, key, i)
    plain: list[float] = []
    sla: list[float] = []
    # One create in each service in turn (the same customers and classes), so that both
    # see the same machine, moment by moment; medians of every create.
    for i in range(20, 20 + args.items * args.runs):
        first, second = ("PLAIN", "SLA") if i % 2 else ("SLA", "PLAIN")
        for key in (first, second):
            (plain if key == "PLAIN" else sla).append(create(uow, clock, key, i))
    with uow.read() as conn:
        service_id = conn.execute(text("SELECT id FROM services WHERE key = 'SLA'")).scalar_one()
        current = store.current_agreements(conn, service_id)
    chosen = current[0]
    began = time.perf_counter()
    for i in range(2000):
        entitle(chosen, START + timedelta(minutes=7 * i))
    entitle_us = (time.perf_counter() - began) * 1e6 / 2000
    p, s = statistics.median(plain), statistics.median(sla)
    print(f"{engine.dialect.name}: create_item median {p:.3f} ms without an agreement, "
          f"{s:.3f} ms with four; added {s - p:+.3f} ms (target <= {TARGET_MS} ms); "
          f"entitle alone {entitle_us:.0f} us")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get(
        "FLOWDESK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{Path(folder) / 'bench.db'}", args)
    if args.db in ("postgres", "both"):
        admin_engine = make_engine(args.pg_url)
        with admin_engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
        joiner = "&" if "?" in args.pg_url else "?"
        try:
            run(f"{args.pg_url}{joiner}options=-csearch_path%3D{SCHEMA}", args)
        finally:
            with admin_engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
            admin_engine.dispose()


if __name__ == "__main__":
    main()
