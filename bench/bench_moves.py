"""Move throughput and latency through the HTTP API, on SQLite and on PostgreSQL.

    .venv/bin/python bench/bench_moves.py [--db sqlite|postgres|both]

For each database it makes a fresh database (a SQLite file in a temporary directory; a schema of
its own in PostgreSQL, so the test suite's schema is left alone), seeds it through the use cases
(the demo generator's history, then a bench service whose items sit in two stages without
limits, and a client account that is a member of it with a write token), starts a real
`flowdesk serve` (uvicorn) on a free port, and runs bench/loadgen.py in a separate process with 20
and then 4 concurrent keep-alive clients. Every request is a real move, signed in like a real
client: `Authorization: Bearer <token>`, looked up by the server on each request.

Targets on the 2-core development machine (issue 13, PostgreSQL with 2 workers): at least 600
moves/s with 20 clients, and a p95 of at most 15 ms with 4 clients. The same targets are printed
for SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from signed_in import bearer, member_token
from sqlalchemy import text

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, StageKind, StageSpec
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, CreateService, MoveItem
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "flowdesk_bench"
TARGET_RATE = 600.0  # moves/s with 20 clients
TARGET_P95_MS = 15.0  # with 4 clients
BENCH_ACTOR = Actor("bench", "Benchmark", operator=True)


@dataclass(frozen=True)
class Row:
    db: str
    clients: int
    moves: int
    seconds: float
    errors: int
    p50: float
    p95: float
    p99: float
    cpu_ms: float  # server CPU time per move, all server processes together
    loadgen_cpu_ms: float  # the load generator's own CPU time per move (it shares the cores)
    load: float  # the machine's 1-minute load average after the run

    @property
    def rate(self) -> float:
        return self.moves / self.seconds


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants (uvicorn workers), from /proc."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process tree so far."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fresh_database(db: str, workdir: Path) -> str:
    """An empty database URL: a new SQLite file, or a freshly made PostgreSQL schema."""
    if db == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}"
    admin_engine = make_engine(PG_URL)
    with admin_engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    admin_engine.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"


def seed(url: str, runs: list[int], items_per_client: int,
         demo_days: int) -> tuple[list[dict[str, Any]], str]:
    """Migrate, load the demo history, and make one set of items per run; returns the plans
    and the clients' token (a team member of the bench service, with the write scope)."""
    engine = make_engine(url)
    upgrade(engine)
    uow = UnitOfWork(engine)
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    if demo_days:
        seed_demo(uow, demo_days)
    service = admin.create_service(uow, clock, BENCH_ACTOR, CreateService(
        key="BENCH", name="Move benchmark", stages=[
            StageSpec("Intake", Phase.UPSTREAM, StageKind.QUEUE),
            StageSpec("Doing", Phase.COMMITTED, StageKind.ACTIVITY),
            StageSpec("Checking", Phase.COMMITTED, StageKind.QUEUE),
            StageSpec("Done", Phase.DONE, StageKind.QUEUE),
        ]))
    doing, checking = service.stages[1].id, service.stages[2].id
    token = member_token(uow, clock, "BENCH")
    plans = []
    for clients in runs:
        keys = []
        for n in range(clients * items_per_client):
            item = uc.create_item(uow, clock, BENCH_ACTOR, CreateItem("BENCH", f"bench card {n}"))
            uc.move_item(uow, clock, BENCH_ACTOR, MoveItem(item.key, doing))
            keys.append(item.key)
        plans.append({"items": keys, "stages": [doing, checking], "token": token})
    engine.dispose()
    return plans, token


def seed_demo(uow: UnitOfWork, days: int) -> None:
    """The demo claims centre's history, so the tables hold a realistic volume of rows."""
    try:
        from flowdesk.demo.runner import run_demo
    except ImportError:
        print("  (the demo generator is not available: seeding the bench service only)")
        return
    began = time.perf_counter()
    summary = run_demo(uow, seed=7, days=days, end=datetime(2026, 3, 1, tzinfo=UTC))
    print(f"  demo history: {summary.items} items, {summary.events} events over {days} days "
          f"({time.perf_counter() - began:.1f} s)")


@contextmanager
def server(url: str, workers: int, token: str) -> Iterator[tuple[int, int]]:
    """A real `flowdesk serve` on a free port; yields (port, pid) and stops the server after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")}
    env.update(FLOWDESK_DATABASE_URL=url, FLOWDESK_LOG_LEVEL="warning")
    command = [str(BIN / "flowdesk"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        wait_until_up(port, proc, token)
        yield port, proc.pid
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server we started: its own session holds it and its workers, nothing else."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def wait_until_up(port: int, proc: subprocess.Popen[bytes], token: str) -> None:
    deadline = time.monotonic() + 60
    probe = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/services",
                                   headers=bearer(token))
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"flowdesk serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(probe, timeout=2):
                return
        except urllib.error.HTTPError as exc:  # up, but refusing the token: no use going on
            raise SystemExit(f"flowdesk serve answered {exc.code} to the bench token") from None
        except OSError:
            time.sleep(0.2)
    raise SystemExit("flowdesk serve did not come up within 60 s")


def load(port: int, plan: dict[str, Any], clients: int, seconds: float, warmup: float,
         workdir: Path) -> dict[str, Any]:
    """Run the load generator as its own process and return what it measured."""
    plan_file = workdir / f"plan-{clients}.json"
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--port", str(port),
         "--plan", str(plan_file), "--clients", str(clients), "--seconds", str(seconds),
         "--warmup", str(warmup)],
        check=True, capture_output=True, text=True, timeout=seconds + warmup + 120,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def summarise(db: str, raw: dict[str, Any], cpu: float) -> Row:
    """Percentiles of the measured latencies; `cpu` is the server's CPU seconds in the run."""
    latencies = np.array(raw["latencies_ms"] or [float("nan")])
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    for error in raw["first_errors"]:
        print(f"  error: {error}")
    moves = int(raw["moves"])
    # The CPU reading covers the warm-up too, so it is shared over every move made.
    made = moves + int(raw.get("warmup_moves", 0))
    return Row(db, int(raw["clients"]), moves, float(raw["seconds"]), int(raw["errors"]),
               float(p50), float(p95), float(p99), cpu * 1000 / max(made, 1),
               float(raw["cpu_seconds"]) * 1000 / max(made, 1), os.getloadavg()[0])


def bench(db: str, args: argparse.Namespace) -> list[Row]:
    runs = [int(c) for c in args.clients.split(",")]
    workers = 1 if db == "sqlite" else args.pg_workers
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-") as tmp:
        workdir = Path(tmp)
        print(f"{db}: seeding a fresh database")
        url = fresh_database(db, workdir)
        plans, token = seed(url, runs, args.items_per_client, args.demo_days)
        rows = []
        with server(url, workers, token) as (port, pid):
            print(f"{db}: flowdesk serve on port {port} with {workers} worker(s)")
            for clients, plan in zip(runs, plans, strict=True):
                cpu_before = cpu_seconds(pid)
                raw = load(port, plan, clients, args.seconds, args.warmup, workdir)
                rows.append(summarise(db, raw, cpu_seconds(pid) - cpu_before))
        if db == "postgres":
            cleanup = make_engine(PG_URL)
            with cleanup.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            cleanup.dispose()
        return rows


def report(rows: list[Row]) -> None:
    print()
    print("db        clients   moves   moves/s   p50 ms   p95 ms   p99 ms   errors"
          "   server CPU ms/move   loadgen CPU ms/move   load avg")
    for r in rows:
        print(f"{r.db:<9} {r.clients:>7} {r.moves:>7} {r.rate:>9.0f} {r.p50:>8.1f} "
              f"{r.p95:>8.1f} {r.p99:>8.1f} {r.errors:>8} {r.cpu_ms:>20.2f} "
              f"{r.loadgen_cpu_ms:>21.2f} {r.load:>10.1f}")
    print()
    for r in rows:
        if r.clients == 20:
            verdict = "met" if r.rate >= TARGET_RATE else "MISSED"
            print(f"{r.db}: {r.rate:.0f} moves/s with 20 clients "
                  f"(target >= {TARGET_RATE:.0f}): {verdict}")
        if r.clients == 4:
            verdict = "met" if r.p95 <= TARGET_P95_MS else "MISSED"
            print(f"{r.db}: p95 {r.p95:.1f} ms with 4 clients "
                  f"(target <= {TARGET_P95_MS:.0f} ms): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds first")
    parser.add_argument("--clients", default="20,4", help="concurrent clients, one run each")
    parser.add_argument("--items-per-client", type=int, default=10)
    parser.add_argument("--demo-days", type=int, default=30,
                        help="days of demo history to load first (0: none)")
    parser.add_argument("--pg-workers", type=int, default=2,
                        help="server processes on PostgreSQL (SQLite always uses one)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    rows: list[Row] = []
    for db in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        rows += bench(db, args)
    report(rows)


if __name__ == "__main__":
    main()
