"""Skills, availability and the figures of a service's load: rows to plain values.

Every function works inside the caller's transaction and reads in bulk: one query for any
number of services or people, never one per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from flowdesk.domain.people import Role
from flowdesk.storage.repository import inserted_id
from flowdesk.storage.tables import (
    TS,
    absences,
    event_counters,
    item_assignees,
    items,
    memberships,
    service_skills,
    services,
    skill_levels,
    stages,
    user_availability,
    users,
)


@dataclass(frozen=True)
class SkillRow:
    name: str
    item_types: tuple[str, ...]


@dataclass(frozen=True)
class LevelRow:
    skill: str
    level: int | None  # confirmed; None: none confirmed yet
    confirmed_by: str | None
    confirmed_at: datetime | None
    proposed: int | None  # pending confirmation
    proposed_at: datetime | None


@dataclass(frozen=True)
class AbsenceRow:
    id: int
    user_id: int
    starts_on: date
    ends_on: date
    reason: str
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class Membership:
    """A user's current membership, with what a load needs of the user."""

    user_id: int
    username: str
    display_name: str
    wip_limit: int | None
    service_id: int
    service_key: str
    timezone: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class ServiceRow:
    id: int
    key: str
    name: str
    timezone: str
    token: str  # `workflow_token`: new at creation, so (id, token) names one service anywhere


# --- a service's skills ---------------------------------------------------------------------

def service_skills_of(conn: Connection, service_ids: Sequence[int]) -> dict[int, list[SkillRow]]:
    """The skills each service needs, in their order."""
    found: dict[int, list[SkillRow]] = {s: [] for s in service_ids}
    if not service_ids:
        return found
    rows = conn.execute(select(service_skills)
                        .where(service_skills.c.service_id.in_(list(service_ids)))
                        .order_by(service_skills.c.service_id, service_skills.c.position))
    for r in rows:
        found[int(r.service_id)].append(SkillRow(str(r.name), tuple(r.item_types)))
    return found


def replace_service_skills(conn: Connection, service_id: int, skills: Sequence[SkillRow]) -> None:
    conn.execute(delete(service_skills).where(service_skills.c.service_id == service_id))
    if skills:
        conn.execute(insert(service_skills), [
            {"service_id": service_id, "name": s.name, "position": n,
             "item_types": list(s.item_types)} for n, s in enumerate(skills)])


# --- skill levels ---------------------------------------------------------------------------

def _level(row: Any) -> LevelRow:
    return LevelRow(str(row.skill), row.level, row.confirmed_by, row.confirmed_at,
                    row.proposed, row.proposed_at)


def levels_of(conn: Connection, user_ids: Sequence[int],
              skills: Sequence[str] | None = None) -> dict[int, dict[str, LevelRow]]:
    """Each user's levels, by skill (`skills`: only these)."""
    found: dict[int, dict[str, LevelRow]] = defaultdict(dict)
    if not user_ids or (skills is not None and not skills):
        return found
    query = select(skill_levels).where(skill_levels.c.user_id.in_(sorted(set(user_ids))))
    if skills is not None:
        query = query.where(skill_levels.c.skill.in_(sorted(set(skills))))
    for r in conn.execute(query):
        found[int(r.user_id)][str(r.skill)] = _level(r)
    return found


def put_level(conn: Connection, user_id: int, skill: str, **values: Any) -> None:
    """Change a user's level row in a skill (made when missing)."""
    where = and_(skill_levels.c.user_id == user_id, skill_levels.c.skill == skill)
    if conn.execute(update(skill_levels).where(where).values(**values)).rowcount == 0:
        conn.execute(insert(skill_levels).values(user_id=user_id, skill=skill, **values))


# --- availability ---------------------------------------------------------------------------

def hours_of(conn: Connection, user_ids: Sequence[int]) -> dict[int, float]:
    """Working hours per week of the users who set theirs."""
    if not user_ids:
        return {}
    rows = conn.execute(select(user_availability)
                        .where(user_availability.c.user_id.in_(sorted(set(user_ids)))))
    return {int(r.user_id): float(r.hours_per_week) for r in rows}


def set_hours(conn: Connection, user_id: int, hours: float) -> None:
    conn.execute(delete(user_availability).where(user_availability.c.user_id == user_id))
    conn.execute(insert(user_availability).values(user_id=user_id, hours_per_week=hours))


def _absence(row: Any) -> AbsenceRow:
    return AbsenceRow(int(row.id), int(row.user_id), row.starts_on, row.ends_on, row.reason,
                      row.added_by, row.added_at)


def absences_of(conn: Connection, user_ids: Sequence[int], *, until_from: date | None = None,
                starting_by: date | None = None) -> dict[int, list[AbsenceRow]]:
    """Each user's absences, earliest first: those that end on or after `until_from` and
    start on or before `starting_by`, when given (so those overlapping a span of days)."""
    found: dict[int, list[AbsenceRow]] = defaultdict(list)
    if not user_ids:
        return found
    query = select(absences).where(absences.c.user_id.in_(sorted(set(user_ids))))
    if until_from is not None:
        query = query.where(absences.c.ends_on >= until_from)
    if starting_by is not None:
        query = query.where(absences.c.starts_on <= starting_by)
    for r in conn.execute(query.order_by(absences.c.starts_on, absences.c.id)):
        found[int(r.user_id)].append(_absence(r))
    return found


def insert_absence(conn: Connection, *, user_id: int, starts_on: date, ends_on: date,
                   reason: str, added_by: str, now: datetime) -> AbsenceRow:
    absence_id = inserted_id(conn.execute(insert(absences).values(
        user_id=user_id, starts_on=starts_on, ends_on=ends_on, reason=reason,
        added_by=added_by, added_at=now)))
    return AbsenceRow(absence_id, user_id, starts_on, ends_on, reason, added_by, now)


def find_absence(conn: Connection, absence_id: int) -> AbsenceRow | None:
    row = conn.execute(select(absences).where(absences.c.id == absence_id)).one_or_none()
    return None if row is None else _absence(row)


def delete_absence(conn: Connection, absence_id: int) -> None:
    conn.execute(delete(absences).where(absences.c.id == absence_id))


# --- people and services --------------------------------------------------------------------

def _current(now: datetime) -> Any:
    return or_(memberships.c.ends_at.is_(None), memberships.c.ends_at > now)


def memberships_of_members(conn: Connection, service_ids: Sequence[int],
                           now: datetime) -> list[Membership]:
    """Every current membership, in any service, of the active users who are current members
    of these services: a person's capacity is shared among all the services they work in."""
    if not service_ids:
        return []
    members = (select(memberships.c.user_id)
               .where(memberships.c.service_id.in_(list(service_ids)), _current(now)))
    rows = conn.execute(
        select(users.c.id, users.c.username, users.c.display_name, users.c.wip_limit,
               services.c.id.label("service_id"), services.c.key, services.c.timezone,
               memberships.c.roles)
        .select_from(memberships.join(users, users.c.id == memberships.c.user_id)
                     .join(services, services.c.id == memberships.c.service_id))
        .where(memberships.c.user_id.in_(members), _current(now), users.c.active.is_(True))
        .order_by(users.c.username, services.c.key))
    return [Membership(int(r.id), str(r.username), str(r.display_name), r.wip_limit,
                       int(r.service_id), str(r.key), str(r.timezone),
                       frozenset(Role(v) for v in r.roles))
            for r in rows]


_SERVICE_ROW = (services.c.id, services.c.key, services.c.name, services.c.timezone,
                services.c.workflow_token)


def _service_row(row: Any) -> ServiceRow:
    return ServiceRow(int(row.id), str(row.key), str(row.name), str(row.timezone),
                      str(row.workflow_token))


def services_of_user(conn: Connection, user_id: int, now: datetime) -> list[ServiceRow]:
    """The services the user is a current member of, by key."""
    rows = conn.execute(
        select(*_SERVICE_ROW)
        .select_from(services.join(memberships, memberships.c.service_id == services.c.id))
        .where(memberships.c.user_id == user_id, _current(now)).order_by(services.c.key))
    return [_service_row(r) for r in rows]


def committed_counts(conn: Connection, user_ids: Sequence[int]) -> dict[int, int]:
    """Committed items assigned to each user, across every service (as
    `accounts.committed_work`, for many users at once)."""
    if not user_ids:
        return {}
    rows = conn.execute(
        select(item_assignees.c.user_id, func.count())
        .select_from(item_assignees.join(items, items.c.id == item_assignees.c.item_id)
                     .join(stages, stages.c.id == items.c.stage_id))
        .where(item_assignees.c.user_id.in_(sorted(set(user_ids))),
               stages.c.phase == "committed")
        .group_by(item_assignees.c.user_id))
    return {int(u): int(n) for u, n in rows}


def service_rows(conn: Connection, service_ids: Sequence[int] | None = None) -> list[ServiceRow]:
    """The services (all of them when `service_ids` is None), by key."""
    query = select(*_SERVICE_ROW)
    if service_ids is not None:
        query = query.where(services.c.id.in_(list(service_ids)))
    return [_service_row(r) for r in conn.execute(query.order_by(services.c.key))]


_IN_COMMITTED = items.join(stages, and_(stages.c.id == items.c.stage_id,
                                        stages.c.phase == "committed"))


def open_wip(conn: Connection, service_ids: Sequence[int]) -> dict[int, int]:
    """Items in each service's committed phase (committed, not yet delivered)."""
    found = dict.fromkeys(service_ids, 0)
    if service_ids:
        for sid, n in conn.execute(select(items.c.service_id, func.count())
                                   .select_from(_IN_COMMITTED)
                                   .where(items.c.service_id.in_(list(service_ids)))
                                   .group_by(items.c.service_id)):
            found[int(sid)] = int(n)
    return found


_OPEN = items.join(stages, and_(stages.c.id == items.c.stage_id,
                                stages.c.phase.in_(("upstream", "committed"))))


def with_due_work(conn: Connection, service_ids: Sequence[int]) -> set[int]:
    """The services with open work (upstream or committed) that has a due date or a due
    time from an agreement (only they can have items at risk of missing it)."""
    if not service_ids:
        return set()
    rows = conn.execute(select(items.c.service_id).distinct().select_from(_OPEN)
                        .where(items.c.service_id.in_(list(service_ids)),
                               items.c.due_date.is_not(None) | items.c.due_at.is_not(None)))
    return {int(r.service_id) for r in rows}


def arrivals(conn: Connection, service_ids: Sequence[int],
             since: datetime) -> tuple[dict[int, list[datetime]], dict[int, datetime]]:
    """Each service's arrivals since `since`, and its first arrival ever (the baseline leaves
    out the days before a service's history began)."""
    recent: dict[int, list[datetime]] = {s: [] for s in service_ids}
    first: dict[int, datetime] = {}
    if not service_ids:
        return recent, first
    ids = list(service_ids)
    for sid, at in conn.execute(select(items.c.service_id, items.c.arrived_at)
                                .where(items.c.service_id.in_(ids),
                                       items.c.arrived_at >= since)):
        recent[int(sid)].append(at)
    for sid, at in conn.execute(select(items.c.service_id, func.min(items.c.arrived_at))
                                .where(items.c.service_id.in_(ids))
                                .group_by(items.c.service_id)):
        if at is not None:
            first[int(sid)] = at
    return recent, first


def arrivals_before(conn: Connection, cutoffs: Mapping[int, datetime]) -> dict[int, int]:
    """How many items of each service arrived before its cutoff (one grouped query)."""
    found = dict.fromkeys(cutoffs, 0)
    if cutoffs:
        cutoff = case({sid: literal(at, TS) for sid, at in cutoffs.items()},
                      value=items.c.service_id)
        for sid, n in conn.execute(select(items.c.service_id, func.count())
                                   .where(items.c.service_id.in_(list(cutoffs)),
                                          items.c.arrived_at < cutoff)
                                   .group_by(items.c.service_id)):
            found[int(sid)] = int(n)
    return found


def last_seqs(conn: Connection, service_ids: Sequence[int]) -> dict[int, int]:
    """The number of each service's last event: it changes whenever its history does."""
    if not service_ids:
        return {}
    rows = conn.execute(select(event_counters.c.service_id, event_counters.c.last_seq)
                        .where(event_counters.c.service_id.in_(list(service_ids))))
    return {int(sid): int(seq) for sid, seq in rows}
