"""The service event feed, cursor-paginated, for integrations and analytics."""

from __future__ import annotations

from fastapi import APIRouter, Query

from flowdesk.api.schemas import EventOut, EventPage
from flowdesk.http.deps import ActorDep, UowDep
from flowdesk.services import queries

router = APIRouter(tags=["events"])

MAX_CURSOR = 2**63 - 1  # event numbers are 64-bit; a larger cursor would overflow the query


@router.get("/services/{key}/events", response_model=EventPage)
def service_events(key: str, uow: UowDep, actor: ActorDep,
                   after: int = Query(default=0, ge=0, le=MAX_CURSOR),
                   limit: int = Query(default=100, ge=1, le=queries.FEED_MAX)) -> EventPage:
    events = queries.service_feed(uow, actor, key, after, limit)
    return EventPage(events=[EventOut.of(e) for e in events],
                     next_cursor=events[-1].seq if events else after)
