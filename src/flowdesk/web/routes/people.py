"""A service's people: who is a member in which roles, and (for whoever may manage them) the
forms to add a member, change their roles and remove them. `services.members` decides who may."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError, NotFound
from flowdesk.domain.people import ROLE_ORDER
from flowdesk.domain.policy import Action, may
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import members
from flowdesk.web.deps import FormDep
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


def ends_at_for(day: date, timezone: str) -> datetime:
    """A membership that lasts through `day` ends at the next midnight in the team's zone."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
    return midnight.astimezone(UTC)


def last_day(ends_at: datetime | None, timezone: str) -> date | None:
    """The last day of a temporary membership, in the team's zone (None: it does not end)."""
    if ends_at is None:
        return None
    return (ends_at.astimezone(ZoneInfo(timezone)) - timedelta(microseconds=1)).date()


def _page(request: Request, key: str, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    """The people page; `errors` and `values` belong to the form that was sent (`values`
    has `username`, and `adding` for the add form)."""
    uow = request.app.state.uow
    clock = request.app.state.clock
    actor = request_actor(request)
    found = members.list_members(uow, clock, actor, key)
    service = found.service
    manage = may(actor, Action.MANAGE_MEMBERS, service.id)
    values = values or {}
    # Where the problem is shown: the form it came from, or atop the page.
    at = "add" if values.get("adding") else str(values.get("username", ""))
    if not manage or (at != "add" and at not in {m.user.username for m in found.members}):
        at = "page"
    return render(request, "people.html", {
        "service": service, "manage": manage, "roles": ROLE_ORDER, "at": at,
        "is_member": actor.is_member(service.id),
        "rows": [(m, last_day(m.ends_at, service.timezone)) for m in found.members],
        "candidates": members.addable_users(uow, clock, actor, key) if manage else [],
        "errors": errors or {}, "values": values,
        "today": clock.now().astimezone(ZoneInfo(service.timezone)).date(),
    }, status=status)


@router.get("/services/{key}/people", response_class=HTMLResponse)
def people_page(key: str, request: Request) -> HTMLResponse:
    return _page(request, key)


@actions.post("/services/{key}/people")
def put_member(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
               actor: ActorDep) -> Response:
    """Add a member, or give a member these roles (replacing theirs); `ends_at`: their last
    day, for a temporary membership."""
    values: dict[str, Any] = {"username": "", "roles": [], "ends_at": "",
                              "adding": form.flag("adding")}
    try:
        values.update(username=form.text("username").strip(), roles=form.texts("roles"),
                      ends_at=form.text("ends_at").strip())
        service = members.list_members(uow, clock, actor, key).service
        last = form.day("ends_at", "the last day")
        ends_at = ends_at_for(last, service.timezone) if last else None
        members.put_member(uow, clock, actor, key, values["username"], values["roles"],
                           ends_at)
    except NotFound as exc:
        if exc.field == "key":
            raise
        return _page(request, key, errors={exc.field or "username": exc.message},
                     values=values, status=status_for(exc))
    except FlowdeskError as exc:
        return _page(request, key, errors={exc.field or "username": exc.message},
                     values=values, status=status_for(exc))
    return RedirectResponse(f"/services/{service.key}/people", status_code=303)


@actions.post("/services/{key}/people/{username}/remove")
def remove_member(key: str, username: str, request: Request, uow: UowDep, clock: ClockDep,
                  actor: ActorDep) -> Response:
    try:
        found = members.remove_member(uow, clock, actor, key, username)
    except NotFound as exc:
        if exc.field == "key":
            raise
        return _page(request, key, errors={"username": exc.message}, status=404)
    except FlowdeskError as exc:
        return _page(request, key, errors={exc.field or "username": exc.message},
                     status=status_for(exc))
    # Someone who removed themselves may no longer see the service.
    still = username.strip().lower() != actor.username or actor.is_admin
    target = f"/services/{found.service.key}/people" if still else "/"
    return RedirectResponse(target, status_code=303)
