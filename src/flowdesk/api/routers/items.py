"""Items: read, edit, move, block, assign. Every write honours If-Match."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from flowdesk.api.schemas import (
    AssignIn,
    BlockIn,
    EscalateIn,
    EventOut,
    ItemOut,
    ItemPatch,
    MoveIn,
)
from flowdesk.domain.items import WorkItem
from flowdesk.domain.people import Actor
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, VersionDep
from flowdesk.services import items as uc
from flowdesk.services import queries
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
    # validating the response); only the blocking use case needs the thread pool.
    item, service = await run_in_threadpool(uc.move_item_in_service, uow, clock, actor, MoveItem(
        item_key, body.to_stage, body.before, body.override_reason, body.reason, version))
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
