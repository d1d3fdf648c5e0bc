"""Live updates: the hub numbers each board's changes, replays what a reconnecting browser
missed, tells a browser to resynchronise when it cannot, and the stream sends one card at a time."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from fastapi.testclient import TestClient
from web_env import NOW, web_post
from web_seed import Seeded

from flowdesk.domain.items import WorkItem
from flowdesk.services.board_views import BoardFilter
from flowdesk.storage.unit_of_work import Written
from flowdesk.web.live import (
    RESYNC,
    BoardHub,
    Cursor,
    InProcessBus,
    LiveChange,
    Sequenced,
    Subscription,
)
from flowdesk.web.sse import event_stream, message_frame

SERVICE = 7
T = TypeVar("T")


def notice(event_id: int, item_id: int | None = 1, service_id: int = SERVICE) -> Written:
    return Written(event_id, service_id, item_id, "moved")


class Renders:
    """A stand-in renderer that counts its calls and makes one change per notice."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, service_id: int, notices: list[Written]) -> list[LiveChange]:
        self.calls += 1
        return [LiveChange(None if n.item_id is None else _item(n.item_id),
                           {"event": n.event_id, "on_board": True}) for n in notices]


def _item(item_id: int) -> WorkItem:
    return WorkItem(id=item_id, service_id=SERVICE, key=f"CLM-{item_id}", title="Refund",
                    stage_id=1, rank=1, version=1, arrived_at=NOW)


def drain(loop: asyncio.AbstractEventLoop, sub: Subscription) -> list[int | None]:
    """Run the loop until the callbacks queued from other threads have run; return the seqs."""
    loop.run_until_complete(asyncio.sleep(0))
    seqs: list[int | None] = []
    while not sub.queue.empty():
        message = sub.queue.get_nowait()
        seqs.append(None if message is None else message.seq)
    return seqs


def in_thread(test: Callable[[], T]) -> T:
    """Run `test` in a thread of its own, so no event loop of the test session gets in the way
    (Playwright's sync API keeps one running in the main thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(test).result()


def with_loop(test: Callable[[asyncio.AbstractEventLoop], None]) -> None:
    def run() -> None:
        loop = asyncio.new_event_loop()
        try:
            test(loop)
        finally:
            loop.close()
    in_thread(run)


def test_each_change_gets_the_next_number_and_reaches_every_browser_on_the_board() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        renders = Renders()
        hub = BoardHub(renders)
        first = hub.subscribe(SERVICE, hub.position(SERVICE), loop)
        second = hub.subscribe(SERVICE, hub.position(SERVICE), loop)
        other_board = hub.subscribe(SERVICE + 1, hub.position(SERVICE + 1), loop)
        hub.handle([notice(10), notice(11, item_id=2)])
        threading.Thread(target=hub.handle, args=([notice(12)],)).start()  # any thread
        loop.run_until_complete(asyncio.sleep(0.05))
        assert drain(loop, first) == [1, 2, 3]
        assert drain(loop, second) == [1, 2, 3]
        assert drain(loop, other_board) == []
        assert renders.calls == 2  # once per batch, not once per browser
        assert hub.position(SERVICE) == Cursor(hub.epoch, 3)
    with_loop(run)


def test_a_browser_that_reconnects_gets_exactly_what_it_missed() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(Renders())
        hub.subscribe(SERVICE, None, loop)  # someone is watching, so changes are rendered
        for event_id in range(1, 5):
            hub.handle([notice(event_id)])
        back = hub.subscribe(SERVICE, Cursor(hub.epoch, 2), loop)
        assert [m.seq for m in back.backlog] == [3, 4]
        assert [m.change.data["event"] for m in back.backlog] == [3, 4]
        up_to_date = hub.subscribe(SERVICE, Cursor(hub.epoch, 4), loop)
        assert up_to_date.backlog == []
    with_loop(run)


def test_a_cursor_too_old_or_from_another_process_gets_a_resync() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(Renders(), buffer_size=2)
        hub.subscribe(SERVICE, None, loop)
        for event_id in range(1, 6):
            hub.handle([notice(event_id)])
        for cursor in (Cursor(hub.epoch, 1), Cursor("another-process", 4),
                       Cursor(hub.epoch, 99), None):
            backlog = hub.subscribe(SERVICE, cursor, loop).backlog
            assert [(m.seq, m.change) for m in backlog] == [(5, RESYNC)], cursor
    with_loop(run)


def test_changes_nobody_watches_are_numbered_but_not_rendered() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        renders = Renders()
        hub = BoardHub(renders)
        page_cursor = hub.position(SERVICE)  # a page rendered before the stream connects
        hub.handle([notice(1)])
        assert renders.calls == 0
        late = hub.subscribe(SERVICE, page_cursor, loop)
        assert [(m.seq, m.change) for m in late.backlog] == [(1, RESYNC)]
    with_loop(run)


def test_a_failing_render_still_reaches_browsers_as_a_resync() -> None:
    def boom(service_id: int, notices: list[Written]) -> list[LiveChange]:
        raise RuntimeError("database went away")

    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(boom)
        sub = hub.subscribe(SERVICE, hub.position(SERVICE), loop)
        hub.handle([notice(1)])
        loop.run_until_complete(asyncio.sleep(0))
        message = sub.queue.get_nowait()
        assert message is not None and message.change is RESYNC
    with_loop(run)


def test_a_browser_too_slow_to_keep_up_is_told_to_start_again() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(Renders(), queue_size=2)
        sub = hub.subscribe(SERVICE, hub.position(SERVICE), loop)
        for event_id in range(1, 5):
            hub.handle([notice(event_id)])
        assert drain(loop, sub) == [None, 4]  # None: resynchronise, then carry on
    with_loop(run)


def test_leaving_a_board_stops_its_messages() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(Renders())
        sub = hub.subscribe(SERVICE, hub.position(SERVICE), loop)
        assert hub.watching(SERVICE) == 1
        sub.close()
        assert hub.watching(SERVICE) == 0
    with_loop(run)


def test_cursors_from_browsers_are_parsed_or_ignored() -> None:
    assert Cursor.parse("ab12:7") == Cursor("ab12", 7)
    assert str(Cursor("ab12", 7)) == "ab12:7"
    for junk in (None, "", "7", "ab:", "ab:-1", "ab:x", "a:" + "9" * 40, "ab:\u00b2",
                 "ab:1\u00b2", "ab:\u0663", "ab: 7", "ab:7\n"):
        assert Cursor.parse(junk) is None, junk


def test_the_in_process_bus_hands_notices_to_every_handler() -> None:
    bus = InProcessBus()
    seen: list[list[Written]] = []
    bus.subscribe(seen.append)
    bus.subscribe(seen.append)
    bus.publish([notice(1)])
    assert seen == [[notice(1)], [notice(1)]]


def test_the_stream_starts_with_hello_replays_and_filters_each_card() -> None:
    async def run() -> list[str]:
        hub = BoardHub(Renders())
        loop = asyncio.get_running_loop()
        hub.subscribe(SERVICE, None, loop)
        hub.handle([notice(1, item_id=1)])
        stream = event_stream(hub, SERVICE, Cursor(hub.epoch, 0), BoardFilter(search="CLM-2"),
                              heartbeat=0.05)
        frames = [await anext(stream) for _ in range(3)]
        assert hub.watching(SERVICE) == 2
        hub.handle([notice(2, item_id=2)])
        frames.append(await anext(stream))
        frames.append(await anext(stream))  # nothing new: a heartbeat comment
        await stream.aclose()
        assert hub.watching(SERVICE) == 1  # the closed stream left the board
        return frames

    frames = in_thread(lambda: asyncio.run(run()))
    assert frames[0] == "retry: 1000\n\n"
    assert frames[1].startswith("event: hello\ndata: ")
    replayed = _data(frames[2])
    assert frames[2].startswith("id: ") and replayed["seq"] == 1
    assert replayed["visible"] is False  # CLM-1 does not match the search
    assert _data(frames[3])["seq"] == 2 and _data(frames[3])["visible"] is True
    assert frames[4] == ": still here\n\n"


def test_the_stream_ends_without_sending_a_change_once_its_reader_may_no_longer_read() -> None:
    async def run() -> list[str]:
        signed_in = True

        async def allowed() -> bool:
            return signed_in

        hub = BoardHub(Renders())
        hub.subscribe(SERVICE, None, asyncio.get_running_loop())
        hub.handle([notice(1, item_id=1)])
        stream = event_stream(hub, SERVICE, Cursor(hub.epoch, 0), BoardFilter(), heartbeat=0.05,
                              allowed=allowed)
        frames = [await anext(stream) for _ in range(3)]  # retry, hello, the card replayed
        signed_in = False  # signed out, deactivated or removed from the service
        hub.handle([notice(2, item_id=2)])
        async def rest() -> list[str]:
            return [frame async for frame in stream]

        frames += await asyncio.wait_for(rest(), timeout=2)  # the stream ends by itself
        assert hub.watching(SERVICE) == 1  # the ended stream left the board
        return frames

    frames = in_thread(lambda: asyncio.run(run()))
    assert [_data(f)["seq"] for f in frames[2:]] == [1]


def test_a_board_wide_change_is_sent_as_resync() -> None:
    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(Renders())
        sub = Subscription(hub, SERVICE, loop, 10)
        frame = message_frame(sub, Sequenced(3, RESYNC), BoardFilter())
        assert frame.startswith(f"id: {hub.epoch}:3\nevent: resync\n")
    with_loop(run)


def _data(frame: str) -> dict[str, object]:
    line = next(x for x in frame.splitlines() if x.startswith("data: "))
    return dict(json.loads(line.removeprefix("data: ")))


def test_the_stream_endpoint_sends_a_move_made_elsewhere_as_one_card(
        web: TestClient, seeded: Seeded) -> None:
    page = web.get("/services/CLM/board").text
    cursor = page.split('data-cursor="', 1)[1].split('"', 1)[0]
    key, st = seeded.keys["ready_a"], seeded.stages

    def move_soon() -> None:
        threading.Event().wait(0.3)
        assert web_post(web, f"/items/{key}/move", {"to_stage": st["Assess"]}).status_code == 200

    mover = threading.Thread(target=move_soon)
    with web.stream("GET", f"/services/CLM/board/events?after={cursor}") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        mover.start()
        event, data = "", {}
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            if line.startswith("data: ") and event == "card":
                data = json.loads(line.removeprefix("data: "))
                break
    mover.join()
    assert data["key"] == key and data["stage"] == st["Assess"] and data["visible"] is True
    assert data["seq"] == int(cursor.rsplit(":", 1)[1]) + 1
    assert {c["stage"] for c in data["counts"]} == {st["Ready"], st["Assess"]}
    assert data["html"].count("<article") == 1  # one card, not the board


def test_the_stream_of_an_unknown_board_is_a_404(web: TestClient) -> None:
    assert web.get("/services/NOPE/board/events").status_code == 404


def test_a_mangled_cursor_resynchronises_the_browser(web: TestClient) -> None:
    events = []
    with web.stream("GET", "/services/CLM/board/events?after=ab12:%C2%B2") as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            if line.startswith("event: "):
                events.append(line.removeprefix("event: "))
            if len(events) == 2:
                break
    assert events == ["hello", "resync"]


def test_a_stream_closed_before_it_starts_leaves_nothing_on_the_board() -> None:
    async def run() -> list[int]:
        hub = BoardHub(Renders())
        stream = event_stream(hub, SERVICE, None, BoardFilter())
        seen = [hub.watching(SERVICE)]  # the response has not started: nobody joined yet
        await stream.aclose()  # the browser went away before the first byte
        seen.append(hub.watching(SERVICE))
        started = event_stream(hub, SERVICE, None, BoardFilter())
        await anext(started)
        seen.append(hub.watching(SERVICE))
        await started.aclose()
        seen.append(hub.watching(SERVICE))
        return seen

    assert in_thread(lambda: asyncio.run(run())) == [0, 0, 1, 0]


def test_joining_a_board_never_waits_for_a_change_being_rendered() -> None:
    """The event loop joins and leaves boards; a writer thread renders (database reads) at the
    same time. Joining must not wait for the render, and must still get the change."""
    rendering, release = threading.Event(), threading.Event()

    class SlowRenders(Renders):
        def __call__(self, service_id: int, notices: list[Written]) -> list[LiveChange]:
            rendering.set()
            release.wait(5)
            return super().__call__(service_id, notices)

    def run(loop: asyncio.AbstractEventLoop) -> None:
        hub = BoardHub(SlowRenders())
        hub.subscribe(SERVICE, None, loop)  # someone watches, so the change is rendered
        writer = threading.Thread(target=hub.handle, args=([notice(1)],))
        writer.start()
        try:
            assert rendering.wait(5)
            started = time.monotonic()
            late = hub.subscribe(SERVICE, hub.position(SERVICE), loop)
            late.close()
            joined = hub.subscribe(SERVICE, Cursor(hub.epoch, 0), loop)
            assert time.monotonic() - started < 0.5  # not held up by the render
        finally:
            release.set()
            writer.join(5)
        assert joined.backlog == [] and drain(loop, joined) == [1]  # exactly once, in order
        assert hub.watching(SERVICE) == 2
    with_loop(run)
