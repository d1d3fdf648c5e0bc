"""The organisation admin's page of accounts: create one, deactivate or reactivate it, reset
its password, set its personal WIP limit. `services.accounts` refuses anyone but an admin."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError, Forbidden
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import accounts
from flowdesk.services.accounts import NewUser
from flowdesk.web.deps import FormDep
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

PAGE = "/admin/users"
DONE = {"created": "Account created", "active": "Account activated",
        "inactive": "Account deactivated: its sessions ended and its tokens stopped working",
        "password": "Password set: that person's sessions ended",
        "limit": "Personal WIP limit saved"}


def _page(request: Request, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, at: str = "new",
          status: int = 200) -> HTMLResponse:
    """The page, with `errors` shown in the form they came from: `at` is "new" (the form for
    a new account) or the username whose row it was (atop the page when there is none)."""
    users = accounts.list_users(request.app.state.uow, request_actor(request))
    names = {u.username for u in users}
    done = request.query_params.get("done", "")
    who = request.query_params.get("user", "")
    return render(request, "admin_users.html", {
        "users": users, "errors": errors or {}, "values": values or {},
        "at": at if at == "new" or at in names else "page",
        "message": f"{DONE[done]}: {who}." if done in DONE and who in names else "",
    }, status=status)


def _done(what: str, username: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?done={what}&user={username}#user-{username}",
                            status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
def users_page(request: Request, uow: UowDep, actor: ActorDep) -> HTMLResponse:
    return _page(request)


@actions.post(PAGE)
def create_user(request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                actor: ActorDep) -> Response:
    # What was typed comes back on a problem, but never the password.
    values = {k: v for k, v in form.data.items()
              if isinstance(v, str) and k not in ("csrf_token", "password")}
    try:
        user = accounts.create_user(uow, clock, actor, NewUser(
            username=form.text("username"), display_name=form.text("display_name"),
            email=form.text("email"), password=form.optional_text("password"),
            is_admin=form.flag("is_admin"),
            wip_limit=form.optional_int("wip_limit", "the personal WIP limit")))
    except Forbidden:
        raise
    except FlowdeskError as exc:
        return _page(request, errors={exc.field or "username": exc.message}, values=values,
                     status=status_for(exc))
    return _done("created", user.username)


def _change(request: Request, username: str, what: str, do: Callable[[], object]) -> Response:
    """Run one change to an account: back to the page, or the page with the problem shown
    in that account's row."""
    try:
        do()
    except Forbidden:
        raise
    except FlowdeskError as exc:
        return _page(request, errors={exc.field or what: exc.message}, at=username,
                     status=status_for(exc))
    return _done(what, username)


@actions.post(PAGE + "/{username}/active")
def set_active(username: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
               actor: ActorDep) -> Response:
    """Deactivating ends the account's sessions at once; its tokens stop working."""
    active = form.flag("active")
    return _change(request, username, "active" if active else "inactive",
                   lambda: accounts.update_user(uow, clock, actor, username, active=active))


@actions.post(PAGE + "/{username}/password")
def reset_password(username: str, request: Request, form: FormDep, uow: UowDep,
                   clock: ClockDep, actor: ActorDep) -> Response:
    return _change(request, username, "password", lambda: accounts.reset_password(
        uow, clock, actor, username, form.text("password")))


@actions.post(PAGE + "/{username}/limit")
def set_limit(username: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
              actor: ActorDep) -> Response:
    """A personal WIP limit across every service; empty for none."""
    return _change(request, username, "limit", lambda: accounts.update_user(
        uow, clock, actor, username,
        wip_limit=form.optional_int("wip_limit", "the personal WIP limit")))
