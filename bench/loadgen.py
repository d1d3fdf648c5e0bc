"""HTTP load generator for Flowdesk moves, run as its own process.

Each client is a thread with one keep-alive `http.client` connection. It owns a disjoint set of
items and moves each one back and forth between two stages without limits, so every request is a
real move and no two clients touch the same item. Every request is signed in with the plan's API
token (`Authorization: Bearer`), as a real client's is. Latency is measured end to end, from sending
the request to reading the whole response.

Usage (bench_moves.py runs it for you):
    python bench/loadgen.py --port 8123 --plan plan.json --clients 20 --seconds 10
It prints one JSON object: completed moves, errors, elapsed seconds, every latency in ms and its
own CPU seconds (it shares the machine's cores with the server).
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ClientResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warmup_moves: int = 0


def client_loop(host: str, port: int, token: str, items: list[str], stages: tuple[int, int],
                start: threading.Barrier, warmup_until: list[float], stop_at: list[float],
                result: ClientResult) -> None:
    """Move this client's items round-robin between the two stages until `stop_at`."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    # Each item starts in the first stage, so its first move goes to the second.
    where = dict.fromkeys(items, 0)
    headers = {"Content-Type": "application/json", "Connection": "keep-alive",
               "Authorization": f"Bearer {token}"}
    start.wait()
    n = 0
    while True:
        key = items[n % len(items)]
        n += 1
        target = 1 - where[key]
        body = json.dumps({"to_stage": stages[target]})
        began = time.perf_counter()
        if began >= stop_at[0]:
            break
        try:
            conn.request("POST", f"/api/v1/items/{key}/move", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
            continue
        ended = time.perf_counter()
        if response.status != 200:
            result.errors.append(f"{response.status}: {payload[:200]!r}")
            continue
        where[key] = target
        if began >= warmup_until[0]:
            result.latencies_ms.append((ended - began) * 1000)
        else:
            result.warmup_moves += 1
    conn.close()


def run(host: str, port: int, plan: dict[str, Any], clients: int, seconds: float,
        warmup: float) -> dict[str, Any]:
    """Drive `clients` concurrent clients for `warmup + seconds`; returns the raw results."""
    keys: list[str] = plan["items"]
    stages = (int(plan["stages"][0]), int(plan["stages"][1]))
    share = len(keys) // clients
    if share < 1:
        raise SystemExit(f"the plan has {len(keys)} items, fewer than {clients} clients")
    barrier = threading.Barrier(clients + 1)
    warmup_until = [float("inf")]
    stop_at = [float("inf")]
    results = [ClientResult() for _ in range(clients)]
    threads = [
        threading.Thread(target=client_loop, daemon=True, args=(
            host, port, str(plan["token"]), keys[i * share:(i + 1) * share], stages, barrier,
            warmup_until, stop_at, results[i]))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    warmup_until[0] = now + warmup
    stop_at[0] = now + warmup + seconds
    barrier.wait()
    for thread in threads:
        thread.join(timeout=warmup + seconds + 60)
    latencies = [ms for r in results for ms in r.latencies_ms]
    errors = [e for r in results for e in r.errors]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"clients": clients, "seconds": seconds, "moves": len(latencies),
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "warmup_moves": sum(r.warmup_moves for r in results),
            "errors": len(errors), "first_errors": errors[:5], "latencies_ms": latencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--plan", type=Path, required=True,
                        help='JSON: {"items": [keys...], "stages": [id_a, id_b], '
                             '"token": "fd_..."}')
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    print(json.dumps(run(args.host, args.port, plan, args.clients, args.seconds, args.warmup)))


if __name__ == "__main__":
    main()
