"""A unit of work: one transaction per use case, and news of what it wrote after commit."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from flowdesk.domain.errors import Conflict
from flowdesk.storage.db import connection_alive

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    """One event a committed transaction appended: enough for a listener to fetch the rest."""

    event_id: int
    service_id: int
    item_id: int | None
    kind: str


Listener = Callable[[list[Written]], None]

ARCHIVED_KEY = "flowdesk_archived"
"""`conn.info` key: the key of an archived service the write transaction used (see
`repository.touch_archived`); the transaction is then refused and rolled back."""


def archived(key: str) -> Conflict:
    """What a write to an archived service is told: it is read-only until it is restored."""
    return Conflict(f"service {key} is archived and read-only: restore it to change it",
                    field="key")


class UnitOfWork:
    """Hands out transactions.

    `write()` takes the write lock at BEGIN on SQLite and tells the listeners (live board
    updates) about the events it appended, only once they are committed. A listener that fails
    never undoes a committed write (the live-update bus, `flowdesk.web.live`, is one).
    """

    def __init__(self, engine: Engine, *, max_writers: int | None = None) -> None:
        """`max_writers` bounds this process's concurrent write transactions on PostgreSQL
        (SQLite runs one at a time anyway). A server sets it: on a few cores, more writers at
        once only hold their row locks longer while they wait for the interpreter, and the
        others queue behind those locks; waiting here instead holds no lock."""
        self.engine = engine
        self.dialect = engine.dialect.name
        self.listeners: list[Listener] = []
        self._writers: AbstractContextManager[object] = nullcontext()
        self._keep_lookup = False
        self._lookup_conn: Connection | None = None
        self._lookup_lock = threading.Lock()
        if max_writers is not None and self.dialect != "sqlite":
            self._writers = threading.BoundedSemaphore(max_writers)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: commits when the block ends, rolls back on any exception."""
        with _writer_queue(self.engine), self._writers, self.engine.connect() as conn:
            conn = conn.execution_options(flowdesk_write=True)
            written: list[Written] = []
            conn.info["flowdesk_written"] = written
            try:
                with conn.begin():
                    yield conn
                    if ARCHIVED_KEY in conn.info:
                        raise archived(conn.info[ARCHIVED_KEY])
            finally:
                conn.info.pop("flowdesk_written", None)
                conn.info.pop(ARCHIVED_KEY, None)
        if written:
            for listener in list(self.listeners):
                try:
                    listener(written)
                except Exception:  # a listener must never undo a committed write
                    log.exception("a unit-of-work listener failed")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for one read statement (signing in: a token or a session), outside
        any transaction on PostgreSQL: a single statement sees one snapshot anyway, and a
        transaction around it would cost a BEGIN and a COMMIT, two round trips, on every
        request. On SQLite, the same as `read()`. Use `read()` for several statements."""
        if self.dialect == "sqlite":
            with self.read() as conn:
                yield conn
            return
        if self._keep_lookup and self._lookup_lock.acquire(blocking=False):
            try:
                conn = self._lookup_connection()
                try:
                    yield conn
                except DBAPIError:
                    self._drop_lookup_connection()  # it may be broken: the next one is new
                    raise
            finally:
                self._lookup_lock.release()
            return
        with self.engine.connect() as conn:  # another thread has the kept one
            conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    def keep_lookup_connection(self, keep: bool) -> None:
        """While `keep` (a server, between start-up and shutdown), `lookup()` reuses one
        connection of its own instead of taking one from the pool for every request: checking
        a connection out and back in cost more than the lookup's query. False closes it."""
        with self._lookup_lock:
            self._keep_lookup = keep and self.dialect != "sqlite"
            if not keep:
                self._drop_lookup_connection()

    def _lookup_connection(self) -> Connection:
        """The kept connection, replaced when the server has closed it (see storage.db)."""
        conn = self._lookup_conn
        if conn is not None and (conn.closed or conn.invalidated
                                 or not connection_alive(conn.connection.dbapi_connection)):
            self._drop_lookup_connection()
            conn = None
        if conn is None:
            conn = self.engine.connect()
            conn.execution_options(isolation_level="AUTOCOMMIT")
            self._lookup_conn = conn
        return conn

    def _drop_lookup_connection(self) -> None:
        conn, self._lookup_conn = self._lookup_conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never back to the pool: it may be broken
                conn.close()
            except Exception as exc:  # closing a broken connection must fail nothing
                log.debug("closing the lookup connection: %s", exc)

    @property
    def locks_rows(self) -> bool:
        """PostgreSQL takes row locks; SQLite's BEGIN IMMEDIATE already serialises writers."""
        return self.dialect == "postgresql"


# SQLite has one writer at a time. Threads of one process that wait for it inside SQLite's busy
# handler sleep in growing steps (up to 100 ms) and wake in no order, which ruins tail latency.
# Queueing them on a lock first hands the write lock over at once, in turn; other processes
# still wait in the busy handler. PostgreSQL writers run concurrently and queue on row locks.
_SQLITE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_SQLITE_WRITERS_GUARD = threading.Lock()


def _writer_queue(engine: Engine) -> AbstractContextManager[object]:
    """The in-process queue for an engine's write transactions (SQLite only)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _SQLITE_WRITERS_GUARD:
        lock = _SQLITE_WRITERS.get(engine)
        if lock is None:
            lock = _SQLITE_WRITERS[engine] = threading.RLock()
    return lock

