"""Typed dependencies: the unit of work, the clock, the acting user, If-Match.

Authentication resolves the actor here and nowhere else; authorisation checks will hang off
`current_actor` when accounts and roles arrive.

They are `async def` although they do no I/O: FastAPI runs a plain `def` dependency in the
thread pool, one thread hop per dependency per request, which cost more than a whole move.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import LOCAL_USER, Actor
from flowdesk.storage.unit_of_work import UnitOfWork


async def get_uow(request: Request) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow
    return uow


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def current_actor() -> Actor:
    """The single local user, until accounts exist."""
    return LOCAL_USER


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
