"""Web fixtures: a seeded app for server-side tests, and for browser tests a real server on a
free port over a fresh demo database, with Debian's Chromium driven by Playwright.

Browser tests are skipped, saying why, when Chromium is missing; FLOWDESK_REQUIRE_BROWSER=1 (CI)
turns that into a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_env import (
    Template,
    chromium_or_skip,
    launched_chromium,
    make_template,
    save_screenshot,
    serve_copy,
    sign_in,
)
from fastapi.testclient import TestClient
from web_env import BROWSER_KEY, NOW, LiveServer, Watched, watch
from web_seed import Seeded, seed_claims

from flowdesk.storage.unit_of_work import UnitOfWork

DEMO_DAYS = 14


# ---- server-side tests ------------------------------------------------------------------------

@pytest.fixture
def seeded(uow: UnitOfWork) -> Seeded:
    """The priority-claims service (key CLM), as it stands on Monday morning."""
    return seed_claims(uow, NOW)


@pytest.fixture
def web(client: TestClient, seeded: Seeded) -> TestClient:
    """A client that has opened the services page, so it holds a CSRF cookie."""
    assert client.get("/").status_code == 200
    return client


# ---- browser tests ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A SQLite file with the demo (14 simulated days) and the seeded service, made once and
    copied for every browser test."""
    chromium_or_skip()
    path = tmp_path_factory.mktemp("demo") / "template.db"
    return make_template(path, demo_days=DEMO_DAYS, seeded_key=BROWSER_KEY)


@pytest.fixture
def live_server(demo_database: Template, tmp_path: Path) -> Iterator[LiveServer]:
    """Uvicorn serving the app in a thread, on a free port, over a fresh copy of the demo."""
    with serve_copy(demo_database, tmp_path, secret="browser-tests") as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def context(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A browser signed in to the live server as an admin who holds every role there."""
    # bypass_csp: the tests' own probes (wait_for_function) evaluate strings, which the pages'
    # policy forbids. It also proves the sanitiser alone keeps hostile descriptions inert.
    ctx = browser.new_context(viewport={"width": 1440, "height": 1200}, bypass_csp=True)
    ctx.set_default_timeout(5_000)
    sign_in(ctx, live_server)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A watched page; its screenshot is saved to artifacts/ when the test ends."""
    watched = watch(context.new_page())
    yield watched
    save_screenshot(watched, request)
