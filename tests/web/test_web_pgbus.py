"""Live updates between server processes: the PostgreSQL bus NOTIFYs committed notices and every
process's listener hands them to its hub, survives garbage and lost connections, and two apps
on one database (two workers) see each other's moves.

Each test listens on a channel of its own, so parallel test runs on the shared server never hear
each other."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import click
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cast import ADMIN, OPERATOR, token_of
from flowdesk.app import create_app
from flowdesk.cli.serve import check_workers
from flowdesk.config import Settings
from flowdesk.domain.clock import FixedClock
from flowdesk.services import board_views
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork, Written
from flowdesk.web.live import RESYNC, BoardHub, InProcessBus, Sequenced
from flowdesk.web.pgbus import PAYLOAD_LIMIT, PostgresBus, channel_for, conninfo, decode, encode

WAIT = 10.0  # seconds a notice may take at most; they normally take milliseconds
LISTENER = "flowdesk-pgbus-listener"
PUBLISHER = "flowdesk-pgbus-publisher"
on_postgres = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)


def notice(event_id: int, service_id: int = 7, kind: str = "moved") -> Written:
    return Written(event_id, service_id, event_id * 10, kind)


class Heard:
    """A process's handlers: the notices it received and how often it was told to resync."""

    def __init__(self) -> None:
        self.batches: list[list[Written]] = []
        self.missed = 0
        self._changed = threading.Condition()

    @property
    def notices(self) -> list[Written]:
        return [n for batch in self.batches for n in batch]

    def handle(self, notices: list[Written]) -> None:
        with self._changed:
            self.batches.append(notices)
            self._changed.notify_all()

    def resync(self) -> None:
        with self._changed:
            self.missed += 1
            self._changed.notify_all()

    def until(self, done: Callable[[Heard], bool]) -> bool:
        """Wait (bounded) until `done` holds."""
        with self._changed:
            return self._changed.wait_for(lambda: done(self), WAIT)


@pytest.fixture
def channel() -> str:
    return f"flowdesk_test_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def make_bus(database_url: str, channel: str) -> Iterator[Callable[[], tuple[PostgresBus, Heard]]]:
    """Started buses on the test's channel, as separate processes would have; all closed after."""
    made: list[PostgresBus] = []

    def make() -> tuple[PostgresBus, Heard]:
        bus = PostgresBus(database_url, channel=channel, backoff=(0.05, 0.2))
        heard = Heard()
        bus.subscribe(heard.handle, on_missed=heard.resync)
        made.append(bus)
        bus.start()
        assert bus.listening
        return bus, heard

    yield make
    for bus in made:
        bus.close()
    assert not [t for t in threading.enumerate() if t.name in (LISTENER, PUBLISHER)]


def notify(database_url: str, channel: str, payload: str) -> None:
    """NOTIFY from outside Flowdesk."""
    with psycopg.connect(conninfo(database_url), autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))


# ---- payloads ---------------------------------------------------------------------------------

def test_a_batch_travels_as_compact_json_and_comes_back_equal() -> None:
    batch = [notice(1), Written(2, 7, None, "limit_changed"), notice(3, kind="blocked ✓")]
    payloads = encode(batch)
    assert len(payloads) == 1 and " " not in payloads[0].replace("blocked ", "")
    assert decode(payloads[0]) == batch


def test_a_large_batch_is_split_below_the_limit_in_order() -> None:
    batch = [notice(i, kind="moved" * 5) for i in range(1, 2_001)]
    payloads = encode(batch)
    assert len(payloads) > 5
    assert all(len(p.encode()) <= PAYLOAD_LIMIT for p in payloads)
    assert [n for p in payloads for n in decode(p)] == batch


@pytest.mark.parametrize("payload", [
    "", "not json", "[]", "{}", '{"v":2,"n":[[1,7,1,"moved"]]}', '{"v":1,"n":[]}',
    '{"v":1,"n":[[1,7,1]]}', '{"v":1,"n":[[true,7,1,"moved"]]}', '{"v":1,"n":[["1",7,1,"m"]]}',
    '{"v":1,"n":[[1,7,1,5]]}', "[" * 100_000,
])
def test_a_payload_that_is_not_a_flowdesk_batch_is_refused(payload: str) -> None:
    with pytest.raises(ValueError):
        decode(payload)


def test_each_schema_has_its_own_channel() -> None:
    assert channel_for("public") == channel_for(None) == "flowdesk_board"
    assert channel_for("flowdesk_test_42") == "flowdesk_board_flowdesk_test_42"
    long = channel_for("s" * 63)
    assert len(long.encode()) <= 63 and long != channel_for("s" * 62 + "t")


def test_the_connection_string_comes_from_the_sqlalchemy_url() -> None:
    url = "postgresql+psycopg://flow:s3cret@db.example:5433/flowdesk?options=-csearch_path%3Dx"
    assert conninfo(url) == ("postgresql://flow:s3cret@db.example:5433/flowdesk"
                             "?options=-csearch_path%3Dx")


# ---- between processes ------------------------------------------------------------------------

@on_postgres
def test_a_notice_published_by_one_process_reaches_every_process(
        make_bus: Callable[[], tuple[PostgresBus, Heard]]) -> None:
    (first, heard_first), (second, heard_second) = make_bus(), make_bus()
    first.publish([notice(1)])
    second.publish([notice(2), notice(3)])
    for heard in (heard_first, heard_second):
        assert heard.until(lambda h: len(h.notices) == 3), heard.notices
        assert sorted(n.event_id for n in heard.notices) == [1, 2, 3]
        assert [notice(2), notice(3)] in heard.batches  # a batch stays a batch


@on_postgres
def test_a_large_batch_arrives_complete_and_in_order(
        make_bus: Callable[[], tuple[PostgresBus, Heard]]) -> None:
    (first, _), (_, heard) = make_bus(), make_bus()
    batch = [notice(i, kind="moved" * 5) for i in range(1, 2_001)]
    first.publish(batch)
    assert heard.until(lambda h: len(h.notices) >= len(batch))
    assert heard.notices == batch
    assert len(heard.batches) == len(encode(batch)) > 1


@on_postgres
def test_garbage_on_the_channel_is_logged_and_later_notices_still_arrive(
        make_bus: Callable[[], tuple[PostgresBus, Heard]], database_url: str, channel: str,
        caplog: pytest.LogCaptureFixture) -> None:
    bus, heard = make_bus()
    with caplog.at_level(logging.WARNING, logger="flowdesk.web.pgbus"):
        for garbage in ("hello", '{"v":1,"n":[[1,2]]}', "[" * 5_000):
            notify(database_url, channel, garbage)
        bus.publish([notice(1)])
        assert heard.until(lambda h: bool(h.notices))
    assert heard.notices == [notice(1)] and heard.missed == 1  # its first LISTEN only
    ignored = [r for r in caplog.records if "not a Flowdesk notice batch" in r.getMessage()]
    assert len(ignored) == 3


@on_postgres
def test_a_listener_whose_connection_is_killed_reconnects_and_resyncs(
        make_bus: Callable[[], tuple[PostgresBus, Heard]], database_url: str) -> None:
    (listener, heard), (publisher, _) = make_bus(), make_bus()
    assert heard.until(lambda h: h.missed == 1)  # its first LISTEN: nothing heard before it
    killed = listener.listener_pid
    with psycopg.connect(conninfo(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (killed,))
    assert heard.until(lambda h: h.missed == 2)  # notices may have been lost: boards resync
    assert heard.until(lambda h: listener.listening)
    assert listener.listener_pid != killed
    publisher.publish([notice(1)])
    assert heard.until(lambda h: h.notices == [notice(1)])


@on_postgres
def test_a_broken_publishing_connection_is_replaced_once(
        make_bus: Callable[[], tuple[PostgresBus, Heard]], database_url: str) -> None:
    bus, heard = make_bus()
    bus.publish([notice(1)])
    assert heard.until(lambda h: len(h.notices) == 1)
    with psycopg.connect(conninfo(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (bus.publisher_pid,))
    bus.publish([notice(2)])  # finds its connection dead, reconnects, sends
    assert heard.until(lambda h: len(h.notices) == 2)
    assert heard.notices == [notice(1), notice(2)]


def test_a_failure_to_publish_is_logged_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    bus = PostgresBus("postgresql://nobody@127.0.0.1:1/none", channel="flowdesk_test_nowhere",
                      backoff=(0.05, 0.2))  # nothing listens on port 1
    heard = Heard()
    bus.subscribe(heard.handle)
    try:
        with caplog.at_level(logging.WARNING, logger="flowdesk.web.pgbus"):
            bus.start(wait=0)  # the listener keeps trying in the background
            bus.publish([notice(1)])  # queued: the request that published is not held up
            assert not bus.listening
            bus.close()  # the publisher thread tries what is queued before it ends
        assert "publishing 1 live-update notice(s) failed" in caplog.text
        assert heard.notices == []
    finally:
        bus.close()
    assert not [t for t in threading.enumerate() if t.name in (LISTENER, PUBLISHER)]


def test_a_bus_never_started_holds_nothing_and_serves_its_own_process() -> None:
    bus = PostgresBus("postgresql://nobody@127.0.0.1:1/none")  # never connected to
    heard = Heard()
    bus.subscribe(heard.handle, on_missed=heard.resync)
    bus.publish([notice(1)])
    assert heard.notices == [notice(1)]
    assert not bus.listening and bus.publisher_pid is None
    assert not [t for t in threading.enumerate() if t.name in (LISTENER, PUBLISHER)]
    bus.close()
    bus.close()  # idempotent


def test_a_hub_told_it_missed_notices_resyncs_every_board_it_knows() -> None:
    async def run() -> list[tuple[int, bool]]:
        hub = BoardHub(lambda service_id, notices: [])
        loop = asyncio.get_running_loop()
        subs = [hub.subscribe(board, hub.position(board), loop) for board in (7, 8)]
        hub.resync_all()
        await asyncio.sleep(0)  # let the queued messages land
        got = [sub.queue.get_nowait() for sub in subs]
        return [(m.seq, m.change is RESYNC) for m in got if m is not None]

    assert _in_thread(lambda: asyncio.run(run())) == [(1, True), (1, True)]


# ---- two workers ------------------------------------------------------------------------------

@on_postgres
def test_a_move_through_one_worker_reaches_a_browser_on_another(
        engine: Engine, database_url: str, channel: str, clock: FixedClock) -> None:
    other_engine = make_engine(database_url)  # each worker process has its own
    apps = [create_app(Settings(database_url=database_url), clock=clock, engine=e,
                       bus=PostgresBus(database_url, channel=channel))
            for e in (engine, other_engine)]
    try:
        with TestClient(apps[0]) as worker_a, TestClient(apps[1]):
            worker_a.headers["Authorization"] = f"Bearer {token_of(UnitOfWork(engine), ADMIN)}"
            claims = _claims_service(worker_a)
            item = worker_a.post("/api/v1/services/CLM/items", json={"title": "Refund"}).json()
            service_id = board_views.service_id(UnitOfWork(engine), OPERATOR, "CLM")
            hub_b = apps[1].state.board_hub

            async def watch_b() -> list[Sequenced | None]:
                """What a browser on worker B's board receives until the move arrives (the
                item's creation may arrive first: it travels the same way)."""
                sub = hub_b.subscribe(service_id, hub_b.position(service_id),
                                      asyncio.get_running_loop())
                received: list[Sequenced | None] = []
                try:
                    moved = await asyncio.to_thread(
                        worker_a.post, f"/api/v1/items/{item['key']}/move",
                        json={"to_stage": claims["Ready"]})
                    assert moved.status_code == 200, moved.text
                    async with asyncio.timeout(WAIT):
                        while not received or not _is_move(received[-1], claims["Ready"]):
                            received.append(await sub.queue.get())
                finally:
                    sub.close()
                return received

            received = _in_thread(lambda: asyncio.run(watch_b()))
    finally:
        other_engine.dispose()
    move = received[-1]
    assert move is not None and move.change.item is not None
    assert move.change.item.key == item["key"] and move.change.data["on_board"] is True
    assert len(received) <= 2  # the move, perhaps after the creation; nothing else
    assert not [t for t in threading.enumerate() if t.name in (LISTENER, PUBLISHER)]


@on_postgres
def test_the_app_picks_the_postgresql_bus_and_starts_it_only_while_serving(
        engine: Engine, database_url: str, clock: FixedClock) -> None:
    app = create_app(Settings(database_url=database_url), clock=clock, engine=engine)
    bus = app.state.notice_bus
    assert isinstance(bus, PostgresBus) and not bus.listening  # built, not started
    assert not [t for t in threading.enumerate() if t.name in (LISTENER, PUBLISHER)]
    with TestClient(app):
        assert bus.listening
        # the per-process test schema has its own channel: parallel runs never cross
        assert bus.channel == channel_for(database_url.rsplit("%3D", 1)[1])
    assert not bus.listening and bus.publisher_pid is None
    assert not [t for t in threading.enumerate() if t.name in (LISTENER, PUBLISHER)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_app_keeps_live_updates_in_process_on_sqlite(app: Any) -> None:
    assert isinstance(app.state.notice_bus, InProcessBus)


# ---- serving ----------------------------------------------------------------------------------

def test_several_workers_are_refused_on_sqlite_naming_the_option() -> None:
    with pytest.raises(click.BadParameter) as refused:
        check_workers(2, Settings(database_url="sqlite:///flowdesk.db"))
    assert refused.value.param_hint == "'--workers'"
    assert "use PostgreSQL for several workers" in refused.value.format_message()
    check_workers(1, Settings(database_url="sqlite:///flowdesk.db"))


def test_several_workers_are_accepted_on_postgresql_up_to_32() -> None:
    conf = Settings(database_url="postgresql://db.example/flowdesk")
    for workers in (1, 2, 32):
        check_workers(workers, conf)
    for workers in (0, 33):
        with pytest.raises(click.BadParameter):
            check_workers(workers, conf)


def _is_move(message: Sequenced | None, stage_id: int) -> bool:
    return (message is not None and message.change.item is not None
            and message.change.item.stage_id == stage_id)


def _claims_service(client: TestClient) -> dict[str, int]:
    stages = [{"name": "Options", "phase": "upstream", "kind": "queue"},
              {"name": "Ready", "phase": "upstream", "kind": "queue"},
              {"name": "In progress", "phase": "committed", "kind": "activity"},
              {"name": "Done", "phase": "done", "kind": "queue"}]
    response = client.post("/api/v1/services", json={"key": "CLM", "name": "Priority claims",
                                                      "stages": stages})
    assert response.status_code == 201, response.text
    return {s["name"]: int(s["id"]) for s in response.json()["stages"]}


def _in_thread(run: Callable[[], Any]) -> Any:
    """Run in a thread of its own, away from any event loop of the session (Playwright)."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(run())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]
