"""Services: their workflow, limits and policies, and the board."""

from __future__ import annotations

from fastapi import APIRouter, Header, Response

from flowdesk.api.schemas import (
    BoardOut,
    BoardStageOut,
    ClassPolicyIn,
    CreatedItemOut,
    FixWindowIn,
    FixWindowOut,
    ItemIn,
    ItemOut,
    LimitIn,
    PolicyIn,
    ServiceIn,
    ServiceOut,
    ServiceSummaryOut,
    StageGroupIn,
    WarningOut,
    WorkflowIn,
)
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.due_dates import past_due_warning
from flowdesk.domain.workflow import StageSpec
from flowdesk.domain.workflow_change import StageDraft
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import admin, failure_demand, limits, queries, workflow_design
from flowdesk.services.commands import CreateItem, CreateService
from flowdesk.services.items import create_item_once

router = APIRouter(tags=["services"])


@router.get("/services", response_model=list[ServiceSummaryOut])
def list_services(uow: UowDep, clock: ClockDep, actor: ActorDep,
                  archived: bool = False) -> list[ServiceSummaryOut]:
    """The services one works in (an admin: every service); `archived=true`: the archived
    ones instead."""
    return [
        ServiceSummaryOut(key=s.service.key, name=s.service.name, wip=s.wip, blocked=s.blocked,
                          delivered_this_week=s.delivered_this_week)
        for s in queries.list_services(uow, actor, clock.now(), archived=archived)
    ]


@router.post("/services", response_model=ServiceOut, status_code=201)
def create_service(body: ServiceIn, uow: UowDep, clock: ClockDep, actor: ActorDep) -> ServiceOut:
    stages = None
    if body.stages is not None:
        stages = [StageSpec(s.name, s.phase, s.kind, s.wip_limit, s.policy) for s in body.stages]
    service = admin.create_service(uow, clock, actor, CreateService(
        key=body.key, name=body.name, description=body.description, stages=stages,
        blocker_categories=body.blocker_categories, person_wip_limit=body.person_wip_limit,
        timezone=body.timezone, deliver_from_any_stage=body.deliver_from_any_stage,
        template=body.template, item_types=body.item_types,
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


@router.put("/services/{key}/workflow", response_model=ServiceOut,
            responses={409: {"description": "a stage to retire or to change phase still holds "
                             "items (`items`: their keys by stage)"}})
def put_workflow(key: str, body: WorkflowIn, uow: UowDep, clock: ClockDep,
                 actor: ActorDep) -> ServiceOut:
    """Apply the whole ordered stage list in one transaction: a stage with an `id` is kept and
    renamed or changed, one without is new, `"retired": true` retires one (it must be empty).
    Answers the new workflow, or 422/409 and no change at all."""
    drafts = [StageDraft(s.id, s.name, s.phase, s.kind, s.wip_limit, s.policy, s.retired)
              for s in body.stages]
    return ServiceOut.of(workflow_design.change_workflow(uow, clock, actor,
                         workflow_design.ChangeWorkflow(key, drafts,
                                                        body.deliver_from_any_stage)))


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


@router.put("/services/{key}/first-time-fix", response_model=FixWindowOut)
def set_fix_window(key: str, body: FixWindowIn, uow: UowDep, clock: ClockDep,
                   actor: ActorDep) -> FixWindowOut:
    """How many days after a delivery failure demand linked to it counts against its
    first-time fix (30 by default; `docs/metrics.md`)."""
    days = failure_demand.set_fix_window(uow, clock, actor, key, body.window_days)
    return FixWindowOut(window_days=days)


@router.post("/services/{key}/stage-groups", response_model=ServiceOut, status_code=201)
def create_stage_group(key: str, body: StageGroupIn, uow: UowDep, clock: ClockDep,
                       actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(admin.create_stage_group(
        uow, clock, actor, key, body.name, body.stage_ids, body.limit))


@router.put("/services/{key}/stage-groups/{group_id}/limit", response_model=ServiceOut)
def set_group_limit(key: str, group_id: int, body: LimitIn, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(limits.set_group_limit(uow, clock, actor, key, group_id, body.limit))


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
