"""The item panel and its actions: edit, block, unblock, assign, unassign, deliver, discard,
reopen. Each action calls one use case and answers with the refreshed panel."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.due_dates import past_due_warning
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import failure_demand, queries
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, BlockItem, MoveItem, UpdateItem
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader
from flowdesk.web.panel import Message, PanelState, item_page, run_action

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


@router.get("/services/{key}/items/{item_key}", response_class=HTMLResponse)
def item_detail(key: str, item_key: str, request: Request, uow: UowDep, clock: ClockDep,
                actor: ActorDep) -> HTMLResponse:
    """The item's panel over its board (or the panel alone for a partial request). Just
    created with a due date already past (`?warning=due_date`), it says so."""
    item, service = queries.get_item(uow, actor, item_key)
    if service.key != key.upper():
        raise NotFound(f"no item {item_key} on service {key}", field="item")
    state = PanelState()
    if request.query_params.get("warning") == "due_date":
        warning = past_due_warning(item.due_date, clock.now(), service.timezone)
        if warning is not None:
            state = PanelState(message=Message("warn", f"Created, but {warning.message}."))
    return item_page(request, item_key, state)


def _stage_in(uow: UnitOfWork, actor: Actor, item_key: str, phase: Phase) -> int:
    _, service = queries.get_item(uow, actor, item_key)
    stages = service.stages_in(phase)
    if not stages:
        raise InvalidInput(f"service {service.key} has no {phase.value} stage", field="to_stage")
    return stages[0].id


def _version(form: FormReader) -> int | None:
    return form.optional_int("version", "the item version")


@actions.post("/items/{item_key}/edit")
def edit(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
         actor: ActorDep) -> Response:
    def do() -> object:
        changes = {
            "title": form.text("title"), "type": form.text("type"),
            "cos": form.cos("cos", ClassOfService.STANDARD), "customer": form.text("customer"),
            "due_date": form.day("due_date"), "description": form.text("description"),
        }
        return uc.update_item(uow, clock, actor, UpdateItem(
            item_key, changes, _version(form), form.optional_text("override_reason")))
    return run_action(request, item_key, form, "edit", do, "Changes saved.")


@actions.post("/items/{item_key}/block")
def block(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
          actor: ActorDep) -> Response:
    def do() -> object:
        return uc.block_item(uow, clock, actor, BlockItem(
            item_key, form.text("reason"), form.text("category"), _version(form)))
    return run_action(request, item_key, form, "block", do, "Blocked.")


@actions.post("/items/{item_key}/unblock")
def unblock(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
            actor: ActorDep) -> Response:
    def do() -> object:
        return uc.unblock_item(uow, clock, actor, item_key, _version(form))
    return run_action(request, item_key, form, "unblock", do, "Unblocked.")


@actions.post("/items/{item_key}/assign")
def assign(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
           actor: ActorDep) -> Response:
    def do() -> object:
        return uc.assign_item(uow, clock, actor, AssignItem(
            item_key, form.text("person"), _version(form), form.optional_text("override_reason")))
    return run_action(request, item_key, form, "assign", do, "Assigned.")


@actions.post("/items/{item_key}/unassign")
def unassign(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
             actor: ActorDep) -> Response:
    def do() -> object:
        return uc.unassign_item(uow, clock, actor, AssignItem(
            item_key, form.text("person"), _version(form)))
    return run_action(request, item_key, form, "unassign", do, "Unassigned.")


@actions.post("/items/{item_key}/deliver")
def deliver(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
            actor: ActorDep) -> Response:
    def do() -> object:
        return uc.move_item(uow, clock, actor, MoveItem(
            item_key, _stage_in(uow, actor, item_key, Phase.DONE), expected_version=_version(form)))
    return run_action(request, item_key, form, "deliver", do, "Delivered.")


@actions.post("/items/{item_key}/discard")
def discard(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
            actor: ActorDep) -> Response:
    def do() -> object:
        return uc.move_item(uow, clock, actor, MoveItem(
            item_key, _stage_in(uow, actor, item_key, Phase.DISCARDED), reason=form.text("reason"),
            expected_version=_version(form)))
    return run_action(request, item_key, form, "discard", do, "Discarded.")


@actions.post("/items/{item_key}/reopen")
def reopen(item_key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
           actor: ActorDep) -> Response:
    def do() -> object:
        return uc.move_item(uow, clock, actor, MoveItem(
            item_key, form.integer("to_stage", "the stage to reopen into"),
            override_reason=form.optional_text("override_reason"),
            expected_version=_version(form)))
    return run_action(request, item_key, form, "reopen", do, "Reopened.")


@actions.post("/items/{item_key}/failure-demand")
def mark_failure_demand(item_key: str, request: Request, form: FormDep, uow: UowDep,
                        clock: ClockDep, actor: ActorDep) -> Response:
    """Mark the item as failure demand of an earlier delivered item, or clear the mark (an
    empty kind)."""
    def do() -> object:
        kind = form.optional_text("kind")
        return failure_demand.mark_failure_demand(uow, clock, actor,
                                                  failure_demand.MarkFailureDemand(
            item_key, kind, form.optional_text("stems_from") if kind else None,
            _version(form)))
    return run_action(request, item_key, form, "failure", do, "Saved.")
