"""A benchmark client signs in like a real one: an account, a membership in the bench service,
and a personal API token sent as `Authorization: Bearer` on every request.

Made through the use cases (`flowdesk.services.accounts`, `flowdesk.services.members`), as the
local operator does from the command line (`flowdesk user create`, `member add`, `token create`).
"""

from __future__ import annotations

from flowdesk.domain.clock import Clock
from flowdesk.domain.people import LOCAL_USER, Role, Scope
from flowdesk.services import accounts, members
from flowdesk.services.accounts import NewUser
from flowdesk.storage.unit_of_work import UnitOfWork

BENCH_USER = "bench-client"


def member_token(uow: UnitOfWork, clock: Clock, service_key: str,
                 roles: tuple[Role, ...] = (Role.TEAM_MEMBER,),
                 username: str = BENCH_USER) -> str:
    """A write token for `username`, a member of the service in `roles` (made if missing)."""
    if username not in {u.username for u in accounts.list_users(uow, LOCAL_USER)}:
        accounts.create_user(uow, clock, LOCAL_USER, NewUser(username, "Benchmark client"))
    members.put_member(uow, clock, LOCAL_USER, service_key, username, [r.value for r in roles])
    return accounts.create_token(uow, clock, LOCAL_USER, username=username, name="benchmark",
                                 scope=Scope.WRITE).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
