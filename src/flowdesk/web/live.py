"""Live board updates: a notice bus, and a hub that sequences changes per board.

How a change travels:

1. A use case commits; `UnitOfWork.listeners` hands the `Written` notices to `NoticeBus.publish`.
2. The bus hands them to the `BoardHub.handle` of every process serving the database:
   - `InProcessBus` (SQLite, one server process) calls this process's handlers directly;
   - `PostgresBus` (web/pgbus.py) `NOTIFY`s them as JSON after the commit, and a thread
     `LISTEN`ing on a connection of its own in each process (this one included) calls that
     process's handlers, so `flowdesk serve --workers N` works on PostgreSQL. When its listener
     reconnects it may have missed notices, so it calls the bus's `on_missed` callbacks and the
     hub tells every browser to resynchronise (`BoardHub.resync_all`).
   A bus holds resources (threads, connections) only between `start()` and `close()`, which the
   app's lifespan calls (flowdesk/app.py).
3. The hub renders each change once (one card and the counts of the columns it touched), gives it
   the board's next sequence number, keeps it in a short replay buffer, and queues it for every
   browser watching that board.

A sequence number is only meaningful together with the hub's `epoch` (one per process start), so
a browser that reconnects to another process, or after a restart, resynchronises.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flowdesk.domain.items import WorkItem
from flowdesk.storage.unit_of_work import Written

log = logging.getLogger(__name__)

NoticeHandler = Callable[[list[Written]], None]
MissedHandler = Callable[[], None]
SEQ_SHAPE = re.compile(r"[0-9]{1,18}")


class NoticeBus(Protocol):
    """Carries notices of committed events to the hubs of every process."""

    def publish(self, notices: list[Written]) -> None:
        """Send notices of events that were just committed."""
        ...

    def subscribe(self, handler: NoticeHandler, on_missed: MissedHandler | None = None) -> None:
        """Call `handler` with every batch of notices, from any process, and `on_missed` when
        notices may have been lost on the way (every board must then resynchronise)."""
        ...

    def start(self) -> None:
        """Start carrying notices between processes (the app's start-up)."""
        ...

    def close(self) -> None:
        """Stop, releasing every thread and connection (the app's shutdown)."""
        ...


class InProcessBus:
    """The bus for a single process: publishing calls the handlers at once (nothing is ever
    missed, and there is nothing to start or stop)."""

    def __init__(self) -> None:
        self._handlers: list[NoticeHandler] = []

    def publish(self, notices: list[Written]) -> None:
        for handler in list(self._handlers):
            handler(notices)

    def subscribe(self, handler: NoticeHandler, on_missed: MissedHandler | None = None) -> None:
        self._handlers.append(handler)

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class LiveChange:
    """One change, as every browser on the board receives it."""

    item: WorkItem | None  # None: something board-wide changed, so browsers reload the board
    data: Mapping[str, Any] = field(default_factory=dict)  # JSON payload, the same for all


RESYNC = LiveChange(None, {"reason": "the board changed"})


@dataclass(frozen=True)
class Sequenced:
    seq: int
    change: LiveChange


@dataclass(frozen=True)
class Cursor:
    """Where a browser is in a board's stream: `epoch:seq`."""

    epoch: str
    seq: int

    def __str__(self) -> str:
        return f"{self.epoch}:{self.seq}"

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """`epoch:seq` as sent back by a browser; None when absent or malformed."""
        if not text or ":" not in text:
            return None
        epoch, _, seq = text.rpartition(":")
        # ASCII digits only: str.isdigit() accepts '²', which int() then refuses.
        return cls(epoch, int(seq)) if SEQ_SHAPE.fullmatch(seq) else None


# Renders the changes a batch of one service's notices made (without sequence numbers).
Renderer = Callable[[int, list[Written]], list[LiveChange]]


class Subscription:
    """One browser's place on one board: a queue filled from any thread."""

    def __init__(self, hub: BoardHub, service_id: int, loop: asyncio.AbstractEventLoop,
                 queue_size: int) -> None:
        self.hub = hub
        self.service_id = service_id
        self.loop = loop
        self.queue: asyncio.Queue[Sequenced | None] = asyncio.Queue(queue_size)
        self.backlog: list[Sequenced] = []
        self.start: Cursor = Cursor(hub.epoch, 0)

    def push(self, message: Sequenced) -> bool:
        """Queue a message from any thread; False when the browser's loop is gone."""
        try:
            self.loop.call_soon_threadsafe(self._put, message)
        except RuntimeError:  # the event loop closed: the server is stopping
            return False
        return True

    def _put(self, message: Sequenced) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # A browser too slow to keep up loses the queue and reloads the board instead.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    def close(self) -> None:
        self.hub.unsubscribe(self)


@dataclass
class _Board:
    seq: int = 0
    buffer: deque[Sequenced] = field(default_factory=deque)
    subscribers: list[Subscription] = field(default_factory=list)
    # Writers (threads) render one batch at a time, so later numbers carry fresher reads.
    # Rendering reads the database: the event loop never waits for this lock.
    render_lock: threading.Lock = field(default_factory=threading.Lock)
    # Guards seq, buffer and subscribers for a few list operations only (no I/O, no rendering),
    # so the event loop may take it to join or leave a board without blocking.
    state_lock: threading.Lock = field(default_factory=threading.Lock)


class BoardHub:
    """Sequences each board's changes and fans them out to the browsers watching it."""

    def __init__(self, render: Renderer, *, buffer_size: int = 500,
                 queue_size: int = 1_000) -> None:
        self.render = render
        self.epoch = uuid.uuid4().hex[:12]
        self.buffer_size = buffer_size
        self.queue_size = queue_size
        self._boards: dict[int, _Board] = {}
        self._guard = threading.Lock()

    def _board(self, service_id: int) -> _Board:
        with self._guard:
            return self._boards.setdefault(service_id, _Board())

    def position(self, service_id: int) -> Cursor:
        """The board's latest sequence number: a page rendered now reflects everything up to it
        (read it before reading the database)."""
        board = self._board(service_id)
        with board.state_lock:
            return Cursor(self.epoch, board.seq)

    def handle(self, notices: list[Written]) -> None:
        """Render, sequence and send the changes in a batch of notices (any thread)."""
        by_service: dict[int, list[Written]] = {}
        for notice in notices:
            by_service.setdefault(notice.service_id, []).append(notice)
        for service_id, batch in by_service.items():
            self._handle_service(service_id, batch)

    def resync_all(self) -> None:
        """Tell every browser on every board to reload it (any thread): changes may have been
        missed, for example while the bus between processes was reconnecting."""
        with self._guard:
            boards = list(self._boards.values())
        for board in boards:
            with board.render_lock:
                self._send(board, [RESYNC])

    def _handle_service(self, service_id: int, batch: list[Written]) -> None:
        board = self._board(service_id)
        with board.render_lock:
            with board.state_lock:
                watched = bool(board.subscribers)
            if watched:
                try:
                    changes = self.render(service_id, batch)
                except Exception:  # a failed render must not lose the change: browsers reload
                    log.exception("rendering a live board change failed")
                    changes = [RESYNC]
            else:
                changes = [RESYNC]  # nobody is watching: a cheap marker keeps numbers honest
            self._send(board, changes)

    def _send(self, board: _Board, changes: list[LiveChange]) -> None:
        """Number the changes and queue them for the board's browsers (caller holds
        `render_lock`)."""
        with board.state_lock:
            for change in changes:
                board.seq += 1
                message = Sequenced(board.seq, change)
                board.buffer.append(message)
                if len(board.buffer) > self.buffer_size:
                    board.buffer.popleft()
                board.subscribers = [s for s in board.subscribers if s.push(message)]

    def subscribe(self, service_id: int, after: Cursor | None,
                  loop: asyncio.AbstractEventLoop) -> Subscription:
        """Join a board. The subscription's backlog replays what the browser missed since
        `after`, or is one resync message when that is no longer possible. Safe to call on the
        event loop: it never waits for a render."""
        board = self._board(service_id)
        sub = Subscription(self, service_id, loop, self.queue_size)
        with board.state_lock:
            sub.start = Cursor(self.epoch, board.seq)
            if after is not None and after.epoch == self.epoch and after.seq <= board.seq:
                missed = [m for m in board.buffer if m.seq > after.seq]
                oldest = missed[0].seq if missed else board.seq + 1
                if oldest == after.seq + 1:
                    sub.backlog = missed
                else:
                    sub.backlog = [Sequenced(board.seq, RESYNC)]
            else:
                sub.backlog = [Sequenced(board.seq, RESYNC)]
            board.subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Leave a board (safe on the event loop: a few list operations)."""
        board = self._board(sub.service_id)
        with board.state_lock:
            board.subscribers = [s for s in board.subscribers if s is not sub]

    def watching(self, service_id: int) -> int:
        """How many browsers are on the board."""
        board = self._board(service_id)
        with board.state_lock:
            return len(board.subscribers)
