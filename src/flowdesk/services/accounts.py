"""Use cases on people: users, passwords, signing in and out, API tokens.

Memberships (who holds which role in a service) are in `flowdesk.services.members`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
)
from flowdesk.domain.items import check_text
from flowdesk.domain.people import Actor, Scope, check_password, check_username
from flowdesk.domain.policy import READ_ONLY, Action, authorize
from flowdesk.services import passwords
from flowdesk.storage import accounts as store
from flowdesk.storage.unit_of_work import UnitOfWork

SESSION_LIFETIME = timedelta(days=14)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 5  # failed sign-ins per username, and per client address, in the window
TOKEN_MAX_DAYS = 3650
BAD_CREDENTIALS = "wrong username or password"


@dataclass(frozen=True)
class NewUser:
    username: str
    display_name: str = ""
    email: str = ""
    password: str | None = None  # None: cannot sign in until a password is set
    is_admin: bool = False
    wip_limit: int | None = None


def _check_limit(limit: int | None, field: str = "wip_limit") -> int | None:
    if limit is not None and (isinstance(limit, bool) or limit < 1):
        raise InvalidInput(f"{field} must be at least 1, or empty for no limit", field)
    return limit


def _check_email(value: str) -> str:
    email = check_text(value, "email", 254).strip()
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise InvalidInput("email must look like name@example.org", "email")
    return email


def create_user(uow: UnitOfWork, clock: Clock, actor: Actor, cmd: NewUser) -> store.UserRow:
    """An organisation admin (or the local operator) creates an account."""
    authorize(actor, Action.MANAGE_USERS)
    username = check_username(cmd.username)
    display_name = check_text(cmd.display_name, "display_name", 120).strip() or username
    email = _check_email(cmd.email)
    hashed = (passwords.hash_password(check_password(cmd.password))
              if cmd.password is not None else None)
    wip_limit = _check_limit(cmd.wip_limit)
    taken = Conflict(f"the username {username} is taken", "username")
    try:
        with uow.write() as conn:
            if store.find_user(conn, username) is not None:
                raise taken
            store.insert_user(conn, username=username, display_name=display_name, email=email,
                              password_hash=hashed, is_admin=cmd.is_admin, wip_limit=wip_limit,
                              now=clock.now())
            user = store.find_user(conn, username)
    except IntegrityError:  # two creations of one name at once (PostgreSQL)
        raise taken from None
    assert user is not None
    return user


def list_users(uow: UnitOfWork, actor: Actor) -> list[store.UserRow]:
    authorize(actor, Action.READ_USERS)
    with uow.read() as conn:
        return store.list_users(conn)


def get_user(uow: UnitOfWork, actor: Actor, username: str) -> store.UserRow:
    authorize(actor, Action.READ_USERS)
    with uow.read() as conn:
        return _user(conn, username)


def _user(conn: object, username: str) -> store.UserRow:
    user = store.find_user(conn, username.strip().lower())  # type: ignore[arg-type]
    if user is None:
        raise NotFound(f"no user named '{username}'", "username")
    return user


def update_user(uow: UnitOfWork, clock: Clock, actor: Actor, username: str, *,
                display_name: str | None = None, email: str | None = None,
                is_admin: bool | None = None, active: bool | None = None,
                wip_limit: int | object | None = ...) -> store.UserRow:
    """An admin changes an account. Deactivating it ends its sessions and revokes its tokens
    at once, so reactivating it later does not bring old credentials back."""
    authorize(actor, Action.MANAGE_USERS)
    values: dict[str, object] = {}
    if display_name is not None:
        values["display_name"] = check_text(display_name, "display_name", 120,
                                            required=True).strip()
    if email is not None:
        values["email"] = _check_email(email)
    if is_admin is not None:
        values["is_admin"] = is_admin
    if active is not None:
        values["active"] = active
    if wip_limit is not ...:
        values["wip_limit"] = _check_limit(wip_limit)  # type: ignore[arg-type]
    with uow.write() as conn:
        user = _user(conn, username)
        if user.username == actor.username and (active is False or is_admin is False):
            raise InvalidInput("you cannot deactivate yourself or give up your own admin "
                               "rights; ask another admin", "active" if active is False
                               else "is_admin")
        if values:
            store.update_user(conn, user.id, **values)
        if active is False:
            store.end_sessions_of(conn, user.id)
            store.revoke_tokens_of(conn, user.id, clock.now())
        return _user(conn, user.username)


def reset_password(uow: UnitOfWork, clock: Clock, actor: Actor, username: str,
                   new_password: str) -> None:
    """An admin (or the operator) sets someone's password; their sessions end."""
    authorize(actor, Action.MANAGE_USERS)
    hashed = passwords.hash_password(check_password(new_password))
    with uow.write() as conn:
        user = _user(conn, username)
        store.update_user(conn, user.id, password_hash=hashed)
        store.end_sessions_of(conn, user.id)


def change_own_password(uow: UnitOfWork, clock: Clock, actor: Actor, current: str,
                        new_password: str) -> str:
    """A signed-in user changes their password, giving the current one. Every session of
    theirs ends; the new session id returned keeps this browser signed in."""
    if actor.user_id is None:
        raise InvalidInput("only a signed-in user has a password to change", "password")
    _may_write(actor)
    check_password(new_password, "new_password")
    with uow.read() as conn:
        found = store.password_hash(conn, actor.username)
    if found is None or not passwords.verify_password(found[1], current):
        raise InvalidInput("the current password is wrong", "current_password")
    hashed = passwords.hash_password(new_password)
    session_id = passwords.new_session_id()
    now = clock.now()
    with uow.write() as conn:
        store.update_user(conn, actor.user_id, password_hash=hashed)
        store.end_sessions_of(conn, actor.user_id)
        store.insert_session(conn, passwords.digest(session_id), actor.user_id, now,
                             now + SESSION_LIFETIME)
    return session_id


# --- signing in -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SignedIn:
    session_id: str  # for the cookie; only its hash is stored
    username: str


def sign_in(uow: UnitOfWork, clock: Clock, username: str, password: str, *, address: str,
            salt: str) -> SignedIn:
    """Check a username and password and open a session.

    After THROTTLE_LIMIT failures for the username or for the client address within
    THROTTLE_WINDOW, refuses with TooManyAttempts (and checks nothing). A wrong password and an
    unknown username get the same answer, after the same work.

    The count is read before the password is checked and the failure written after, outside
    one transaction: the slow hash must not hold SQLite's write lock. So a burst of parallel
    attempts can pass the limit by the few that were in flight together, and no more.
    """
    name = username.strip().lower()[:200]
    now = clock.now()
    user_key = passwords.salted_key(salt, "user", name)
    keys = [user_key, passwords.salted_key(salt, "address", address)]
    with uow.read() as conn:
        failures = store.failures_since(conn, keys, now - THROTTLE_WINDOW)
        found = store.password_hash(conn, name)
    _throttle(failures, now)
    if found is None or not passwords.verify_password(found[1], password[:1_000]):
        with uow.write() as conn:
            store.record_failure(conn, keys, now, now - THROTTLE_WINDOW)
        raise Unauthenticated(BAD_CREDENTIALS, "password")
    session_id = passwords.new_session_id()
    with uow.write() as conn:
        store.insert_session(conn, passwords.digest(session_id), found[0], now,
                             now + SESSION_LIFETIME)
        store.forget_failures(conn, user_key)
    return SignedIn(session_id, name)


def _throttle(failures: dict[str, list[datetime]], now: datetime) -> None:
    waits = []
    for times in failures.values():
        if len(times) >= THROTTLE_LIMIT:
            # Below the limit again once the oldest failures that put it over have aged out.
            freed = times[len(times) - THROTTLE_LIMIT] + THROTTLE_WINDOW
            waits.append(max(1, math.ceil((freed - now).total_seconds())))
    if waits:
        raise TooManyAttempts(max(waits))


def sign_out(uow: UnitOfWork, session_id: str) -> None:
    with uow.write() as conn:
        store.delete_session(conn, passwords.digest(session_id))


def session_actor(uow: UnitOfWork, clock: Clock, session_id: str) -> Actor | None:
    """Who a session cookie signs in: None when it is unknown, expired or ended, or the
    user is no longer active."""
    with uow.lookup() as conn:
        return store.actor_for_session(conn, passwords.digest(session_id), clock.now())


def token_actor(uow: UnitOfWork, clock: Clock, token: str) -> Actor | None:
    """Who a bearer token acts for, in its scope: None when it is unknown, expired or revoked,
    or its user is no longer active."""
    with uow.lookup() as conn:
        return store.actor_for_token(conn, passwords.digest(token), clock.now())


def actor_named(uow: UnitOfWork, clock: Clock, username: str) -> Actor:
    """The active user with this name, with their memberships, as the local operator acts for
    them (the demo simulation, tests, benchmarks)."""
    with uow.read() as conn:
        actor = store.actor_for_username(conn, username, clock.now())
    if actor is None:
        raise NotFound(f"no active user named '{username}'", "username")
    return actor


# --- API tokens -----------------------------------------------------------------------------

@dataclass(frozen=True)
class NewToken:
    token: str  # shown once; only its hash is kept
    row: store.TokenRow


def create_token(uow: UnitOfWork, clock: Clock, actor: Actor, *, username: str | None = None,
                 name: str = "", scope: Scope = Scope.READ,
                 expires_days: int | None = None) -> NewToken:
    """A personal token for yourself (or, for the local operator, for anyone)."""
    if expires_days is not None and not 1 <= expires_days <= TOKEN_MAX_DAYS:
        raise InvalidInput(f"expires_days must be between 1 and {TOKEN_MAX_DAYS}",
                           "expires_days")
    _may_write(actor)  # a read-only token must not mint itself a successor
    label = check_text(name, "name", 80).strip() or "API token"
    target = username or actor.username
    if target != actor.username and not actor.operator:
        raise InvalidInput("you can only make tokens for yourself", "username")
    token = passwords.new_token()
    now = clock.now()
    expires = now + timedelta(days=expires_days) if expires_days else None
    with uow.write() as conn:
        user = store.find_user(conn, check_username(target))
        if user is None or not user.active:
            raise NotFound(f"no active user named '{target}'", "username")
        token_id = store.insert_token(conn, user_id=user.id, name=label, scope=scope,
                                      token_hash=passwords.digest(token), now=now,
                                      expires_at=expires)
    return NewToken(token, store.TokenRow(token_id, label, scope, now, expires, None))


def _may_write(actor: Actor) -> None:
    """Making or revoking a token, or changing a password, writes: not with a read-only
    token."""
    if actor.scope is Scope.READ and not actor.operator:
        raise Forbidden(READ_ONLY, field="Authorization")


def list_tokens(uow: UnitOfWork, actor: Actor) -> list[store.TokenRow]:
    if actor.user_id is None:
        return []
    with uow.read() as conn:
        return store.tokens_of(conn, actor.user_id)


def revoke_token(uow: UnitOfWork, clock: Clock, actor: Actor, token_id: int) -> None:
    """Revoke one of your own tokens: it fails from the next request on."""
    _may_write(actor)
    with uow.write() as conn:
        if actor.user_id is None or not store.revoke_token(conn, actor.user_id, token_id,
                                                           clock.now()):
            raise NotFound(f"you have no live token {token_id}", "token_id")
