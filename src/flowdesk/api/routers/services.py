"""Services: their workflow, limits and policies, and the board."""

from __future__ import annotations

from fastapi import APIRouter, Header, Response

from flowdesk.api.schemas import (
    BoardOut,
    BoardStageOut,
    ClassPolicyIn,
    CreatedItemOut,
    ItemIn,
    ItemOut,
    LimitIn,
    PolicyIn,
    ServiceIn,
    ServiceOut,
    ServiceSummaryOut,
    StageGroupIn,
    WarningOut,
)
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.due_dates import past_due_warning
from flowdesk.domain.workflow import StageSpec
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import admin, queries
from flowdesk.services.commands import CreateItem, CreateService
from flowdesk.services.items import create_item_once

router = APIRouter(tags=["services"])


@router.get("/services", response_model=list[ServiceSummaryOut])
def list_services(uow: UowDep, clock: ClockDep, actor: ActorDep) -> list[ServiceSummaryOut]:
    return [
        ServiceSummaryOut(key=s.service.key, name=s.service.name, wip=s.wip, blocked=s.blocked,
                          delivered_this_week=s.delivered_this_week)
        for s in queries.list_services(uow, actor, clock.now())
    ]


@router.post("/services", response_model=ServiceOut, status_code=201)
def create_service(body: ServiceIn, uow: UowDep, clock: ClockDep, actor: ActorDep) -> ServiceOut:
    stages = None
    if body.stages is not None:
        stages = [StageSpec(s.name, s.phase, s.kind, s.wip_limit, s.policy) for s in body.stages]
    service = admin.create_service(uow, clock, actor, CreateService(
        key=body.key, name=body.name, description=body.description, stages=stages,
        blocker_categories=body.blocker_categories, person_wip_limit=body.person_wip_limit,
        timezone=body.timezone,
    ))
    return ServiceOut.of(service)


@router.get("/services/{key}", response_model=ServiceOut)
def get_service(key: str, uow: UowDep, actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(queries.get_service(uow, actor, key))


@router.put("/services/{key}/stages/{stage_id}/limit", response_model=ServiceOut)
def set_stage_limit(key: str, stage_id: int, body: LimitIn, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(admin.set_stage_limit(uow, clock, actor, key, stage_id, body.limit))


@router.put("/services/{key}/stages/{stage_id}/policy", response_model=ServiceOut)
def set_stage_policy(key: str, stage_id: int, body: PolicyIn, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(admin.set_stage_policy(uow, clock, actor, key, stage_id, body.policy))


@router.put("/services/{key}/classes/{cos}", response_model=ServiceOut)
def set_class_policy(key: str, cos: ClassOfService, body: ClassPolicyIn, uow: UowDep,
                     clock: ClockDep, actor: ActorDep) -> ServiceOut:
    changes = body.model_dump(exclude_unset=True)
    for flag in ("may_exceed_stage_limits", "requires_due_date", "policy"):
        if flag in changes and changes[flag] is None:
            changes.pop(flag)
    return ServiceOut.of(admin.set_class_policy(uow, clock, actor, key, cos, changes))


@router.put("/services/{key}/person-limit", response_model=ServiceOut)
def set_person_limit(key: str, body: LimitIn, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(admin.set_person_limit(uow, clock, actor, key, body.limit))


@router.post("/services/{key}/stage-groups", response_model=ServiceOut, status_code=201)
def create_stage_group(key: str, body: StageGroupIn, uow: UowDep, clock: ClockDep,
                       actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(admin.create_stage_group(
        uow, clock, actor, key, body.name, body.stage_ids, body.limit))


@router.get("/services/{key}/board", response_model=BoardOut)
def get_board(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> BoardOut:
    board = queries.get_board(uow, actor, key, clock.now())
    return BoardOut(service=board.service.key, stages=[
        BoardStageOut(
            id=c.stage.id, name=c.stage.name, phase=c.stage.phase, kind=c.stage.kind,
            limit=c.stage.wip_limit, count=c.count, policy=c.stage.policy, hidden=c.hidden,
            items=[ItemOut.of(i, board.service) for i in c.items],
        )
        for c in board.columns
    ])


@router.post("/services/{key}/items", response_model=CreatedItemOut, status_code=201,
             responses={200: {"description": "a replay: the item this Idempotency-Key made",
                              "model": CreatedItemOut}})
def post_item(key: str, body: ItemIn, uow: UowDep, clock: ClockDep, actor: ActorDep,
              response: Response,
              idempotency_key: str | None = Header(default=None,
                                                   max_length=200)) -> CreatedItemOut:
    item, replayed = create_item_once(uow, clock, actor, CreateItem(
        service_key=key, title=body.title, type=body.type, cos=body.class_of_service,
        description=body.description, customer=body.customer, due_date=body.due_date,
        assignees=tuple(body.assignees), stage_id=body.stage_id,
        idempotency_key=idempotency_key, override_reason=body.override_reason,
    ))
    if replayed:  # nothing was created this time
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["ETag"] = f'"{item.version}"'
    response.headers["Location"] = f"/api/v1/items/{item.key}"
    service = queries.get_service(uow, actor, key)
    out = CreatedItemOut.of(item, service)
    warning = past_due_warning(item.due_date, clock.now(), service.timezone)
    if warning is not None:
        out.warnings = [WarningOut(field=warning.field, message=warning.message)]
    return out
