"""A service's own service level targets on the web: every member sees them; the Service
Delivery Manager sets them (`services.service_levels` decides who may). One row for the
whole service and one per class of service; a row left empty sets no target."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.classes import CLASS_ORDER
from flowdesk.domain.errors import FlowdeskError, InvalidInput, NotFound
from flowdesk.domain.policy import Action, may
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import queries
from flowdesk.services import service_levels as uc
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
SCOPES = ["", *(c.value for c in CLASS_ORDER)]  # "": the whole service


def _page(request: Request, key: str, *, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    uow, actor = request.app.state.uow, request_actor(request)
    service = queries.get_service(uow, actor, key)
    current = {t.cos.value if t.cos else "": t for t in uc.get_targets(uow, actor, key)}
    shown = values if values is not None else {
        **{f"percentile_{s}": str(current[s].percentile) for s in current},
        **{f"days_{s}": str(current[s].days) for s in current}}
    return render(request, "service_levels.html", {
        "service": service, "scopes": [(s, next((c.label for c in CLASS_ORDER
                                                 if c.value == s), "Whole service"))
                                       for s in SCOPES],
        "values": shown, "errors": errors or {},
        "manage": may(actor, Action.SERVICE_LEVELS, service.id),
        "saved": request.query_params.get("saved") == "1",
    }, status=status)


@router.get("/services/{key}/service-levels", response_class=HTMLResponse)
def service_levels_page(key: str, request: Request) -> HTMLResponse:
    return _page(request, key)


def _number(text: str, field: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"{field.split('_')[0]}: {text.strip()!r} is not a whole number",
                           field) from None


def values_of(form: FormReader) -> dict[str, str]:
    """The form's fields as typed, to show again if they are refused."""
    return {f"{name}_{s}": form.text(f"{name}_{s}") for s in SCOPES
            for name in ("percentile", "days")}


def body_of(values: dict[str, str]) -> dict[str, Any]:
    """The API body the form's values describe."""
    targets = []
    for scope in SCOPES:
        percentile, days = values[f"percentile_{scope}"], values[f"days_{scope}"]
        if not percentile.strip() and not days.strip():
            continue
        targets.append({"class_of_service": scope or None,
                        "percentile": _number(percentile, f"percentile_{scope}"),
                        "days": _number(days, f"days_{scope}")})
    return {"targets": targets}


@actions.post("/services/{key}/service-levels")
def set_service_levels(key: str, request: Request, form: FormDep, uow: UowDep,
                       clock: ClockDep, actor: ActorDep) -> Response:
    values = values_of(form)
    try:
        uc.set_targets(uow, clock, actor, key, body_of(values))
    except FlowdeskError as exc:
        if isinstance(exc, NotFound):
            raise
        return _page(request, key, errors={exc.field or "page": exc.message}, values=values,
                     status=status_for(exc))
    return RedirectResponse(f"/services/{key.upper()}/service-levels?saved=1",
                            status_code=303)
