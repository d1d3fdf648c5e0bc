"""The "New request" form: it puts an item upstream, or shows what to correct and keeps the text."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.classes import CLASS_ORDER, ClassOfService
from flowdesk.domain.due_dates import past_due_warning
from flowdesk.domain.errors import FlowdeskError, NotFound, WipLimitExceeded
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import Phase
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import board_views, queries, registry
from flowdesk.services.commands import CreateItem
from flowdesk.services.items import create_item
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader
from flowdesk.web.panel import Message, PanelState, item_page, view_query, with_board
from flowdesk.web.templating import is_htmx

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

IDEMPOTENCY_MAX = 200


def _form_page(request: Request, key: str, values: dict[str, str], errors: dict[str, str],
               status: int) -> HTMLResponse:
    uow = request.app.state.uow
    actor = request_actor(request)
    service = queries.get_service(uow, actor, key)
    q = view_query(request)
    context: dict[str, Any] = {
        "service": service, "values": values, "errors": errors, "classes": CLASS_ORDER,
        "upstream": service.stages_in(Phase.UPSTREAM),
        # The service's own item types first, then any other its items already have.
        "types": list(dict.fromkeys([*service.item_types,
                                     *board_views.filter_choices(uow, actor, key).types])),
        # The registry's customers, offered as the customer is typed (an item refers to one
        # by its key or name; other text is kept as it is).
        "customers": registry.list_customers(uow, actor),
        "idempotency_key": uuid.uuid4().hex,
        "close_url": f"/services/{service.key}/board{q.query_string(show=None)}",
    }
    return with_board(request, "_panel_new.html", context, status)


def created_warning(request: Request, key: str, due: date | None,
                    now: datetime) -> Message | None:
    """The warning the new item's panel shows: a due date already past (accepted)."""
    if due is None:
        return None
    service = queries.get_service(request.app.state.uow, request_actor(request), key)
    warning = past_due_warning(due, now, service.timezone)
    return None if warning is None else Message("warn", f"Created, but {warning.message}.")


@router.get("/services/{key}/new", response_class=HTMLResponse)
def new_request_form(key: str, request: Request, uow: UowDep, actor: ActorDep) -> HTMLResponse:
    """The form, for someone who may create work here (others are told who may)."""
    authorize(actor, Action.CREATE_ITEM, queries.get_service(uow, actor, key).id)
    return _form_page(request, key, {}, {}, 200)


def _command(key: str, form: FormReader, errors: dict[str, str]) -> CreateItem | None:
    """The command the form describes, collecting every field it cannot read into `errors`.

    Every field goes through `read`, so one bad field (a NUL character, a file where text was
    expected) is named next to its input while the rest of what was typed is kept.
    """
    def read(name: str, reader: Any, shown_as: str | None = None) -> Any:
        try:
            return reader()
        except FlowdeskError as exc:
            errors[shown_as or exc.field or name] = exc.message
            return None

    def text(name: str, shown_as: str | None = None) -> str:
        value = read(name, lambda: form.text(name), shown_as)
        return value if isinstance(value, str) else ""

    title = text("title")
    if "title" not in errors and not title.strip():
        errors["title"] = "a title is needed"
    kind = text("type")
    description = text("description")
    customer = text("customer")
    person = text("assignee", shown_as="assignees").strip()  # the use case names it so
    idem = text("idempotency_key").strip()[:IDEMPOTENCY_MAX] or None
    cos = read("cos", lambda: form.cos("cos", ClassOfService.STANDARD))
    due = read("due_date", lambda: form.day("due_date"))
    stage_id = read("stage_id", lambda: form.optional_int("stage_id", "the starting stage"))
    override = text("override_reason").strip() or None
    if errors:
        return None
    return CreateItem(
        service_key=key, title=title, type=kind or "request", cos=cos, description=description,
        customer=customer, due_date=due, assignees=(person,) if person else (),
        stage_id=stage_id, idempotency_key=idem, override_reason=override,
    )


@actions.post("/services/{key}/items")
def create(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
           actor: ActorDep) -> Response:
    values = {k: v for k, v in form.data.items() if isinstance(v, str) and k != "csrf_token"}
    errors: dict[str, str] = {}
    cmd = _command(key, form, errors)
    if cmd is None:
        return _form_page(request, key, values, errors, 422)
    try:
        item = create_item(uow, clock, actor, cmd)
    except NotFound as exc:
        if exc.field == "key":
            raise
        return _form_page(request, key, values, {exc.field or "title": exc.message},
                          status_for(exc))
    except WipLimitExceeded as exc:  # the form then asks for a reason to create anyway
        return _form_page(request, key, values, {"override_reason": exc.message},
                          status_for(exc))
    except FlowdeskError as exc:
        return _form_page(request, key, values, {exc.field or "title": exc.message},
                          status_for(exc))
    url = f"/services/{key.upper()}/items/{item.key}"
    warning = created_warning(request, key, item.due_date, clock.now())
    if not is_htmx(request):  # the item's page repeats the warning it is sent to
        return RedirectResponse(url + ("?warning=due_date" if warning else ""), status_code=303)
    response = item_page(request, item.key, PanelState(message=warning))
    response.headers["HX-Push-Url"] = url + view_query(request).query_string(show=None)
    return response
