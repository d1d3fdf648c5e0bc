"""The workflow editor: add, rename, reorder and retire stages, set each one's phase, kind,
WIP limit and policy, say where work may be delivered from, and bring a retired stage back.

One form sends the whole stage list to the same use case as `PUT /api/v1/services/{key}/
workflow` (`services.workflow_design.change_workflow`): it is applied as a whole or refused,
and a refusal shows the form again as it was sent, with the reason and, for a stage that
still holds work, the items to move first.

The form: one row per stage, each named by a key r (the page's rows, in order, are its
`name-r` fields), with `id-r` (empty: a new stage), `name-r`, `phase-r`, `kind-r`, `limit-r`
(empty: no limit), `policy-r`, `retired-r` and `order-r` (the rows are applied in this order;
ties keep the page's order). A new row left without a name is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError, InvalidInput, NotFound
from flowdesk.domain.workflow import Phase, StageKind
from flowdesk.domain.workflow_change import StageDraft, StagesHoldItems, drafts_restoring
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import workflow_design
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import TRUE_WORDS, FormReader
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

ROWS_MAX = 60
NEW_ROWS = 1  # blank rows for new stages without the page's script ("Add a stage" with it)
_ROW = re.compile(r"^[0-9a-z-]{1,12}$")
_FIELD_INDEX = re.compile(r"^stages\[(\d+)\]")


@dataclass(frozen=True)
class Row:
    """A row of the form as the page shows it (the current stage, or what was sent)."""

    key: str
    id: int | None
    name: str
    phase: str
    kind: str
    limit: str
    policy: str
    retired: bool
    items: int  # how many items the stage holds now


def _rows_of(view: workflow_design.WorkflowView) -> list[Row]:
    rows = [Row(str(i), s.id, s.name, s.phase.value, s.kind.value,
                "" if s.wip_limit is None else str(s.wip_limit), s.policy, False,
                view.counts.get(s.id, 0))
            for i, s in enumerate(view.service.stages)]
    # Blank rows for new stages, before the first done stage (where new work stages go).
    at = next((i for i, s in enumerate(view.service.stages) if not s.phase.is_open), len(rows))
    blank = [Row(f"n{len(rows) + i}", None, "", Phase.COMMITTED.value, StageKind.ACTIVITY.value,
                 "", "", False, 0) for i in range(NEW_ROWS)]
    return rows[:at] + blank + rows[at:]


def _page(request: Request, key: str, *, rows: list[Row] | None = None,
          deliver_any: bool | None = None, error: str = "", error_row: str = "",
          blocking: dict[str, list[str]] | None = None, status: int = 200) -> HTMLResponse:
    uow = request.app.state.uow
    actor = request_actor(request)
    view = workflow_design.workflow_view(uow, actor, key)
    service = view.service
    last = service.delivery_stage()
    return render(request, "workflow.html", {
        "service": service, "view": view, "rows": rows or _rows_of(view),
        "phases": list(Phase), "kinds": list(StageKind),
        "deliver_any": service.deliver_from_any_stage if deliver_any is None else deliver_any,
        "delivery_stage": last.name if last is not None else "",
        "error": error, "error_row": error_row, "blocking": blocking or {},
        "done": request.query_params.get("done", ""),
    }, status=status)


@router.get("/services/{key}/workflow", response_class=HTMLResponse)
def workflow_page(key: str, request: Request) -> HTMLResponse:
    return _page(request, key)


def read_rows(form: FormReader) -> list[Row]:
    """The rows the form sent, in the order asked for (`order-r`), blank new rows left out."""
    keys = [str(name)[5:] for name in form.data if str(name).startswith("name-")]
    if len(keys) > ROWS_MAX:
        raise InvalidInput(f"a workflow has at most {ROWS_MAX} rows", "stages")
    ordered: list[tuple[int, int, Row]] = []
    for place, key in enumerate(keys):
        if not _ROW.match(key):
            raise InvalidInput("the form's rows are not named as the page names them", "row")
        row = Row(key, form.optional_int(f"id-{key}", "a stage id"),
                  form.text(f"name-{key}"), form.text(f"phase-{key}"),
                  form.text(f"kind-{key}"), form.text(f"limit-{key}").strip(),
                  form.text(f"policy-{key}"),
                  form.text(f"retired-{key}").strip().lower() in TRUE_WORDS, 0)
        if row.id is None and not row.name.strip():
            continue
        order = form.optional_int(f"order-{key}", "a stage's place")
        ordered.append((place if order is None else order, place, row))
    return [row for _, _, row in sorted(ordered, key=lambda t: (t[0], t[1]))]


def drafts_of(rows: list[Row]) -> list[StageDraft]:
    drafts = []
    for i, row in enumerate(rows):
        try:
            phase = Phase(row.phase)
        except ValueError:
            raise InvalidInput(f"'{row.phase}' is not a phase", f"stages[{i}].phase") from None
        try:
            kind = StageKind(row.kind)
        except ValueError:
            raise InvalidInput(f"'{row.kind}' is not a kind of stage",
                               f"stages[{i}].kind") from None
        limit: int | None = None
        if row.limit:
            try:
                limit = int(row.limit)
            except ValueError:
                raise InvalidInput(f"the WIP limit of '{row.name.strip()}' must be a whole "
                                   "number, or empty for none", f"stages[{i}].wip_limit") from None
        drafts.append(StageDraft(row.id, row.name, phase, kind, limit, row.policy, row.retired))
    return drafts


@actions.post("/services/{key}/workflow")
def save_workflow(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                  actor: ActorDep) -> Response:
    rows: list[Row] = []
    deliver_any = False
    try:
        deliver_any = form.text("deliver_from_any_stage").strip().lower() in TRUE_WORDS
        rows = read_rows(form)
        workflow_design.change_workflow(uow, clock, actor, workflow_design.ChangeWorkflow(
            key, drafts_of(rows), deliver_any))
    except FlowdeskError as exc:
        if isinstance(exc, NotFound) and exc.field == "key":
            raise
        found = _FIELD_INDEX.match(exc.field or "")
        at = rows[int(found.group(1))].key if found and int(found.group(1)) < len(rows) else ""
        blocking = exc.blocking if isinstance(exc, StagesHoldItems) else {}
        return _page(request, key, rows=rows or None, deliver_any=deliver_any,
                     error=exc.message, error_row=at, blocking=blocking,
                     status=status_for(exc))
    return RedirectResponse(f"/services/{key.upper()}/workflow?done=saved", status_code=303)


@actions.post("/services/{key}/workflow/restore")
def restore_stage(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                  actor: ActorDep) -> Response:
    """Bring a retired stage back where it was, through the same use case as the form."""
    try:
        stage_id = form.optional_int("stage_id", "a stage id")
        if stage_id is None:
            raise InvalidInput("say which stage to bring back", "stage_id")
        service = workflow_design.workflow_view(uow, actor, key).service
        workflow_design.change_workflow(uow, clock, actor, workflow_design.ChangeWorkflow(
            key, drafts_restoring(service, stage_id)))
    except FlowdeskError as exc:
        if isinstance(exc, NotFound) and exc.field == "key":
            raise
        return _page(request, key, error=exc.message, status=status_for(exc))
    return RedirectResponse(f"/services/{key.upper()}/workflow?done=restored", status_code=303)
