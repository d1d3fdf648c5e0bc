"""What every browser-test folder needs besides its fixtures: Chromium (or a reason to skip), a
template database made once, a real server over a fresh copy of it, and a screenshot per test.

The fixtures themselves stay in each folder's conftest.py (pytest does not share a folder's
fixtures with its siblings); they are thin wrappers around these helpers.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from web_env import ARTIFACTS, NOW, LiveServer, Watched
from web_seed import Seeded, seed_claims

from cast import ADMIN, OPERATOR, enrol_owner
from flowdesk.app import create_app
from flowdesk.config import Settings
from flowdesk.demo import run_demo
from flowdesk.domain.clock import FixedClock
from flowdesk.services import accounts, queries
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("FLOWDESK_REQUIRE_BROWSER") == "1"
# Who the browser tests sign in as: an admin who holds every working role in every service of
# the template (the demo's and the hand-built one).
BROWSER_USER = ADMIN
BROWSER_PASSWORD = "only-for-browser-tests"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_or_skip() -> None:
    """Skip the test, saying why, without Chromium; fail instead when CI requires it."""
    if CHROMIUM.exists():
        return
    reason = f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
    if REQUIRE_BROWSER:
        pytest.fail(f"FLOWDESK_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class Template:
    """A SQLite file holding the demo and the hand-built service, copied for every test."""

    path: Path
    seeded: Seeded


def make_template(path: Path, *, demo_days: int, seeded_key: str) -> Template:
    """Build the template: `demo_days` of the seeded demo, then the hand-built service."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        uow = UnitOfWork(engine)
        run_demo(uow, seed=7, days=demo_days, end=NOW)
        seeded = seed_claims(uow, NOW, key=seeded_key)
        let_in(uow)
        with engine.connect() as conn:  # fold the WAL into the file so a copy is complete
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return Template(path, seeded)


def let_in(uow: UnitOfWork) -> None:
    """Give BROWSER_USER a password and every working role in every service (hashed once, in
    the template, so each test's copy has it)."""
    clock = FixedClock(NOW)
    for summary in queries.list_services(uow, OPERATOR, NOW):
        if not accounts.actor_named(uow, clock, BROWSER_USER).is_member(summary.service.id):
            enrol_owner(uow, clock, summary.service.key)
    accounts.reset_password(uow, clock, OPERATOR, BROWSER_USER, BROWSER_PASSWORD)


def sign_in(context: Any, server: LiveServer, username: str = BROWSER_USER,
            password: str = BROWSER_PASSWORD) -> None:
    """Sign a browser context in through the /login form: every page it opens afterwards
    carries the session cookie."""
    page = context.new_page()
    try:
        page.goto(f"{server.url}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click(".account-form button[type=submit]")
        assert "/login" not in page.url, f"{username} could not sign in"
    finally:
        page.close()


@contextmanager
def serve_copy(template: Template, folder: Path, *, secret: str) -> Iterator[LiveServer]:
    """Uvicorn serving the app in a thread, on a free port, over a fresh copy of `template`."""
    path = folder / "flowdesk.db"
    shutil.copyfile(template.path, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    clock = FixedClock(NOW)
    app = create_app(Settings(database_url=url, secret_key=secret), clock=clock, engine=engine)
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
    try:
        assert server.started, "the test server did not start"
        yield LiveServer(f"http://127.0.0.1:{port}", engine, app.state.uow, clock,
                         template.seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        engine.dispose()


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (which never downloads a browser here)."""
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def save_screenshot(watched: Watched, request: pytest.FixtureRequest, *,
                    full_page: bool = False) -> None:
    """Save the page as artifacts/<test name>.png, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    watched.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
