"""The demo's people as accounts: the simulated team, and one account per role to sign in with.

The simulated team members have accounts without passwords (nobody signs in as them); they are
members of their service in the Kanban roles their work needs, and the simulation acts as them
through the same authorisation every request meets. The sign-in accounts, one per role on each
demo service and one organisation admin, share one random password that the command line shows
once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdesk.demo.scenario import Member, ServicePlan
from flowdesk.domain.clock import Clock
from flowdesk.domain.people import LOCAL_USER, Actor, Role
from flowdesk.services import accounts, members
from flowdesk.services.accounts import NewUser
from flowdesk.storage.unit_of_work import UnitOfWork

PORTAL = "agency-portal"  # the agencies' intake portal, which files the requests
DEMO_ADMIN = "admin"

# The simulation's job titles, as Kanban roles. Handlers and analysts share the Service Request
# Manager's role: they triage what arrives and discard duplicates.
KANBAN_ROLES: dict[str, tuple[Role, ...]] = {
    "manager": (Role.SERVICE_DELIVERY_MANAGER, Role.SERVICE_REQUEST_MANAGER,
                Role.FLOW_MANAGER, Role.TEAM_MEMBER),
    "handler": (Role.TEAM_MEMBER, Role.SERVICE_REQUEST_MANAGER),
    "analyst": (Role.TEAM_MEMBER, Role.SERVICE_REQUEST_MANAGER),
    "approver": (Role.TEAM_MEMBER,),
    "controller": (Role.TEAM_MEMBER,),
}
# Sign-in accounts: `<service key>-<suffix>`, one for each role.
ROLE_ACCOUNTS: dict[Role, str] = {
    Role.SERVICE_REQUEST_MANAGER: "srm",
    Role.SERVICE_DELIVERY_MANAGER: "sdm",
    Role.FLOW_MANAGER: "flow",
    Role.TEAM_MEMBER: "member",
    Role.VIEWER: "viewer",
}


def roles_of(member: Member) -> tuple[Role, ...]:
    return tuple(dict.fromkeys(r for title in member.roles for r in KANBAN_ROLES[title]))


def enrol_team(uow: UnitOfWork, clock: Clock, plan: ServicePlan) -> None:
    """Accounts (no password) for the plan's people and the intake portal, as members."""
    people = [*plan.team, plan.manager]
    _create(uow, clock, [(m.username, m.name) for m in people] + [(PORTAL, "Agency portal")])
    for member in people:
        members.put_member(uow, clock, LOCAL_USER, plan.key, member.username,
                           [r.value for r in roles_of(member)])
    members.put_member(uow, clock, LOCAL_USER, plan.key, PORTAL,
                       [Role.SERVICE_REQUEST_MANAGER.value])


def _create(uow: UnitOfWork, clock: Clock, people: list[tuple[str, str]],
            password: str | None = None, admin: str | None = None) -> None:
    existing = {u.username for u in accounts.list_users(uow, LOCAL_USER)}
    for username, name in people:
        if username not in existing:
            accounts.create_user(uow, clock, LOCAL_USER, NewUser(
                username, name, password=password, is_admin=username == admin))


def acting(uow: UnitOfWork, clock: Clock, plans: tuple[ServicePlan, ...]) -> dict[str, Actor]:
    """Each simulated person (and the portal) as the use cases will see them."""
    names = {m.username for p in plans for m in (*p.team, p.manager)} | {PORTAL}
    return {name: accounts.actor_named(uow, clock, name) for name in names}


@dataclass(frozen=True)
class SignInAccount:
    username: str
    service: str | None  # None: the organisation admin
    role: Role | None


def sign_in_accounts(plans: tuple[ServicePlan, ...]) -> list[SignInAccount]:
    found = [SignInAccount(DEMO_ADMIN, None, None)]
    for plan in plans:
        found += [SignInAccount(f"{plan.key.lower()}-{suffix}", plan.key, role)
                  for role, suffix in ROLE_ACCOUNTS.items()]
    return found


def create_sign_in_accounts(uow: UnitOfWork, clock: Clock, plans: tuple[ServicePlan, ...],
                            password: str) -> list[SignInAccount]:
    """One account per role on each demo service, and an admin, all with `password`."""
    made = sign_in_accounts(plans)
    for account in made:
        name = ("Demo admin" if account.role is None
                else f"Demo {account.role.label} ({account.service})")
        _create(uow, clock, [(account.username, name)], password=password, admin=DEMO_ADMIN)
        if account.service is not None and account.role is not None:
            members.put_member(uow, clock, LOCAL_USER, account.service, account.username,
                               [account.role.value])
    return made
