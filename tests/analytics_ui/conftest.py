"""Fixtures for the analytics page, the charts API and the offline report.

The seeded claims service and the live-server helpers come from the web board's tests
(`tests/web/web_seed.py`, `tests/web/web_env.py`), so both suites drive the same service. The
browser fixtures are a minimal copy of `tests/web/conftest.py`'s: fixtures in another folder's
conftest are not visible here.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from web_env import ARTIFACTS, NOW, LiveServer, Watched, watch
from web_seed import Seeded, seed_claims

from flowdesk.api.app import create_app
from flowdesk.config import Settings
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

REPO = Path(__file__).resolve().parents[2]
BPIC_EVENTS = REPO.parent / "shared" / "data" / "bpic2013" / "events.csv.gz"
BPIC_WORKFLOW = REPO / "examples" / "bpic2013" / "workflow.toml"
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("FLOWDESK_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_DAYS = 21
DEMO_KEY = "CLM"  # the demo's priority-claims service
SEEDED_KEY = "PRIO"  # the web tests' hand-built claims service


@pytest.fixture
def bpic_files() -> tuple[Path, Path]:
    """The BPIC 2013 incident log and its workflow file."""
    if not BPIC_EVENTS.exists():
        pytest.skip(f"the BPIC 2013 log is not at {BPIC_EVENTS}")
    return BPIC_EVENTS, BPIC_WORKFLOW


@pytest.fixture
def seeded(uow: UnitOfWork) -> Seeded:
    """The hand-built claims service (key CLM) as it stands on Monday morning."""
    return seed_claims(uow, NOW)


@pytest.fixture
def web(client: TestClient, seeded: Seeded) -> TestClient:
    """A client that has opened the services page, so it holds a CSRF cookie."""
    assert client.get("/").status_code == 200
    return client


# ---- browser tests ----------------------------------------------------------------------------

def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if REQUIRE_BROWSER:
        pytest.fail(f"FLOWDESK_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class Template:
    path: Path
    seeded: Seeded


@pytest.fixture(scope="session")
def analytics_database(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A SQLite file with three weeks of the demo and the hand-built service, made once and
    copied for every browser test."""
    _chromium_or_skip()
    from flowdesk.demo import run_demo

    path = tmp_path_factory.mktemp("analytics") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        uow = UnitOfWork(engine)
        run_demo(uow, seed=7, days=DEMO_DAYS, end=NOW)
        seeded = seed_claims(uow, NOW, key=SEEDED_KEY)
        with engine.connect() as conn:  # fold the WAL into the file so a copy is complete
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return Template(path, seeded)


@pytest.fixture
def live_server(analytics_database: Template, tmp_path: Path) -> Iterator[LiveServer]:
    """Uvicorn serving the app in a thread, on a free port, over a fresh copy of the data."""
    path = tmp_path / "flowdesk.db"
    shutil.copyfile(analytics_database.path, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    clock = FixedClock(NOW)
    app = create_app(Settings(database_url=url, secret_key="analytics-tests"), clock=clock,
                     engine=engine)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                           timeout_graceful_shutdown=1))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "the test server did not start"
    yield LiveServer(f"http://127.0.0.1:{port}", engine, app.state.uow, clock,
                     analytics_database.seeded)
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: Playwright's sync API runs one
    instance per thread, and tests/web starts its own for the rest of the session."""
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    ctx.set_default_timeout(8_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A watched page; a screenshot of the whole page is saved to artifacts/ at the end."""
    watched = watch(context.new_page())
    yield watched
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    watched.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
