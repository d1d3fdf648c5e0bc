"""A unit of work for bulk loading: many use cases share one transaction, committed in batches.

The demo makes tens of thousands of use-case calls. Each still runs unchanged and checks every
rule against the database, but one commit per call (a disk sync and several round trips on
PostgreSQL) would cost more than the calls themselves. So calls share a transaction that is
committed every `size` calls and at the end.

Atomicity holds at the batch level: if any call fails, the whole open batch is rolled back and
the error goes on up (the demo stops; earlier batches stay). Listeners hear about a batch's
events once it is committed, as they would for single calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from flowdesk.storage.unit_of_work import UnitOfWork, Written

log = logging.getLogger(__name__)


class BatchedUnitOfWork(UnitOfWork):
    def __init__(self, base: UnitOfWork, size: int = 200) -> None:
        super().__init__(base.engine)
        self.listeners = base.listeners
        self.size = size
        self._conn: Connection | None = None
        self._calls = 0
        self._written: list[Written] = []

    @contextmanager
    def write(self) -> Iterator[Connection]:
        conn = self._open()
        try:
            yield conn
        except BaseException:
            self.rollback()
            raise
        self._calls += 1
        if self._calls >= self.size:
            self.commit()

    def commit(self) -> None:
        """Commit the open batch, if any, and tell the listeners what it wrote."""
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.commit()
        finally:
            conn.info.pop("flowdesk_written", None)
            conn.close()
        written, self._written = self._written, []
        self._calls = 0
        for listener in list(self.listeners) if written else []:
            try:
                listener(written)
            except Exception:  # a listener must never undo a committed write
                log.exception("a unit-of-work listener failed")

    def rollback(self) -> None:
        """Drop the open batch, if any."""
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.rollback()
        finally:
            conn.info.pop("flowdesk_written", None)
            conn.close()
            self._written = []
            self._calls = 0

    def _open(self) -> Connection:
        if self._conn is None:
            conn = self.engine.connect().execution_options(flowdesk_write=True)
            conn.info["flowdesk_written"] = self._written
            conn.begin()
            self._conn = conn
        return self._conn
