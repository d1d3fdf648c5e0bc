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


@router.get("/services/{key}/at-risk", response_class=HTMLResponse)
def at_risk_page(key: str, request: Request, uow: UowDep, clock: ClockDep,
                 actor: ActorDep) -> HTMLResponse:
    view = promise_views.due_and_at_risk(uow, actor, key, clock.now())
    return render(request, "at_risk.html", {"view": view})


@router.get("/services/{key}/missed-promises", response_class=HTMLResponse)
def missed_page(key: str, request: Request, uow: UowDep, clock: ClockDep, actor: ActorDep,
                start: Annotated[date | None, Query(alias="from")] = None,
                end: Annotated[date | None, Query(alias="to")] = None) -> HTMLResponse:
    view = promise_views.missed(uow, actor, key, clock.now(), start, end)
    return render(request, "missed_promises.html",
                  {"view": view, "label": promise_views.label_of})
