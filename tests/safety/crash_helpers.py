"""A real `flowdesk serve` in a subprocess that can be killed with SIGKILL, and client threads
that create and move items through its API, keeping every answer that was a success."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from safety_helpers import SOURCE_ROOT

START_TIMEOUT = 90.0  # seconds for a server to answer its health check


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flowdesk_env(database_url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a `flowdesk` subprocess on this database, importing this source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWDESK_")}
    env.update(PYTHONPATH=SOURCE_ROOT, FLOWDESK_DATABASE_URL=database_url,
               FLOWDESK_DATA_DIR=str(data_dir), FLOWDESK_LOG_LEVEL="warning",
               FLOWDESK_HOST="127.0.0.1")
    return env


def flowdesk(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `flowdesk` command to its end."""
    return subprocess.run([sys.executable, "-m", "flowdesk", *args], env=env, text=True,
                          capture_output=True, timeout=120, check=False)


class Server:
    """`flowdesk serve` on a loopback port, in a process group of its own."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flowdesk", "serve", "--port", str(self.port)],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"the server did not answer in {START_TIMEOUT} s")

    def kill(self) -> None:
        """SIGKILL to the server's own process group: no shutdown of any kind."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)
        self.process = None


@dataclass(frozen=True)
class Ack:
    """A request the server answered with a 2xx: the item as the answer showed it."""

    kind: str  # "create" or "move"
    key: str
    title: str
    version: int
    stage_id: int


class Clients:
    """Threads that create items (with an Idempotency-Key, retried until answered) and move
    them between stages, through the API, until stopped; every 2xx answer is kept."""

    def __init__(self, base: str, token: str, service: str, targets: list[int],
                 count: int, seed: int) -> None:
        self.base, self.service, self.targets = base, service, targets
        self.headers = {"Authorization": f"Bearer {token}"}
        self.acks: list[Ack] = []
        self.cut = 0  # requests sent whose answer never came: the server died under them
        self.keys: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(n, seed + n), daemon=True)
                        for n in range(count)]

    def __enter__(self) -> Clients:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def run(self, n: int, seed: int) -> None:
        rng = random.Random(seed)
        made = 0
        with httpx.Client(base_url=self.base, headers=self.headers, timeout=10) as http:
            while not self.stop.is_set():
                with self.lock:
                    keys = list(self.keys)
                if len(keys) < 8 or rng.random() < 0.3:
                    made += 1
                    self.create(http, f"client {n} request {made}")
                else:
                    self.move(http, rng.choice(keys), rng.choice(self.targets))

    def create(self, http: httpx.Client, title: str) -> None:
        """The same request, under the same key, until the server answers it."""
        while not self.stop.is_set():
            try:
                answer = http.post(f"/api/v1/services/{self.service}/items",
                                   json={"title": title}, headers={"Idempotency-Key": title})
            except httpx.HTTPError as exc:
                self.lost(exc)  # the server is down, or was killed mid-request
                continue
            if answer.status_code in (200, 201):
                self.keep(Ack("create", answer.json()["key"], title, answer.json()["version"],
                              answer.json()["stage_id"]))
            return

    def move(self, http: httpx.Client, key: str, to_stage: int) -> None:
        try:
            answer = http.post(f"/api/v1/items/{key}/move", json={"to_stage": to_stage})
        except httpx.HTTPError as exc:
            self.lost(exc)
            return
        if answer.status_code == 200:
            body = answer.json()
            self.keep(Ack("move", key, body["title"], body["version"], body["stage_id"]))

    def lost(self, exc: httpx.HTTPError) -> None:
        if not isinstance(exc, httpx.ConnectError):
            with self.lock:
                self.cut += 1
        time.sleep(0.05)

    def keep(self, ack: Ack) -> None:
        with self.lock:
            self.acks.append(ack)
            if ack.kind == "create" and ack.key not in self.keys:
                self.keys.append(ack.key)
