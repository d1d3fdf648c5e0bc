"""Request and response bodies for people: users, memberships, tokens, my work."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, StrictBool, StrictInt

from flowdesk.api.schemas import Strict
from flowdesk.domain.people import Actor, Role, Scope
from flowdesk.domain.workflow import Phase
from flowdesk.services.members import Members
from flowdesk.services.my_work import MyItem
from flowdesk.storage.accounts import MemberRow, TokenRow, UserRow


class UserIn(BaseModel):
    model_config = Strict
    username: str = Field(min_length=1, max_length=40)
    display_name: str = Field(default="", max_length=120)
    email: str = Field(default="", max_length=254)
    password: str | None = Field(default=None, min_length=1, max_length=1_000,
                                 description="none: the user cannot sign in until an admin "
                                             "sets one")
    is_admin: StrictBool = False
    wip_limit: StrictInt | None = Field(default=None, ge=1, le=1_000)


class UserPatch(BaseModel):
    model_config = Strict
    display_name: str | None = Field(default=None, min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    is_admin: StrictBool | None = None
    active: StrictBool | None = None
    wip_limit: StrictInt | None = Field(default=None, ge=1, le=1_000)


class PasswordIn(BaseModel):
    model_config = Strict
    password: str = Field(min_length=1, max_length=1_000)


class UserOut(BaseModel):
    username: str
    display_name: str
    email: str
    is_admin: bool
    active: bool
    wip_limit: int | None
    can_sign_in: bool

    @classmethod
    def of(cls, user: UserRow) -> UserOut:
        return cls(username=user.username, display_name=user.display_name, email=user.email,
                   is_admin=user.is_admin, active=user.active, wip_limit=user.wip_limit,
                   can_sign_in=user.active and user.has_password)


class MemberIn(BaseModel):
    model_config = Strict
    roles: list[Role] = Field(min_length=1, max_length=5)
    ends_at: datetime | None = Field(default=None, description="a temporary membership ends "
                                                               "by itself then")


class MemberOut(BaseModel):
    username: str
    display_name: str
    roles: list[Role]
    ends_at: datetime | None
    added_by: str
    added_at: datetime

    @classmethod
    def of(cls, member: MemberRow) -> MemberOut:
        return cls(username=member.user.username, display_name=member.user.display_name,
                   roles=sorted(member.roles), ends_at=member.ends_at,
                   added_by=member.added_by, added_at=member.added_at)


class MembersOut(BaseModel):
    service: str
    members: list[MemberOut]

    @classmethod
    def of(cls, found: Members) -> MembersOut:
        return cls(service=found.service.key, members=[MemberOut.of(m) for m in found.members])


class MeOut(BaseModel):
    username: str
    display_name: str
    is_admin: bool
    scope: Scope
    services: dict[str, list[Role]] = Field(description="service key -> your roles there")


class TokenIn(BaseModel):
    model_config = Strict
    name: str = Field(default="", max_length=80)
    scope: Scope = Scope.READ
    expires_days: StrictInt | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: int
    name: str
    scope: Scope
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: TokenRow) -> TokenOut:
        return cls(id=row.id, name=row.name, scope=row.scope, created_at=row.created_at,
                   expires_at=row.expires_at, revoked_at=row.revoked_at)


class NewTokenOut(TokenOut):
    token: str = Field(description="shown this once; only its hash is kept")


class CategoriesIn(BaseModel):
    model_config = Strict
    categories: list[str] = Field(min_length=1, max_length=50)


class MyItemOut(BaseModel):
    key: str
    title: str
    service: str
    stage: str
    phase: Phase
    blocked: bool
    due_date: date | None
    committed_at: datetime | None
    age_days: float | None

    @classmethod
    def of(cls, mine: MyItem, now: datetime) -> MyItemOut:
        item = mine.item
        age = item.age_days(now)
        return cls(key=item.key, title=item.title, service=mine.service.key,
                   stage=mine.stage.name, phase=mine.stage.phase, blocked=item.is_blocked,
                   due_date=item.due_date, committed_at=item.committed_at,
                   age_days=None if age is None else round(age, 2))


def me_of(actor: Actor, keys: dict[int, str]) -> MeOut:
    return MeOut(username=actor.username, display_name=actor.name, is_admin=actor.is_admin,
                 scope=actor.scope,
                 services={keys[sid]: sorted(roles) for sid, roles in actor.memberships.items()
                           if sid in keys})
