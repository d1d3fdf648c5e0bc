"""A pooled PostgreSQL connection the server has closed is never handed out: the next request
gets a live one and succeeds. Busy connections are not pinged on every checkout (that cost each
request a round trip); the server's closing message on the socket tells a dead one apart."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import Engine, text

from flowdesk.storage import db
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork


def backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.fixture
def pg_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite connections are files, never closed by a server")
    return database_url


def terminate(url: str, pid: int) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    time.sleep(0.1)  # the server's goodbye reaches the pooled socket


def test_a_connection_the_server_closed_is_replaced_not_handed_out(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=1)
    try:
        first = backend_pid(engine)
        terminate(pg_url, first)
        second = backend_pid(engine)  # no error: the dead connection was discarded
        assert second != first
        assert backend_pid(engine) == second  # and the live one is pooled again
    finally:
        engine.dispose()


def test_a_busy_connection_is_not_pinged_but_a_long_idle_one_is(
        pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(pg_url, pool_size=1)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or
                        real_ping(conn))
    try:
        for _ in range(3):
            backend_pid(engine)
        assert pings == []
        monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
        backend_pid(engine)
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_the_kept_sign_in_connection_is_replaced_when_the_server_closes_it(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=2)
    uow = UnitOfWork(engine)
    uow.keep_lookup_connection(True)

    def lookup_pid() -> int:
        with uow.lookup() as conn:
            return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())

    try:
        first = lookup_pid()
        assert lookup_pid() == first  # kept, not taken from the pool each time
        terminate(pg_url, first)
        second = lookup_pid()  # no error: a new connection
        assert second != first
        assert lookup_pid() == second
        with uow.lookup() as conn:  # outside any transaction: it sees what others commit
            first_now = conn.execute(text("SELECT now()")).scalar()
            assert conn.execute(text("SELECT now()")).scalar() != first_now
    finally:
        uow.keep_lookup_connection(False)
        engine.dispose()
