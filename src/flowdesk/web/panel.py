"""The item panel: its template variables, and the response after a panel action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams

from flowdesk.domain.agreements import Agreement
from flowdesk.domain.calendars import DAY_NAMES
from flowdesk.domain.classes import CLASS_ORDER
from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import FlowdeskError, LimitViolation, NotFound, WipLimitExceeded
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Phase
from flowdesk.http.deps import request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import queries
from flowdesk.services.agreements import scope_text
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.abilities import item_can
from flowdesk.web.board_page import board_context
from flowdesk.web.cards import sla_of
from flowdesk.web.forms import BoardQuery, FormReader, parse_board_query
from flowdesk.web.history import timeline
from flowdesk.web.templating import is_htmx, render


@dataclass(frozen=True)
class Message:
    tone: str  # "ok", "error" or "warn"
    text: str


@dataclass(frozen=True)
class Refusal:
    """A WIP refusal the person may override: the same form again, with a reason."""

    url: str
    fields: list[tuple[str, str]]
    violations: list[LimitViolation]


@dataclass
class PanelState:
    message: Message | None = None
    refusal: Refusal | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # what the person typed, kept
    edit_open: bool = False


def view_query(request: Request) -> BoardQuery:
    """The board view (lanes, filters) the person is looking at, to keep it around the panel.

    A GET carries it in its own query string; an htmx POST in the page URL it was sent from.
    """
    query = request.url.query
    if request.method != "GET":
        try:
            query = urlsplit(request.headers.get("HX-Current-URL", "")).query
        except ValueError:  # not a URL (e.g. 'http://[::1'): show the default view
            return BoardQuery()
    try:
        return parse_board_query(QueryParams(query))
    except FlowdeskError:
        return BoardQuery()


def item_context(request: Request, item_key: str, state: PanelState) -> dict[str, Any]:
    uow: UnitOfWork = request.app.state.uow
    clock: Clock = request.app.state.clock
    actor = request_actor(request)
    now = clock.now()
    found = queries.item_panel(uow, actor, item_key, now)
    item, service = found.item, found.service
    stage = service.stage(item.stage_id)
    done = service.stages_in(Phase.DONE)
    q = view_query(request)
    return {
        "item": item, "service": service, "stage": stage, "now": now,
        "entries": timeline(found.events, found.names), "name": found.name,
        # Who may be assigned: the service's members with an active account, not yet on it.
        "assignable": [m.user for m in found.members
                       if m.user.active and m.user.username not in item.assignees],
        "item_can": item_can(actor, item, service),
        "deliver_stage": done[0] if done and stage.phase is Phase.COMMITTED else None,
        "open_stages": [s for s in service.stages if s.phase.is_open],
        "classes": CLASS_ORDER,
        "close_url": f"/services/{service.key}/board{q.query_string(show=None)}",
        "message": state.message, "refusal": state.refusal, "errors": state.errors,
        "values": state.values, "edit_open": state.edit_open,
        **service_level(found.agreement, item, now, service.timezone),
    }


def service_level(agreement: Agreement | None, item: WorkItem, now: datetime,
                  timezone: str) -> dict[str, Any]:
    """What the panel says about the agreement the item arrived under: which one, why it
    applies, and the working time left."""
    if agreement is None:
        return {"agreement": None, "sla": sla_of(item, now, None, timezone),
                "agreement_label": "", "agreement_why": "", "agreement_calendar": ""}
    label = f"“{agreement.name}”" if agreement.name else f"Agreement {agreement.id}"
    customer = f"customer “{item.customer}”" if item.customer else "no customer"
    why = (f"It covers {scope_text(agreement)}: of the agreements in force when the item "
           f"arrived ({customer}, class {item.cos.label}), the most specific one that "
           "matched (customer and class, then customer, then class, then the whole "
           "service).")
    calendar = agreement.calendar
    days = ", ".join(DAY_NAMES[d].capitalize() for d in sorted(calendar.working_days))
    text = f"{calendar.timezone}: {days}, {calendar.hours_text}"
    if agreement.cut_off is not None:
        text += f"; cut-off {agreement.cut_off:%H:%M}"
    return {"agreement": agreement, "sla": sla_of(item, now, calendar, timezone),
            "agreement_label": label, "agreement_why": why, "agreement_calendar": text}


def with_board(request: Request, panel: str, context: dict[str, Any],
               status: int = 200) -> HTMLResponse:
    """The panel alone for a partial request, else the whole board page with it open."""
    if is_htmx(request):
        return render(request, panel, context, status=status)
    board = board_context(request, context["service"].key, view_query(request))
    return render(request, "board.html", {**board, **context, "panel": panel}, status=status)


def item_page(request: Request, item_key: str, state: PanelState | None = None,
              status: int = 200) -> HTMLResponse:
    return with_board(request, "_panel_item.html",
                      item_context(request, item_key, state or PanelState()), status)


def run_action(request: Request, item_key: str, form: FormReader, action: str,
               do: Callable[[], object], done: str) -> Response:
    """Run a panel action and answer with the panel: refreshed, or with the problem shown.

    A WIP refusal offers the same action again with a reason; other problems name the field
    and keep what was typed. Without htmx, success redirects back to the item (post/redirect/get).
    """
    values = {k: v for k, v in form.data.items() if isinstance(v, str) and k != "csrf_token"}
    values["action"] = action
    try:
        do()
    except WipLimitExceeded as exc:
        fields = [(k, v) for k, v in values.items() if k not in ("action", "override_reason")]
        refusal = Refusal(f"/items/{item_key}/{action}", fields, exc.violations)
        return item_page(request, item_key, PanelState(refusal=refusal, values=values), 409)
    except NotFound as exc:
        if exc.field == "item":
            raise  # the item itself is gone: there is no panel to show
        return _problem(request, item_key, action, exc, values)
    except FlowdeskError as exc:
        return _problem(request, item_key, action, exc, values)
    if not is_htmx(request):
        _, service = queries.get_item(request.app.state.uow, request_actor(request), item_key)
        return RedirectResponse(f"/services/{service.key}/items/{item_key.upper()}",
                                status_code=303)
    return item_page(request, item_key, PanelState(message=Message("ok", done)))


def _problem(request: Request, item_key: str, action: str, exc: FlowdeskError,
             values: dict[str, str]) -> HTMLResponse:
    name = exc.field or ""
    if action == "discard" and name == "reason":
        name = "discard_reason"  # the block form has a reason field too
    errors = {name: exc.message} if name and name not in ("If-Match", "version") else {}
    state = PanelState(message=Message("error", exc.message), errors=errors, values=values,
                       edit_open=action == "edit")
    return item_page(request, item_key, state, status_for(exc))
