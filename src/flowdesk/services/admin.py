"""Use cases on a service's rules: workflow, WIP limits, policies. Rule changes are events too."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import Conflict, InvalidInput, NotFound
from flowdesk.domain.items import check_text
from flowdesk.domain.people import Actor, Role
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import (
    DEFAULT_BLOCKER_CATEGORIES,
    POLICY_MAX,
    Phase,
    Service,
    StageSpec,
    default_workflow,
    validate_workflow,
)
from flowdesk.services.commands import CreateService
from flowdesk.storage import accounts, rules
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

KEY_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
DESCRIPTION_MAX = 20_000


# Who creates a service holds every working role in it at first, so that someone can shape
# it and work in it; they hand roles on from the people page.
CREATOR_ROLES = frozenset({Role.SERVICE_REQUEST_MANAGER, Role.SERVICE_DELIVERY_MANAGER,
                           Role.FLOW_MANAGER, Role.TEAM_MEMBER})


def create_service(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: CreateService) -> Service:
    """An organisation admin creates a service, and becomes its first member (CREATOR_ROLES)."""
    authorize(actor, Action.CREATE_SERVICE)
    key = cmd.key.strip().upper()
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            "key must be 2 to 10 letters or digits, starting with a letter (like CLM)", "key"
        )
    name = check_text(cmd.name, "name", 120, required=True)
    description = check_text(cmd.description, "description", DESCRIPTION_MAX)
    specs = cmd.stages if cmd.stages is not None else default_workflow()
    validate_workflow(specs)
    categories = [check_text(c, "blocker_categories", 40, required=True)
                  for c in (cmd.blocker_categories or DEFAULT_BLOCKER_CATEGORIES)]
    if cmd.person_wip_limit is not None and cmd.person_wip_limit < 1:
        raise InvalidInput("person_wip_limit must be at least 1", "person_wip_limit")
    timezone = check_timezone(cmd.timezone)
    taken = Conflict(f"a service with key {key} already exists", field="key")
    try:
        with uow.write() as conn:
            if rules.key_taken(conn, key):
                raise taken
            return _insert_service(conn, clock.now(), actor, cmd, key, name, description,
                                   specs, categories, timezone)
    except IntegrityError:
        # Two creations of one key at once on PostgreSQL: the unique key refuses the second.
        raise taken from None


def _insert_service(conn: Connection, now: datetime, actor: Actor, cmd: CreateService,
                    key: str, name: str, description: str, specs: list[StageSpec],
                    categories: list[str], timezone: str) -> Service:
    service_id = rules.insert_service(
        conn, key=key, name=name, description=description,
        person_wip_limit=cmd.person_wip_limit, blocker_categories=categories,
        timezone=timezone, now=now,
    )
    for position, spec in enumerate(specs):
        rules.insert_stage(conn, service_id, position, spec)
    service = repo.load_service(conn, service_id)
    for policy in service.classes.values():
        rules.insert_class_policy(conn, service_id, policy)
    repo.append_event(
        conn, service_id=service_id, item_id=None, kind="service_created", at=now,
        actor=actor.username,
        payload={"key": key, "name": name, "stages": [s.name for s in service.stages]},
    )
    if actor.user_id is not None:
        accounts.put_membership(conn, service_id=service_id, user_id=actor.user_id,
                                roles=CREATOR_ROLES, ends_at=None, added_by=actor.username,
                                now=now)
        repo.append_event(
            conn, service_id=service_id, item_id=None, kind="member_added", at=now,
            actor=actor.username,
            payload={"username": actor.username, "roles": sorted(r.value for r in CREATOR_ROLES),
                     "old_roles": None, "ends_at": None},
        )
    return service


def check_timezone(name: str) -> str:
    """An IANA timezone name, checked against the zone database."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"'{name}' is not a timezone name like Europe/Brussels",
                           "timezone") from None
    return name


def set_stage_limit(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                    stage_id: int, limit: int | None) -> Service:
    if limit is not None and limit < 1:
        raise InvalidInput("limit must be at least 1, or null for no limit", "limit")
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, service_key, Action.WIP_LIMITS)
        stage = service.stage(stage_id)
        if limit is not None and not stage.phase.is_open:
            raise InvalidInput(f"a {stage.phase.value} stage takes no WIP limit", "limit")
        rules.set_stage_limit(conn, stage.id, limit)
        repo.touch_workflow(conn, service.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="limit_changed", at=clock.now(),
            actor=actor.username, to_stage_id=stage.id,
            payload={"scope": "stage", "stage": stage.name, "old": stage.wip_limit, "new": limit},
        )
        return repo.load_service(conn, service.id)


def set_stage_policy(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                     stage_id: int, policy: str) -> Service:
    text = check_text(policy, "policy", POLICY_MAX)
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, service_key, Action.READ)
        stage = service.stage(stage_id)
        authorize(actor, Action.UPSTREAM_POLICY if stage.phase is Phase.UPSTREAM
                  else Action.DOWNSTREAM_POLICY, service.id)
        rules.set_stage_policy(conn, stage.id, text)
        repo.touch_workflow(conn, service.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="policy_changed", at=clock.now(),
            actor=actor.username, to_stage_id=stage.id,
            payload={"stage": stage.name, "old": stage.policy, "new": text},
        )
        return repo.load_service(conn, service.id)


def set_class_policy(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                     cos: ClassOfService, changes: dict[str, Any]) -> Service:
    allowed = {"wip_limit", "may_exceed_stage_limits", "requires_due_date", "policy"}
    for name in changes:
        if name not in allowed:
            raise InvalidInput(f"{name} is not a class-of-service policy setting", name)
    if "wip_limit" in changes and changes["wip_limit"] is not None and (
        not isinstance(changes["wip_limit"], int) or changes["wip_limit"] < 1
    ):
        raise InvalidInput("wip_limit must be at least 1, or null for no limit", "wip_limit")
    if "policy" in changes:
        changes["policy"] = check_text(str(changes["policy"]), "policy", POLICY_MAX)
    needs = {Action.WIP_LIMITS if name == "wip_limit" else Action.CLASS_POLICY
             for name in changes}
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, service_key,
                                  *sorted(needs or {Action.CLASS_POLICY}))
        old = service.class_policy(cos)
        new = old.with_changes(**changes)
        rules.update_class_policy(conn, service.id, new)
        repo.touch_workflow(conn, service.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="class_policy_changed",
            at=clock.now(), actor=actor.username,
            payload={"cos": cos.value,
                     "changes": {k: [getattr(old, k), getattr(new, k)] for k in changes}},
        )
        return repo.load_service(conn, service.id)


def set_person_limit(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                     limit: int | None) -> Service:
    if limit is not None and limit < 1:
        raise InvalidInput("limit must be at least 1, or null for no limit", "limit")
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, service_key, Action.WIP_LIMITS)
        rules.set_person_limit(conn, service.id, limit)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="limit_changed", at=clock.now(),
            actor=actor.username,
            payload={"scope": "person", "old": service.person_wip_limit, "new": limit},
        )
        return repo.load_service(conn, service.id)


def create_stage_group(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                       name: str, stage_ids: list[int], limit: int | None) -> Service:
    """A CONWIP limit over consecutive open stages."""
    name = check_text(name, "name", 80, required=True)
    if limit is not None and limit < 1:
        raise InvalidInput("limit must be at least 1, or null for no limit", "limit")
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, service_key, Action.STAGE_GROUPS)
        members = [service.named_stage(sid, "stage_ids") for sid in stage_ids]
        if len(set(stage_ids)) != len(stage_ids):
            raise InvalidInput("stage_ids lists a stage more than once", "stage_ids")
        if len(members) < 2:
            raise InvalidInput("a stage group covers at least two stages", "stage_ids")
        if any(s.phase in (Phase.DONE, Phase.DISCARDED) for s in members):
            raise InvalidInput("a stage group covers open stages only", "stage_ids")
        places = sorted(service.stages.index(s) for s in members)
        if places != list(range(places[0], places[0] + len(places))):
            raise InvalidInput("a stage group covers consecutive stages, with none skipped "
                               "in between", "stage_ids")
        if any(g.name.lower() == name.lower() for g in service.groups):
            # A retried request must not make a second group (two limits over one stretch).
            raise Conflict(f"service {service.key} already has a stage group named '{name}'",
                           "name")
        rules.insert_stage_group(conn, service.id, name, limit, [stage.id for stage in members])
        repo.touch_workflow(conn, service.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="limit_changed", at=clock.now(),
            actor=actor.username,
            payload={"scope": "stage_group", "group": name, "stages": [s.name for s in members],
                     "old": None, "new": limit},
        )
        return repo.load_service(conn, service.id)


def set_blocker_categories(uow: UnitOfWork, clock: Clock, actor: Actor, service_key: str,
                           categories: list[str]) -> Service:
    """The Flow Manager sets the categories blockers are filed under. Past blockers keep the
    category they were filed under."""
    names = [check_text(c, "categories", 40, required=True) for c in categories]
    if not names:
        raise InvalidInput("give at least one blocker category", "categories")
    if len({n.lower() for n in names}) != len(names):
        raise InvalidInput("categories lists a category more than once", "categories")
    with uow.write() as conn:
        service = _locked_service(uow, conn, actor, service_key, Action.BLOCKER_CATEGORIES)
        rules.set_blocker_categories(conn, service.id, names)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="blocker_categories_changed",
            at=clock.now(), actor=actor.username,
            payload={"old": list(service.blocker_categories), "new": names},
        )
        return repo.load_service(conn, service.id)


def _locked_service(uow: UnitOfWork, conn: Any, actor: Actor, key: str,
                    *actions: Action) -> Service:
    """The service, row-locked on PostgreSQL, once the actor may take every one of `actions`
    on it; a non-member is told there is no such service."""
    hidden = repo.no_service(key)
    try:
        service_id = repo.service_id_for_key(conn, key)
    except NotFound:
        raise hidden from None
    authorize(actor, Action.READ, service_id, hidden=hidden)
    for action in actions:
        authorize(actor, action, service_id)
    return repo.load_service(conn, service_id, lock=uow.locks_rows)
