"""Users, memberships, sessions, API tokens and sign-in failures: rows to domain objects.

Every function works inside the caller's transaction. `actor_for_session` and
`actor_for_token` are what every request runs: one query each, the user with all their
current memberships.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, update

from flowdesk.domain.people import Actor, Role, Scope
from flowdesk.storage import hot
from flowdesk.storage.tables import (
    api_tokens,
    item_assignees,
    items,
    login_failures,
    memberships,
    services,
    sessions,
    stages,
    users,
)


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    email: str
    is_admin: bool
    active: bool
    wip_limit: int | None
    has_password: bool


@dataclass(frozen=True)
class MemberRow:
    user: UserRow
    roles: frozenset[Role]
    ends_at: datetime | None
    added_by: str
    added_at: datetime


@dataclass(frozen=True)
class TokenRow:
    id: int
    name: str
    scope: Scope
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


def _current(now_param: str = "b_now") -> Any:
    return or_(memberships.c.ends_at.is_(None), memberships.c.ends_at > bindparam(now_param))


_ACTOR_COLUMNS = (users.c.id, users.c.username, users.c.display_name, users.c.is_admin,
                  memberships.c.service_id, memberships.c.roles)
_WITH_MEMBERSHIPS = users.outerjoin(memberships, and_(memberships.c.user_id == users.c.id,
                                                      _current()))
_ACTOR_BY_SESSION = (
    select(*_ACTOR_COLUMNS)
    .select_from(sessions.join(_WITH_MEMBERSHIPS, users.c.id == sessions.c.user_id))
    .where(sessions.c.id_hash == bindparam("b_hash"), sessions.c.expires_at > bindparam("b_now"),
           users.c.active.is_(True))
)
_ACTOR_BY_TOKEN = (
    select(*_ACTOR_COLUMNS, api_tokens.c.scope)
    .select_from(api_tokens.join(_WITH_MEMBERSHIPS, users.c.id == api_tokens.c.user_id))
    .where(api_tokens.c.token_hash == bindparam("b_hash"), api_tokens.c.revoked_at.is_(None),
           or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > bindparam("b_now")),
           users.c.active.is_(True))
)
_ACTOR_BY_USERNAME = (
    select(*_ACTOR_COLUMNS).select_from(_WITH_MEMBERSHIPS)
    .where(users.c.username == bindparam("b_username"), users.c.active.is_(True))
)


def _actor(rows: Sequence[Any], scope: Scope = Scope.WRITE) -> Actor | None:
    if not rows:
        return None
    first = rows[0]
    roles = {int(r.service_id): frozenset(Role(v) for v in r.roles)
             for r in rows if r.service_id is not None}
    return Actor(first.username, first.display_name, user_id=int(first.id),
                 is_admin=bool(first.is_admin), memberships=roles, scope=scope)


def actor_for_session(conn: Connection, id_hash: str, now: datetime) -> Actor | None:
    """The active user a live session belongs to, with their memberships; None otherwise."""
    return _actor(hot.execute(conn, _ACTOR_BY_SESSION, {"b_hash": id_hash, "b_now": now}).all())


def actor_for_token(conn: Connection, token_hash: str, now: datetime) -> Actor | None:
    """The active user a live, unrevoked token belongs to, acting in the token's scope."""
    rows = hot.execute(conn, _ACTOR_BY_TOKEN, {"b_hash": token_hash, "b_now": now}).all()
    return _actor(rows, Scope(rows[0].scope)) if rows else None


def actor_for_username(conn: Connection, username: str, now: datetime) -> Actor | None:
    """The active user with this username, with their memberships (the demo and tests act as
    people this way)."""
    return _actor(conn.execute(_ACTOR_BY_USERNAME,
                               {"b_username": username, "b_now": now}).all())


# --- users ----------------------------------------------------------------------------------

def _user(row: Any) -> UserRow:
    return UserRow(int(row.id), row.username, row.display_name, row.email, bool(row.is_admin),
                   bool(row.active), row.wip_limit, row.password_hash is not None)


def find_user(conn: Connection, username: str) -> UserRow | None:
    if "\x00" in username:  # PostgreSQL refuses NUL in a parameter; no username holds one
        return None
    row = conn.execute(select(users).where(users.c.username == username)).one_or_none()
    return None if row is None else _user(row)


def password_hash(conn: Connection, username: str) -> tuple[int, str | None] | None:
    """(user id, hash) of an active user, for signing in; None when there is no such user."""
    row = conn.execute(select(users.c.id, users.c.password_hash).where(
        users.c.username == username, users.c.active.is_(True))).one_or_none()
    return None if row is None else (int(row.id), row.password_hash)


def list_users(conn: Connection) -> list[UserRow]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def insert_user(conn: Connection, *, username: str, display_name: str, email: str,
                password_hash: str | None, is_admin: bool, wip_limit: int | None,
                now: datetime) -> int:
    result = conn.execute(insert(users).values(
        username=username, display_name=display_name, email=email, password_hash=password_hash,
        is_admin=is_admin, active=True, wip_limit=wip_limit, created_at=now,
    ))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def update_user(conn: Connection, user_id: int, **values: Any) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def lock_users(conn: Connection, user_ids: Sequence[int]) -> None:
    """Row-lock users (PostgreSQL), in id order: concurrent assignments of one person queue
    here, whichever service they come from, so a personal WIP limit holds across services."""
    conn.execute(select(users.c.id).where(users.c.id.in_(sorted(user_ids)))
                 .order_by(users.c.id).with_for_update(key_share=True)).all()


def display_names(conn: Connection, usernames: Sequence[str]) -> dict[str, str]:
    """Display names of the accounts among these usernames (others are not accounts)."""
    if not usernames:
        return {}
    rows = conn.execute(select(users.c.username, users.c.display_name)
                        .where(users.c.username.in_(sorted(set(usernames))))).all()
    return {r.username: r.display_name for r in rows}


# --- personal WIP ---------------------------------------------------------------------------

_PERSONAL_WIP = (
    select(services.c.key, func.count())
    .select_from(item_assignees.join(items, items.c.id == item_assignees.c.item_id)
                 .join(stages, stages.c.id == items.c.stage_id)
                 .join(services, services.c.id == items.c.service_id))
    .where(item_assignees.c.user_id == bindparam("b_user"), stages.c.phase == "committed")
    .group_by(services.c.key).order_by(services.c.key)
)


_ASSIGNEE_ACCOUNTS = (
    select(users).select_from(item_assignees.join(users, users.c.id == item_assignees.c.user_id))
    .where(item_assignees.c.item_id == bindparam("b_item")).order_by(users.c.id)
)


def assignee_accounts(conn: Connection, item_id: int, *, limited: bool = False) -> list[UserRow]:
    """The accounts assigned to an item (`limited`: only those with a personal WIP limit)."""
    query = _ASSIGNEE_ACCOUNTS.where(users.c.wip_limit.is_not(None)) if limited \
        else _ASSIGNEE_ACCOUNTS
    return [_user(r) for r in conn.execute(query, {"b_item": item_id})]


def committed_work(conn: Connection, user_id: int) -> dict[str, int]:
    """The user's committed items across every service, by service key."""
    return {str(k): int(n) for k, n in conn.execute(_PERSONAL_WIP, {"b_user": user_id})}


# --- memberships ----------------------------------------------------------------------------

_MEMBER = (select(users, memberships.c.roles, memberships.c.ends_at)
           .select_from(users.join(memberships, memberships.c.user_id == users.c.id))
           .where(memberships.c.service_id == bindparam("b_service"),
                  users.c.username.in_(bindparam("b_usernames", expanding=True)),
                  _current(), users.c.active.is_(True)))


def members_named(conn: Connection, service_id: int, usernames: Sequence[str],
                  now: datetime) -> dict[str, UserRow]:
    """The active, current members of the service among these usernames."""
    if not usernames:
        return {}
    rows = conn.execute(_MEMBER, {"b_service": service_id, "b_usernames": list(usernames),
                                  "b_now": now}).all()
    return {r.username: _user(r) for r in rows}


def service_members(conn: Connection, service_id: int, now: datetime) -> list[MemberRow]:
    rows = conn.execute(
        select(users, memberships.c.roles, memberships.c.ends_at, memberships.c.added_by,
               memberships.c.added_at)
        .select_from(users.join(memberships, memberships.c.user_id == users.c.id))
        .where(memberships.c.service_id == service_id,
               or_(memberships.c.ends_at.is_(None), memberships.c.ends_at > now))
        .order_by(users.c.display_name, users.c.username)
    ).all()
    return [MemberRow(_user(r), frozenset(Role(v) for v in r.roles), r.ends_at, r.added_by,
                      r.added_at) for r in rows]


def membership_roles(conn: Connection, service_id: int, user_id: int) -> frozenset[Role] | None:
    row = conn.execute(select(memberships.c.roles).where(
        memberships.c.service_id == service_id, memberships.c.user_id == user_id)).one_or_none()
    return None if row is None else frozenset(Role(v) for v in row.roles)


def put_membership(conn: Connection, *, service_id: int, user_id: int, roles: frozenset[Role],
                   ends_at: datetime | None, added_by: str, now: datetime) -> None:
    values = sorted(r.value for r in roles)
    conn.execute(delete(memberships).where(memberships.c.service_id == service_id,
                                           memberships.c.user_id == user_id))
    conn.execute(insert(memberships).values(
        service_id=service_id, user_id=user_id, roles=values, ends_at=ends_at,
        added_by=added_by, added_at=now))


def remove_membership(conn: Connection, service_id: int, user_id: int) -> None:
    conn.execute(delete(memberships).where(memberships.c.service_id == service_id,
                                           memberships.c.user_id == user_id))


# --- sessions and tokens --------------------------------------------------------------------

def insert_session(conn: Connection, id_hash: str, user_id: int, now: datetime,
                   expires_at: datetime) -> None:
    conn.execute(insert(sessions).values(id_hash=id_hash, user_id=user_id, created_at=now,
                                         expires_at=expires_at))


def delete_session(conn: Connection, id_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id_hash == id_hash))


def end_sessions_of(conn: Connection, user_id: int) -> None:
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id))


def insert_token(conn: Connection, *, user_id: int, name: str, scope: Scope, token_hash: str,
                 now: datetime, expires_at: datetime | None) -> int:
    result = conn.execute(insert(api_tokens).values(
        user_id=user_id, name=name, scope=scope.value, token_hash=token_hash, created_at=now,
        expires_at=expires_at))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def tokens_of(conn: Connection, user_id: int) -> list[TokenRow]:
    rows = conn.execute(select(api_tokens).where(api_tokens.c.user_id == user_id)
                        .order_by(api_tokens.c.id)).all()
    return [TokenRow(int(r.id), r.name, Scope(r.scope), r.created_at, r.expires_at,
                     r.revoked_at) for r in rows]


def revoke_token(conn: Connection, user_id: int, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's tokens; False when they have no such live token."""
    result = conn.execute(update(api_tokens).where(
        api_tokens.c.id == token_id, api_tokens.c.user_id == user_id,
        api_tokens.c.revoked_at.is_(None)).values(revoked_at=now))
    return bool(result.rowcount)


def revoke_tokens_of(conn: Connection, user_id: int, now: datetime) -> None:
    """Revoke every live token of the user."""
    conn.execute(update(api_tokens).where(api_tokens.c.user_id == user_id,
                                          api_tokens.c.revoked_at.is_(None))
                 .values(revoked_at=now))


# --- sign-in failures -----------------------------------------------------------------------

def failures_since(conn: Connection, keys: Sequence[str],
                   since: datetime) -> dict[str, list[datetime]]:
    """The failures recorded under each key since `since`, oldest first."""
    found: dict[str, list[datetime]] = {k: [] for k in keys}
    for key, at in conn.execute(
        select(login_failures.c.key, login_failures.c.at)
        .where(login_failures.c.key.in_(list(keys)), login_failures.c.at > since)
        .order_by(login_failures.c.at)
    ):
        found[str(key)].append(at)
    return found


def record_failure(conn: Connection, keys: Sequence[str], at: datetime,
                   forget_before: datetime) -> None:
    """Record a failure under each key, and forget these keys' failures older than the window."""
    conn.execute(delete(login_failures).where(login_failures.c.key.in_(list(keys)),
                                              login_failures.c.at <= forget_before))
    conn.execute(insert(login_failures), [{"key": k, "at": at} for k in keys])


def forget_failures(conn: Connection, key: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.key == key))
