"""Hostile clients do not slow the others: a normal client's GETs, alone and while other
clients send 10 MB bodies, deeply nested JSON, invalid UTF-8 and huge query strings.

    .venv/bin/python bench/bench_hostile.py [--open 300] [--seconds 10] [--attackers 8]
        [--rate ATTACKS_PER_S] [--only KINDS]

It seeds a fresh SQLite file with the board benchmark's service (`bench_board.seed`, 300 open
items by default, 3,300 delivered), starts a real `flowdesk serve` on a free port (as
`bench_moves.py` does; one worker, as on SQLite), and signs in a member with a personal token
(`bench/signed_in.py`). Then one client, on one keep-alive connection, GETs in turn the board
page, the API's board, one service and one item, as fast as it can for `--seconds`: first
alone, then while `--attackers` other clients (threads of a separate process, so they do not
share the measuring client's interpreter) hammer the server, signed in too, round-robin, flat
out or at `--rate` attacks per second in all:

- a 10 MB body announced with a Content-Length, sent in 64 KB pieces to the end whatever
  the server answers, unless the server closes the connection;
- a 10 MB body streamed without a length (chunked), the same way;
- JSON nested 200,000 deep (arrays) and 100,000 deep (objects), under the 1 MB limit;
- a body that is not UTF-8;
- a query string of 100 KB, and one of 9 KB (past the app's 8 KB limit, under the server's).

It prints p50/p95 per path, alone and under attack, with the ratio of the p95s next to the
target; the attackers' requests per second and the statuses they got (every one a 4xx, or the
connection closed on a body the server would not read); how much of the 10 MB bodies the
server read (`/proc/PID/io`); the server's CPU in each phase and per attack request, and the
attackers' own CPU: on one 2-core machine they compete with the server for the cores, which
a remote attacker would not, so read the ratio beside it (`--rate` to make it gentler).

Target (issue 13): the normal client's p95 under attack <= 2x its p95 alone, on every path.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import resource
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_board import KEY, NOW, seed
from bench_moves import BIN, cpu_seconds, free_port, process_tree, stop, wait_until_up
from signed_in import member_token

from flowdesk.domain.clock import FixedClock
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

TARGET_RATIO = 2.0
PATHS = [f"/services/{KEY}/board", f"/api/v1/services/{KEY}/board", f"/api/v1/services/{KEY}",
         f"/api/v1/items/{KEY}-1"]
TEN_MB = 10_000_000
PIECE = 65_536
WRITE = f"/api/v1/services/{KEY}/items"


@contextmanager
def server(url: str, token: str) -> Iterator[tuple[int, int]]:
    """A real `flowdesk serve` (one worker) on a free port, as bench_moves.py starts one, but
    logging errors only: uvicorn warns of every request line it refuses."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")}
    env.update(FLOWDESK_DATABASE_URL=url, FLOWDESK_LOG_LEVEL="error")
    proc = subprocess.Popen([str(BIN / "flowdesk"), "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--workers", "1"], env=env, start_new_session=True)
    try:
        wait_until_up(port, proc, token)
        yield port, proc.pid
    finally:
        stop(proc)


def bytes_read(pid: int) -> int:
    """What a process tree has read so far with read(2) and recv(2), sockets included."""
    total = 0
    for p in process_tree(pid):
        try:
            lines = Path(f"/proc/{p}/io").read_text().splitlines()
        except OSError:
            continue
        total += int(next(line for line in lines if line.startswith("rchar:")).split()[1])
    return total


# The normal client ---------------------------------------------------------------------------

def normal_client(port: int, token: str, seconds: float) -> dict[str, list[float]]:
    """GET the paths in turn on one keep-alive connection; the latencies per path, in ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Connection": "keep-alive"}
    times: dict[str, list[float]] = {path: [] for path in PATHS}
    stop = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < stop:
        path = PATHS[n % len(PATHS)]
        n += 1
        began = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        times[path].append((time.perf_counter() - began) * 1_000)
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}")
    conn.close()
    return times


# The attackers (a separate process) ----------------------------------------------------------

def big_body(port: int, token: str, chunked: bool) -> tuple[str, int]:
    """Send a 10 MB body in pieces, on and on whatever the server answers, as a hostile client
    would, until it is all sent or the server shuts the connection; (the status answered,
    or "closed" when no answer could be read, and the bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    framing = (b"Transfer-Encoding: chunked\r\n" if chunked
               else f"Content-Length: {TEN_MB}\r\n".encode())
    sock.sendall(f"POST {WRITE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n".encode()
                 + framing + b"\r\n")
    piece = b"x" * PIECE
    sent = 0
    head = b""
    try:
        while sent < TEN_MB:
            if not head and select.select([sock], [], [], 0)[0]:
                head = sock.recv(4096)  # the answer: read it, and send on regardless
            size = min(PIECE, TEN_MB - sent)
            sock.sendall(b"%x\r\n%s\r\n" % (size, piece[:size]) if chunked else piece[:size])
            sent += size
        if chunked:
            sock.sendall(b"0\r\n\r\n")
        head = head or sock.recv(4096)
    except OSError:
        pass
    finally:
        sock.close()
    if not head.startswith(b"HTTP/1.1 "):
        return "closed", sent
    return head[9:12].decode(), sent


def plain(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None,
          token: str) -> str:
    conn.request(method, path, body=body, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.getheader("connection", "").lower() == "close":
        conn.close()
    return str(response.status)


ATTACKS = ["10 MB announced", "10 MB chunked", "nested arrays", "nested objects",
           "invalid UTF-8", "100 KB query", "9 KB query"]
BODIES = {
    "nested arrays": b"[" * 200_000 + b"]" * 200_000,
    "nested objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "invalid UTF-8": b'{"title": "\xff\xfe claim \xc3\x28", "type": "claim"}',
}
QUERIES = {"100 KB query": "q=" + "a" * 100_000, "9 KB query": "q=" + "a" * 9_000}


def attacker(port: int, token: str, stop_at: float, kinds: list[str], first: int,
             every: float, outcomes: Counter[tuple[str, str]], sent: list[int],
             lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = first
    due = time.perf_counter()
    while time.perf_counter() < stop_at:
        kind = kinds[n % len(kinds)]
        n += 1
        due += every  # paced: one attack every `every` seconds (0: flat out)
        time.sleep(max(0.0, due - time.perf_counter()))
        try:
            if kind.startswith("10 MB"):
                outcome, bytes_sent = big_body(port, token, chunked=kind.endswith("chunked"))
                with lock:
                    sent.append(bytes_sent)
            elif kind in BODIES:
                outcome = plain(conn, "POST", WRITE, BODIES[kind], token)
            else:
                outcome = plain(conn, "GET", f"/api/v1/services/{KEY}/events?{QUERIES[kind]}",
                                None, token)
        except (OSError, http.client.HTTPException) as error:
            outcome = f"error {type(error).__name__}"
            conn.close()
        with lock:
            outcomes[(kind, outcome)] += 1


def attack_main(port: int, token: str, seconds: float, threads: int, kinds: list[str],
                rate: float) -> None:
    """Run the attackers for `seconds`; print what they got, as JSON."""
    outcomes: Counter[tuple[str, str]] = Counter()
    sent: list[int] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    every = threads / rate if rate else 0.0
    workers = [threading.Thread(target=attacker, args=(port, token, stop_at, kinds, n, every,
                                                       outcomes, sent, lock))
               for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"outcomes": [[k, o, c] for (k, o), c in sorted(outcomes.items())],
                      "sent": sent, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime}))


# The run -------------------------------------------------------------------------------------

def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", dest="open_items", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="attacks per second, all attackers together (default 0: flat out)")
    parser.add_argument("--only", default=",".join(ATTACKS),
                        help="the attacks to make, comma-separated (default: all of them)")
    parser.add_argument("--attack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    kinds = [k for k in ATTACKS if k in args.only.split(",")]
    if args.attack:
        attack_main(args.port, args.token, args.seconds, args.attackers, kinds, args.rate)
        return 0
    with tempfile.TemporaryDirectory(prefix="flowdesk-bench-hostile-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'hostile.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed(engine, args.open_items, random.Random(args.open_items))
        token = member_token(UnitOfWork(engine), FixedClock(NOW), KEY)
        engine.dispose()
        with server(url, token) as (port, pid):
            normal_client(port, token, 1.0)  # warm up: templates compiled, caches filled
            cpu = cpu_seconds(pid)
            alone = normal_client(port, token, args.seconds)
            cpu_alone, cpu = cpu_seconds(pid) - cpu, cpu_seconds(pid)
            attackers = subprocess.Popen(
                [sys.executable, __file__, "--attack", "--port", str(port), "--token", token,
                 "--seconds", str(args.seconds + 1.5), "--attackers", str(args.attackers),
                 "--only", ",".join(kinds), "--rate", str(args.rate)],
                stdout=subprocess.PIPE, text=True)
            read = bytes_read(pid)
            time.sleep(0.5)  # the attack under way
            attacked = normal_client(port, token, args.seconds)
            out, _ = attackers.communicate(timeout=args.seconds + 120)
            cpu_attacked = cpu_seconds(pid) - cpu
            read = bytes_read(pid) - read
    attack: dict[str, Any] = json.loads(out)
    print(f"hostile clients vs a normal one: real `flowdesk serve` (1 worker, SQLite, "
          f"{platform.python_implementation()} {platform.python_version()}), "
          f"{args.open_items:,} open items; the normal client GETs {len(PATHS)} paths in turn "
          f"for {args.seconds:.0f} s, alone then beside {args.attackers} attackers"
          f"{f' making {args.rate:g} attacks/s' if args.rate else ' flat out'}")
    print(f"{'path':<34} | {'alone p50':>9} | {'p95':>6} | {'attacked p50':>12} | "
          f"{'p95':>6} | {'p95 ratio':>9} | {'GETs':>9}")
    ok = True
    for path in PATHS:
        a50, a95 = percentiles(alone[path])
        h50, h95 = percentiles(attacked[path])
        ratio = h95 / a95
        ok &= ratio <= TARGET_RATIO
        print(f"{path:<34} | {a50:>9.1f} | {a95:>6.1f} | {h50:>12.1f} | {h95:>6.1f} | "
              f"{ratio:>8.2f}x | {len(alone[path]):>4}/{len(attacked[path]):<4}")
    by_kind: dict[str, Counter[str]] = {}
    for kind, outcome, count in attack["outcomes"]:
        by_kind.setdefault(kind, Counter())[outcome] += count
    refused = True
    for kind in kinds:
        seen = by_kind.get(kind, Counter())
        refused &= all(o == "closed" or o.startswith("4") for o in seen)
        print(f"  attack {kind:<16} {sum(seen.values()) / attack['seconds']:>6.1f}/s  "
              + ", ".join(f"{o}: {c}" for o, c in sorted(seen.items())))
    if attack["sent"]:
        big = len(attack["sent"])
        out_mb = statistics.median(attack["sent"]) / 1e6
        print(f"  10 MB bodies: {big:,} sent at; the clients got {out_mb:.1f} MB out (median) "
              f"before the server closed the connection; the server "
              f"read {read / 1e6:,.0f} MB in all under attack (/proc/PID/io rchar), "
              f"{read / big / 1e6:.2f} MB per 10 MB body at most")
    attacks = sum(c for _, _, c in attack["outcomes"])
    gets = sum(len(t) for t in alone.values()), sum(len(t) for t in attacked.values())
    extra = cpu_attacked - cpu_alone * gets[1] / gets[0]  # what the normal GETs did not use
    print(f"server CPU: {cpu_alone / args.seconds * 100:.0f}% of a core alone, "
          f"{cpu_attacked / (args.seconds + 0.5) * 100:.0f}% under attack; about "
          f"{extra / max(attacks, 1) * 1_000:.2f} ms per attack request; the attackers' own "
          f"CPU {attack['cpu'] / attack['seconds'] * 100:.0f}% of a core (on the same machine)")
    print(f"target p95 under attack <= {TARGET_RATIO:.0f}x alone on every path: "
          f"{'met' if ok else 'NOT met'}; every attack refused with a 4xx (or closed): "
          f"{'yes' if refused else 'NO'}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")
    return 0 if ok and refused else 1


if __name__ == "__main__":
    sys.exit(main())
