"""The Server-Sent Events stream of one board, for one browser.

Events:
- `hello`: where the stream starts (`epoch`, `seq`);
- `card`: one card changed: its HTML, place and lanes, the counts of the columns it touched, and
  `visible` (false when the card no longer belongs on this browser's filtered board);
- `resync`: the browser should reload the board (a rule changed, or it missed messages).
Every `card` and `resync` carries `seq`; the `id:` line (`epoch:seq`) lets the browser's automatic
reconnect resume where it stopped.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from flowdesk.services.board_views import BoardFilter
from flowdesk.web.live import BoardHub, Cursor, Sequenced, Subscription
from flowdesk.web.live_render import as_seen

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 1_000


def frame(event: str, data: dict[str, Any], event_id: str | None = None) -> str:
    """One SSE message. JSON never contains a raw newline, so one `data:` line suffices."""
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def message_frame(sub: Subscription, message: Sequenced, flt: BoardFilter,
                  movable: bool = True) -> str:
    """The frame a browser with filter `flt` receives for a sequenced change (`movable`: the
    person may move cards, so the card comes with its "Move to…" button)."""
    event_id = f"{sub.hub.epoch}:{message.seq}"
    change = message.change
    if change.item is None:
        return frame("resync", {"seq": message.seq, **change.data}, event_id)
    visible = bool(change.data.get("on_board")) and flt.matches(change.item)
    return frame("card", {"seq": message.seq, **as_seen(change.data, movable),
                          "visible": visible}, event_id)


async def event_stream(hub: BoardHub, service_id: int, after: Cursor | None, flt: BoardFilter,
                       heartbeat: float = HEARTBEAT_SECONDS, *,
                       allowed: Callable[[], Awaitable[bool]] | None = None,
                       movable: bool = True) -> AsyncIterator[str]:
    """Frames for one browser until it goes away, or until `allowed` says its reader may no
    longer read the board (signed out, deactivated, no longer a member): asked before each
    change is sent and at each heartbeat, so an ended session learns nothing more.

    It joins the board when the first frame is asked for, not before, and always leaves it in
    `finally`: a browser that disconnects before the response starts leaves nothing behind.
    """
    sub = hub.subscribe(service_id, after, asyncio.get_running_loop())
    try:
        yield f"retry: {RETRY_MS}\n\n"
        yield frame("hello", {"epoch": hub.epoch, "seq": sub.start.seq})
        for missed in sub.backlog:
            yield message_frame(sub, missed, flt, movable)
        while True:
            try:
                message: Sequenced | None = await asyncio.wait_for(sub.queue.get(), heartbeat)
            except TimeoutError:
                if allowed is not None and not await allowed():
                    return
                yield ": still here\n\n"  # keeps proxies from closing an idle stream
                continue
            if allowed is not None and not await allowed():
                return
            if message is None:  # the queue overflowed: start again from a fresh board
                yield frame("resync", {"seq": hub.position(service_id).seq,
                                       "reason": "too many changes at once"})
                continue
            yield message_frame(sub, message, flt, movable)
    finally:
        sub.close()
