"""Who may act on a person (their working hours, their absences) and lend people: the rules
in the policy table, decided without a database."""

from __future__ import annotations

import pytest

from flowdesk.domain.errors import Forbidden, NotFound
from flowdesk.domain.people import LOCAL_USER, Actor, Role, Scope
from flowdesk.domain.policy import (
    ADMIN_SERVICE_ACTIONS,
    POLICY,
    Action,
    authorize,
    authorize_on_person,
    roles_markdown,
)

CLM, INT = 1, 2
HIDDEN = NotFound("no user named 'amira'", "username")


def member(name: str, **services: Role) -> Actor:
    ids = {"CLM": CLM, "INT": INT}
    return Actor(name, memberships={ids[k]: frozenset({r}) for k, r in services.items()})


def check(actor: Actor, action: Action = Action.MANAGE_AVAILABILITY,
          services: tuple[int, ...] = (CLM,)) -> None:
    authorize_on_person(actor, action, "amira", services, hidden=HIDDEN)


def test_a_person_sets_their_own_availability_with_any_role_or_none() -> None:
    check(member("amira", CLM=Role.VIEWER))
    check(Actor("amira"), services=())


def test_an_admin_and_the_local_operator_set_anyone_s() -> None:
    check(Actor("olivia", is_admin=True), services=())
    check(LOCAL_USER, services=())


def test_a_delivery_manager_of_a_service_the_person_works_in_sets_theirs() -> None:
    check(member("dana", INT=Role.SERVICE_DELIVERY_MANAGER), services=(CLM, INT))


def test_a_delivery_manager_elsewhere_is_told_the_person_does_not_exist() -> None:
    with pytest.raises(NotFound) as refused:
        check(member("dana", INT=Role.SERVICE_DELIVERY_MANAGER), services=(CLM,))
    assert refused.value is HIDDEN


def test_a_team_mate_sees_the_availability_but_may_not_change_it() -> None:
    bruno = member("bruno", CLM=Role.TEAM_MEMBER)
    check(bruno, Action.SEE_CAPACITY)
    with pytest.raises(Forbidden) as refused:
        check(bruno)
    assert "Service Delivery Manager" in refused.value.message


def test_a_read_only_token_may_not_change_even_its_own() -> None:
    with pytest.raises(Forbidden):
        check(Actor("amira", scope=Scope.READ))
    check(Actor("amira", scope=Scope.READ), Action.SEE_CAPACITY)


def test_lending_is_for_the_lending_service_s_delivery_manager_or_an_admin() -> None:
    assert POLICY[Action.LEND_PEOPLE].roles == {Role.SERVICE_DELIVERY_MANAGER}
    assert Action.LEND_PEOPLE in ADMIN_SERVICE_ACTIONS
    authorize(member("dana", CLM=Role.SERVICE_DELIVERY_MANAGER), Action.LEND_PEOPLE, CLM)
    authorize(Actor("olivia", is_admin=True), Action.LEND_PEOPLE, CLM)
    with pytest.raises(Forbidden):
        authorize(member("ben", CLM=Role.FLOW_MANAGER), Action.LEND_PEOPLE, CLM)


def test_the_roles_page_lists_the_new_actions() -> None:
    page = roles_markdown()
    for action in (Action.SEE_CAPACITY, Action.DEFINE_SKILLS, Action.PROPOSE_SKILL,
                   Action.CONFIRM_SKILLS, Action.MANAGE_AVAILABILITY, Action.LEND_PEOPLE):
        assert f"| `{action.value}` |" in page
    assert "| `people.lend` | lend a team member" in page


def test_the_registry_is_kept_by_a_delivery_manager_of_any_service_or_an_admin() -> None:
    authorize(member("dana", INT=Role.SERVICE_DELIVERY_MANAGER), Action.MANAGE_REGISTRY)
    authorize(Actor("olivia", is_admin=True), Action.MANAGE_REGISTRY)
    authorize(LOCAL_USER, Action.MANAGE_REGISTRY)
    for refused in (member("ben", CLM=Role.FLOW_MANAGER, INT=Role.TEAM_MEMBER), Actor("nobody"),
                    Actor("dana", scope=Scope.READ,
                          memberships={CLM: frozenset({Role.SERVICE_DELIVERY_MANAGER})})):
        with pytest.raises(Forbidden):
            authorize(refused, Action.MANAGE_REGISTRY)
    assert "| `registry.manage` |" in roles_markdown()
