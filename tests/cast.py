"""The people the tests work with, as accounts: an admin who owns services, and team members.

Use cases called directly act as the local operator (who may do anything: `OPERATOR`), or as a
real member (`actor_of`). People who are assigned work must be members of its service:
`enrol` makes them so.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flowdesk.domain.clock import Clock, FixedClock
from flowdesk.domain.people import Actor, Role, Scope
from flowdesk.services import accounts, members
from flowdesk.services.accounts import NewUser
from flowdesk.services.admin import CREATOR_ROLES
from flowdesk.storage import accounts as store
from flowdesk.storage.unit_of_work import UnitOfWork

OPERATOR = Actor("olivia", "Olivia, the service owner", operator=True)
CAST = {
    "olivia": "Olivia, the service owner",
    "amira": "Amira, a team member",
    "bruno": "Bruno, a team member",
    "ana": "Ana Lima",
    "ben": "Ben Okafor",
    "chen": "Chen Wei",
    "dana": "Dana Fischer",
    "zoe": "Zoë, a team member",
    "mehdi": "Mehdi, a team member",
    "mallory": "Mallory, from another team",
}
ADMIN = "olivia"
_EPOCH = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))


def ensure_users(uow: UnitOfWork, names: Iterable[str] = CAST) -> None:
    """Create the accounts that do not exist yet (no passwords: tests use tokens)."""
    with uow.read() as conn:
        missing = [n for n in names if store.find_user(conn, n) is None]
    for name in missing:
        accounts.create_user(uow, _EPOCH, OPERATOR, NewUser(
            name, CAST.get(name, name), is_admin=name == ADMIN))


def enrol(uow: UnitOfWork, clock: Clock, key: str, names: Iterable[str] = CAST,
          roles: Iterable[Role] = (Role.TEAM_MEMBER,)) -> None:
    """Make these people members of the service, with these roles (accounts made as needed)."""
    names = list(names)
    ensure_users(uow, names)
    for name in names:
        members.put_member(uow, clock, OPERATOR, key, name, [r.value for r in roles])


def enrol_owner(uow: UnitOfWork, clock: Clock, key: str) -> None:
    """Olivia, who calls the app in the tests (`client`), owns the service: every working
    role, as for a service she created herself."""
    enrol(uow, clock, key, [ADMIN], CREATOR_ROLES)


def actor_of(uow: UnitOfWork, clock: Clock, username: str) -> Actor:
    """The user as a request would see them: with their current memberships."""
    return accounts.actor_named(uow, clock, username)


def token_of(uow: UnitOfWork, username: str, scope: Scope = Scope.WRITE) -> str:
    ensure_users(uow, [username])
    return accounts.create_token(uow, _EPOCH, OPERATOR, username=username, name="tests",
                                 scope=scope).token
