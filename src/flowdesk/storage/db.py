"""Engines for SQLite (WAL, foreign keys, busy timeout, BEGIN IMMEDIATE) and PostgreSQL."""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Dialect, make_url

BUSY_TIMEOUT_MS = 10_000


def normalise_url(url: str) -> str:
    """Use psycopg 3 for postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def shown_url(url: str) -> str:
    """A database URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL of each statement the engine runs inside the block, for tests and
    benchmarks that count them. The BEGIN statements SQLite is sent (`BEGIN`, `BEGIN
    IMMEDIATE`) are left out: they are no queries."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        if not str(args[2]).startswith("BEGIN"):
            seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


SYNCHRONOUS = ("normal", "full")


def make_engine(url: str, *, pool_size: int = 10, synchronous: str = "normal") -> Engine:
    """An engine for the URL. `synchronous` (SQLite): "normal" keeps every committed write
    through a crash of Flowdesk or the machine's processes (WAL); "full" also through a power
    cut, at the price of a disk sync per commit."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be normal or full, not {synchronous!r}")
        return _sqlite_engine(url, synchronous.upper())
    engine = create_engine(url, pool_size=pool_size, max_overflow=40)
    event.listen(engine, "checkin", _mark_idle)
    event.listen(engine, "checkout", partial(_check_alive, engine.dialect))
    return engine


# How long a pooled PostgreSQL connection may sit idle before its next use pings the server.
PING_AFTER_IDLE_S = 30.0


def _mark_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info["flowdesk_idle_since"] = time.monotonic()


def connection_alive(dbapi_connection: Any) -> bool:
    """False when an idle psycopg connection is closed, or the server has said goodbye on it
    (its closing message or end of file waits to be read), without a round trip."""
    if dbapi_connection.closed:
        return False
    poller = select.poll()  # not select.select: it fails on descriptors past 1023
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return not poller.poll(0)


def _check_alive(dialect: Dialect, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Hand out only a live connection, without a round trip for the busy ones.

    A pooled connection the server has closed (a restart, `pg_terminate_backend`, an idle
    timeout) has its closing message or end of file waiting to be read; a healthy idle one has
    nothing to say. So a connection with something to read, or closed on our side, is
    replaced, and one idle for long (a peer gone silently) is pinged first. That replaces
    `pool_pre_ping`, whose `SELECT 1` cost every request a round trip. Raising
    DisconnectionError makes the pool discard it and check out another (or a new one)."""
    if not connection_alive(dbapi_connection):
        raise exc.DisconnectionError("the server has closed the connection")
    idle_since = record.info.get("flowdesk_idle_since")
    if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE_S:
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError(f"the connection failed a ping: {error}") from error


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    database = make_url(url).database
    in_memory = not database or database == ":memory:"
    if not in_memory:
        assert database is not None
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # One wait for the write lock: the driver's timeout and the busy_timeout pragma agree.
    connect_args = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    kwargs: dict[str, Any] = {"connect_args": connect_args}
    if in_memory:
        raise ValueError("use a SQLite file: an in-memory database cannot be shared")
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN itself, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock at BEGIN, so the WIP counts it reads cannot
        # change before it commits. Reads stay deferred and never wait on writers (WAL).
        mode = "IMMEDIATE" if conn.get_execution_options().get("flowdesk_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
