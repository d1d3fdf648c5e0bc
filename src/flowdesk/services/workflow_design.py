"""Designing a service's workflow: the whole ordered stage list applied in one transaction.

`change_workflow` is what `PUT /api/v1/services/{key}/workflow` and the web's workflow editor
call. It checks the proposal as a whole (`domain.workflow_change.plan_workflow`), refuses to
retire a stage, or change the phase of one, that still holds items (naming them), and then
writes every stage, the CONWIP groups it affects and one `workflow_changed` event, or
nothing at all.

Locks (PostgreSQL): the service row first, like every write that takes it, then every stage
of the service `FOR UPDATE`, in id order. A move that changes an item's stage takes a key
share lock on its target stage at the item's foreign-key check, so it waits for this change
to commit, and then finds the workflow it read replaced (`repository.append_event`): it
decides again and cannot leave an item in a retired stage.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize, may
from flowdesk.domain.workflow import Phase, Service
from flowdesk.domain.workflow_change import (
    StageDraft,
    StagesHoldItems,
    WorkflowPlan,
    plan_workflow,
)
from flowdesk.services.admin import _locked_service
from flowdesk.services.queries import EventView, readable_service
from flowdesk.storage import repository as repo
from flowdesk.storage import workflow_rows as rows
from flowdesk.storage.unit_of_work import UnitOfWork

BLOCKING_SHOWN = 20  # items named in a refusal; the count says how many more


@dataclass(frozen=True)
class ChangeWorkflow:
    service_key: str
    stages: list[StageDraft]
    deliver_from_any_stage: bool | None = None  # None: as it is


def change_workflow(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: ChangeWorkflow) -> Service:
    """Apply a whole proposed workflow, or refuse it and change nothing.

    Needs `DESIGN_WORKFLOW`; setting or changing a WIP limit also needs `WIP_LIMITS`, and a
    stage's policy the right to edit policies of its phase. Answers the service as it is
    after the change (unchanged when the proposal is the current workflow: no event)."""
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, cmd.service_key, Action.DESIGN_WORKFLOW)
        plan = plan_workflow(service, cmd.stages)
        if plan.limits_changed:
            authorize(actor, Action.WIP_LIMITS, service.id)
        for phase in plan.policies_changed:
            authorize(actor, Action.UPSTREAM_POLICY if phase is Phase.UPSTREAM
                      else Action.DOWNSTREAM_POLICY, service.id)
        delivery = cmd.deliver_from_any_stage
        delivery_changes = delivery is not None and delivery != service.deliver_from_any_stage
        if not plan.changed and not delivery_changes:
            return service
        if uow.locks_rows:
            rows.lock_stages(conn, service.id)
        _refuse_if_holding(conn, service, plan)
        now = clock.now()
        rows.write_stages(conn, service, plan.stages, now)
        rows.remove_group_members(conn, plan.group_members_removed, plan.groups_removed)
        changes = list(plan.changes)
        if delivery_changes:
            rows.set_deliver_from_any_stage(conn, service.id, bool(delivery))
            changes.append({"change": "delivery", "old": service.deliver_from_any_stage,
                            "new": delivery})
        repo.touch_workflow(conn, service.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="workflow_changed", at=now,
            actor=actor.username,
            payload={"changes": changes,
                     "stages": [p.name for p in plan.stages if not p.retired]},
        )
        return repo.load_service(conn, service.id)


def _refuse_if_holding(conn: Connection, service: Service, plan: WorkflowPlan) -> None:
    """Refuse, naming the items, when a stage to retire or to rephase holds any."""
    concerned = {*plan.retiring, *plan.rephased}
    if not concerned:
        return
    held = rows.items_in_stages(conn, concerned)
    if not held:
        return
    blocking: dict[str, list[str]] = {}
    for stage_id, key in held:
        blocking.setdefault(service.stage(stage_id).name, []).append(key)
    parts = []
    for name, keys in blocking.items():
        shown = ", ".join(keys[:BLOCKING_SHOWN])
        more = f" and {len(keys) - BLOCKING_SHOWN} more" if len(keys) > BLOCKING_SHOWN else ""
        parts.append(f"'{name}' holds {shown}{more}")
    what = "retire" if set(plan.retiring) & {stage_id for stage_id, _ in held} else "change"
    raise StagesHoldItems(
        f"move the items out first: {'; '.join(parts)} (a stage to {what} must be empty)",
        blocking)


@dataclass(frozen=True)
class WorkflowView:
    """What the workflow editor shows: the service (retired stages included), how many items
    each stage holds, and the workflow's changes, newest first, with who made them."""

    service: Service
    counts: dict[int, int]
    history: list[EventView]
    may_design: bool


HISTORY_SHOWN = 20


def workflow_view(uow: UnitOfWork, actor: Actor, key: str) -> WorkflowView:
    """The workflow of a service the actor may read (a non-member: no such service)."""
    with uow.read() as conn:
        service = readable_service(conn, actor, key)
        counts = rows.items_per_stage(conn, service.id)
        history = rows.workflow_changes(conn, service.id, HISTORY_SHOWN)
    return WorkflowView(service, counts, history, may(actor, Action.DESIGN_WORKFLOW, service.id))
