"""Load and capacity per service, and staffing suggestions across services.

A service's **demand** is its open committed WIP plus the arrivals its baseline expects:
the usual arrivals for the rest of today and the usual whole day of each of the next
`days` working days (Monday to Friday). Its **capacity** comes from its team members who
are available today: each one's personal WIP limit (`users.wip_limit`, or
`DEFAULT_WIP_LIMIT` when none is set), split evenly over the services they are a team
member of. Items at risk of missing their due date (`analytics.on_time_risks`) overload a
service too. `load_figures` reads (and keeps) the figures from history;
`flowdesk.domain.staffing` decides the rest; `docs/metrics.md` ("Demand") defines it all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import Actor, Role
from flowdesk.domain.policy import Action, may
from flowdesk.domain.skills import Person
from flowdesk.domain.staffing import (
    Load,
    ServiceDemand,
    Suggestion,
    service_loads,
    suggest_staffing,
)
from flowdesk.services import load_figures as figures
from flowdesk.services.load_figures import DayDemand
from flowdesk.services.members import service_for
from flowdesk.storage import capacity as store
from flowdesk.storage.unit_of_work import UnitOfWork

DEFAULT_DAYS = 2  # working days after today that demand looks ahead
MAX_DAYS = 10
DEFAULT_WIP_LIMIT = 3  # the personal WIP limit of someone who has none set (as `Person`)
DEFAULT_HOURS = 40.0  # working hours per week of someone who has not set theirs


@dataclass(frozen=True)
class ServiceCapacity:
    """A service's load (`Load`), the days its expected arrivals come from, and its team
    members as `Person`s (`Load.people` are those available and so counted)."""

    key: str
    name: str
    today: date
    days: list[DayDemand]
    load: Load
    people: list[Person]


@dataclass(frozen=True)
class Staffing:
    """The loads of the services the caller can see, and the suggestions, best first."""

    days: int
    services: list[ServiceCapacity]
    suggestions: list[Suggestion]
    names: dict[str, str]  # display names, by username


def check_days(days: int) -> int:
    if isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
        raise InvalidInput(f"days is a number of working days from 0 to {MAX_DAYS}", "days")
    return days


def service_capacity(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                     days: int = DEFAULT_DAYS) -> ServiceCapacity:
    """The service's load for today and the next `days` working days."""
    now = clock.now()
    with uow.read() as conn:
        service = service_for(conn, actor, key, Action.SEE_CAPACITY)
        check_days(days)
        found, _, _ = gather(conn, store.service_rows(conn, [service.id]), now, days)
    return found[0]


def staffing(uow: UnitOfWork, clock: Clock, actor: Actor, days: int = DEFAULT_DAYS) -> Staffing:
    """The loads of every service the actor may see (an admin: all; anyone else: those they
    are a member of), and staffing suggestions among them."""
    check_days(days)
    now = clock.now()
    with uow.read() as conn:
        rows = [r for r in store.service_rows(conn) if may(actor, Action.SEE_CAPACITY, r.id)]
        found, people, needed = gather(conn, rows, now, days)
    loads = {c.key: c.load for c in found}
    suggestions = suggest_staffing(loads, people, needed)
    return Staffing(days, found, suggestions, {p.username: p.name for p in people})


def gather(conn: Connection, rows: Sequence[store.ServiceRow], now: datetime,
           days: int) -> tuple[list[ServiceCapacity], list[Person], dict[str, list[str]]]:
    """Each service's capacity, the people who work in them (with every service they are a
    team member of, seen or not), and the skills each service needs. A constant number of
    queries, plus the arrivals and histories `load_figures` has not kept yet."""
    ids = [r.id for r in rows]
    people = people_of(conn, ids, now)
    skills = store.service_skills_of(conn, ids)
    wip = store.open_wip(conn, ids)
    expected = figures.expected_days(conn, rows, now, days)
    at_risk = figures.items_at_risk(conn, rows, now)
    demands = [ServiceDemand(r.key, wip[r.id], sum(d.expected for d in expected[r.id]),
                             at_risk[r.id]) for r in rows]
    loads = service_loads(demands, people)
    found = [ServiceCapacity(r.key, r.name, now.astimezone(ZoneInfo(r.timezone)).date(),
                             expected[r.id], loads[r.key],
                             [p for p in people if r.key in p.home_services])
             for r in rows]
    return found, people, {r.key: [s.name for s in skills[r.id]] for r in rows}


def people_of(conn: Connection, service_ids: Sequence[int], now: datetime) -> list[Person]:
    """The team members of these services as `Person`s: their home services (every service
    they are a team member of), confirmed skill levels, personal WIP limit and committed
    work across services, hours, and whether they are here today. Someone is away when an
    absence covers today's date in the zone of any of their home services."""
    team = [m for m in store.memberships_of_members(conn, service_ids, now)
            if Role.TEAM_MEMBER in m.roles]
    homes: dict[int, list[store.Membership]] = defaultdict(list)
    for m in team:
        homes[m.user_id].append(m)
    if not homes:
        return []
    user_ids = sorted(homes)
    today = {zone: now.astimezone(ZoneInfo(zone)).date() for zone in {m.timezone for m in team}}
    away = store.absences_of(conn, user_ids, until_from=min(today.values()),
                             starting_by=max(today.values()))
    committed = store.committed_counts(conn, user_ids)
    levels = store.levels_of(conn, user_ids)
    hours = store.hours_of(conn, user_ids)
    people = []
    for uid in user_ids:
        held = homes[uid]
        days = {today[m.timezone] for m in held}
        absent = any(a.starts_on <= d <= a.ends_on for a in away.get(uid, []) for d in days)
        people.append(Person(
            held[0].username, held[0].display_name, frozenset(m.service_key for m in held),
            {s: row.level for s, row in levels.get(uid, {}).items() if row.level},
            available=not absent, wip_limit=held[0].wip_limit or DEFAULT_WIP_LIMIT,
            wip=committed.get(uid, 0), weekly_hours=hours.get(uid, DEFAULT_HOURS)))
    return people
