"""Your own pages: the work assigned to you across services, and your API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError, InvalidInput
from flowdesk.domain.people import Scope
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import accounts
from flowdesk.services.accounts import NewToken
from flowdesk.services.my_work import my_work
from flowdesk.storage.accounts import TokenRow
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

TOKENS = "/account/tokens"


@router.get("/my-work", response_class=HTMLResponse)
def my_work_page(request: Request, uow: UowDep, clock: ClockDep,
                 actor: ActorDep) -> HTMLResponse:
    """Everything assigned to you in the services you are a member of: committed work first,
    oldest first."""
    return render(request, "my_work.html", {"rows": my_work(uow, actor), "now": clock.now()})


def _tokens_page(request: Request, *, made: NewToken | None = None,
                 errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 status: int = 200) -> HTMLResponse:
    now = request.app.state.clock.now()
    tokens = accounts.list_tokens(request.app.state.uow, request_actor(request))
    return render(request, "tokens.html", {
        "rows": [(t, token_state(t, now)) for t in reversed(tokens)], "made": made,
        "errors": errors or {}, "values": values or {}, "scopes": list(Scope),
        "revoked": request.query_params.get("revoked") == "1",
    }, status=status)


@router.get(TOKENS, response_class=HTMLResponse)
def tokens_page(request: Request) -> HTMLResponse:
    return _tokens_page(request)


def _scope(form: FormReader) -> Scope:
    text = form.text("scope").strip() or Scope.READ.value
    try:
        return Scope(text)
    except ValueError:
        raise InvalidInput("the scope is read or write", "scope") from None


@actions.post(TOKENS, response_class=HTMLResponse)
def create_token(request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                 actor: ActorDep) -> HTMLResponse:
    """A new token, shown on this answer only: only its hash is kept. (Pages are never
    cached: every answer says `Cache-Control: no-store`.)"""
    values = {k: v for k, v in form.data.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        made = accounts.create_token(
            uow, clock, actor, name=form.text("name"), scope=_scope(form),
            expires_days=form.optional_int("expires_days", "the days it lasts"))
    except FlowdeskError as exc:
        field = exc.field if exc.field in ("name", "scope", "expires_days") else "name"
        return _tokens_page(request, errors={field: exc.message}, values=values,
                            status=status_for(exc))
    return _tokens_page(request, made=made)


@actions.post(TOKENS + "/{token_id}/revoke")
def revoke_token(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
                 uow: UowDep, clock: ClockDep, actor: ActorDep) -> Response:
    """Revoke one of your tokens: it fails from the next request on."""
    try:
        accounts.revoke_token(uow, clock, actor, token_id)
    except FlowdeskError as exc:
        return _tokens_page(request, errors={"revoke": exc.message}, status=status_for(exc))
    return RedirectResponse(f"{TOKENS}?revoked=1", status_code=303)


def token_state(token: TokenRow, now: datetime) -> str:
    """Live, expired or revoked, in words."""
    if token.revoked_at is not None:
        return "Revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "Expired"
    return "Live"
