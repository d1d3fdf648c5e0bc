"""HTTP load generator for Flowdesk moves, run as its own process.

Each client is a task on one event loop with its own keep-alive connection. It owns a disjoint
set of items and moves each one back and forth between two stages without limits, so every
request is a real move and no two clients touch the same item. Every request is signed in with
the plan's API token (`Authorization: Bearer`), as a real client's is. Latency is measured end
to end, from sending the request to reading the whole response.

It shares the machine's cores with the server, so it is kept cheap: the requests are made once
as bytes, and a response is read by its Content-Length with the status from its first line (the
server is Flowdesk's own uvicorn, which always sends one). Threads with `http.client` cost
about four times as much CPU per move.

Usage (bench_moves.py runs it for you):
    python bench/loadgen.py --port 8123 --plan plan.json --clients 20 --seconds 10
It prints one JSON object: completed moves, errors, elapsed seconds, every latency in ms and its
own CPU seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import uvloop
except ImportError:  # the plain loop works too, at some more CPU per request
    uvloop = None


@dataclass
class ClientResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warmup_moves: int = 0


def move_request(host: str, port: int, token: str, key: str, stage: int) -> bytes:
    body = json.dumps({"to_stage": stage}).encode()
    return (f"POST /api/v1/items/{key}/move HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


async def client_loop(host: str, port: int, token: str, items: list[str],
                      stages: tuple[int, int], start: asyncio.Event, warmup_until: list[float],
                      stop_at: list[float], result: ClientResult) -> None:
    """Move this client's items round-robin between the two stages until `stop_at`."""
    # Each item starts in the first stage, so its first move goes to the second.
    requests = {(key, target): move_request(host, port, token, key, stages[target])
                for key in items for target in (0, 1)}
    where = dict.fromkeys(items, 0)
    reader, writer = await asyncio.open_connection(host, port)
    await start.wait()
    n = 0
    perf = time.perf_counter
    while True:
        key = items[n % len(items)]
        n += 1
        target = 1 - where[key]
        began = perf()
        if began >= stop_at[0]:
            break
        try:
            writer.write(requests[key, target])
            status, payload = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
            continue
        ended = perf()
        if status != 200:
            result.errors.append(f"{status}: {payload[:200]!r}")
            continue
        where[key] = target
        if began >= warmup_until[0]:
            result.latencies_ms.append((ended - began) * 1000)
        else:
            result.warmup_moves += 1
    writer.close()


async def drive(host: str, port: int, plan: dict[str, Any], clients: int, seconds: float,
                warmup: float) -> list[ClientResult]:
    keys: list[str] = plan["items"]
    stages = (int(plan["stages"][0]), int(plan["stages"][1]))
    share = len(keys) // clients
    if share < 1:
        raise SystemExit(f"the plan has {len(keys)} items, fewer than {clients} clients")
    start = asyncio.Event()
    warmup_until = [float("inf")]
    stop_at = [float("inf")]
    results = [ClientResult() for _ in range(clients)]
    tasks = [asyncio.create_task(client_loop(
        host, port, str(plan["token"]), keys[i * share:(i + 1) * share], stages, start,
        warmup_until, stop_at, results[i])) for i in range(clients)]
    await asyncio.sleep(0.2)  # every client connected before the clock starts
    now = time.perf_counter()
    warmup_until[0] = now + warmup
    stop_at[0] = now + warmup + seconds
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=warmup + seconds + 60)
    return results


def run(host: str, port: int, plan: dict[str, Any], clients: int, seconds: float,
        warmup: float) -> dict[str, Any]:
    """Drive `clients` concurrent clients for `warmup + seconds`; returns the raw results."""
    main = drive(host, port, plan, clients, seconds, warmup)
    results = uvloop.run(main) if uvloop is not None else asyncio.run(main)
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
