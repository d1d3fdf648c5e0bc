"""Lending a team member to another service for a while: a temporary membership.

The Service Delivery Manager of the lending (home) service, or an admin, lends one of its
team members to another service they are a member of themselves (an admin: any), until a
date (`Action.LEND_PEOPLE`). The person becomes a member of the receiving service with the
roles given (team member, or viewer) until midnight after that date, in the receiving
service's time zone; the membership then ends by itself (`storage.accounts` reads only
memberships whose `ends_at` is still ahead). The lending is an event in both services,
with who decided it.

Only someone available may be lent: not absent on any day of the lending, and below their
personal WIP limit (committed items assigned across every service).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import Conflict, InvalidInput, NotFound
from flowdesk.domain.people import Actor, Role, parse_roles
from flowdesk.domain.policy import Action, may
from flowdesk.services.capacity import DEFAULT_WIP_LIMIT
from flowdesk.services.members import service_for
from flowdesk.storage import accounts
from flowdesk.storage import capacity as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

LENDABLE_ROLES = frozenset({Role.TEAM_MEMBER, Role.VIEWER})
MAX_LENDING_DAYS = 366


@dataclass(frozen=True)
class Lending:
    username: str
    display_name: str
    from_service: str
    to_service: str
    until: date  # the last day, included
    ends_at: datetime  # when the membership ends: midnight after `until`, receiving zone
    roles: frozenset[Role]
    decided_by: str
    decided_at: datetime


def lend(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, username: str,
         to_service: str, until: date,
         roles: Sequence[str] = (Role.TEAM_MEMBER.value,)) -> Lending:
    """Lend a team member of service `key` to `to_service` until `until` (included)."""
    now = clock.now()
    try:
        with uow.write() as conn:
            home = service_for(conn, actor, key, Action.LEND_PEOPLE)
            wanted = parse_roles(list(roles))
            if not wanted <= LENDABLE_ROLES:
                raise InvalidInput("a lending gives the team member role, or viewer", "roles")
            unknown = InvalidInput(f"you are a member of no service with key "
                                   f"{to_service[:80]!r}", "to_service")
            try:
                target_id = repo.service_id_for_key(conn, to_service)
            except NotFound:
                raise unknown from None
            if not may(actor, Action.SEE_CAPACITY, target_id):
                raise unknown  # a service one may not see is answered as a missing one
            if target_id == home.id:
                raise InvalidInput("lend to another service than the person's own",
                                   "to_service")
            target = repo.load_service(conn, target_id)
            first = target.local_date(now)
            if until < first:
                raise InvalidInput(f"until ({until}) is in the past: the lending would end "
                                   f"before today ({first} in {target.key})", "until")
            if (until - first).days >= MAX_LENDING_DAYS:
                raise InvalidInput(f"a lending lasts at most {MAX_LENDING_DAYS} days", "until")
            name = username.strip().lower()
            member = accounts.members_named(conn, home.id, [name], now).get(name) \
                if "\x00" not in name else None
            roles_there = accounts.membership_roles(conn, home.id, member.id) if member else None
            if member is None or roles_there is None or Role.TEAM_MEMBER not in roles_there:
                raise InvalidInput(f"{username[:80]!r} is not a team member of {home.key}",
                                   "username")
            if accounts.members_named(conn, target_id, [name], now):
                raise Conflict(f"{name} is already a member of {target.key}", "username")
            accounts.lock_users(conn, [member.id])  # lendings and assignments of one person
            _check_available(conn, member, first, until)
            ends_at = datetime.combine(until + timedelta(days=1), time(),
                                       ZoneInfo(target.timezone)).astimezone(UTC)
            accounts.put_membership(conn, service_id=target_id, user_id=member.id,
                                    roles=wanted, ends_at=ends_at, added_by=actor.username,
                                    now=now)
            lending = Lending(member.username, member.display_name, home.key, target.key,
                              until, ends_at, wanted, actor.username, now)
            payload = {"username": member.username, "from_service": home.key,
                       "to_service": target.key, "until": until.isoformat(),
                       "ends_at": ends_at.isoformat(), "roles": sorted(r.value for r in wanted)}
            # Events take their service's counter lock: in id order, so none can deadlock.
            for service_id, kind in sorted([(home.id, "person_lent"),
                                            (target_id, "person_borrowed")]):
                repo.append_event(conn, service_id=service_id, item_id=None, kind=kind, at=now,
                                  actor=actor.username, payload=payload)
            return lending
    except IntegrityError:  # the same person lent to the same service at once (PostgreSQL)
        raise Conflict(f"{username[:80]} was just lent to {to_service[:10]}",
                       "username") from None


def _check_available(conn: Connection, member: accounts.UserRow, first: date,
                     until: date) -> None:
    """Refuse someone absent on a day of the lending, or at their personal WIP limit."""
    away = store.absences_of(conn, [member.id], until_from=first,
                             starting_by=until).get(member.id, [])
    if away:
        spans = ", ".join(f"{a.starts_on} to {a.ends_on}" for a in away)
        raise InvalidInput(f"{member.username} is absent during the lending ({spans})",
                           "username")
    count = sum(accounts.committed_work(conn, member.id).values())
    limit = member.wip_limit or DEFAULT_WIP_LIMIT
    if count >= limit:
        which = "their personal WIP limit" if member.wip_limit else \
            "the default personal WIP limit (they have none set)"
        raise InvalidInput(f"{member.username} already has {count} committed items, "
                           f"{which} of {limit}: they cannot take more work", "username")
