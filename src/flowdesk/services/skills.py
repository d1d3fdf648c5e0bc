"""Use cases on the skills matrix: the skills a service's work needs, and people's levels.

A level (`flowdesk.domain.skills.Level`: 0 none, 1 learning, 2 can do alone, 3 can teach)
belongs to a person and a named skill, in every service that names the skill. A team member
proposes their own level; a Flow Manager or Service Delivery Manager sets anyone's, which
confirms it (and settles any proposal). Only confirmed levels count: in the matrix's risks,
in loads and in staffing suggestions. Every change is an event in the service's log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.items import check_text
from flowdesk.domain.people import Actor, Role
from flowdesk.domain.policy import Action, authorize, may
from flowdesk.domain.skills import Person, SkillRisk, check_level, skill_risks
from flowdesk.domain.workflow import Service
from flowdesk.services.capacity import DEFAULT_HOURS
from flowdesk.services.members import service_for
from flowdesk.storage import accounts
from flowdesk.storage import capacity as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

SKILL_MAX = 60  # characters in a skill's name
ITEM_TYPE_MAX = 40  # as an item's type
MAX_SKILLS = 50
MAX_ITEM_TYPES = 50  # per skill


@dataclass(frozen=True)
class SkillSpec:
    """A skill the service's work needs, and the item types that need it."""

    name: str
    item_types: Sequence[str] = ()


@dataclass(frozen=True)
class MatrixPerson:
    username: str
    display_name: str
    available_today: bool
    hours_per_week: float
    levels: dict[str, store.LevelRow]  # by skill: confirmed and proposed levels


@dataclass(frozen=True)
class Matrix:
    """People by skills: the service's team members and their levels in its skills, with the
    skills that rest on one person and those nobody available today can do alone."""

    service: str
    today: date
    skills: list[store.SkillRow]
    people: list[MatrixPerson]
    risks: list[SkillRisk]


@dataclass(frozen=True)
class LevelView:
    username: str
    display_name: str
    skill: str
    row: store.LevelRow


def skills_matrix(uow: UnitOfWork, clock: Clock, actor: Actor, key: str) -> Matrix:
    """The service's skills matrix, as of today in the service's time zone."""
    with uow.read() as conn:
        service = service_for(conn, actor, key, Action.SEE_CAPACITY)
        return _matrix(conn, service, clock.now())


def _team(conn: Connection, service: Service, now: datetime) -> list[accounts.MemberRow]:
    return [m for m in accounts.service_members(conn, service.id, now)
            if Role.TEAM_MEMBER in m.roles and m.user.active]


def _matrix(conn: Connection, service: Service, now: datetime) -> Matrix:
    skills = store.service_skills_of(conn, [service.id])[service.id]
    names = [s.name for s in skills]
    team = _team(conn, service, now)
    ids = [m.user.id for m in team]
    today = service.local_date(now)
    levels = store.levels_of(conn, ids, names)
    hours = store.hours_of(conn, ids)
    away = store.absences_of(conn, ids, until_from=today, starting_by=today)
    people = [MatrixPerson(m.user.username, m.user.display_name, not away.get(m.user.id),
                           hours.get(m.user.id, DEFAULT_HOURS), levels.get(m.user.id, {}))
              for m in team]
    persons = [Person(p.username, p.display_name, frozenset({service.key}),
                      {s: row.level for s, row in p.levels.items() if row.level},
                      available=p.available_today, weekly_hours=p.hours_per_week)
               for p in people]
    return Matrix(service.key, today, skills, people, skill_risks(names, persons))


def define_skills(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                  skills: Sequence[SkillSpec]) -> Matrix:
    """Set the skills the service's work needs, in order (replacing the list): a Flow
    Manager's or Service Delivery Manager's. People's levels are kept."""
    now = clock.now()
    with uow.write() as conn:
        service = service_for(conn, actor, key, Action.DEFINE_SKILLS)
        wanted = _checked(skills)
        old = store.service_skills_of(conn, [service.id])[service.id]
        store.replace_service_skills(conn, service.id, wanted)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="skills_defined", at=now,
            actor=actor.username,
            payload={"skills": [_spec(s) for s in wanted], "old_skills": [_spec(s) for s in old]},
        )
        return _matrix(conn, service, now)


def _spec(skill: store.SkillRow) -> dict[str, object]:
    return {"name": skill.name, "item_types": list(skill.item_types)}


def _checked(skills: Sequence[SkillSpec]) -> list[store.SkillRow]:
    if len(skills) > MAX_SKILLS:
        raise InvalidInput(f"a service names at most {MAX_SKILLS} skills", "skills")
    seen: set[str] = set()
    found = []
    for skill in skills:
        name = " ".join(check_text(skill.name, "skills.name", SKILL_MAX, required=True).split())
        if "/" in name:
            raise InvalidInput(f"a skill's name cannot hold '/' ({name})", "skills.name")
        if name.casefold() in seen:
            raise InvalidInput(f"the skill {name} is named twice", "skills.name")
        seen.add(name.casefold())
        if len(skill.item_types) > MAX_ITEM_TYPES:
            raise InvalidInput(f"a skill names at most {MAX_ITEM_TYPES} item types",
                               "skills.item_types")
        types = [check_text(t, "skills.item_types", ITEM_TYPE_MAX, required=True)
                 for t in skill.item_types]
        found.append(store.SkillRow(name, tuple(dict.fromkeys(types))))
    return found


def set_level(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, skill: str,
              username: str, level: int) -> LevelView:
    """Set someone's level in one of the service's skills. A Flow Manager or Service
    Delivery Manager sets it for anyone, confirmed; a team member proposes their own, which
    waits for confirmation. Anyone else is refused (a non-member is told there is no such
    service)."""
    now = clock.now()
    with uow.write() as conn:
        hidden = repo.no_service(key)
        service = service_for(conn, actor, key, Action.READ)
        confirms = may(actor, Action.CONFIRM_SKILLS, service.id)
        if not confirms:
            own = actor.username == username.strip().lower()
            authorize(actor, Action.PROPOSE_SKILL if own else Action.CONFIRM_SKILLS, service.id,
                      hidden=hidden)
        value = int(check_level(level))
        name = _skill_named(conn, service, skill)
        member = next((m for m in _team(conn, service, now)
                       if m.user.username == username.strip().lower()), None)
        if member is None:
            raise NotFound(f"{username} is not a team member of {service.key}", "username")
        user = member.user
        before = store.levels_of(conn, [user.id], [name]).get(user.id, {}).get(name)
        payload: dict[str, object] = {"username": user.username, "skill": name, "level": value,
                                      "confirmed_level": before.level if before else None}
        if confirms:
            store.put_level(conn, user.id, name, level=value, confirmed_by=actor.username,
                            confirmed_at=now, proposed=None, proposed_at=None)
            payload["proposed_level"] = before.proposed if before else None
        else:
            store.put_level(conn, user.id, name, proposed=value, proposed_at=now)
        repo.append_event(
            conn, service_id=service.id, item_id=None,
            kind="skill_level_confirmed" if confirms else "skill_level_proposed", at=now,
            actor=actor.username, payload=payload)
        row = store.levels_of(conn, [user.id], [name])[user.id][name]
        return LevelView(user.username, user.display_name, name, row)


def _skill_named(conn: Connection, service: Service, skill: str) -> str:
    """The service's skill of this name (letter case aside)."""
    wanted = " ".join(skill.split()).casefold()
    for row in store.service_skills_of(conn, [service.id])[service.id]:
        if row.name.casefold() == wanted:
            return row.name
    shown = repr(skill) if "\x00" in skill else f"'{skill[:80]}'"
    raise NotFound(f"{service.key} names no skill {shown}", "skill")
