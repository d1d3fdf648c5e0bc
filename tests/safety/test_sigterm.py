"""A real `flowdesk serve` stops within 10 s of SIGTERM whatever it is doing: here, long
forecasts on every worker thread and a board's live stream that never ends by itself."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from crash_helpers import Server, flowdesk, flowdesk_env

from cast import enrol_owner, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork

SHUTDOWN_LIMIT = 10.0  # seconds from SIGTERM to the process's exit
FORECASTS = 6

WORKFLOW = """\
[columns]
item = "key"
timestamp = "when"
state = "status"

[workflow]
timezone = "UTC"
upstream = ["Backlog"]
committed = ["Doing"]
done = ["Done"]
"""


def history(path: Path, items: int = 3_000) -> None:
    """A year of deliveries ending yesterday: something to forecast from."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    rows = ["key,when,status"]
    for n in range(items):
        done = end - timedelta(minutes=n * 175)
        rows += [f"H-{n},{(done - timedelta(days=3)).isoformat()},Backlog",
                 f"H-{n},{(done - timedelta(days=2)).isoformat()},Doing",
                 f"H-{n},{done.isoformat()},Done"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_server_stops_within_ten_seconds_of_sigterm_mid_forecast(
        clock: FixedClock, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'flowdesk.db'}"
    env = flowdesk_env(url, tmp_path / "data")
    history(tmp_path / "history.csv")
    (tmp_path / "workflow.toml").write_text(WORKFLOW, encoding="utf-8")
    imported = flowdesk(env, "import", str(tmp_path / "history.csv"), "--workflow",
                        str(tmp_path / "workflow.toml"), "--service", "FC")
    assert imported.returncode == 0, imported.stderr
    engine = make_engine(url)
    try:
        uow = UnitOfWork(engine)
        enrol_owner(uow, clock, "FC")
        token = token_of(uow, "olivia")
    finally:
        engine.dispose()

    server = Server(env, tmp_path / "server.log")
    server.start()
    assert server.process is not None
    headers = {"Authorization": f"Bearer {token}"}
    started = threading.Barrier(FORECASTS + 2)
    answers: list[object] = []

    def forecast(n: int) -> None:
        started.wait()
        try:
            answers.append(httpx.get(
                f"{server.base}/api/v1/services/FC/forecast", headers=headers, timeout=60,
                params={"how_many_by": (datetime.now(UTC) + timedelta(days=3600)).date()
                        .isoformat(), "trials": 100_000, "seed": n}).status_code)
        except httpx.HTTPError as exc:  # cut off by the stop: what matters is the exit
            answers.append(exc)

    def stream() -> None:
        started.wait()
        try:
            with httpx.stream("GET", f"{server.base}/services/FC/board/events",
                              headers=headers, timeout=60) as live:
                for _ in live.iter_bytes():
                    pass
        except httpx.HTTPError:
            pass

    threads = [threading.Thread(target=forecast, args=(n,), daemon=True)
               for n in range(FORECASTS)] + [threading.Thread(target=stream, daemon=True)]
    try:
        for thread in threads:
            thread.start()
        started.wait()
        time.sleep(1.0)  # the forecasts are computing, the stream is open
        assert server.process.poll() is None
        assert len(answers) < FORECASTS, "the forecasts ended before the signal: too short"
        sent = time.monotonic()
        os.kill(server.process.pid, signal.SIGTERM)
        code = server.process.wait(timeout=60)
        took = time.monotonic() - sent
    finally:
        server.kill()
    assert took <= SHUTDOWN_LIMIT, f"{took:.1f} s: {server.log.read_text()[-2000:]}"
    # uvicorn, done, raises the signal again, so the exit says what stopped it
    assert code in (0, -signal.SIGTERM), server.log.read_text()[-2000:]
