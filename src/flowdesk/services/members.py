"""Use cases on memberships: who works in a service and in which roles, and what is theirs.

Every change is an event in the service's log, with who made it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import InvalidInput, NotFound
from flowdesk.domain.people import Actor, Role, parse_roles
from flowdesk.domain.policy import Action, authorize
from flowdesk.domain.workflow import Service
from flowdesk.storage import accounts as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork


def service_for(conn: Connection, actor: Actor, key: str, action: Action) -> Service:
    """The service with this key, once the actor may take `action` on it: a non-member is told
    there is no such service, exactly as for a key that does not exist."""
    hidden = repo.no_service(key)
    try:
        service_id = repo.service_id_for_key(conn, key)
    except NotFound:
        raise hidden from None
    authorize(actor, action, service_id, hidden=hidden)
    return repo.load_service(conn, service_id)


@dataclass(frozen=True)
class Members:
    service: Service
    members: list[store.MemberRow]


def list_members(uow: UnitOfWork, clock: Clock, actor: Actor, key: str) -> Members:
    """The service's current members and their roles: every member may see them, and so may
    an admin (who manages them)."""
    with uow.read() as conn:
        action = Action.READ if actor.is_member(_id_or_none(conn, key)) else \
            Action.MANAGE_MEMBERS
        service = service_for(conn, actor, key, action)
        return Members(service, store.service_members(conn, service.id, clock.now()))


def _id_or_none(conn: Connection, key: str) -> int:
    try:
        return repo.service_id_for_key(conn, key)
    except NotFound:
        return -1


def put_member(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, username: str,
               roles: list[str] | tuple[str, ...], ends_at: datetime | None = None) -> Members:
    """Make a user a member with these roles (replacing the roles they held). `ends_at`: the
    membership ends by itself then (a lending)."""
    wanted = parse_roles(list(roles))
    now = clock.now()
    if ends_at is not None and ends_at <= now:
        raise InvalidInput("ends_at must be in the future", "ends_at")
    with uow.write() as conn:
        service = service_for(conn, actor, key, Action.MANAGE_MEMBERS)
        user = store.find_user(conn, username.strip().lower())
        if user is None or not user.active:
            raise InvalidInput(f"there is no active user named '{username}'", "username")
        before = store.membership_roles(conn, service.id, user.id)
        store.put_membership(conn, service_id=service.id, user_id=user.id, roles=wanted,
                             ends_at=ends_at, added_by=actor.username, now=now)
        repo.append_event(
            conn, service_id=service.id, item_id=None,
            kind="member_added" if before is None else "member_changed", at=now,
            actor=actor.username,
            payload={"username": user.username, "roles": _names(wanted),
                     "old_roles": _names(before) if before is not None else None,
                     "ends_at": ends_at.isoformat() if ends_at else None},
        )
        return Members(service, store.service_members(conn, service.id, now))


def remove_member(uow: UnitOfWork, clock: Clock, actor: Actor, key: str,
                  username: str) -> Members:
    now = clock.now()
    with uow.write() as conn:
        service = service_for(conn, actor, key, Action.MANAGE_MEMBERS)
        user = store.find_user(conn, username.strip().lower())
        before = store.membership_roles(conn, service.id, user.id) if user else None
        if user is None or before is None:
            raise NotFound(f"{username} is not a member of {service.key}", "username")
        store.remove_membership(conn, service.id, user.id)
        repo.append_event(
            conn, service_id=service.id, item_id=None, kind="member_removed", at=now,
            actor=actor.username, payload={"username": user.username, "roles": _names(before)},
        )
        return Members(service, store.service_members(conn, service.id, now))


def _names(roles: frozenset[Role]) -> list[str]:
    return sorted(r.value for r in roles)


def addable_users(uow: UnitOfWork, clock: Clock, actor: Actor, key: str) -> list[store.UserRow]:
    """The active users who are not members of the service, for whoever may manage its
    members to pick from."""
    with uow.read() as conn:
        service = service_for(conn, actor, key, Action.MANAGE_MEMBERS)
        current = {m.user.id for m in store.service_members(conn, service.id, clock.now())}
        return [u for u in store.list_users(conn) if u.active and u.id not in current]
