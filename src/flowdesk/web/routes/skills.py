"""A service's skills and capacity: the skills matrix (people by skills, with the levels people
proposed waiting for confirmation, and the risks), people's availability, the load for today and
the coming working days, staffing suggestions and the button that lends someone.

`services.skills`, `services.capacity` and `services.lending` decide who may; the page only
leaves out the forms the person may not use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from flowdesk.domain.errors import FlowdeskError, InvalidInput, NotFound
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, may
from flowdesk.domain.skills import Level
from flowdesk.domain.staffing import Suggestion
from flowdesk.http.csrf import require_csrf
from flowdesk.http.deps import ActorDep, ClockDep, UowDep, request_actor
from flowdesk.http.errors import status_for
from flowdesk.services import availability, capacity, lending, queries, skills
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.abilities import skills_can
from flowdesk.web.deps import FormDep
from flowdesk.web.templating import render

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])

LEVELS = list(Level)
LEND_DAYS = 5  # a lending's default length, in calendar days from today


@dataclass(frozen=True)
class Offer:
    """A staffing suggestion as the page shows it: whom, from where, for what and why, and
    whether the person looking may lend them (the lending service's SDM, or an admin)."""

    suggestion: Suggestion
    names: dict[str, str]
    can_lend: bool


def _service_ids(uow: UnitOfWork, actor: Actor, now: datetime) -> dict[str, int]:
    return {s.service.key: s.service.id for s in queries.list_services(uow, actor, now)}


def _page(request: Request, key: str, *, errors: dict[str, str] | None = None,
          values: dict[str, str] | None = None, at: str = "page",
          status: int = 200) -> HTMLResponse:
    """The page; `errors` and `values` belong to the form `at` names: "skills" (the list of
    skills), "USERNAME/SKILL" (a level), "lend-USERNAME" (a lending), else atop the page."""
    uow = request.app.state.uow
    clock = request.app.state.clock
    actor = request_actor(request)
    now = clock.now()
    matrix = skills.skills_matrix(uow, clock, actor, key)
    load = capacity.service_capacity(uow, clock, actor, key)
    staffing = capacity.staffing(uow, clock, actor)
    ids = _service_ids(uow, actor, now)  # the page is for members and admins: it is there
    service_id = ids[matrix.service]
    offers = [Offer(s, staffing.names, s.from_service in ids and
                    may(actor, Action.LEND_PEOPLE, ids[s.from_service]))
              for s in staffing.suggestions if matrix.service in (s.from_service, s.to_service)]
    away = {p.username: [a for a in availability.get_availability(
        uow, clock, actor, p.username).absences if a.ends_on >= matrix.today]
        for p in matrix.people}

    # Where the problem is shown: the form it came from, or atop the page.
    forms = {"skills"} | {f"{p.username}/{s.name}" for p in matrix.people
                          for s in matrix.skills}
    forms |= {f"lend-{u}" for o in offers if o.can_lend for u in o.suggestion.people}
    at = at if at in forms else "page"

    return render(request, "skills.html", {
        "matrix": matrix, "load": load, "offers": offers, "away": away, "levels": LEVELS,
        "service_key": matrix.service, "member": actor.is_member(service_id), "actor": actor,
        "can": skills_can(actor, service_id),
        "skills_text": "\n".join(_skill_line(s.name, s.item_types) for s in matrix.skills),
        "until": (matrix.today + timedelta(days=LEND_DAYS)).isoformat(),
        "errors": errors or {}, "values": values or {}, "at": at,
        "done": request.query_params.get("done", ""),
    }, status=status)


def _skill_line(name: str, item_types: tuple[str, ...]) -> str:
    return f"{name}: {', '.join(item_types)}" if item_types else name


@router.get("/services/{key}/skills", response_class=HTMLResponse)
def skills_page(key: str, request: Request) -> HTMLResponse:
    return _page(request, key)


def parse_skills(text: str) -> list[skills.SkillSpec]:
    """One skill a line: its name, then optionally a colon and the item types that need it,
    separated by commas ("Medical assessment: claim, amendment")."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, types = line.partition(":")
        found.append(skills.SkillSpec(name.strip(), [t.strip() for t in types.split(",")
                                                     if t.strip()]))
    return found


def _refused(request: Request, key: str, exc: FlowdeskError, at: str,
             values: dict[str, str]) -> HTMLResponse:
    if isinstance(exc, NotFound) and exc.field == "key":
        raise exc
    return _page(request, key, errors={at: exc.message}, values=values, at=at,
                 status=status_for(exc))


@actions.post("/services/{key}/skills")
def define_skills(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
                  actor: ActorDep) -> Response:
    """Replace the list of skills the service's work needs (people's levels are kept)."""
    text = ""
    try:
        text = form.text("skills")
        skills.define_skills(uow, clock, actor, key, parse_skills(text))
    except FlowdeskError as exc:
        return _refused(request, key, exc, "skills", {"skills": text})
    return RedirectResponse(f"/services/{key.upper()}/skills?done=skills#skills",
                            status_code=303)


@actions.post("/services/{key}/skills/levels")
def set_level(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
              actor: ActorDep) -> Response:
    """Set someone's level in a skill: confirmed from a Flow Manager or Service Delivery
    Manager, a proposal from team members for themselves."""
    username, skill = "", ""
    try:
        username, skill = form.text("username").strip(), form.text("skill").strip()
        level = form.integer("level", "the level")
        skills.set_level(uow, clock, actor, key, skill, username, level)
    except FlowdeskError as exc:
        return _refused(request, key, exc, f"{username}/{skill}", {})
    return RedirectResponse(f"/services/{key.upper()}/skills?done=level#person-{username}",
                            status_code=303)


@actions.post("/services/{key}/lendings")
def lend(key: str, request: Request, form: FormDep, uow: UowDep, clock: ClockDep,
         actor: ActorDep) -> Response:
    """Lend a team member of service `key` to another service until a date; the page it came
    from (`back`, the receiving or the lending service's) is shown again."""
    username, to_service, until_text = "", "", ""
    back = key
    try:
        username = form.text("username").strip()
        to_service = form.text("to_service").strip()
        until_text = form.text("until").strip()
        sent_back = form.text("back").strip().upper()
        back = sent_back if sent_back in (key.upper(), to_service.upper()) else key
        until = form.day("until", "the last day")
        if until is None:
            raise InvalidInput("give the last day of the lending", "until")
        lending.lend(uow, clock, actor, key, username, to_service, until)
    except FlowdeskError as exc:
        return _refused(request, back, exc, f"lend-{username}", {"until": until_text})
    return RedirectResponse(f"/services/{back.upper()}/skills?done=lent#staffing",
                            status_code=303)

