"""Limits and policies, edited in place on the board's header: a stage's WIP limit and policy,
a stage group's (CONWIP) limit, a class of service's limit and policy, the personal limit.
Each form runs the use case the API runs and comes back to the board; a refusal is shown on
the board, above the limits. Policies are Markdown, with a preview (`/markdown/preview`)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.errors import FlowdeskError, Forbidden, InvalidInput, NotFound
from flowdesk.domain.workflow import POLICY_MAX
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.http.errors import status_for
from flowdesk.services import admin, limits
from flowdesk.web.board_page import board_context
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader, parse_board_query
from flowdesk.web.markdown import render_markdown
from flowdesk.web.templating import render

actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


def _limit(form: FormReader) -> int | None:
    """The limit typed (empty: no limit)."""
    return form.optional_int("limit", "the limit")


def _change(request: Request, key: str, form: FormReader, do: Callable[[], object]) -> Response:
    """Run one change; back to the board (where the person was), or the board with the
    refusal shown above its limits."""
    back = parse_board_query(QueryParams(form.text("back").lstrip("?")))
    try:
        do()
    except (Forbidden, NotFound):
        raise
    except FlowdeskError as exc:
        context = board_context(request, key, back)
        context.update(panel=None, limit_error=exc.message, limit_field=exc.field or "")
        return render(request, "board.html", context, status=status_for(exc))
    query = back.query_string()
    return RedirectResponse(f"/services/{key.upper()}/board{query}", status_code=303)


def _cos(value: str) -> ClassOfService:
    try:
        return ClassOfService(value)
    except ValueError:
        raise NotFound(f"no class of service '{value}'", field="cos") from None


@actions.post("/services/{key}/stages/{stage_id}/limit")
def stage_limit(key: str, stage_id: int, request: Request, form: FormDep, uow: UowDep,
                clock: ClockDep, actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: admin.set_stage_limit(
        uow, clock, actor, key, stage_id, _limit(form)))


@actions.post("/services/{key}/stages/{stage_id}/policy")
def stage_policy(key: str, stage_id: int, request: Request, form: FormDep, uow: UowDep,
                 clock: ClockDep, actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: admin.set_stage_policy(
        uow, clock, actor, key, stage_id, form.text("policy")))


@actions.post("/services/{key}/classes/{cos}/limit")
def class_limit(key: str, cos: str, request: Request, form: FormDep, uow: UowDep,
                clock: ClockDep, actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: admin.set_class_policy(
        uow, clock, actor, key, _cos(cos), {"wip_limit": _limit(form)}))


@actions.post("/services/{key}/classes/{cos}/policy")
def class_policy(key: str, cos: str, request: Request, form: FormDep, uow: UowDep,
                 clock: ClockDep, actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: admin.set_class_policy(
        uow, clock, actor, key, _cos(cos), {"policy": form.text("policy")}))


@actions.post("/services/{key}/person-limit")
def person_limit(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                 actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: admin.set_person_limit(
        uow, clock, actor, key, _limit(form)))


def _stage_ids(form: FormReader) -> list[int]:
    try:
        return [int(v) for v in form.texts("stage_ids")]
    except ValueError:
        raise InvalidInput("choose the stages by their boxes", field="stage_ids") from None


@actions.post("/services/{key}/stage-groups")
def new_group(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
              actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: admin.create_stage_group(
        uow, clock, actor, key, form.text("name"), _stage_ids(form), _limit(form)))


@actions.post("/services/{key}/stage-groups/{group_id}/limit")
def group_limit(key: str, group_id: int, request: Request, form: FormDep, uow: UowDep,
                clock: ClockDep, actor: ActorDep) -> Response:
    return _change(request, key, form, lambda: limits.set_group_limit(
        uow, clock, actor, key, group_id, _limit(form)))


@actions.post("/markdown/preview", response_class=HTMLResponse)
def preview(form: FormDep, actor: ActorDep) -> HTMLResponse:
    """A policy as the board will show it: Markdown, sanitised."""
    text = form.text("policy")[:POLICY_MAX]
    body = render_markdown(text) if text.strip() else "Nothing written yet."
    return HTMLResponse(f'<div class="prose">{body}</div>')
