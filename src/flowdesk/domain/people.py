"""Who is acting: users, their roles in each service, and the scope they act with.

An `Actor` is established by an edge (a session cookie, a bearer token, the local operator of
the CLI) together with the services they belong to. What the actor may do is decided in
`flowdesk.domain.policy`, from this data only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from flowdesk.domain.errors import InvalidInput


class Role(StrEnum):
    """The Kanban roles a membership in a service can carry (one or more)."""

    SERVICE_REQUEST_MANAGER = "service_request_manager"
    SERVICE_DELIVERY_MANAGER = "service_delivery_manager"
    FLOW_MANAGER = "flow_manager"
    TEAM_MEMBER = "team_member"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.SERVICE_REQUEST_MANAGER: "Service Request Manager",
    Role.SERVICE_DELIVERY_MANAGER: "Service Delivery Manager",
    Role.FLOW_MANAGER: "Flow Manager",
    Role.TEAM_MEMBER: "Team member",
    Role.VIEWER: "Viewer",
}
ROLE_ORDER = tuple(Role)


class Scope(StrEnum):
    """What an API token may do: read only, or read and write."""

    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Actor:
    """The person (or program) a request acts for.

    `memberships` maps a service id to the roles held there, as loaded with the actor: a role
    granted or taken away counts from the next request on. `operator` is the local operator of
    the command line, who holds the database itself and so may do anything.
    """

    username: str
    display_name: str = ""
    user_id: int | None = None
    is_admin: bool = False
    memberships: Mapping[int, frozenset[Role]] = field(default_factory=dict, compare=False,
                                                       hash=False)
    scope: Scope = Scope.WRITE
    operator: bool = False

    def roles_in(self, service_id: int) -> frozenset[Role]:
        """The roles held in the service (empty when not a member)."""
        return self.memberships.get(service_id, frozenset())

    def is_member(self, service_id: int) -> bool:
        return self.operator or bool(self.roles_in(service_id))

    @property
    def name(self) -> str:
        return self.display_name or self.username


LOCAL_USER = Actor("local", "Local user", operator=True)
"""The operator of the command line (and the author of history from before accounts)."""

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
PASSWORD_MIN = 10
PASSWORD_MAX = 1_000  # Argon2 takes any length; a bound keeps a huge body from costing time


def check_username(value: str, field: str = "username") -> str:
    """A username: 1-40 lowercase letters, digits, dots, dashes or underscores."""
    name = value.strip().lower()
    if not USERNAME.match(name):
        raise InvalidInput(
            "a username is 1 to 40 lowercase letters, digits, '.', '-' or '_', starting with "
            "a letter or digit", field)
    return name


def check_password(value: str, field: str = "password") -> str:
    """A new password: at least PASSWORD_MIN characters (any characters), at most PASSWORD_MAX."""
    if len(value) < PASSWORD_MIN:
        raise InvalidInput(f"a password needs at least {PASSWORD_MIN} characters", field)
    if len(value) > PASSWORD_MAX:
        raise InvalidInput(f"a password has at most {PASSWORD_MAX} characters", field)
    if "\x00" in value:
        raise InvalidInput("a password cannot contain a NUL character", field)
    return value


def parse_roles(values: list[str] | tuple[str, ...], field: str = "roles") -> frozenset[Role]:
    """Roles from their names; at least one, each known."""
    if not values:
        raise InvalidInput("give at least one role", field)
    roles = set()
    for value in values:
        try:
            roles.add(Role(value.strip().lower()))
        except ValueError:
            allowed = ", ".join(r.value for r in Role)
            raise InvalidInput(f"'{value}' is not a role; roles are: {allowed}", field) from None
    return frozenset(roles)
