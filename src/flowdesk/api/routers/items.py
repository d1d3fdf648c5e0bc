"""Items: read, edit, move, block, assign. Every write honours If-Match."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response

from flowdesk.api.schemas import (
    AssignIn,
    BlockIn,
    EscalateIn,
    EventOut,
    FailureDemandIn,
    ItemOut,
    ItemPatch,
    MoveIn,
)
from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Actor
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, VersionDep
from flowdesk.services import failure_demand, queries
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, BlockItem, EscalateItem, MoveItem, UpdateItem
from flowdesk.storage.unit_of_work import UnitOfWork

router = APIRouter(prefix="/items", tags=["items"])


def _out(uow: UnitOfWork, actor: Actor, item: WorkItem, response: Response) -> ItemOut:
    response.headers["ETag"] = f'"{item.version}"'
    _, service = queries.get_item(uow, actor, item.key)
    return ItemOut.of(item, service)


@router.get("/{item_key}", response_model=ItemOut)
def get_item(item_key: str, uow: UowDep, actor: ActorDep, response: Response) -> ItemOut:
    item, service = queries.get_item(uow, actor, item_key)
    response.headers["ETag"] = f'"{item.version}"'
    return ItemOut.of(item, service)


@router.patch("/{item_key}", response_model=ItemOut)
def patch_item(item_key: str, body: ItemPatch, uow: UowDep, clock: ClockDep, actor: ActorDep,
               version: VersionDep, response: Response) -> ItemOut:
    item = uc.update_item(uow, clock, actor, UpdateItem(
        item_key, body.changes(), version, body.override_reason))
    return _out(uow, actor, item, response)


@router.post("/{item_key}/move", response_model=ItemOut)
async def move_item(item_key: str, body: MoveIn, uow: UowDep, clock: ClockDep, actor: ActorDep,
                    version: VersionDep, response: Response) -> ItemOut:
    # The hottest write. A plain `def` route costs two thread hops (the route, then FastAPI
    # validating the response); only the blocking use case needs a thread, and the event
    # loop's own executor hands it over for less CPU than anyio's thread pool.
    command = MoveItem(item_key, body.to_stage, body.before, body.override_reason, body.reason,
                       version)
    item, service = await asyncio.get_running_loop().run_in_executor(
        None, uc.move_item_in_service, uow, clock, actor, command)
    response.headers["ETag"] = f'"{item.version}"'
    return ItemOut.of(item, service)


@router.post("/{item_key}/block", response_model=ItemOut)
def block_item(item_key: str, body: BlockIn, uow: UowDep, clock: ClockDep, actor: ActorDep,
               version: VersionDep, response: Response) -> ItemOut:
    item = uc.block_item(uow, clock, actor, BlockItem(item_key, body.reason, body.category,
                                                      version))
    return _out(uow, actor, item, response)


@router.post("/{item_key}/unblock", response_model=ItemOut)
def unblock_item(item_key: str, uow: UowDep, clock: ClockDep, actor: ActorDep,
                 version: VersionDep, response: Response) -> ItemOut:
    return _out(uow, actor, uc.unblock_item(uow, clock, actor, item_key, version), response)


@router.post("/{item_key}/assignees", response_model=ItemOut)
def assign(item_key: str, body: AssignIn, uow: UowDep, clock: ClockDep, actor: ActorDep,
           version: VersionDep, response: Response) -> ItemOut:
    item = uc.assign_item(uow, clock, actor, AssignItem(item_key, body.person, version,
                                                        body.override_reason))
    return _out(uow, actor, item, response)


@router.delete("/{item_key}/assignees/{person}", response_model=ItemOut)
def unassign(item_key: str, person: str, uow: UowDep, clock: ClockDep, actor: ActorDep,
             version: VersionDep, response: Response) -> ItemOut:
    item = uc.unassign_item(uow, clock, actor, AssignItem(item_key, person, version))
    return _out(uow, actor, item, response)


@router.get("/{item_key}/events", response_model=list[EventOut])
def item_events(item_key: str, uow: UowDep, actor: ActorDep) -> list[EventOut]:
    return [EventOut.of(e) for e in queries.item_history(uow, actor, item_key)]


@router.post("/{item_key}/escalate", response_model=ItemOut)
def escalate(item_key: str, body: EscalateIn, uow: UowDep, clock: ClockDep, actor: ActorDep,
             version: VersionDep, response: Response) -> ItemOut:
    item = uc.escalate_item(uow, clock, actor, EscalateItem(item_key, body.note, version))
    return _out(uow, actor, item, response)


@router.put("/{item_key}/failure-demand", response_model=ItemOut)
def set_failure_demand(item_key: str, body: FailureDemandIn, uow: UowDep, clock: ClockDep,
                       actor: ActorDep, version: VersionDep, response: Response) -> ItemOut:
    """Mark the item as failure demand (a repeat request, a complaint or a correction) of the
    earlier delivered item `stems_from`, or clear the mark with `kind: null`."""
    item = failure_demand.mark_failure_demand(uow, clock, actor, failure_demand.MarkFailureDemand(
        item_key, None if body.kind is None else body.kind.value, body.stems_from, version))
    return _out(uow, actor, item, response)
