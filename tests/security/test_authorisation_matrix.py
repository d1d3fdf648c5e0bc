"""The authorisation matrix: every route, asked by every kind of principal about an object of
their own service and of another, each answer checked against the one policy table.

The routes come from the app itself: the API's from its OpenAPI document (`ROUTES`), the web
pages' from `app.routes`. Each route needs an entry in HANDLERS, which says how to call it with
valid, fresh objects and which action(s) the policy decides it by. The expected answer is then
computed by `policy.authorize` from `policy.POLICY`, never typed by hand:

- nobody signed in: 401 (the API, and web routes a script calls for JSON), or a redirect to
  /login (web pages and forms);
- not a member of the object's service: 404, exactly like a missing object (admins too, but
  for managing members and for the organisation's own actions);
- a member whose roles the policy denies: 403;
- allowed: a success (2xx, or a redirect that is not to /login).

A route without an entry fails the test, so a new route cannot be forgotten.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from openapi_routes import ROUTES
from security_world import (
    PASSWORD,
    Svc,
    anonymous_client,
    give_roles,
    make_service,
    set_password,
    signed_in_client,
    web_form,
)
from starlette.routing import Mount

from cast import ADMIN, OPERATOR, actor_of, ensure_users, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import Forbidden, NotFound
from flowdesk.domain.items import classify_move
from flowdesk.domain.people import Actor, Role
from flowdesk.domain.policy import ORGANISATION_ACTIONS, Action, authorize, move_action
from flowdesk.domain.workflow import Phase
from flowdesk.domain.workflow_change import StageDraft
from flowdesk.http.deps import current_actor
from flowdesk.services import (
    accounts,
    admin,
    agreements,
    availability,
    lifecycle,
    queries,
    registry,
    skills,
    workflow_design,
)
from flowdesk.services import items as uc
from flowdesk.services.commands import BlockItem, CreateItem, MoveItem
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web import PUBLIC_ROUTERS, ROUTERS
from flowdesk.web.deps import answer_errors_in_json

API = "/api/v1"
# Open to anyone: the sign-in page, static files, the API's own description.
OPEN_PATHS = {"/static", "/api/docs", "/docs/oauth2-redirect", API + "/openapi.json",
              API + "/health"}
OPEN_ROUTES = {f"{m} {r.path}" for router in PUBLIC_ROUTERS for r in router.routes
               if isinstance(r, APIRoute) for m in r.methods}

ROLE_USERS = {Role.SERVICE_REQUEST_MANAGER: "srm", Role.SERVICE_DELIVERY_MANAGER: "sdm",
              Role.FLOW_MANAGER: "fm", Role.TEAM_MEMBER: "tm", Role.VIEWER: "viewer"}
OUTSIDER = "mallory"  # a team member of the other service only
ASSIGNEE = "zoe"  # a team member of both services: whom work is assigned to
SPARE = "mehdi"  # an account the user-management routes change
MIN_REQUESTS = 1_750  # the matrix's size today; fewer means routes or principals went missing


# --- what a route needs, and what the policy then answers --------------------------------

@dataclass(frozen=True)
class Needs:
    """The actions a request is decided by: all of them, or (`any_of`) one of them."""

    actions: tuple[Action, ...] = ()
    any_of: bool = False

    @staticmethod
    def of(*actions: Action) -> Needs:
        return Needs(tuple(actions))


SIGNED_IN = Needs()  # anyone signed in: their own account, the list of their services


def verdict(actor: Actor, action: Action, service_id: int | None) -> str:
    try:
        authorize(actor, action, None if action in ORGANISATION_ACTIONS else service_id)
    except NotFound:
        return "404"
    except Forbidden:
        return "403"
    return "ok"


def expected(actor: Actor | None, needs: Needs, service_id: int | None, json: bool) -> str:
    if actor is None:
        return "401" if json else "login"
    verdicts = [verdict(actor, a, service_id) for a in needs.actions]
    if needs.any_of:
        return "ok" if "ok" in verdicts else verdicts[0]
    return next((v for v in verdicts if v != "ok"), "ok")


# --- who asks, about what ------------------------------------------------------------------

@dataclass
class Principal:
    label: str
    username: str | None  # None: nobody signed in
    browser: TestClient  # with this principal's session cookie
    token: str | None = None  # a write token, for the API
    actor: Actor | None = None  # as the policy sees them


@dataclass(frozen=True)
class Case:
    label: str
    needs: Needs
    url: str
    json: Any = None
    form: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    stream: bool = False
    browser: TestClient | None = None  # a session of its own (signing out, a new password)
    keep_browser: bool = False  # the principal goes on in `browser` (its others sessions end)


@dataclass
class World:
    app: FastAPI
    uow: UnitOfWork
    clock: FixedClock
    api: TestClient
    a: Svc
    b: Svc
    numbers: Iterator[int] = field(default_factory=itertools.count)
    shared: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.numbers)}"

    def new_item(self, svc: Svc, stage: str, assignee: str | None = None,
                 blocked_by: str | None = None) -> str:
        """A new item in this stage, made by the operator."""
        item = uc.create_item(self.uow, self.clock, OPERATOR, CreateItem(
            svc.key, self.unique("claim "), assignees=(assignee,) if assignee else ()))
        if stage != "Options":
            reason = "a duplicate" if stage == "Discarded" else None
            uc.move_item(self.uow, self.clock, OPERATOR, MoveItem(
                item.key, svc.stage(stage), reason=reason))
        if blocked_by is not None:
            # The blocker is raised under this name (the operator acts as anyone).
            uc.block_item(self.uow, self.clock, Actor(blocked_by, operator=True),
                          BlockItem(item.key, "waiting for the airline", "vendor"))
        return item.key


@dataclass
class Ctx:
    world: World
    who: Principal
    target: Svc | None

    @property
    def svc(self) -> Svc:
        assert self.target is not None
        return self.target

    def allowed(self, needs: Needs) -> bool:
        return self.who.actor is not None and expected(
            self.who.actor, needs, self.svc.id if self.target else None, True) == "ok"

    def item(self, stage: str, needs: Needs, *, assignee: str | None = None,
             blocked_by: str | None = None) -> str:
        """An item of the target service in this stage: a new one when the request should
        change it; else one shared by every refused request like it (which must leave it be).
        """
        if self.allowed(needs):
            return self.world.new_item(self.svc, stage, assignee, blocked_by)
        key = (self.svc.key, stage, assignee, blocked_by)
        if key not in self.world.shared:
            self.world.shared[key] = self.world.new_item(self.svc, stage, assignee, blocked_by)
        return self.world.shared[key]

    def stage_needs(self, from_stage: str, to_stage: str) -> Needs:
        """What moving from one stage to another is, by the policy's `move_action`."""
        service = self.svc.service
        a, b = service.stage(self.svc.stage(from_stage)), service.stage(self.svc.stage(to_stage))
        return Needs.of(move_action(a, b, classify_move(a, b)))

    def fresh_browser(self) -> TestClient:
        """A session of its own, for requests that end or renew it."""
        if self.who.username is None:
            return anonymous_client(self.world.app)
        return signed_in_client(self.world.app, self.who.username)


Handler = Callable[[Ctx], Iterator[Case]]


# --- how each route is called, and what it needs ----------------------------------------------

def simple(url: str, needs: Needs, *, json: Any = None, params: dict[str, Any] | None = None,
           form: dict[str, Any] | None = None, stream: bool = False) -> Handler:
    """A route on the target service ({key}), or on no service at all."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        key = ctx.target.key if ctx.target else ""
        yield Case("", needs, url.replace("{key}", key), json=json, form=form, params=params,
                   stream=stream)
    return cases


def on_item(url: str, needs: Needs, stage: str = "In progress", *, json: Any = None,
            form: dict[str, Any] | None = None, assignee: str | None = None,
            blocked_by: str | None = None) -> Handler:
    """A route on an item of the target service, in `stage`."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        item = ctx.item(stage, needs, assignee=assignee, blocked_by=blocked_by)
        yield Case(stage, needs, url.replace("{item_key}", item).replace("{key}", ctx.svc.key),
                   json=json, form=form)
    return cases


# Every kind of move: (from stage, to stage). The policy's `move_action` says what each is.
MOVES = [("Options", "Ready"), ("Options", "Options"), ("Ready", "In progress"),
         ("In progress", "Review"), ("Review", "In progress"), ("In progress", "Ready"),
         ("In progress", "In progress"), ("Review", "Done"), ("Ready", "Done"),
         ("Options", "Discarded"), ("In progress", "Discarded"), ("Done", "In progress"),
         ("Discarded", "Options")]


def moves(url: str, web: bool) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        for from_stage, to_stage in MOVES:
            needs = ctx.stage_needs(from_stage, to_stage)
            item = ctx.item(from_stage, needs)
            body: dict[str, Any] = {"to_stage": ctx.svc.stage(to_stage)}
            if to_stage == "Discarded":
                body["reason"] = "a duplicate"
            yield Case(f"{from_stage} → {to_stage}", needs, url.replace("{item_key}", item),
                       json=None if web else body, form=body if web else None)
    return cases


def closing(url: str, to_stage: str, from_stages: tuple[str, ...],
            form: dict[str, Any] | None = None) -> Handler:
    """The panel's deliver, discard and reopen buttons: a move into `to_stage`."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        for from_stage in from_stages:
            needs = ctx.stage_needs(from_stage, to_stage)
            item = ctx.item(from_stage, needs)
            fields = {k: (ctx.svc.stage(v) if k == "to_stage" else v)
                      for k, v in (form or {}).items()}
            yield Case(f"{from_stage} → {to_stage}", needs, url.replace("{item_key}", item),
                       form=fields)
    return cases


def unblocking(url: str, web: bool) -> Handler:
    """Ending a blocker one raised oneself is UNBLOCK_OWN; anyone else's, UNBLOCK_ANY."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        for own in (True, False):
            raiser = ctx.who.username if own and ctx.who.username else ASSIGNEE
            needs = Needs.of(Action.UNBLOCK_OWN if raiser == ctx.who.username
                             else Action.UNBLOCK_ANY)
            item = ctx.item("In progress", needs, blocked_by=raiser)
            yield Case(f"blocked by {raiser}", needs, url.replace("{item_key}", item),
                       form={} if web else None)
    return cases


def stage_setting(url: str, stages: tuple[str, ...], body: dict[str, Any],
                  needs_for: Callable[[Phase], Needs]) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        for name in stages:
            stage = ctx.svc.service.stage(ctx.svc.stage(name))
            yield Case(name, needs_for(stage.phase), url.replace("{key}", ctx.svc.key)
                       .replace("{stage_id}", str(stage.id)), json=body)
    return cases


def policy_needs(phase: Phase) -> Needs:
    """Upstream stages' policies are the Service Request Manager's; the rest the SDM's."""
    return Needs.of(Action.UPSTREAM_POLICY if phase is Phase.UPSTREAM
                    else Action.DOWNSTREAM_POLICY)


# A class's WIP limit is a WIP limit; its other settings are class policy.
CLASS_CHANGES = [{"policy": "Expedite only what costs a customer today."},
                 {"may_exceed_stage_limits": True}, {"wip_limit": 1_000},
                 {"wip_limit": 1_000, "policy": "At most one at a time, really."}]


def class_policy(ctx: Ctx) -> Iterator[Case]:
    for change in CLASS_CHANGES:
        needs = Needs.of(*sorted({Action.WIP_LIMITS if name == "wip_limit"
                                  else Action.CLASS_POLICY for name in change}))
        yield Case(", ".join(change), needs, f"{API}/services/{ctx.svc.key}/classes/expedite",
                   json=change)


def creating(url: str, web: bool) -> Handler:
    """A new item; naming an assignee also assigns (the Team member's)."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        for assignee in (None, ASSIGNEE):
            needs = Needs.of(Action.CREATE_ITEM, *([Action.ASSIGN_ITEM] if assignee else []))
            title = ctx.world.unique("Refund request ")
            if web:
                form = {"title": title, "type": "claim", "cos": "standard",
                        "assignee": assignee or ""}
                yield Case(f"assignee {assignee}", needs, url.replace("{key}", ctx.svc.key),
                           form=form)
            else:
                body = {"title": title, "assignees": [assignee] if assignee else []}
                yield Case(f"assignee {assignee}", needs, url.replace("{key}", ctx.svc.key),
                           json=body)
    return cases


def stage_group(ctx: Ctx) -> Iterator[Case]:
    body = {"name": ctx.world.unique("Doing and review "), "limit": 1_000,
            "stage_ids": [ctx.svc.stage("In progress"), ctx.svc.stage("Review")]}
    yield Case("", Needs.of(Action.STAGE_GROUPS), f"{API}/services/{ctx.svc.key}/stage-groups",
               json=body)


def removing_member(url: str, web: bool) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        needs = Needs.of(Action.MANAGE_MEMBERS)
        name = SPARE
        if ctx.allowed(needs):  # someone new to remove each time
            name = ctx.world.unique("leaver")
            ensure_users(ctx.world.uow, [name])
            give_roles(ctx.world.uow, ctx.world.clock, ctx.svc.key, name, [Role.VIEWER])
        yield Case("", needs, url.replace("{key}", ctx.svc.key).replace("{username}", name),
                   form={} if web else None)
    return cases


def workflow_as_it_is(ctx: Ctx) -> list[dict[str, Any]]:
    """The target service's stages as they are now (other routes change limits and policies),
    unchanged: the request is decided by who sends it."""
    service = queries.get_service(ctx.world.uow, OPERATOR, ctx.svc.key)
    return [{"id": s.id, "name": s.name, "phase": s.phase.value, "kind": s.kind.value,
             "wip_limit": s.wip_limit, "policy": s.policy} for s in service.stages]


def putting_workflow(ctx: Ctx) -> Iterator[Case]:
    yield Case("", Needs.of(Action.DESIGN_WORKFLOW), f"{API}/services/{ctx.svc.key}/workflow",
               json={"stages": workflow_as_it_is(ctx), "deliver_from_any_stage": True})


def saving_workflow(ctx: Ctx) -> Iterator[Case]:
    form: dict[str, Any] = {"deliver_from_any_stage": "1"}
    for n, stage in enumerate(workflow_as_it_is(ctx)):
        form.update({f"id-{n}": stage["id"], f"name-{n}": stage["name"],
                     f"phase-{n}": stage["phase"], f"kind-{n}": stage["kind"],
                     f"limit-{n}": stage["wip_limit"] or "", f"policy-{n}": stage["policy"],
                     f"order-{n}": n})
    yield Case("", Needs.of(Action.DESIGN_WORKFLOW), f"/services/{ctx.svc.key}/workflow",
               form=form)


def _spare_drafts(ctx: Ctx, spare: str, retired: bool) -> list[StageDraft]:
    """The target's stages as they are, with the spare stage (new or as it is) at the front."""
    service = queries.get_service(ctx.world.uow, OPERATOR, ctx.svc.key)
    known = next((s for s in service.stages + service.retired_stages if s.name == spare), None)
    drafts = [StageDraft(s.id, s.name, s.phase, s.kind, s.wip_limit, s.policy)
              for s in service.stages if s.name != spare]
    front = StageDraft(known.id if known else None, spare, Phase.UPSTREAM, retired=retired)
    return [front, *drafts]


def restoring_stage(ctx: Ctx) -> Iterator[Case]:
    """Bring back a retired stage of the target (one retired for the purpose), which is
    retired again afterwards, so the requests after it meet the workflow as it was."""
    uow, clock, spare = ctx.world.uow, ctx.world.clock, "Spare shelf"
    change = workflow_design.change_workflow
    service = queries.get_service(uow, OPERATOR, ctx.svc.key)
    if not any(s.name == spare for s in service.retired_stages):
        change(uow, clock, OPERATOR, workflow_design.ChangeWorkflow(
            ctx.svc.key, _spare_drafts(ctx, spare, retired=False)))
        change(uow, clock, OPERATOR, workflow_design.ChangeWorkflow(
            ctx.svc.key, _spare_drafts(ctx, spare, retired=True)))
    stage = next(s for s in queries.get_service(uow, OPERATOR, ctx.svc.key).retired_stages
                 if s.name == spare)
    try:
        yield Case("", Needs.of(Action.DESIGN_WORKFLOW),
                   f"/services/{ctx.svc.key}/workflow/restore", form={"stage_id": stage.id})
    finally:
        if any(s.name == spare for s in queries.get_service(uow, OPERATOR, ctx.svc.key).stages):
            change(uow, clock, OPERATOR, workflow_design.ChangeWorkflow(
                ctx.svc.key, _spare_drafts(ctx, spare, retired=True)))


def create_service(ctx: Ctx) -> Iterator[Case]:
    yield Case("", Needs.of(Action.CREATE_SERVICE), f"{API}/services",
               json={"key": ctx.world.unique("NEW"), "name": "A new service"})


def archiving(url: str, web: bool, *, restoring: bool = False) -> Handler:
    """Archive (or restore) the target service; it is put back as it was afterwards, so the
    requests after it meet a live service."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        uow, clock = ctx.world.uow, ctx.world.clock
        if restoring:
            lifecycle.archive_service(uow, clock, OPERATOR, ctx.svc.key)
        try:
            yield Case("", Needs.of(Action.ARCHIVE_SERVICE), url.replace("{key}", ctx.svc.key),
                       form={} if web else None)
        finally:
            lifecycle.restore_service(uow, clock, OPERATOR, ctx.svc.key)
    return cases


def deleting(url: str, web: bool) -> Handler:
    """Delete a service: one made for the purpose when the request may succeed."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        needs = Needs.of(Action.DELETE_SERVICE)
        key = ctx.svc.key
        if ctx.allowed(needs):
            key = ctx.world.unique("GONE")
            make_service(ctx.world.uow, ctx.world.clock, key, "A service to delete")
        yield Case("", needs, url.replace("{key}", key),
                   json=None if web else {"confirm": key}, form={"confirm": key} if web else None)
    return cases


def stage_form(url: str, stages: tuple[str, ...], form: dict[str, Any],
               needs_for: Callable[[Phase], Needs]) -> Handler:
    """A stage's limit or policy, from the board's header."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        for name in stages:
            stage = ctx.svc.service.stage(ctx.svc.stage(name))
            yield Case(name, needs_for(stage.phase), url.replace("{key}", ctx.svc.key)
                       .replace("{stage_id}", str(stage.id)), form=form)
    return cases


def a_group(ctx: Ctx) -> int:
    """The target service's stage group (made once, by the operator)."""
    key = ("group", ctx.svc.key)
    if key not in ctx.world.shared:
        service = admin.create_stage_group(
            ctx.world.uow, ctx.world.clock, OPERATOR, ctx.svc.key, "Doing and review",
            [ctx.svc.stage("In progress"), ctx.svc.stage("Review")], 1_000)
        ctx.world.shared[key] = str(service.groups[0].id)
    return int(ctx.world.shared[key])


def group_limit(url: str, web: bool) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        yield Case("", Needs.of(Action.STAGE_GROUPS), url.replace("{key}", ctx.svc.key)
                   .replace("{group_id}", str(a_group(ctx))),
                   json=None if web else LIMIT, form={"limit": "900"} if web else None)
    return cases


def new_group_on_the_page(ctx: Ctx) -> Iterator[Case]:
    yield Case("", Needs.of(Action.STAGE_GROUPS), f"/services/{ctx.svc.key}/stage-groups",
               form={"name": ctx.world.unique("Doing and review "), "limit": "1000",
                     "stage_ids": [ctx.svc.stage("In progress"), ctx.svc.stage("Review")]})


def class_on_the_page(ctx: Ctx) -> Iterator[Case]:
    for what, form, action in (("limit", {"limit": "1000"}, Action.WIP_LIMITS),
                               ("policy", {"policy": "Oldest first."}, Action.CLASS_POLICY)):
        yield Case(what, Needs.of(action), f"/services/{ctx.svc.key}/classes/expedite/{what}",
                   form=form)


def create_user(ctx: Ctx) -> Iterator[Case]:
    yield Case("", Needs.of(Action.MANAGE_USERS), f"{API}/users",
               json={"username": ctx.world.unique("newcomer")})


def revoking_token(url: str, web: bool) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        token_id = 1
        if ctx.who.username is not None:  # one of their own tokens
            token_id = accounts.create_token(ctx.world.uow, ctx.world.clock, OPERATOR,
                                             username=ctx.who.username, name="spare").row.id
        yield Case("", SIGNED_IN, url.replace("{token_id}", str(token_id)),
                   form={} if web else None)
    return cases


# --- people and capacity: actions on a person are decided in the services they belong to ---

POOL = "POOL"  # where people are lent to: every principal is a viewer there (see `world`)
SKILL = "triage"


def subject(ctx: Ctx, fresh: bool) -> str:
    """A team member of the target service only, and nobody who asks: what the policy
    decides about them is what it decides in that service (`authorize_on_person`)."""
    name = ctx.world.unique(f"sub-{ctx.svc.key.lower()}-") if fresh else \
        f"subject-{ctx.svc.key.lower()}"
    ensure_users(ctx.world.uow, [name])
    give_roles(ctx.world.uow, ctx.world.clock, ctx.svc.key, name, [Role.TEAM_MEMBER])
    return name


def on_person(url: str, needs: Needs, *, json: Any = None) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        yield Case("", needs, url.replace("{username}", subject(ctx, False)), json=json)
    return cases


def removing_absence(ctx: Ctx) -> Iterator[Case]:
    needs = Needs.of(Action.MANAGE_AVAILABILITY)
    name = subject(ctx, False)
    absence = availability.add_absence(ctx.world.uow, ctx.world.clock, OPERATOR, name,
                                       date(2026, 4, 6), date(2026, 4, 10), "leave")
    yield Case("", needs, f"{API}/users/{name}/absences/{absence.id}")


def setting_level(ctx: Ctx) -> Iterator[Case]:
    skills.define_skills(ctx.world.uow, ctx.world.clock, OPERATOR, ctx.svc.key,
                         [skills.SkillSpec(SKILL)])
    name = subject(ctx, False)
    yield Case("", Needs.of(Action.CONFIRM_SKILLS),
               f"{API}/services/{ctx.svc.key}/skills/{SKILL}/people/{name}", json={"level": 2})


def lending(ctx: Ctx) -> Iterator[Case]:
    """Lend the target's team member to POOL, of which every principal is a member."""
    needs = Needs.of(Action.LEND_PEOPLE)
    name = subject(ctx, ctx.allowed(needs))  # someone not yet in POOL for each lending
    yield Case("", needs, f"{API}/services/{ctx.svc.key}/lendings",
               json={"username": name, "to_service": POOL, "until": "2026-03-20"})


def setting_level_on_the_page(ctx: Ctx) -> Iterator[Case]:
    skills.define_skills(ctx.world.uow, ctx.world.clock, OPERATOR, ctx.svc.key,
                         [skills.SkillSpec(SKILL)])
    name = subject(ctx, False)
    yield Case("", Needs.of(Action.CONFIRM_SKILLS), f"/services/{ctx.svc.key}/skills/levels",
               form={"username": name, "skill": SKILL, "level": "2"})


def lending_on_the_page(ctx: Ctx) -> Iterator[Case]:
    needs = Needs.of(Action.LEND_PEOPLE)
    name = subject(ctx, ctx.allowed(needs))
    yield Case("", needs, f"/services/{ctx.svc.key}/lendings",
               form={"username": name, "to_service": POOL, "until": "2026-03-20"})


# --- agreements, and the registry every service shares ------------------------------------

CALENDAR = {"timezone": "Europe/Brussels", "working_days": ["mon", "tue", "wed", "thu", "fri"],
            "working_hours": ["09:00", "17:00"]}
SERVICE_LEVELS = Needs.of(Action.SERVICE_LEVELS)
REGISTRY = Needs.of(Action.MANAGE_REGISTRY)


def agreement_body(customer: str | None) -> dict[str, Any]:
    return {"customer": customer, "calendar": CALENDAR,
            "target": {"value": 2, "unit": "working_days", "share": 0.85}}


def new_customer(ctx: Ctx) -> str:
    """A customer of its own: an agreement for it overlaps no other."""
    key = ctx.world.unique("cust-")
    registry.create_customer(ctx.world.uow, ctx.world.clock, OPERATOR, name=key, key=key)
    return key


def an_agreement(ctx: Ctx, needs: Needs) -> tuple[int, str]:
    """An agreement of the target service and its customer: a new one when the request
    should change it; else one shared by every refused request."""
    shared = (ctx.svc.key, "agreement")
    if not ctx.allowed(needs) and shared in ctx.world.shared:
        made_id, customer = ctx.world.shared[shared].split(" ")
        return int(made_id), customer
    customer = new_customer(ctx)
    made = agreements.create_agreement(ctx.world.uow, ctx.world.clock, OPERATOR, ctx.svc.key,
                                       agreement_body(customer))
    if not ctx.allowed(needs):
        ctx.world.shared[shared] = f"{made.id} {customer}"
    return made.id, customer


def creating_agreement(ctx: Ctx) -> Iterator[Case]:
    customer = new_customer(ctx) if ctx.allowed(SERVICE_LEVELS) else None
    yield Case("", SERVICE_LEVELS, f"{API}/services/{ctx.svc.key}/agreements",
               json=agreement_body(customer))


def on_agreement(suffix: str, needs: Needs, *, changing: bool = False) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        made_id, customer = an_agreement(ctx, needs)
        yield Case("", needs, f"{API}/services/{ctx.svc.key}/agreements/{made_id}{suffix}",
                   json=agreement_body(customer) if changing else None)
    return cases


def creating_customer(ctx: Ctx) -> Iterator[Case]:
    yield Case("", REGISTRY, f"{API}/customers", json={"name": ctx.world.unique("Customer ")})


def creating_calendar(ctx: Ctx) -> Iterator[Case]:
    yield Case("", REGISTRY, f"{API}/calendars",
               json={"key": ctx.world.unique("cal-"), **CALENDAR})


def office(ctx: Ctx) -> str:
    """A registry calendar, made once."""
    if ("calendar",) not in ctx.world.shared:
        registry.create_calendar(ctx.world.uow, ctx.world.clock, OPERATOR, "office", CALENDAR)
        ctx.world.shared[("calendar",)] = "office"
    return "office"


def adding_holidays(ctx: Ctx) -> Iterator[Case]:
    yield Case("", REGISTRY, f"{API}/calendars/{office(ctx)}/holidays",
               json={"dates": ["2026-05-01"]})


def agreement_form(ctx: Ctx, customer: str | None) -> dict[str, Any]:
    return {"customer": customer or "", "calendar": office(ctx), "target_value": "2",
            "target_unit": "working_days", "target_share": "0.85"}


def creating_agreement_on_the_page(ctx: Ctx) -> Iterator[Case]:
    customer = new_customer(ctx) if ctx.allowed(SERVICE_LEVELS) else None
    yield Case("", SERVICE_LEVELS, f"/services/{ctx.svc.key}/agreements",
               form=agreement_form(ctx, customer))


def on_agreement_page(suffix: str, *, changing: bool = False) -> Handler:
    def cases(ctx: Ctx) -> Iterator[Case]:
        made_id, customer = an_agreement(ctx, SERVICE_LEVELS)
        yield Case("", SERVICE_LEVELS, f"/services/{ctx.svc.key}/agreements/{made_id}{suffix}",
                   form=agreement_form(ctx, customer) if changing else {})
    return cases


def shared_on_the_page(suffix: str, form: Callable[[Ctx], dict[str, Any]], *,
                       calendar: bool = False) -> Handler:
    """Keeping the registry from a service's settings: the service's readers only."""
    def cases(ctx: Ctx) -> Iterator[Case]:
        if calendar:
            office(ctx)
        yield Case("", Needs.of(Action.READ, Action.MANAGE_REGISTRY),
                   f"/services/{ctx.svc.key}{suffix}", form=form(ctx))
    return cases


def create_user_on_the_page(ctx: Ctx) -> Iterator[Case]:
    yield Case("", Needs.of(Action.MANAGE_USERS), "/admin/users",
               form={"username": ctx.world.unique("newcomer"), "display_name": "Nia New"})


def sign_out(ctx: Ctx) -> Iterator[Case]:
    yield Case("", SIGNED_IN, "/logout", form={}, browser=ctx.fresh_browser())


def new_password(ctx: Ctx) -> Iterator[Case]:
    """Every other session of theirs ends: the principal goes on in this browser."""
    yield Case("", SIGNED_IN, "/account/password", browser=ctx.fresh_browser(), form={
        "current_password": PASSWORD, "new_password": PASSWORD, "confirm_password": PASSWORD},
        keep_browser=True)


def closed_stage(ctx: Ctx) -> Iterator[Case]:
    yield Case("Done", Needs.of(Action.READ),
               f"/services/{ctx.svc.key}/stages/{ctx.svc.stage('Done')}/items")


READ = Needs.of(Action.READ)
MEMBERS = Needs.of(Action.MANAGE_MEMBERS)
USERS = Needs.of(Action.MANAGE_USERS)
LIMIT = {"limit": 1_000}  # high enough that no move meets it
EDIT_FORM = {"title": "Refund, corrected", "type": "claim", "cos": "standard", "customer": "",
             "due_date": "", "description": "checked twice"}
BLOCK = {"reason": "waiting for the airline", "category": "vendor"}

HANDLERS: dict[str, Handler] = {
    # --- the API ---
    f"GET {API}/services": simple(f"{API}/services", SIGNED_IN),
    f"POST {API}/services": create_service,
    f"GET {API}/services/{{key}}": simple(f"{API}/services/{{key}}", READ),
    f"PUT {API}/services/{{key}}/stages/{{stage_id}}/limit": stage_setting(
        f"{API}/services/{{key}}/stages/{{stage_id}}/limit", ("Ready", "Review"), LIMIT,
        lambda _: Needs.of(Action.WIP_LIMITS)),
    f"PUT {API}/services/{{key}}/stages/{{stage_id}}/policy": stage_setting(
        f"{API}/services/{{key}}/stages/{{stage_id}}/policy",
        ("Options", "Ready", "In progress", "Done", "Discarded"),
        {"policy": "Pull the oldest first."}, policy_needs),
    f"PUT {API}/services/{{key}}/classes/{{cos}}": class_policy,
    f"PUT {API}/services/{{key}}/workflow": putting_workflow,
    f"PUT {API}/services/{{key}}/first-time-fix": simple(
        f"{API}/services/{{key}}/first-time-fix", Needs.of(Action.SERVICE_LEVELS),
        json={"window_days": 20}),
    f"PUT {API}/services/{{key}}/person-limit": simple(
        f"{API}/services/{{key}}/person-limit", Needs.of(Action.WIP_LIMITS), json=LIMIT),
    f"POST {API}/services/{{key}}/stage-groups": stage_group,
    f"PUT {API}/services/{{key}}/stage-groups/{{group_id}}/limit": group_limit(
        f"{API}/services/{{key}}/stage-groups/{{group_id}}/limit", web=False),
    f"GET {API}/services/{{key}}/board": simple(f"{API}/services/{{key}}/board", READ),
    f"POST {API}/services/{{key}}/items": creating(f"{API}/services/{{key}}/items", web=False),
    f"GET {API}/items/{{item_key}}": on_item(f"{API}/items/{{item_key}}", READ),
    f"PATCH {API}/items/{{item_key}}": on_item(
        f"{API}/items/{{item_key}}", Needs.of(Action.EDIT_ITEM),
        json={"title": "Refund, corrected"}),
    f"POST {API}/items/{{item_key}}/move": moves(f"{API}/items/{{item_key}}/move", web=False),
    f"POST {API}/items/{{item_key}}/block": on_item(
        f"{API}/items/{{item_key}}/block", Needs.of(Action.BLOCK_ITEM), json=BLOCK),
    f"POST {API}/items/{{item_key}}/unblock": unblocking(
        f"{API}/items/{{item_key}}/unblock", web=False),
    f"POST {API}/items/{{item_key}}/assignees": on_item(
        f"{API}/items/{{item_key}}/assignees", Needs.of(Action.ASSIGN_ITEM),
        json={"person": ASSIGNEE}),
    f"DELETE {API}/items/{{item_key}}/assignees/{{person}}": on_item(
        f"{API}/items/{{item_key}}/assignees/{ASSIGNEE}", Needs.of(Action.ASSIGN_ITEM),
        assignee=ASSIGNEE),
    f"GET {API}/items/{{item_key}}/events": on_item(f"{API}/items/{{item_key}}/events", READ),
    f"PUT {API}/items/{{item_key}}/failure-demand": on_item(
        f"{API}/items/{{item_key}}/failure-demand", Needs.of(Action.EDIT_ITEM),
        json={"kind": None}),
    f"POST {API}/items/{{item_key}}/escalate": on_item(
        f"{API}/items/{{item_key}}/escalate", Needs.of(Action.ESCALATE),
        json={"note": "no answer from the airline for two days"}, blocked_by=ASSIGNEE),
    f"GET {API}/services/{{key}}/events": simple(f"{API}/services/{{key}}/events", READ),
    f"GET {API}/services/{{key}}/metrics": simple(f"{API}/services/{{key}}/metrics", READ),
    f"GET {API}/services/{{key}}/metrics/items": simple(
        f"{API}/services/{{key}}/metrics/items", READ),
    f"GET {API}/services/{{key}}/metrics/on-time": simple(
        f"{API}/services/{{key}}/metrics/on-time", READ),
    f"GET {API}/services/{{key}}/metrics/missed-promises": simple(
        f"{API}/services/{{key}}/metrics/missed-promises", READ),
    f"GET {API}/services/{{key}}/service-levels": simple(
        f"{API}/services/{{key}}/service-levels", READ),
    f"PUT {API}/services/{{key}}/service-levels": simple(
        f"{API}/services/{{key}}/service-levels", Needs.of(Action.SERVICE_LEVELS),
        json={"targets": [{"class_of_service": None, "percentile": 85, "days": 5}]}),
    f"GET {API}/services/{{key}}/forecast": simple(
        f"{API}/services/{{key}}/forecast", READ, params={"when": 10}),
    f"GET {API}/services/{{key}}/metrics/charts": simple(
        f"{API}/services/{{key}}/metrics/charts", READ),
    f"GET {API}/services/{{key}}/demand": simple(f"{API}/services/{{key}}/demand", READ),
    f"GET {API}/services/{{key}}/capacity": simple(
        f"{API}/services/{{key}}/capacity", Needs.of(Action.SEE_CAPACITY)),
    f"GET {API}/services/{{key}}/skills": simple(
        f"{API}/services/{{key}}/skills", Needs.of(Action.SEE_CAPACITY)),
    f"PUT {API}/services/{{key}}/skills": simple(
        f"{API}/services/{{key}}/skills", Needs.of(Action.DEFINE_SKILLS),
        json={"skills": [{"name": SKILL, "item_types": ["claim"]}]}),
    f"PUT {API}/services/{{key}}/skills/{{skill}}/people/{{username}}": setting_level,
    f"GET {API}/users/{{username}}/availability": on_person(
        f"{API}/users/{{username}}/availability", Needs.of(Action.SEE_CAPACITY)),
    f"PUT {API}/users/{{username}}/availability": on_person(
        f"{API}/users/{{username}}/availability", Needs.of(Action.MANAGE_AVAILABILITY),
        json={"hours_per_week": 32}),
    f"POST {API}/users/{{username}}/absences": on_person(
        f"{API}/users/{{username}}/absences", Needs.of(Action.MANAGE_AVAILABILITY),
        json={"starts_on": "2026-05-04", "ends_on": "2026-05-08", "reason": "leave"}),
    f"DELETE {API}/users/{{username}}/absences/{{absence_id}}": removing_absence,
    f"GET {API}/staffing": simple(f"{API}/staffing", SIGNED_IN),
    f"POST {API}/services/{{key}}/lendings": lending,
    f"POST {API}/services/{{key}}/demand/acknowledgements": simple(
        f"{API}/services/{{key}}/demand/acknowledgements", Needs.of(Action.ACKNOWLEDGE_ALERT),
        json={"kind": "inflow_drop", "note": "the agencies' data hub is down"}),
    f"PUT {API}/services/{{key}}/demand/thresholds": simple(
        f"{API}/services/{{key}}/demand/thresholds", Needs.of(Action.SERVICE_LEVELS),
        json={"min_usual": 6}),
    f"GET {API}/users": simple(f"{API}/users", Needs.of(Action.READ_USERS)),
    f"POST {API}/users": create_user,
    f"GET {API}/users/{{username}}": simple(f"{API}/users/{SPARE}",
                                            Needs.of(Action.READ_USERS)),
    f"PATCH {API}/users/{{username}}": simple(f"{API}/users/{SPARE}", USERS,
                                              json={"display_name": "Mehdi Haddad"}),
    f"PUT {API}/users/{{username}}/password": simple(
        f"{API}/users/{SPARE}/password", USERS, json={"password": "a new long password"}),
    # Every member may see who the members are; an admin, who manages them, too.
    f"GET {API}/services/{{key}}/members": simple(
        f"{API}/services/{{key}}/members", Needs((Action.READ, Action.MANAGE_MEMBERS), True)),
    f"PUT {API}/services/{{key}}/members/{{username}}": simple(
        f"{API}/services/{{key}}/members/{SPARE}", MEMBERS, json={"roles": ["viewer"]}),
    f"DELETE {API}/services/{{key}}/members/{{username}}": removing_member(
        f"{API}/services/{{key}}/members/{{username}}", web=False),
    f"PUT {API}/services/{{key}}/blocker-categories": simple(
        f"{API}/services/{{key}}/blocker-categories", Needs.of(Action.BLOCKER_CATEGORIES),
        json={"categories": ["customer", "vendor", "other team"]}),
    f"GET {API}/services/{{key}}/agreements": simple(f"{API}/services/{{key}}/agreements",
                                                    READ),
    f"POST {API}/services/{{key}}/agreements": creating_agreement,
    f"GET {API}/services/{{key}}/agreements/{{agreement_id}}/versions": on_agreement(
        "/versions", READ),
    f"PUT {API}/services/{{key}}/agreements/{{agreement_id}}": on_agreement(
        "", SERVICE_LEVELS, changing=True),
    f"DELETE {API}/services/{{key}}/agreements/{{agreement_id}}": on_agreement(
        "", SERVICE_LEVELS),
    f"GET {API}/customers": simple(f"{API}/customers", SIGNED_IN),
    f"POST {API}/customers": creating_customer,
    f"GET {API}/calendars": simple(f"{API}/calendars", SIGNED_IN),
    f"POST {API}/calendars": creating_calendar,
    f"POST {API}/calendars/{{calendar_key}}/holidays": adding_holidays,
    f"POST {API}/services/{{key}}/archive": archiving(f"{API}/services/{{key}}/archive",
                                                      web=False),
    f"POST {API}/services/{{key}}/restore": archiving(f"{API}/services/{{key}}/restore",
                                                      web=False, restoring=True),
    f"DELETE {API}/services/{{key}}": deleting(f"{API}/services/{{key}}", web=False),
    # An admin, who may delete a service, may export it first.
    f"GET {API}/services/{{key}}/export": simple(
        f"{API}/services/{{key}}/export", Needs((Action.READ, Action.DELETE_SERVICE), True)),
    f"GET {API}/me": simple(f"{API}/me", SIGNED_IN),
    f"GET {API}/me/work": simple(f"{API}/me/work", SIGNED_IN),
    f"GET {API}/me/tokens": simple(f"{API}/me/tokens", SIGNED_IN),
    f"POST {API}/me/tokens": simple(f"{API}/me/tokens", SIGNED_IN, json={"name": "a script"}),
    f"DELETE {API}/me/tokens/{{token_id}}": revoking_token(f"{API}/me/tokens/{{token_id}}",
                                                           web=False),
    # --- the web pages ---
    "GET /": simple("/", SIGNED_IN),
    "GET /services/{key}/board": simple("/services/{key}/board", READ),
    "GET /services/{key}/stages/{stage_id}/items": closed_stage,
    "GET /services/{key}/items/{item_key}": on_item("/services/{key}/items/{item_key}", READ),
    "POST /items/{item_key}/edit": on_item("/items/{item_key}/edit",
                                           Needs.of(Action.EDIT_ITEM), form=EDIT_FORM),
    "POST /items/{item_key}/failure-demand": on_item("/items/{item_key}/failure-demand",
                                                     Needs.of(Action.EDIT_ITEM),
                                                     form={"kind": ""}),
    "POST /items/{item_key}/block": on_item("/items/{item_key}/block",
                                            Needs.of(Action.BLOCK_ITEM), form=BLOCK),
    "POST /items/{item_key}/unblock": unblocking("/items/{item_key}/unblock", web=True),
    "POST /items/{item_key}/assign": on_item("/items/{item_key}/assign",
                                             Needs.of(Action.ASSIGN_ITEM),
                                             form={"person": ASSIGNEE}),
    "POST /items/{item_key}/unassign": on_item("/items/{item_key}/unassign",
                                               Needs.of(Action.ASSIGN_ITEM),
                                               form={"person": ASSIGNEE}, assignee=ASSIGNEE),
    "POST /items/{item_key}/deliver": closing("/items/{item_key}/deliver", "Done",
                                              ("Review", "Ready")),
    "POST /items/{item_key}/discard": closing("/items/{item_key}/discard", "Discarded",
                                              ("Options", "In progress"),
                                              {"reason": "a duplicate"}),
    "POST /items/{item_key}/reopen": closing("/items/{item_key}/reopen", "In progress",
                                             ("Done", "Discarded"),
                                             {"to_stage": "In progress"}),
    "POST /items/{item_key}/move": moves("/items/{item_key}/move", web=True),
    "GET /services/{key}/new": simple("/services/{key}/new", Needs.of(Action.CREATE_ITEM)),
    "POST /services/{key}/items": creating("/services/{key}/items", web=True),
    "GET /services/{key}/board/events": simple("/services/{key}/board/events", READ,
                                               stream=True),
    "GET /services/{key}/analytics": simple("/services/{key}/analytics", READ),
    "GET /account/password": simple("/account/password", SIGNED_IN),
    "POST /logout": sign_out,
    "POST /account/password": new_password,
    "GET /services/{key}/people": simple(
        "/services/{key}/people", Needs((Action.READ, Action.MANAGE_MEMBERS), True)),
    "POST /services/{key}/people": simple("/services/{key}/people", MEMBERS,
                                          form={"username": SPARE, "roles": "viewer"}),
    "POST /services/{key}/people/{username}/remove": removing_member(
        "/services/{key}/people/{username}/remove", web=True),
    "GET /admin/users": simple("/admin/users", Needs.of(Action.READ_USERS)),
    "POST /admin/users": create_user_on_the_page,
    "POST /admin/users/{username}/active": simple(f"/admin/users/{SPARE}/active", USERS,
                                                  form={"active": "true"}),
    "POST /admin/users/{username}/password": simple(
        f"/admin/users/{SPARE}/password", USERS, form={"password": "a new long password"}),
    "POST /admin/users/{username}/limit": simple(f"/admin/users/{SPARE}/limit", USERS,
                                                 form={"wip_limit": "4"}),
    "GET /services/{key}/agreements": simple("/services/{key}/agreements", READ),
    "POST /services/{key}/agreements": creating_agreement_on_the_page,
    "POST /services/{key}/agreements/{agreement_id}": on_agreement_page("", changing=True),
    "POST /services/{key}/agreements/{agreement_id}/retire": on_agreement_page("/retire"),
    "POST /services/{key}/customers": shared_on_the_page(
        "/customers", lambda ctx: {"customer_name": ctx.world.unique("Customer ")}),
    "POST /services/{key}/calendars": shared_on_the_page(
        "/calendars", lambda ctx: {"calendar_key": ctx.world.unique("cal-"),
                                   "timezone": "Europe/Brussels", "working_days": "mon",
                                   "opens": "09:00", "closes": "17:00"}),
    "POST /services/{key}/calendars/{calendar_key}/holidays": shared_on_the_page(
        "/calendars/office/holidays", lambda ctx: {"dates": "2026-05-01"}, calendar=True),
    "GET /my-work": simple("/my-work", SIGNED_IN),
    "GET /account/tokens": simple("/account/tokens", SIGNED_IN),
    "POST /account/tokens": simple("/account/tokens", SIGNED_IN,
                                   form={"name": "a script", "scope": "read"}),
    "POST /account/tokens/{token_id}/revoke": revoking_token(
        "/account/tokens/{token_id}/revoke", web=True),
    "GET /services/{key}/demand": simple("/services/{key}/demand", READ),
    "GET /services/{key}/demand/banner": simple("/services/{key}/demand/banner", READ),
    "GET /services/{key}/at-risk": simple("/services/{key}/at-risk", READ),
    "GET /services/{key}/service-levels": simple("/services/{key}/service-levels", READ),
    "POST /services/{key}/service-levels": simple(
        "/services/{key}/service-levels", Needs.of(Action.SERVICE_LEVELS),
        form={"percentile_": "85", "days_": "5"}),
    "GET /services/{key}/missed-promises": simple("/services/{key}/missed-promises", READ),
    "POST /services/{key}/demand/acknowledgements": simple(
        "/services/{key}/demand/acknowledgements", Needs.of(Action.ACKNOWLEDGE_ALERT),
        form={"kind": "inflow_drop", "note": "the agencies' data hub is down", "back": "board"}),
    "POST /services/{key}/demand/thresholds": simple(
        "/services/{key}/demand/thresholds", Needs.of(Action.SERVICE_LEVELS),
        form={"min_usual": "6"}),
    "GET /services/{key}/skills": simple("/services/{key}/skills",
                                         Needs.of(Action.SEE_CAPACITY)),
    "POST /services/{key}/skills": simple(
        "/services/{key}/skills", Needs.of(Action.DEFINE_SKILLS),
        form={"skills": f"{SKILL}: claim"}),
    "POST /services/{key}/skills/levels": setting_level_on_the_page,
    "POST /services/{key}/lendings": lending_on_the_page,
    "GET /services/{key}/workflow": simple("/services/{key}/workflow", READ),
    "POST /services/{key}/workflow": saving_workflow,
    "POST /services/{key}/workflow/restore": restoring_stage,
    "GET /services/new": simple("/services/new", Needs.of(Action.CREATE_SERVICE)),
    "POST /services/new": lambda ctx: iter([Case(
        "", Needs.of(Action.CREATE_SERVICE), "/services/new",
        form={"key": ctx.world.unique("WEB"), "name": "A new service", "template": "empty"})]),
    "POST /services/{key}/archive": archiving("/services/{key}/archive", web=True),
    "POST /services/{key}/restore": archiving("/services/{key}/restore", web=True,
                                              restoring=True),
    "GET /services/{key}/delete": simple("/services/{key}/delete",
                                         Needs.of(Action.DELETE_SERVICE)),
    "POST /services/{key}/delete": deleting("/services/{key}/delete", web=True),
    # The matrix's services are none of them the demo's: removing it removes nothing.
    "POST /services/{key}/stages/{stage_id}/limit": stage_form(
        "/services/{key}/stages/{stage_id}/limit", ("Ready", "Review"), {"limit": "1000"},
        lambda _: Needs.of(Action.WIP_LIMITS)),
    "POST /services/{key}/stages/{stage_id}/policy": stage_form(
        "/services/{key}/stages/{stage_id}/policy", ("Options", "In progress", "Done"),
        {"policy": "Pull the oldest first."}, policy_needs),
    "POST /services/{key}/classes/{cos}/limit": lambda ctx: (
        c for c in class_on_the_page(ctx) if c.label == "limit"),
    "POST /services/{key}/classes/{cos}/policy": lambda ctx: (
        c for c in class_on_the_page(ctx) if c.label == "policy"),
    "POST /services/{key}/person-limit": simple("/services/{key}/person-limit",
                                                Needs.of(Action.WIP_LIMITS),
                                                form={"limit": "1000"}),
    "POST /services/{key}/stage-groups": new_group_on_the_page,
    "POST /services/{key}/stage-groups/{group_id}/limit": group_limit(
        "/services/{key}/stage-groups/{group_id}/limit", web=True),
    "POST /markdown/preview": simple("/markdown/preview", SIGNED_IN,
                                     form={"policy": "**Oldest** first"}),
    "POST /demo/remove": simple("/demo/remove", Needs.of(Action.DELETE_SERVICE), form={}),
}


# --- the routes, from the app ----------------------------------------------------------------

def app_routes(app: FastAPI) -> dict[str, RouteContext]:
    """Every route the app serves but the open ones, by "METHOD path" (included routers
    flattened, each with the dependencies it was included with)."""
    found: dict[str, RouteContext] = {}
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if isinstance(route.original_route, Mount) or path in OPEN_PATHS:
            continue
        for method in sorted(route.methods or {"GET"}):
            route_id = f"{method} {path}"
            if method != "HEAD" and route_id not in OPEN_ROUTES:
                found[route_id] = route
    return found


def dependencies(route: RouteContext) -> set[Callable[..., Any]]:
    dependant = getattr(route, "dependant", None)
    return {d.call for d in dependant.dependencies if d.call} if dependant else set()


def answers_json(route_id: str, route: RouteContext) -> bool:
    """The API, and the web routes a script calls (which say so with a dependency)."""
    return route_id.split(" ", 1)[1].startswith(API + "/") or \
        answer_errors_in_json in dependencies(route)


def test_every_route_of_the_app_is_in_the_matrix(app: FastAPI) -> None:
    routes = app_routes(app)
    api = {r.id for r in ROUTES if r.path not in OPEN_PATHS}
    web = {f"{m} {r.path}" for router in ROUTERS for r in router.routes
           if isinstance(r, APIRoute) for m in r.methods}
    assert api <= set(routes), "the OpenAPI document lists routes the app does not serve"
    assert web <= set(routes), "a web router is not mounted"
    missing = sorted(set(routes) - set(HANDLERS))
    assert not missing, ("routes without an entry in the authorisation matrix (say how to call "
                         f"them and what the policy decides them by): {missing}")
    stale = sorted(set(HANDLERS) - set(routes))
    assert not stale, f"entries for routes the app no longer serves: {stale}"
    unguarded = sorted(r for r, route in routes.items()
                       if current_actor not in dependencies(route))
    assert not unguarded, f"routes that do not ask who is calling: {unguarded}"


# --- asking, and what was answered ----------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    cookies: str
    text: str

    @property
    def outcome(self) -> str:
        if self.status in (401, 403, 404) or self.status >= 500:
            return str(self.status)
        if self.status in (302, 303, 307) and self.location.startswith("/login") \
                and "flowdesk_session=" not in self.cookies:  # signing out also lands there
            return "login"
        return "ok" if self.status < 400 else str(self.status)


def ask(world: World, who: Principal, route_id: str, case: Case) -> Answer:
    method = route_id.split(" ", 1)[0]
    if route_id.split(" ", 1)[1].startswith(API + "/"):
        headers = {"Authorization": f"Bearer {who.token}"} if who.token else {}
        r = world.api.request(method, case.url, json=case.json, params=case.params,
                              headers=headers)
    else:
        browser = case.browser or who.browser
        if case.stream:
            with browser.stream("GET", case.url, params=case.params,
                                follow_redirects=False) as stream:
                return Answer(stream.status_code, stream.headers.get("location", ""),
                              ";".join(stream.headers.get_list("set-cookie")), "")
        if method == "GET":
            r = browser.get(case.url, params=case.params, follow_redirects=False)
        else:
            r = web_form(browser, case.url, case.form)
    return Answer(r.status_code, r.headers.get("location", ""),
                  ";".join(r.headers.get_list("set-cookie")), r.text)


def build_world(app: FastAPI, uow: UnitOfWork, clock: FixedClock,
                api: TestClient) -> tuple[World, list[Principal]]:
    a = make_service(uow, clock, "CLM", "Priority claims")
    b = make_service(uow, clock, "INT", "International settlements")
    people = [*ROLE_USERS.values(), ADMIN, OUTSIDER, ASSIGNEE, SPARE]
    set_password(uow, people)
    for role, name in ROLE_USERS.items():
        give_roles(uow, clock, a.key, name, [role])
    give_roles(uow, clock, b.key, OUTSIDER, [Role.TEAM_MEMBER])
    for svc in (a, b):
        give_roles(uow, clock, svc.key, ASSIGNEE, [Role.TEAM_MEMBER])
    # A third service people are lent to: everyone who asks is a viewer there but the admin
    # (an admin may lend to any service), so a lending's refusals come from the lender's side.
    make_service(uow, clock, POOL, "Shared pool")
    for name in [*ROLE_USERS.values(), OUTSIDER]:
        give_roles(uow, clock, POOL, name, [Role.VIEWER])
    world = World(app, uow, clock, api, a, b)
    for svc in (a, b):  # history for the metrics and the closed stage's page
        world.new_item(svc, "Done")
    principals = [Principal(f"{role.label} of {a.key}", name, signed_in_client(app, name))
                  for role, name in ROLE_USERS.items()]
    principals += [Principal("admin, member of nothing", ADMIN, signed_in_client(app, ADMIN)),
                   Principal(f"team member of {b.key} only", OUTSIDER,
                             signed_in_client(app, OUTSIDER)),
                   Principal("anonymous", None, anonymous_client(app))]
    for p in principals:
        if p.username is not None:
            p.token = token_of(uow, p.username)
            p.actor = actor_of(uow, clock, p.username)
    return world, principals


@pytest.mark.slow
def test_every_route_answers_every_principal_as_the_policy_says(
        app: FastAPI, uow: UnitOfWork, clock: FixedClock) -> None:
    routes = app_routes(app)
    assert set(routes) == set(HANDLERS), "see test_every_route_of_the_app_is_in_the_matrix"
    mismatches: list[str] = []
    asked = 0
    with TestClient(app) as api:
        world, principals = build_world(app, uow, clock, api)
        for route_id, handler in sorted(HANDLERS.items()):
            path = route_id.split(" ", 1)[1]
            # A person's availability is decided in the services they belong to: asked about
            # someone of the target service's.
            on_a_service = any(p in path for p in ("{key}", "{item_key}", "/availability",
                                                   "/absences"))
            targets = [world.a, world.b] if on_a_service else [None]
            json = answers_json(route_id, routes[route_id])
            for who, target in itertools.product(principals, targets):
                for case in handler(Ctx(world, who, target)):
                    want = expected(who.actor, case.needs, target.id if target else None, json)
                    answer = ask(world, who, route_id, case)
                    asked += 1
                    if case.keep_browser and case.browser is not None:
                        who.browser = case.browser
                    if answer.outcome != want:
                        on = f" on {target.key}'s" if target else ""
                        mismatches.append(
                            f"{route_id} [{case.label}] as {who.label}{on}: expected {want}, "
                            f"got {answer.status} {answer.location} {answer.text[:160]!r}")
    print(f"\nauthorisation matrix: {asked} requests over {len(HANDLERS)} routes, "
          f"{len(principals)} principals, 2 services; {len(mismatches)} mismatches")
    assert not mismatches, f"{len(mismatches)} of {asked} answers differ from the policy:\n" + \
        "\n".join(mismatches)
    assert asked >= MIN_REQUESTS


def test_a_service_or_item_hidden_from_someone_is_answered_exactly_like_a_missing_one(
        app: FastAPI, uow: UnitOfWork, clock: FixedClock) -> None:
    """For every route on a service or item that someone may not see, the answer about it and
    the answer about a service that does not exist (NOPE, NOPE-n) are the same, byte for byte
    once the key is put back: nothing tells them apart."""
    routes = app_routes(app)
    differences: list[str] = []
    compared = 0
    with TestClient(app) as api:
        world, principals = build_world(app, uow, clock, api)
        hidden_from = [p for p in principals if p.username in (OUTSIDER, ADMIN)]
        for route_id, handler in sorted(HANDLERS.items()):
            path = route_id.split(" ", 1)[1]
            if "{key}" not in path and "{item_key}" not in path:
                continue
            json = answers_json(route_id, routes[route_id])
            for who in hidden_from:
                for case in handler(Ctx(world, who, world.a)):
                    if expected(who.actor, case.needs, world.a.id, json) != "404":
                        continue  # an admin managing members
                    missing = Case(case.label, case.needs, case.url.replace(world.a.key, "NOPE"),
                                   json=case.json, form=case.form, params=case.params,
                                   stream=case.stream)
                    hidden_answer = ask(world, who, route_id, case)
                    missing_answer = ask(world, who, route_id, missing)
                    compared += 1
                    shown = missing_answer.text.replace("NOPE", world.a.key)
                    if (hidden_answer.status, hidden_answer.text) != (missing_answer.status,
                                                                      shown):
                        differences.append(
                            f"{route_id} [{case.label}] as {who.label}: hidden "
                            f"{hidden_answer.status} {hidden_answer.text[:200]!r}, missing "
                            f"{missing_answer.status} {shown[:200]!r}")
    print(f"\nhidden versus missing: {compared} pairs of requests compared")
    assert not differences, "\n".join(differences)
    assert compared >= 80
