"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured), a fixed
clock, the app driven in process.

PostgreSQL tests run when FLOWDESK_TEST_DATABASE_URL is set. In CI (.ci/run) it is, and
FLOWDESK_REQUIRE_POSTGRES=1 turns a missing server into a failure rather than a skip.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from cast import ADMIN, ensure_users, token_of
from flowdesk.app import create_app
from flowdesk.config import Settings
from flowdesk.domain.clock import FixedClock
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

# Flowdesk's own files (the installation secret, first-run accounts) go to a folder of the
# test run's, never to the home folder of whoever runs the tests.
os.environ.setdefault("FLOWDESK_DATA_DIR", tempfile.mkdtemp(prefix="flowdesk-test-data-"))
PG_URL = os.environ.get("FLOWDESK_TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("FLOWDESK_REQUIRE_POSTGRES") == "1"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


def postgres_url_or_skip() -> str:
    if PG_URL:
        return PG_URL
    if REQUIRE_PG:
        pytest.fail("FLOWDESK_REQUIRE_POSTGRES=1 but FLOWDESK_TEST_DATABASE_URL is not set")
    pytest.skip("PostgreSQL tests need FLOWDESK_TEST_DATABASE_URL (CI sets it)")


def schema_url(url: str, schema: str) -> str:
    """The URL with every connection's search_path set to `schema`."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def reset_postgres(url: str) -> Engine:
    """Empty this test process's own schema, so parallel runs never share tables."""
    engine = make_engine(url)
    schema = f"flowdesk_test_{os.getpid()}"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        engine.dispose()
        if REQUIRE_PG:
            raise
        pytest.skip(f"PostgreSQL at {url} is not reachable: {exc}")
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind, as a URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'flowdesk.db'}"
    url = postgres_url_or_skip()
    reset_postgres(url).dispose()
    return schema_url(url, f"flowdesk_test_{os.getpid()}")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a freshly migrated database."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def app(engine: Engine, clock: FixedClock, database_url: str) -> FastAPI:
    return create_app(Settings(database_url=database_url), clock=clock, engine=engine)


@pytest.fixture
def client(app: FastAPI, uow: UnitOfWork) -> Iterator[TestClient]:
    """The app, called by Olivia: an organisation admin with a write token, who owns every
    service she creates. The rest of the cast have accounts too (see cast.py)."""
    ensure_users(uow)
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {token_of(uow, ADMIN)}"
        yield c


@pytest.fixture(scope="session", autouse=True)
def _drop_test_schema() -> Iterator[None]:
    """Leave no per-process schema behind in the shared PostgreSQL database."""
    yield
    if not PG_URL:
        return
    engine = make_engine(PG_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS flowdesk_test_{os.getpid()} CASCADE"))
    except Exception:  # the server may already be gone: nothing to clean up then
        pass
    finally:
        engine.dispose()
