"""Who may do what: one table, from action to the roles that may take it.

Every use case asks `authorize` before it changes or shows anything. The edges only say who the
actor is. `docs/roles.md` is rendered from this table (`roles_markdown`), and the
authorisation test derives every expected answer from it.

Answers, in order:
- the local operator (the command line) may do anything;
- an organisation action needs an organisation admin (403 otherwise);
- a service action needs a membership in the service: anyone else is told the service or item
  does not exist (404), so that its existence does not leak. Admins manage services, but being
  an admin puts nobody on a board: `ADMIN_SERVICE_ACTIONS` are the exceptions;
- a member without a role that may take the action is refused, naming the roles that may (403);
- a read-only token may only read (403).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from flowdesk.domain.errors import Forbidden, NotFound
from flowdesk.domain.items import Transition
from flowdesk.domain.people import ROLE_ORDER, Actor, Role, Scope
from flowdesk.domain.workflow import Phase, Stage

SRM = Role.SERVICE_REQUEST_MANAGER
SDM = Role.SERVICE_DELIVERY_MANAGER
FM = Role.FLOW_MANAGER
TM = Role.TEAM_MEMBER
VIEWER = Role.VIEWER
EVERY_ROLE = frozenset(Role)


class Action(StrEnum):
    # Reading: the board, items, history, the event feed, metrics, forecasts, reports, exports.
    READ = "service.read"
    # The team's work.
    CREATE_ITEM = "item.create"
    EDIT_ITEM = "item.edit"
    MOVE_ITEM = "item.move"
    BLOCK_ITEM = "item.block"
    UNBLOCK_OWN = "item.unblock_own"
    ASSIGN_ITEM = "item.assign"
    # Upstream: the Service Request Manager's.
    ORDER_UPSTREAM = "upstream.order"
    DISCARD_UPSTREAM = "upstream.discard"
    UPSTREAM_POLICY = "upstream.policy"
    CLASS_POLICY = "class.policy"
    REPLENISH = "replenishment.hold"
    # Service design: the Service Request and Service Delivery Managers'.
    DESIGN_WORKFLOW = "workflow.design"
    # Downstream: the Service Delivery Manager's.
    WIP_LIMITS = "limits.set"
    DOWNSTREAM_POLICY = "downstream.policy"
    STAGE_GROUPS = "stage_groups.manage"
    SERVICE_LEVELS = "service_levels.manage"
    REOPEN = "item.reopen"
    DISCARD_COMMITTED = "committed.discard"
    MANAGE_MEMBERS = "members.manage"
    IMPORT_HISTORY = "history.import"
    ARCHIVE_SERVICE = "service.archive"
    ACKNOWLEDGE_ALERT = "alert.acknowledge"
    # Flow: the Flow Manager's.
    BLOCKER_CATEGORIES = "blocker_categories.manage"
    UNBLOCK_ANY = "item.unblock_any"
    ESCALATE = "item.escalate"
    # Demand and capacity: skills, availability, lending people between services.
    SEE_CAPACITY = "capacity.read"
    DEFINE_SKILLS = "skills.define"
    PROPOSE_SKILL = "skills.propose"
    CONFIRM_SKILLS = "skills.confirm"
    MANAGE_AVAILABILITY = "availability.manage"
    LEND_PEOPLE = "people.lend"
    # Shared by every service: the customer registry and the business calendars.
    MANAGE_REGISTRY = "registry.manage"
    # The organisation: admins only.
    CREATE_SERVICE = "service.create"
    DELETE_SERVICE = "service.delete"
    MANAGE_USERS = "users.manage"
    READ_USERS = "users.read"


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    what: str  # for people: what the action covers
    writes: bool = True


def _rule(what: str, *roles: Role, writes: bool = True) -> Rule:
    return Rule(frozenset(roles), what, writes)


POLICY: dict[Action, Rule] = {
    Action.READ: _rule("read the board, items, history, events, metrics, forecasts, reports "
                       "and exports; follow the live board", *EVERY_ROLE, writes=False),
    Action.CREATE_ITEM: _rule("create work items", TM, SRM),
    Action.EDIT_ITEM: _rule("edit an item's fields", TM, SRM),
    Action.MOVE_ITEM: _rule("move and pull work from the commitment point on, and deliver it "
                            "(exceeding a WIP limit needs a reason)", TM),
    Action.BLOCK_ITEM: _rule("block an item, with a reason and a category", TM, FM),
    Action.UNBLOCK_OWN: _rule("end a blocker one raised oneself", TM, FM),
    Action.ASSIGN_ITEM: _rule("assign and unassign members", TM),
    Action.ORDER_UPSTREAM: _rule("order and move options upstream, before the commitment "
                                 "point", SRM),
    Action.DISCARD_UPSTREAM: _rule("discard upstream options", SRM),
    Action.UPSTREAM_POLICY: _rule("edit the policies of upstream stages", SRM),
    Action.CLASS_POLICY: _rule("edit class-of-service policies (not their WIP limits)", SRM),
    Action.REPLENISH: _rule("hold the Replenishment meeting and record its decisions", SRM),
    Action.DESIGN_WORKFLOW: _rule("design the workflow: add, rename, reorder and retire stages, "
                                  "set their phase and kind, and say whether work may be "
                                  "delivered from any stage (changing a limit or a policy "
                                  "there needs that right too)", SRM, SDM),
    Action.WIP_LIMITS: _rule("set WIP limits: stage, class of service and person", SDM),
    Action.DOWNSTREAM_POLICY: _rule("edit the policies of committed, done and discarded "
                                    "stages", SDM),
    Action.STAGE_GROUPS: _rule("create stage groups (CONWIP limits)", SDM),
    Action.SERVICE_LEVELS: _rule("set service levels, customer agreements and demand alert "
                                 "thresholds", SDM),
    Action.REOPEN: _rule("reopen delivered or discarded work", SDM),
    Action.DISCARD_COMMITTED: _rule("discard work after the commitment point", SDM),
    Action.ACKNOWLEDGE_ALERT: _rule("acknowledge a demand alert, with a note", SRM, SDM, FM, TM),
    Action.IMPORT_HISTORY: _rule("import another tool's history into the service", SDM),
    Action.ARCHIVE_SERVICE: _rule("archive the service (read-only, out of the services list, "
                                  "its history kept) and restore it (admins too)", SDM),
    Action.MANAGE_MEMBERS: _rule("add and remove members and change their roles (admins "
                                 "too)", SDM),
    Action.BLOCKER_CATEGORIES: _rule("edit the blocker categories", FM),
    Action.UNBLOCK_ANY: _rule("end anyone's blocker", FM),
    Action.ESCALATE: _rule("escalate a blocked item", FM),
    Action.SEE_CAPACITY: _rule("see the skills matrix, people's working hours and absences, "
                               "the load and capacity, and staffing suggestions (admins too; "
                               "each person their own availability)", *EVERY_ROLE,
                               writes=False),
    Action.DEFINE_SKILLS: _rule("define the skills the service's work needs and the item "
                                "types that need each", SDM, FM),
    Action.PROPOSE_SKILL: _rule("propose one's own skill levels, for a Flow Manager or "
                                "Service Delivery Manager to confirm", TM),
    Action.CONFIRM_SKILLS: _rule("set anyone's skill levels and confirm proposed ones", SDM, FM),
    Action.MANAGE_AVAILABILITY: _rule("set a member's working hours and absences (each person "
                                      "their own; admins anyone's)", SDM),
    Action.LEND_PEOPLE: _rule("lend a team member to another service one belongs to, until a "
                              "date: a temporary membership that ends by itself (admins too)",
                              SDM),
    Action.MANAGE_REGISTRY: _rule("keep the customer registry and the business calendars "
                                  "every service shares (a Service Delivery Manager of any "
                                  "service; admins too)", SDM),
    Action.CREATE_SERVICE: _rule("create services", ),
    Action.DELETE_SERVICE: _rule("delete a service and its whole history, after typing its "
                                 "key", ),
    Action.MANAGE_USERS: _rule("create, deactivate and reset users", ),
    Action.READ_USERS: _rule("see the accounts", writes=False),
}

ORGANISATION_ACTIONS = frozenset({Action.CREATE_SERVICE, Action.DELETE_SERVICE,
                                  Action.MANAGE_USERS, Action.READ_USERS})
"""Actions on the organisation, not on one service: admins only."""

ADMIN_SERVICE_ACTIONS = frozenset({Action.MANAGE_MEMBERS, Action.SEE_CAPACITY,
                                   Action.MANAGE_AVAILABILITY, Action.LEND_PEOPLE,
                                   Action.ARCHIVE_SERVICE})
"""Service actions an admin may take without being a member: give a new service people, see
every service's capacity, set anyone's availability, lend people between services, archive
and restore a service."""

SHARED_ACTIONS = frozenset({Action.MANAGE_REGISTRY})
"""Actions on what every service shares, not on one service: an admin may, and so may a
member holding a role that may take the action in any service."""

SELF_ACTIONS = frozenset({Action.SEE_CAPACITY, Action.MANAGE_AVAILABILITY})
"""Actions on a person that the person may always take on themself (`authorize_on_person`)."""


READ_ONLY = "this token may only read; use a token with the write scope"


def move_action(from_stage: Stage, to_stage: Stage, transition: Transition) -> Action:
    """The action a move is: reopening, discarding (upstream or committed work), ordering
    upstream options, or the team's moving and pulling of work."""
    if transition is Transition.REOPEN:
        return Action.REOPEN
    if transition is Transition.DISCARD:
        return (Action.DISCARD_UPSTREAM if from_stage.phase is Phase.UPSTREAM
                else Action.DISCARD_COMMITTED)
    if from_stage.phase is Phase.UPSTREAM and to_stage.phase is Phase.UPSTREAM:
        return Action.ORDER_UPSTREAM
    return Action.MOVE_ITEM


def may(actor: Actor, action: Action, service_id: int | None = None) -> bool:
    """True when `authorize` would let the actor take the action."""
    try:
        authorize(actor, action, service_id)
    except (Forbidden, NotFound):
        return False
    return True


def authorize(actor: Actor, action: Action, service_id: int | None = None, *,
              hidden: NotFound | None = None) -> None:
    """Let the action pass, or raise.

    `hidden` is what a non-member is told: the same NotFound a missing service or item gives
    (default: a missing service). Raises Forbidden for a member without a role that may act,
    for a read-only token that tries to write, and for a non-admin's organisation action.
    """
    rule = POLICY[action]
    if actor.operator:
        return
    if rule.writes and actor.scope is Scope.READ:
        raise Forbidden(READ_ONLY, field="Authorization")
    if action in ORGANISATION_ACTIONS:
        if not actor.is_admin:
            raise Forbidden(f"only an organisation admin may {rule.what}")
        return
    if action in SHARED_ACTIONS:
        if actor.is_admin or any(roles & rule.roles for roles in actor.memberships.values()):
            return
        needed = " or ".join(r.label for r in ROLE_ORDER if r in rule.roles)
        raise Forbidden(f"to {rule.what} you need to be an admin, or the {needed} of a "
                        "service")
    assert service_id is not None, "a service action needs its service"
    roles = actor.roles_in(service_id)
    if not roles:
        if actor.is_admin and action in ADMIN_SERVICE_ACTIONS:
            return
        raise hidden or NotFound("no such service", field="key")
    if roles & rule.roles:
        return
    needed = " or ".join(r.label for r in ROLE_ORDER if r in rule.roles)
    raise Forbidden(f"to {rule.what} you need the {needed} role in this service")


def authorize_on_person(actor: Actor, action: Action, username: str,
                        their_services: Iterable[int], *, hidden: NotFound) -> None:
    """Let an action on a person (their working hours, their absences) pass, or raise.

    It passes for the local operator, for the person themself (`SELF_ACTIONS`), for an admin
    (`ADMIN_SERVICE_ACTIONS`), and for a member holding a role that may take the action in
    one of `their_services` (the services the person is a member of). Someone who shares no
    service with the person is told `hidden`, as for a user who does not exist; one who shares
    a service but lacks the role is refused (403), naming the roles that may.
    """
    rule = POLICY[action]
    if actor.operator:
        return
    if rule.writes and actor.scope is Scope.READ:
        raise Forbidden("this token may only read; use a token with the write scope",
                        field="Authorization")
    if action in SELF_ACTIONS and actor.username == username:
        return
    if actor.is_admin and action in ADMIN_SERVICE_ACTIONS:
        return
    shared = [roles for roles in (actor.roles_in(s) for s in their_services) if roles]
    if not shared:
        raise hidden
    if any(roles & rule.roles for roles in shared):
        return
    needed = " or ".join(r.label for r in ROLE_ORDER if r in rule.roles)
    raise Forbidden(f"to {rule.what} you need the {needed} role in a service they belong to")


OWN_ACCOUNT = ("Whatever their roles, anyone signed in may change their own password, manage "
               "their own API tokens (a read-only token cannot make a token that writes, nor "
               "revoke one) and see their own work across the services they belong to "
               "(`/api/v1/me`, `/api/v1/me/tokens`, `/api/v1/me/work`).")
"""What needs no role: one's own account."""


def roles_markdown() -> str:
    """docs/roles.md, rendered from POLICY (a test checks the file is current)."""
    head = ["# Roles and what they may do", "",
            "Rendered from `flowdesk.domain.policy.POLICY` (`flowdesk roles --markdown`); "
            "a test checks this file against the table.", "",
            "A user's membership in a service carries one or more roles. "
            "Organisation admins manage users and services; being an admin puts nobody on a "
            "board. Someone who is not a member of a service is answered as if it did not "
            "exist (404). A member without a role that may act gets 403, naming the roles "
            "that may. A read-only API token may only read. The local operator of the "
            "command line (who holds the database itself) may do anything.", "",
            "| action | what it covers | " + " | ".join(r.label for r in ROLE_ORDER) +
            " | admin |",
            "| --- | --- | " + " | ".join("---" for _ in ROLE_ORDER) + " | --- |"]
    rows = []
    for action, rule in POLICY.items():
        marks = ["yes" if role in rule.roles else "" for role in ROLE_ORDER]
        admin = "yes" if action in ORGANISATION_ACTIONS | ADMIN_SERVICE_ACTIONS | \
            SHARED_ACTIONS else ""
        rows.append(f"| `{action.value}` | {rule.what} | " + " | ".join(marks) +
                    f" | {admin} |")
    return "\n".join([*head, *rows, "", "## Your own account", "", OWN_ACCOUNT]) + "\n"
