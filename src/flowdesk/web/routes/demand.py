"""A service's demand: today's alerts and arrivals against the usual, the form to acknowledge an
alert (from the board, the services page or this page), and the alert thresholds, which the
Service Delivery Manager changes. `services.demand` decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.demand import Thresholds
from flowdesk.domain.errors import FlowdeskError, InvalidInput, NotFound
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import demand, queries
from flowdesk.web.abilities import demand_can
from flowdesk.web.board_page import board_context
from flowdesk.web.demand_banner import banner_of, demand_banner
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import BoardQuery
from flowdesk.web.routes.pages import services_context
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

# What each threshold means (docs/metrics.md, "Demand alerts"), in the order of the form.
THRESHOLD_HELP = {
    "drop_at": "Inflow drop (warning) when actual ÷ usual is at most this",
    "drop_critical_at": "Inflow drop is critical when actual ÷ usual is at most this",
    "surge_at": "Inflow surge (warning) when actual ÷ usual is at least this",
    "surge_critical_at": "Inflow surge is critical when actual ÷ usual is at least this",
    "min_usual": "No inflow alert while fewer arrivals than this are usual by the hour",
    "queue_days": "Queue growing (warning) after this many working days in a row",
    "queue_critical_days": "Queue growing is critical after this many working days",
    "mix_points": "Work mix shift (info) when a share moves by this much (0.2 = 20 points)",
    "mix_warning_points": "Work mix shift is a warning when a share moves by this much",
    "mix_min_items": "No mix alert while either window has fewer arrivals than this",
    "mix_days": "The recent window of the work mix, in days, today included",
}
WHOLE = frozenset({"queue_days", "queue_critical_days", "mix_min_items", "mix_days"})
BACK = ("board", "services", "demand")  # the pages an acknowledgement returns to


def _page(request: Request, key: str, *, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None, ack_errors: dict[str, str] | None = None,
          ack_values: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    """The demand page; `errors` and `values` belong to the thresholds form, `ack_errors` and
    `ack_values` to an acknowledgement ("KEY:kind")."""
    uow = request.app.state.uow
    clock = request.app.state.clock
    actor = request_actor(request)
    now = clock.now()
    view = demand.demand(uow, actor, key, now)
    service = queries.get_service(uow, actor, view.service_key)
    can = demand_can(actor, service.id)
    banner = banner_of(service, view.alerts, view.acknowledged, can["acknowledge"])
    today = view.today
    hours = [(today.labels[h], int(today.actual[h]), float(today.usual[h]))
             for h in range(1, today.hour + 1) if today.actual[h] or today.usual[h]]
    current = {name: getattr(view.thresholds, name) for name in THRESHOLD_HELP}
    defaults = {name: getattr(Thresholds(), name) for name in THRESHOLD_HELP}
    return render(request, "demand.html", {
        "service": service, "banner": banner, "today": today, "hours": hours,
        "help": THRESHOLD_HELP, "current": current, "defaults": defaults,
        "manage": can["thresholds"],
        "errors": errors or {}, "values": values or {}, "ack_errors": ack_errors or {},
        "ack_values": ack_values or {}, "saved": request.query_params.get("saved") == "1",
    }, status=status)


@router.get("/services/{key}/demand", response_class=HTMLResponse)
def demand_page(key: str, request: Request) -> HTMLResponse:
    return _page(request, key)


@router.get("/services/{key}/demand/banner", response_class=HTMLResponse)
def banner_fragment(key: str, request: Request) -> HTMLResponse:
    """The board's demand banner alone: an open board fetches it again after live changes, so
    an alert raised, or acknowledged by someone else, shows without a reload."""
    uow = request.app.state.uow
    actor = request_actor(request)
    service = queries.get_service(uow, actor, key)
    banner = demand_banner(uow, actor, service, request.app.state.clock.now())
    return render(request, "_demand_banner_slot.html", {"banner": banner})


def _with_ack_error(request: Request, key: str, back: str, kind: str, note: str,
                    exc: FlowdeskError) -> HTMLResponse:
    """The page the acknowledgement came from, its problem shown next to the note."""
    at = f"{key.upper()}:{kind}"
    errors, values = {at: exc.message}, {at: note}
    status = status_for(exc)
    if back == "board":
        context = board_context(request, key, BoardQuery())
        context.update(panel=None, ack_errors=errors, ack_values=values)
        return render(request, "board.html", context, status=status)
    if back == "services":
        context = services_context(request.app.state.uow, request.app.state.clock,
                                   request_actor(request))
        context.update(ack_errors=errors, ack_values=values)
        return render(request, "services.html", context, status=status)
    return _page(request, key, ack_errors=errors, ack_values=values, status=status)


@actions.post("/services/{key}/demand/acknowledgements")
def acknowledge(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                actor: ActorDep) -> Response:
    """Acknowledge today's alert of a kind, with a note of what is done about it."""
    back = form.text("back").strip()
    back = back if back in BACK else "demand"
    kind, note = "", ""
    try:
        kind, note = form.text("kind").strip(), form.text("note")
        demand.acknowledge(uow, clock, actor, key, kind, note)
    except FlowdeskError as exc:
        if isinstance(exc, NotFound) and exc.field == "key":
            raise
        return _with_ack_error(request, key, back, kind, note, exc)
    service = key.upper()  # keys are stored in capitals
    target = {"board": f"/services/{service}/board", "services": "/",
              "demand": f"/services/{service}/demand"}[back]
    return RedirectResponse(f"{target}#alerts-{service}", status_code=303)


def threshold_changes(typed: dict[str, str]) -> dict[str, Any]:
    """The thresholds the form fills in (an empty field keeps its value). Raises InvalidInput
    naming a field that is not a number."""
    changes: dict[str, Any] = {}
    for name, text in typed.items():
        if not text:
            continue
        try:
            changes[name] = int(text) if name in WHOLE else float(text)
        except ValueError:
            what = "a whole number" if name in WHOLE else "a number, like 0.5"
            raise InvalidInput(f"{name} must be {what}", name) from None
    return changes


@actions.post("/services/{key}/demand/thresholds")
def set_thresholds(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                   actor: ActorDep) -> Response:
    """Change the service's alert thresholds: all of them are checked, and a bad one changes
    nothing."""
    typed: dict[str, str] = {}
    try:
        typed = {name: form.text(name).strip() for name in THRESHOLD_HELP}
        changes = threshold_changes(typed)
        demand.set_thresholds(uow, clock, actor, key, changes)
    except FlowdeskError as exc:
        if isinstance(exc, NotFound) and exc.field == "key":
            raise
        at = exc.field if exc.field in THRESHOLD_HELP else "page"
        return _page(request, key, errors={at: exc.message}, values=typed,
                     status=status_for(exc))
    return RedirectResponse(f"/services/{key.upper()}/demand?saved=1#thresholds",
                            status_code=303)
