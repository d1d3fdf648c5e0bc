"""The live stream of a board (Server-Sent Events)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from flowdesk.domain.errors import FlowdeskError
from flowdesk.http.deps import ActorDep, authenticate
from flowdesk.services import board_views
from flowdesk.web.abilities import may_move_cards
from flowdesk.web.forms import parse_board_query
from flowdesk.web.live import BoardHub, Cursor
from flowdesk.web.sse import event_stream

router = APIRouter(include_in_schema=False)


@router.get("/services/{key}/board/events")
async def board_events(key: str, request: Request, actor: ActorDep) -> StreamingResponse:
    """Changes to the board as they are committed, filtered like the browser's board.

    Resumes after `Last-Event-ID` (sent by the browser on reconnect) or `after` (`epoch:seq`
    from the page); anything that cannot be replayed becomes a `resync` event.
    """
    q = parse_board_query(request.query_params)
    hub: BoardHub = request.app.state.board_hub
    service_id = await run_in_threadpool(board_views.service_id, request.app.state.uow, actor,
                                        key)
    after = Cursor.parse(request.headers.get("Last-Event-ID") or request.query_params.get("after"))
    uow = request.app.state.uow

    def still_reads() -> bool:
        try:
            return board_views.service_id(uow, authenticate(request), key) == service_id
        except FlowdeskError:
            return False

    async def allowed() -> bool:
        return await run_in_threadpool(still_reads)

    # The stream joins the board when it starts and leaves it when it ends (sse.event_stream).
    # Cards come with their "Move to…" button only for someone who may move them.
    movable = may_move_cards(actor, service_id)
    return StreamingResponse(
        event_stream(hub, service_id, after, q.flt, allowed=allowed, movable=movable),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
