"""Read-only pages: the services, a board, and the full list of a done or discarded stage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import Actor
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import board_views, queries
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.board_page import board_context
from flowdesk.web.demand_banner import demand_banner
from flowdesk.web.forms import FormReader, parse_board_query
from flowdesk.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

CLOSED_PAGE_SIZE = 100


def services_context(uow: UnitOfWork, clock: Clock, actor: Actor) -> dict[str, Any]:
    """The services page: each service's figures, and the demand alerts of those the person
    is a member of."""
    now = clock.now()
    summaries = queries.list_services(uow, actor, now)
    banners = {s.service.key: demand_banner(uow, actor, s.service, now) for s in summaries
               if actor.is_member(s.service.id)}
    return {"summaries": summaries, "actor": actor, "banners": banners, "ack_errors": {},
            "ack_values": {}}


@router.get("/", response_class=HTMLResponse)
def services_page(request: Request, uow: UowDep, clock: ClockDep,
                  actor: ActorDep) -> HTMLResponse:
    return render(request, "services.html", services_context(uow, clock, actor))


@router.get("/services/{key}/board", response_class=HTMLResponse)
def board_page(key: str, request: Request) -> HTMLResponse:
    """The board; only the board itself (no toolbar) for a partial request."""
    q = parse_board_query(request.query_params)
    context = board_context(request, key, q)
    if is_htmx(request):
        return render(request, "_board.html", context)
    return render(request, "board.html", {**context, "panel": None})


@router.get("/services/{key}/stages/{stage_id}/items", response_class=HTMLResponse)
def closed_stage_page(key: str, stage_id: int, request: Request, uow: UowDep,
                      clock: ClockDep, actor: ActorDep) -> HTMLResponse:
    """Every item of a done or discarded stage, most recent first, a page at a time."""
    page_number = FormReader(request.query_params).optional_int("page", "page") or 1
    if page_number < 1:
        raise InvalidInput("page must be 1 or more", field="page")
    page = board_views.closed_items(uow, actor, key, stage_id, offset=(page_number - 1) *
                                    CLOSED_PAGE_SIZE, limit=CLOSED_PAGE_SIZE)
    pages = max(1, -(-page.total // CLOSED_PAGE_SIZE))
    return render(request, "closed.html", {"page": page, "page_number": page_number,
                                           "pages": pages, "now": clock.now()})
