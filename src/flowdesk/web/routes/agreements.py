"""A service's customer agreements, on its settings: every member sees them and their
versions; the Service Delivery Manager creates them, gives them a new version and retires
them (`services.agreements` decides who may)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from flowdesk.domain.agreements import TargetUnit
from flowdesk.domain.calendars import DAY_NAMES
from flowdesk.domain.classes import CLASS_ORDER
from flowdesk.domain.errors import FlowdeskError, InvalidInput, NotFound
from flowdesk.domain.policy import Action, may
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import agreements as uc
from flowdesk.services import queries, registry
from flowdesk.web.deps import FormDep
from flowdesk.web.forms import FormReader
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])
AgreementId = Annotated[int, Path(ge=1, le=2**31 - 1)]
INLINE = ""  # the calendar select's value for "the hours below"
DEFAULTS = {"name": "", "customer": "", "cos": "", "calendar": INLINE, "timezone": "",
            "working_days": ["mon", "tue", "wed", "thu", "fri"], "opens": "09:00",
            "closes": "17:00", "holidays": "", "target_value": "", "target_unit":
            TargetUnit.WORKING_DAYS.value, "target_share": "0.85", "cut_off": ""}


def _page(request: Request, key: str, *, errors: dict[str, str] | None = None,
          values: dict[str, Any] | None = None, at: str = "", status: int = 200
          ) -> HTMLResponse:
    """The agreements page; `errors` and `values` belong to the form `at` ("new", or an
    agreement's id) that was sent."""
    uow, actor = request.app.state.uow, request_actor(request)
    service = queries.get_service(uow, actor, key)
    found = uc.list_agreements(uow, actor, key)
    manage = may(actor, Action.SERVICE_LEVELS, service.id)
    keep = may(actor, Action.MANAGE_REGISTRY)
    return render(request, "agreements.html", {
        "service": service, "agreements": found, "manage": manage, "keep_registry": keep,
        "customers": registry.list_customers(uow, actor) if manage or keep else [],
        "calendars": registry.list_calendars(uow, actor) if manage or keep else [],
        "classes": CLASS_ORDER, "units": list(TargetUnit), "days": DAY_NAMES,
        "errors": errors or {}, "at": at, "values": values or {},
        "new_values": values if at == "new" and values else {
            **DEFAULTS, "timezone": service.timezone},
        "form_of": form_of, "scope": uc.scope_text,
    }, status=status)


def form_of(view: uc.AgreementView) -> dict[str, Any]:
    """The form's values for an agreement as its current version says."""
    a, cal = view.current.agreement, view.current.agreement.calendar
    return {"name": a.name, "customer": a.customer or "", "cos": a.cos.value if a.cos else "",
            "calendar": view.current.calendar_key or INLINE, "timezone": cal.timezone,
            "working_days": [DAY_NAMES[d] for d in sorted(cal.working_days)],
            "opens": cal.hours_text.split("-")[0], "closes": cal.hours_text.split("-")[1],
            "holidays": "\n".join(d.isoformat() for d in sorted(cal.holidays)),
            "target_value": f"{a.target.value:g}", "target_unit": a.target.unit.value,
            "target_share": f"{a.target.share:g}",
            "cut_off": "" if a.cut_off is None else f"{a.cut_off:%H:%M}"}


def _number(text: str, field: str) -> float | int:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"{field}: {text.strip()!r} is not a number", field) from None
    return int(value) if value.is_integer() else value


def body_of(form: FormReader) -> tuple[dict[str, Any], dict[str, Any]]:
    """The API body a form describes, and the values to show again if it is refused."""
    values: dict[str, Any] = {name: form.text(name) for name in DEFAULTS
                              if name != "working_days"}
    values["working_days"] = form.texts("working_days")
    calendar: Any = values["calendar"].strip() or {
        "timezone": values["timezone"].strip(), "working_days": values["working_days"],
        "working_hours": [values["opens"].strip(), values["closes"].strip()],
        "holidays": [d.strip() for d in values["holidays"].replace(",", "\n").splitlines()
                     if d.strip()]}
    body = {"name": values["name"], "customer": values["customer"].strip() or None,
            "class_of_service": values["cos"].strip() or None, "calendar": calendar,
            "target": {"value": _number(values["target_value"], "target.value"),
                       "unit": values["target_unit"].strip(),
                       "share": _number(values["target_share"], "target.share")},
            "cut_off": values["cut_off"].strip() or None}
    return body, values


@router.get("/services/{key}/agreements", response_class=HTMLResponse)
def agreements_page(key: str, request: Request) -> HTMLResponse:
    return _page(request, key)


def _refused(request: Request, key: str, exc: FlowdeskError, values: dict[str, Any],
             at: str) -> HTMLResponse:
    if isinstance(exc, NotFound) and exc.field == "key":
        raise exc
    return _page(request, key, errors={exc.field or "form": exc.message}, values=values, at=at,
                 status=status_for(exc))


@actions.post("/services/{key}/agreements")
def create_agreement(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                     actor: ActorDep) -> Response:
    values: dict[str, Any] = {}
    try:
        body, values = body_of(form)
        made = uc.create_agreement(uow, clock, actor, key, body)
    except FlowdeskError as exc:
        return _refused(request, key, exc, values, "new")
    return RedirectResponse(f"/services/{made.service_key}/agreements#agreement-{made.id}",
                            status_code=303)


@actions.post("/services/{key}/agreements/{agreement_id}")
def change_agreement(key: str, agreement_id: AgreementId, request: Request, form: FormDep,
                     uow: UowDep, clock: ClockDep, actor: ActorDep) -> Response:
    """The agreement's next version."""
    values: dict[str, Any] = {}
    try:
        body, values = body_of(form)
        made = uc.change_agreement(uow, clock, actor, key, agreement_id, body)
    except FlowdeskError as exc:
        return _refused(request, key, exc, values, str(agreement_id))
    return RedirectResponse(f"/services/{made.service_key}/agreements#agreement-{made.id}",
                            status_code=303)


@actions.post("/services/{key}/agreements/{agreement_id}/retire")
def retire_agreement(key: str, agreement_id: AgreementId, request: Request, uow: UowDep,
                     clock: ClockDep, actor: ActorDep) -> Response:
    try:
        made = uc.retire_agreement(uow, clock, actor, key, agreement_id)
    except FlowdeskError as exc:
        return _refused(request, key, exc, {}, str(agreement_id))
    return RedirectResponse(f"/services/{made.service_key}/agreements#agreement-{made.id}",
                            status_code=303)


# --- the registry every service shares, kept from a service's settings --------------------

def _back(key: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/services/{key.upper()}/agreements#{anchor}", status_code=303)


@actions.post("/services/{key}/customers")
def create_customer(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> Response:
    """A customer in the registry, with one contact (optional)."""
    values: dict[str, Any] = {}
    try:
        queries.get_service(uow, actor, key)  # the page is the service's: its readers'
        values = {n: form.text(n) for n in ("customer_name", "customer_key", "contact_name",
                                             "contact_email")}
        contact = (values["contact_name"].strip(), values["contact_email"].strip())
        registry.create_customer(
            uow, clock, actor, name=values["customer_name"],
            key=values["customer_key"].strip() or None,
            contacts=[contact] if any(contact) else [])
    except FlowdeskError as exc:
        return _refused(request, key, exc, values, "customer")
    return _back(key, "registry")


@actions.post("/services/{key}/calendars")
def create_calendar(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                    actor: ActorDep) -> Response:
    values: dict[str, Any] = {}
    try:
        queries.get_service(uow, actor, key)
        values = {n: form.text(n) for n in ("calendar_key", "calendar_name", "timezone",
                                             "opens", "closes", "holidays")}
        values["working_days"] = form.texts("working_days")
        registry.create_calendar(uow, clock, actor, values["calendar_key"], {
            "name": values["calendar_name"].strip(), "timezone": values["timezone"].strip(),
            "working_days": values["working_days"],
            "working_hours": [values["opens"].strip(), values["closes"].strip()],
            "holidays": _dates(values["holidays"])})
    except FlowdeskError as exc:
        return _refused(request, key, exc, values, "calendar")
    return _back(key, "registry")


def _dates(text: str) -> list[str]:
    return [d.strip() for d in text.replace(",", "\n").splitlines() if d.strip()]


@actions.post("/services/{key}/calendars/{calendar_key}/holidays")
async def add_holidays(key: str, calendar_key: str, request: Request, uow: UowDep,
                       clock: ClockDep, actor: ActorDep) -> Response:
    """Holidays from an uploaded .ics file (`ics`), or typed dates (`dates`)."""
    data = await request.form()
    upload = data.get("ics")
    ics = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    text = data.get("dates")
    dates = _dates(text) if isinstance(text, str) and text.strip() else None
    return await run_in_threadpool(_add_holidays, request, key, calendar_key, uow, clock,
                                   actor, ics, dates)


def _add_holidays(request: Request, key: str, calendar_key: str, uow: Any, clock: Any,
                  actor: Any, ics: bytes | None, dates: list[str] | None) -> Response:
    try:
        queries.get_service(uow, actor, key)
        registry.add_holidays(uow, clock, actor, calendar_key, ics=ics, days=dates)
    except FlowdeskError as exc:
        return _refused(request, key, exc, {}, "holidays")
    return _back(key, "registry")
