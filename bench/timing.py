"""The timing loop the page benchmarks share: GET one path through the app (Starlette's
TestClient, no network) a number of times, and measure each response's wall-clock time, the
CPU time of this process (less sensitive to a busy machine) and the SQL statements it ran
(`storage.db.statements_run`).

`frozen_heap()` does what `flowdesk serve` does once started (`cli.serve.serving_app`): it
moves the start-up heap out of the garbage collector's reach, so a full collection, which
would otherwise scan the ~200k objects of the app and the seeding now and then, costs what
it costs in a server. Without it, one render in three paid 100-150 ms for that scan.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from flowdesk.storage.db import statements_run

WARM_UP = 3  # renders before timing: templates compiled, caches filled


@dataclass(frozen=True)
class Timed:
    p50_ms: float
    p95_ms: float
    cpu_p50_ms: float
    statements: list[int]  # the distinct numbers of SQL statements per response
    runs: int
    body: bytes  # the last response's


def time_gets(client: TestClient, engine: Engine, path: str, runs: int,
              params: dict[str, str] | None = None) -> Timed:
    """GET `path` `WARM_UP` times, then `runs` times timed; every answer must be a 200."""
    for _ in range(WARM_UP):
        client.get(path, params=params)
    times: list[float] = []
    cpu: list[float] = []
    statements: set[int] = set()
    body = b""
    for _ in range(runs):
        with statements_run(engine) as run:
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path, params=params)
            times.append((time.perf_counter() - started) * 1_000)
            cpu.append((time.process_time() - cpu_started) * 1_000)
        assert response.status_code == 200, response.text[:500]
        statements.add(len(run))
        body = response.content
    times.sort()
    return Timed(statistics.median(times), percentile(times, 0.95), statistics.median(cpu),
                 sorted(statements), runs, body)


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank value at `share` of sorted times (the benches' p95)."""
    return ordered[int(share * (len(ordered) - 1))]


@contextmanager
def frozen_heap(freeze: bool = True) -> Iterator[None]:
    """Collect, then freeze the heap as `flowdesk serve` does; unfreeze on the way out."""
    if not freeze:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
