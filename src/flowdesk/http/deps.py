"""Typed dependencies: the unit of work, the clock, the acting user, If-Match.

Authentication resolves the actor here and nowhere else: a bearer token (the API), or the
session cookie (the web pages, and the API called from them, whose writes must then repeat the
CSRF token). What the actor may do is decided by the use cases (`flowdesk.domain.policy`).

They are `async def` although they do no I/O: FastAPI runs a plain `def` dependency in the
thread pool, one thread hop per dependency per request, which cost more than a whole move.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import Forbidden, InvalidInput, Unauthenticated
from flowdesk.domain.people import Actor
from flowdesk.http import csrf, session_cookie
from flowdesk.services import accounts
from flowdesk.storage.unit_of_work import UnitOfWork


async def get_uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"


async def current_actor(request: Request) -> Actor:
    """Who is calling: the user of a bearer token or of the session cookie; else 401.

    The lookup is one indexed query, run here on the event loop: a thread hop for it would
    cost more than the query. Nothing is cached, so a revoked token, an ended session or a
    deactivated user is refused from the next request on.
    """
    cached = getattr(request.state, "actor", None)
    if isinstance(cached, Actor):
        return cached
    actor = authenticate(request)
    request.state.actor = actor
    return actor


def authenticate(request: Request) -> Actor:
    """Look the caller up afresh (a long-lived stream asks again as it goes on)."""
    uow: UnitOfWork = request.app.state.uow
    clock: Clock = request.app.state.clock
    authorization = request.headers.get("Authorization")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send an API token as 'Authorization: Bearer <token>'",
                                  "Authorization")
        actor = accounts.token_actor(uow, clock, token.strip())
        if actor is None:
            raise Unauthenticated("this API token is unknown, expired or revoked",
                                  "Authorization")
    else:
        session_id = session_cookie.read(request)
        actor = accounts.session_actor(uow, clock, session_id) if session_id else None
        if actor is None:
            raise Unauthenticated("sign in first, or send an API token", "Authorization")
        if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
            _require_csrf_header(request)
    return actor


def _require_csrf_header(request: Request) -> None:
    """A browser session writing to the API must repeat its page's CSRF token in a header: a
    form on another site can make the browser send the cookie, but cannot set a header."""
    sent = request.headers.get(CSRF_HEADER)
    if not (sent and csrf.matches_cookie(request, sent)):
        raise Forbidden(f"a request signed in by cookie must send the page's {CSRF_HEADER}",
                        CSRF_HEADER)


async def if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The item version the client last read, from `If-Match: 3` or `If-Match: "3"`."""
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("If-Match must be an item version number", field="If-Match") from None


UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ActorDep = Annotated[Actor, Depends(current_actor)]
VersionDep = Annotated[int | None, Depends(if_match)]


def request_actor(request: Request) -> Actor:
    """The actor `current_actor` established for this request (helpers of a route use it)."""
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        raise Unauthenticated("sign in first, or send an API token", "Authorization")
    return actor
