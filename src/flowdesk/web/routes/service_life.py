"""A service's life in the web: create one (an admin, from a template or from scratch),
archive and restore it, delete it after typing its key (its export offered first), and remove
the demo. The use cases decide who may (`services.admin`, `services.lifecycle`)."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError, Forbidden
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.templates import TEMPLATES
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import admin, lifecycle
from flowdesk.services.commands import CreateService
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _new_page(request: Request, *, errors: dict[str, str] | None = None,
              values: dict[str, Any] | None = None, status: int = 200) -> HTMLResponse:
    return render(request, "service_new.html", {
        "templates": TEMPLATES, "zones": ZONES, "errors": errors or {},
        "values": values or {"template": TEMPLATES[0].key, "timezone": "UTC"},
    }, status=status)


@router.get("/services/new", response_class=HTMLResponse)
def new_service_page(request: Request, actor: ActorDep) -> HTMLResponse:
    """The form for a new service: organisation admins only."""
    authorize(actor, Action.CREATE_SERVICE)
    return _new_page(request)


def _listed(text: str, separator: str) -> list[str] | None:
    """The entries of a list typed in one field (None when it is left empty)."""
    found = [part.strip() for part in text.split(separator) if part.strip()]
    return found or None


def command_from(form: FormReader) -> CreateService:
    return CreateService(
        key=form.text("key"), name=form.text("name"), description=form.text("description"),
        timezone=form.text("timezone").strip() or "UTC",
        template=form.text("template") or "empty",
        item_types=_listed(form.text("item_types"), ","),
        blocker_categories=_listed(form.text("blocker_categories").replace("\r", ""), "\n"),
    )


@actions.post("/services/new")
def create_service(request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                   actor: ActorDep) -> Response:
    values = {k: v for k, v in form.data.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        service = admin.create_service(uow, clock, actor, command_from(form))
    except Forbidden:
        raise
    except FlowdeskError as exc:
        field = exc.field or "key"
        if field.startswith("stages"):
            field = "template"
        return _new_page(request, errors={field: exc.message}, values=values,
                         status=status_for(exc))
    return RedirectResponse(f"/services/{service.key}/board", status_code=303)


@actions.post("/services/{key}/archive")
def archive_service(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> Response:
    service = lifecycle.archive_service(uow, clock, actor, key)
    return RedirectResponse(f"/?archived={service.key}", status_code=303)


@actions.post("/services/{key}/restore")
def restore_service(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> Response:
    service = lifecycle.restore_service(uow, clock, actor, key)
    return RedirectResponse(f"/services/{service.key}/board", status_code=303)


def _delete_page(request: Request, key: str, *, error: str = "", typed: str = "",
                 status: int = 200) -> HTMLResponse:
    uow = request.app.state.uow
    preview = lifecycle.deletion_preview(uow, request_actor(request), key)
    return render(request, "service_delete.html", {
        "preview": preview, "error": error, "typed": typed}, status=status)


@router.get("/services/{key}/delete", response_class=HTMLResponse)
def delete_page(key: str, request: Request, actor: ActorDep) -> HTMLResponse:
    """What deleting the service removes, its export, and the form to confirm: admins."""
    return _delete_page(request, key)


@actions.post("/services/{key}/delete")
def delete_service(key: str, request: Request, form: FormDep, uow: UowDep,
                   actor: ActorDep) -> Response:
    typed = form.text("confirm")
    try:
        gone = lifecycle.delete_service(uow, actor, key, typed)
    except Forbidden:
        raise
    except FlowdeskError as exc:
        if exc.field != "confirm":
            raise
        return _delete_page(request, key, error=exc.message, typed=typed,
                            status=status_for(exc))
    return RedirectResponse(f"/?deleted={gone.key}", status_code=303)


@actions.post("/demo/remove")
def remove_demo(uow: UowDep, actor: ActorDep) -> Response:
    """Delete every service the demo loaded: admins."""
    gone = lifecycle.delete_demo(uow, actor)
    return RedirectResponse(f"/?deleted={','.join(g.key for g in gone)}", status_code=303)
