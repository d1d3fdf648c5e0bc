"""People: users (admins), memberships of a service, and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from flowdesk.api.people_schemas import (
    CategoriesIn,
    MemberIn,
    MembersOut,
    MeOut,
    MyItemOut,
    NewTokenOut,
    PasswordIn,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
    me_of,
)
from flowdesk.api.schemas import ServiceOut
from flowdesk.http.deps import ActorDep, ClockDep, UowDep
from flowdesk.services import accounts, admin, members, queries
from flowdesk.services.accounts import NewUser
from flowdesk.services.my_work import my_work

router = APIRouter(tags=["people"])


@router.get("/users", response_model=list[UserOut])
def list_users(uow: UowDep, actor: ActorDep) -> list[UserOut]:
    """Every account (organisation admins only)."""
    return [UserOut.of(u) for u in accounts.list_users(uow, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, uow: UowDep, clock: ClockDep, actor: ActorDep) -> UserOut:
    return UserOut.of(accounts.create_user(uow, clock, actor, NewUser(
        username=body.username, display_name=body.display_name, email=body.email,
        password=body.password, is_admin=body.is_admin, wip_limit=body.wip_limit)))


@router.get("/users/{username}", response_model=UserOut)
def get_user(username: str, uow: UowDep, actor: ActorDep) -> UserOut:
    return UserOut.of(accounts.get_user(uow, actor, username))


@router.patch("/users/{username}", response_model=UserOut)
def update_user(username: str, body: UserPatch, uow: UowDep, clock: ClockDep,
                actor: ActorDep) -> UserOut:
    """Change an account; `active: false` ends its sessions at once and its tokens stop."""
    sent = body.model_dump(exclude_unset=True)
    extra = {"wip_limit": sent["wip_limit"]} if "wip_limit" in sent else {}
    return UserOut.of(accounts.update_user(
        uow, clock, actor, username, display_name=body.display_name, email=body.email,
        is_admin=body.is_admin, active=body.active, **extra))


@router.put("/users/{username}/password", status_code=204)
def reset_password(username: str, body: PasswordIn, uow: UowDep, clock: ClockDep,
                   actor: ActorDep) -> Response:
    """Set someone's password (admins): their sessions end."""
    accounts.reset_password(uow, clock, actor, username, body.password)
    return Response(status_code=204)


@router.get("/services/{key}/members", response_model=MembersOut)
def list_members(key: str, uow: UowDep, clock: ClockDep, actor: ActorDep) -> MembersOut:
    return MembersOut.of(members.list_members(uow, clock, actor, key))


@router.put("/services/{key}/members/{username}", response_model=MembersOut)
def put_member(key: str, username: str, body: MemberIn, uow: UowDep, clock: ClockDep,
               actor: ActorDep) -> MembersOut:
    """Give a user these roles in the service (replacing any they held)."""
    return MembersOut.of(members.put_member(uow, clock, actor, key, username,
                                            [r.value for r in body.roles], body.ends_at))


@router.delete("/services/{key}/members/{username}", response_model=MembersOut)
def remove_member(key: str, username: str, uow: UowDep, clock: ClockDep,
                  actor: ActorDep) -> MembersOut:
    return MembersOut.of(members.remove_member(uow, clock, actor, key, username))


@router.put("/services/{key}/blocker-categories", response_model=ServiceOut)
def set_blocker_categories(key: str, body: CategoriesIn, uow: UowDep, clock: ClockDep,
                           actor: ActorDep) -> ServiceOut:
    return ServiceOut.of(admin.set_blocker_categories(uow, clock, actor, key, body.categories))


@router.get("/me", response_model=MeOut)
def me(uow: UowDep, actor: ActorDep) -> MeOut:
    """Who you are signed in as, and your roles in each service."""
    return me_of(actor, queries.service_keys(uow, list(actor.memberships)))


@router.get("/me/work", response_model=list[MyItemOut])
def my_items(uow: UowDep, clock: ClockDep, actor: ActorDep) -> list[MyItemOut]:
    """Everything assigned to you, across services: committed work first, oldest first."""
    now = clock.now()
    return [MyItemOut.of(m, now) for m in my_work(uow, actor)]


@router.get("/me/tokens", response_model=list[TokenOut])
def list_tokens(uow: UowDep, actor: ActorDep) -> list[TokenOut]:
    return [TokenOut.of(t) for t in accounts.list_tokens(uow, actor)]


@router.post("/me/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, uow: UowDep, clock: ClockDep, actor: ActorDep) -> NewTokenOut:
    """A personal token: the answer shows it once; only its hash is kept."""
    made = accounts.create_token(uow, clock, actor, name=body.name, scope=body.scope,
                                 expires_days=body.expires_days)
    return NewTokenOut(token=made.token, **TokenOut.of(made.row).model_dump())


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_token(token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], uow: UowDep,
                 clock: ClockDep, actor: ActorDep) -> Response:
    accounts.revoke_token(uow, clock, actor, token_id)
    return Response(status_code=204)
