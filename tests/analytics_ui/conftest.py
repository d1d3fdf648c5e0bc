"""Fixtures for the analytics page, the charts API and the offline report.

The seeded claims service and the live-server helpers come from the web board's tests
(`tests/web/web_seed.py`, `tests/web/web_env.py`, `tests/web/browser_env.py`), so both suites
drive the same service. The fixtures are thin wrappers: fixtures in another folder's conftest are
not visible here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from browser_env import (
    Template,
    chromium_or_skip,
    launched_chromium,
    make_template,
    save_screenshot,
    serve_copy,
    sign_in,
)
from web_env import NOW, LiveServer, Watched, watch
from web_seed import Seeded, seed_claims

from bpic import EVENTS, events_or_skip
from flowdesk.storage.unit_of_work import UnitOfWork

REPO = Path(__file__).resolve().parents[2]
BPIC_EVENTS = EVENTS
BPIC_WORKFLOW = REPO / "examples" / "bpic2013" / "workflow.toml"
DEMO_DAYS = 21
DEMO_KEY = "CLM"  # the demo's priority-claims service
SEEDED_KEY = "PRIO"  # the web tests' hand-built claims service


@pytest.fixture
def bpic_files() -> tuple[Path, Path]:
    """The BPIC 2013 incident log and its workflow file."""
    return events_or_skip(), BPIC_WORKFLOW


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

@pytest.fixture(scope="session")
def analytics_database(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A SQLite file with three weeks of the demo and the hand-built service, made once and
    copied for every browser test."""
    chromium_or_skip()
    path = tmp_path_factory.mktemp("analytics") / "template.db"
    return make_template(path, demo_days=DEMO_DAYS, seeded_key=SEEDED_KEY)


@pytest.fixture
def live_server(analytics_database: Template, tmp_path: Path) -> Iterator[LiveServer]:
    """Uvicorn serving the app in a thread, on a free port, over a fresh copy of the data."""
    with serve_copy(analytics_database, tmp_path, secret="analytics-tests") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: Playwright's sync API runs one
    instance per thread, and tests/web starts its own for the rest of the session."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A browser signed in to the live server as an admin who holds every role there."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    ctx.set_default_timeout(8_000)
    sign_in(ctx, live_server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A watched page; a screenshot of the whole page is saved to artifacts/ at the end."""
    watched = watch(context.new_page())
    yield watched
    save_screenshot(watched, request, full_page=True)
