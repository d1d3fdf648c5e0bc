"""Live-update notices between server processes over PostgreSQL `LISTEN/NOTIFY`.

`PostgresBus.publish` runs after the writing transaction committed (a `UnitOfWork` listener). It
only queues the notices, so a request never waits for the bus: a publisher thread waits
`GATHER_S` after the first one, takes all the notices waiting, in order, and `NOTIFY`s them as
compact JSON on a connection of its own, split into several notifications when one would pass
`PAYLOAD_LIMIT` (PostgreSQL refuses 8,000 bytes). Under load one notification carries the
notices of many writes. A daemon
thread in every process `LISTEN`s on another connection and hands every batch, its own process's
included, to the subscribed handlers (`BoardHub.handle`). When that connection drops, the thread
reconnects with backoff. Every time its `LISTEN` is (re)established it calls the `on_missed`
callbacks, because notices sent before it were not heard: the hubs then tell every browser to
reload its board (at a prompt start-up no board is known yet, so nothing happens).

The bus holds its thread and connections only between `start()` and `close()` (the app's
lifespan). Outside that window, `publish` hands the notices to this process's handlers directly,
like `InProcessBus`: an app that is never started (tests, `lifespan="off"`) leaks nothing and
still updates its own browsers.

The channel is `flowdesk_board` in the `public` schema, and `flowdesk_board_<schema>` when the
connection's `search_path` points elsewhere, so Flowdesk databases kept in different schemas of
one PostgreSQL database (per-process test schemas, for one) never hear each other's boards.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections import deque
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from flowdesk.storage.unit_of_work import Written
from flowdesk.web.live import MissedHandler, NoticeHandler

log = logging.getLogger(__name__)

CHANNEL = "flowdesk_board"
PAYLOAD_LIMIT = 7_000  # bytes per notification; PostgreSQL's limit is 8,000
FORMAT = 1  # the "v" of a payload: {"v":1,"n":[[event_id,service_id,item_id,kind],...]}
CONNECT_TIMEOUT_S = 5
START_WAIT_S = 5.0  # how long start() waits for the first LISTEN
GATHER_S = 0.02  # how long a queued notice waits for others to share its notification
MAX_IDENTIFIER = 63  # bytes in a PostgreSQL name (channels included)


def conninfo(url: str) -> str:
    """A connection string psycopg accepts, from a SQLAlchemy URL (query options kept)."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def channel_for(schema: str | None, base: str = CHANNEL) -> str:
    """The channel of the Flowdesk database in `schema`: `base` for `public`."""
    if not schema or schema == "public":
        return base
    name = f"{base}_{schema}"
    if len(name.encode()) > MAX_IDENTIFIER:  # PostgreSQL would truncate it: name it by hash
        name = f"{base}_{hashlib.sha256(schema.encode()).hexdigest()[:24]}"
    return name


def encode(notices: list[Written], limit: int = PAYLOAD_LIMIT) -> list[str]:
    """The notices as compact JSON payloads of at most `limit` bytes each, in order (a notice
    too large alone still gets a payload of its own, which PostgreSQL may refuse)."""
    head, tail = f'{{"v":{FORMAT},"n":['.encode(), b"]}"
    rows = [json.dumps([n.event_id, n.service_id, n.item_id, n.kind],
                       separators=(",", ":")).encode() for n in notices]
    payloads: list[str] = []
    chunk: list[bytes] = []
    size = len(head) + len(tail)
    for row in rows:
        if chunk and size + len(row) + 1 > limit:
            payloads.append((head + b",".join(chunk) + tail).decode())
            chunk, size = [], len(head) + len(tail)
        size += len(row) + (1 if chunk else 0)
        chunk.append(row)
    if chunk:
        payloads.append((head + b",".join(chunk) + tail).decode())
    return payloads


def decode(payload: str) -> list[Written]:
    """The notices in one payload; ValueError when it is not a Flowdesk batch."""
    try:
        data = json.loads(payload)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(data, dict) or data.get("v") != FORMAT:
        raise ValueError("not a Flowdesk notice batch")
    rows = data.get("n")
    if not isinstance(rows, list) or not rows:
        raise ValueError("no notices")
    notices = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 4):
            raise ValueError(f"a notice is not [event_id, service_id, item_id, kind]: {row!r}")
        event_id, service_id, item_id, kind = row
        if not (_is_int(event_id) and _is_int(service_id)
                and (item_id is None or _is_int(item_id)) and isinstance(kind, str)):
            raise ValueError(f"a notice has fields of the wrong type: {row!r}")
        notices.append(Written(event_id, service_id, item_id, kind))
    return notices


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class PostgresBus:
    """Carries notices between the processes serving one PostgreSQL database."""

    def __init__(self, url: str, *, channel: str | None = None, poll_seconds: float = 1.0,
                 backoff: tuple[float, float] = (0.2, 10.0)) -> None:
        """`url` is a SQLAlchemy URL; `channel` None means the schema's own (see above).
        `poll_seconds` bounds how long the listener takes to notice `close()` if the wake-up
        notification cannot be sent; `backoff` is the first and longest wait to reconnect."""
        self._conninfo = conninfo(url)
        self._channel = channel
        self._wake = f"flowdesk_wake_{uuid.uuid4().hex}"  # this bus's own: close() rings it
        self.poll_seconds = poll_seconds
        self.backoff = backoff
        self._handlers: list[NoticeHandler] = []
        self._on_missed: list[MissedHandler] = []
        self._lifecycle = threading.Lock()  # start() and close()
        self._thread: threading.Thread | None = None  # set between start() and close()
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._publish_lock = threading.Lock()  # guards the publishing connection
        self._publisher: psycopg.Connection[Any] | None = None
        self._pending: deque[Written] = deque()  # queued by publish(), sent by the thread
        self._pending_ready = threading.Condition()
        self._sender: threading.Thread | None = None  # the publisher thread, while started
        self.listener_pid: int | None = None  # the listening connection's server process

    @property
    def channel(self) -> str | None:
        """The channel notices travel on; None until a connection has resolved it."""
        return self._channel

    @property
    def publisher_pid(self) -> int | None:
        """The publishing connection's server process, when there is one."""
        conn = self._publisher
        return None if conn is None or conn.closed else conn.info.backend_pid

    @property
    def listening(self) -> bool:
        """True while the listener's `LISTEN` is in place."""
        return self._listening.is_set()

    # ---- NoticeBus -----------------------------------------------------------------------------

    def subscribe(self, handler: NoticeHandler, on_missed: MissedHandler | None = None) -> None:
        self._handlers.append(handler)
        if on_missed is not None:
            self._on_missed.append(on_missed)

    def publish(self, notices: list[Written]) -> None:
        """Queue the notices for the publisher thread (any thread; never waits for the
        database). Before `start()` and after `close()` they go straight to this process's
        handlers."""
        if not notices:
            return
        with self._pending_ready:
            if self._sender is not None:
                if not self._pending:  # the publisher sleeps only while nothing is queued
                    self._pending_ready.notify()
                self._pending.extend(notices)
                return
        self._call(self._handlers, notices)

    def _send_pending(self, stop: threading.Event) -> None:
        """The publisher thread: NOTIFY whatever is queued, in order, until `stop` and the
        queue is empty. Never raises: the changes are committed already, and a browser that
        misses one resynchronises on its next event or reconnect."""
        while True:
            with self._pending_ready:
                while not self._pending and not stop.is_set():
                    self._pending_ready.wait()
                if not self._pending:
                    return
            # Let the notices of the writes under way join this one: under load one
            # notification then carries many, and every process's listener wakes once for
            # them rather than once per write (each wake-up costs as much as a move's query).
            stop.wait(GATHER_S)
            with self._pending_ready:
                batch = list(self._pending)
                self._pending.clear()
            with self._publish_lock:
                try:
                    self._notify(encode(batch))
                except Exception:
                    log.exception("publishing %d live-update notice(s) failed; browsers catch "
                                  "up when they resynchronise", len(batch))

    def start(self, wait: float = START_WAIT_S) -> None:
        """Start the listener thread and wait up to `wait` seconds for its `LISTEN` (past
        that, it keeps trying in the background and `listening` stays False meanwhile)."""
        with self._lifecycle:
            if self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._listen, args=(self._stop,),
                                                name="flowdesk-pgbus-listener", daemon=True)
                self._thread.start()
                with self._pending_ready:
                    self._sender = threading.Thread(
                        target=self._send_pending, args=(self._stop,),
                        name="flowdesk-pgbus-publisher", daemon=True)
                    self._sender.start()
        if not self._listening.wait(wait):
            log.warning("the live-update listener is not connected yet; it keeps trying")

    def close(self) -> None:
        """Stop the listener and close both connections (idempotent)."""
        with self._lifecycle:
            thread, self._thread = self._thread, None
            stop = self._stop
            stop.set()
            with self._pending_ready:
                sender, self._sender = self._sender, None
                self._pending_ready.notify()
            if sender is not None:  # it sends what is still queued, then ends
                sender.join(timeout=CONNECT_TIMEOUT_S + 1)
            if thread is not None:
                with self._publish_lock:
                    try:  # wake the listener at once rather than at its next poll
                        self._notify([""], channel=self._wake)
                    except Exception as exc:
                        log.debug("could not wake the live-update listener: %s", exc)
                thread.join(timeout=self.poll_seconds + CONNECT_TIMEOUT_S + 1)
                if thread.is_alive():
                    log.warning("the live-update listener did not stop in time")
            with self._publish_lock:
                self._drop_publisher()

    # ---- publishing ----------------------------------------------------------------------------

    def _notify(self, payloads: list[str], channel: str | None = None) -> None:
        """NOTIFY each payload, in order, in one transaction (caller holds the publish lock).
        A connection found broken is replaced once; a fresh one that fails raises."""
        for _ in range(2):
            fresh = self._publisher is None or self._publisher.closed
            if fresh:
                self._publisher = self._connect("publish")
            conn = self._publisher
            assert conn is not None
            try:
                self._send(conn, channel or self._channel or CHANNEL, payloads)
                return
            except psycopg.OperationalError:
                self._drop_publisher()
                if fresh:
                    raise
                log.info("the live-update publishing connection broke; reconnecting")

    @staticmethod
    def _send(conn: psycopg.Connection[Any], channel: str, payloads: list[str]) -> None:
        if len(payloads) == 1:  # one statement commits on its own (autocommit)
            conn.execute("SELECT pg_notify(%s, %s)", (channel, payloads[0]))
            return
        with conn.transaction():  # several arrive together, in order, or not at all
            for payload in payloads:
                conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))

    def _drop_publisher(self) -> None:
        conn, self._publisher = self._publisher, None
        if conn is not None:
            try:
                conn.close()
            except Exception as exc:  # closing a broken connection must not fail anything
                log.debug("closing the publishing connection: %s", exc)

    # ---- listening -----------------------------------------------------------------------------

    def _connect(self, role: str) -> psycopg.Connection[Any]:
        """A connection of the bus's own; `role` names it in pg_stat_activity. Keepalives let
        the listener notice a dead peer while it waits."""
        conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name=f"flowdesk live {role}", keepalives=1,
                               keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
        if self._channel is None:
            try:
                row = conn.execute("SELECT current_schema()").fetchone()
            except BaseException:
                conn.close()
                raise
            self._channel = channel_for(row[0] if row else None)
        return conn

    def _listen(self, stop: threading.Event) -> None:
        """The listener thread: LISTEN, deliver, reconnect with backoff until `stop`."""
        delay = self.backoff[0]
        while not stop.is_set():
            try:
                with self._connect("listen") as conn:
                    for name in (self._channel or CHANNEL, self._wake):
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(name)))
                    self.listener_pid = conn.info.backend_pid
                    # Notices sent before this LISTEN (while reconnecting, or while a slow
                    # start-up was still connecting) were not heard: the hubs resynchronise.
                    # On a prompt start-up no board is known yet, so this costs nothing.
                    self._call_missed()
                    delay = self.backoff[0]
                    self._listening.set()
                    self._receive(conn, stop)
            except psycopg.Error as exc:
                if not stop.is_set():
                    log.warning("the live-update listener lost its connection (%s); retrying "
                                "in %.1f s", exc, delay)
            except Exception:
                log.exception("the live-update listener failed; retrying in %.1f s", delay)
            finally:
                self._listening.clear()
            if stop.wait(delay):
                break
            delay = min(delay * 2, self.backoff[1])

    def _receive(self, conn: psycopg.Connection[Any], stop: threading.Event) -> None:
        channel = self._channel or CHANNEL
        while not stop.is_set():
            for note in conn.notifies(timeout=self.poll_seconds):
                if stop.is_set():
                    return
                if note.channel == channel:
                    self._deliver(note.payload)

    def _deliver(self, payload: str) -> None:
        try:
            notices = decode(payload)
        except ValueError as exc:
            log.warning("ignored a notification on the live-update channel that is not a "
                        "Flowdesk notice batch (%s): %.100r", exc, payload)
            return
        self._call(self._handlers, notices)

    def _call_missed(self) -> None:
        for callback in list(self._on_missed):
            try:
                callback()
            except Exception:
                log.exception("a live-update resync callback failed")

    @staticmethod
    def _call(handlers: list[NoticeHandler], notices: list[Written]) -> None:
        for handler in list(handlers):
            try:
                handler(notices)
            except Exception:  # one failing handler must not starve the others or the thread
                log.exception("a live-update notice handler failed")

