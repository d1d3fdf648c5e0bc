"""A service's promises on the web: the items due and at risk, riskiest first, and the
promises missed, each with what delayed it. Both read `services.promise_views`; times are
in the service's zone, and each page says which."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import promise_views
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)


#: Rows on a page of "due and at risk": the riskiest 200 are what a Service Delivery Manager
#: reads first; the counts above the table are of every item due.
RISKS_PER_PAGE = 200


@router.get("/services/{key}/at-risk", response_class=HTMLResponse)
def at_risk_page(key: str, request: Request, uow: UowDep, clock: ClockDep, actor: ActorDep,
                 page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    view = promise_views.due_and_at_risk(uow, actor, key, clock.now(),
                                         offset=(page - 1) * RISKS_PER_PAGE,
                                         limit=RISKS_PER_PAGE)
    last = max(1, -(-view.total // RISKS_PER_PAGE))
    return render(request, "at_risk.html", {"view": view, "page": page, "last": last})


@router.get("/services/{key}/missed-promises", response_class=HTMLResponse)
def missed_page(key: str, request: Request, uow: UowDep, clock: ClockDep, actor: ActorDep,
                start: Annotated[date | None, Query(alias="from")] = None,
                end: Annotated[date | None, Query(alias="to")] = None) -> HTMLResponse:
    view = promise_views.missed(uow, actor, key, clock.now(), start, end)
    return render(request, "missed_promises.html",
                  {"view": view, "label": promise_views.label_of})
