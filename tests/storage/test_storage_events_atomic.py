"""Every write use case writes its state and its events in one transaction: when writing an
event fails after the state has changed, neither the state nor any event remains, and the
live-update listeners hear nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from storage_helpers import MEMBER, OWNER, make_claims, snapshot, stage_id

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.workflow import Service
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import (
    AssignItem,
    BlockItem,
    CreateItem,
    CreateService,
    MoveItem,
    UpdateItem,
)
from flowdesk.storage import repository
from flowdesk.storage.unit_of_work import UnitOfWork, Written


class InjectedFailure(RuntimeError):
    pass


UseCase = Callable[[UnitOfWork, FixedClock, Service], Any]


# name -> (use case, how many events it appends: the failure is injected at each of them)
USE_CASES: dict[str, tuple[UseCase, int]] = {
    "create a service": (lambda uow, clock, s: admin.create_service(
        uow, clock, OWNER, CreateService("INT", "International settlements")), 1),
    "set a stage limit": (lambda uow, clock, s: admin.set_stage_limit(
        uow, clock, OWNER, "CLM", stage_id(s, "Review"), 3), 1),
    "set a stage policy": (lambda uow, clock, s: admin.set_stage_policy(
        uow, clock, OWNER, "CLM", stage_id(s, "Review"), "Checked by a second pair of eyes"), 1),
    "set a class policy": (lambda uow, clock, s: admin.set_class_policy(
        uow, clock, OWNER, "CLM", ClassOfService.EXPEDITE, {"wip_limit": 2}), 1),
    "set a person limit": (lambda uow, clock, s: admin.set_person_limit(
        uow, clock, OWNER, "CLM", 2), 1),
    "create a stage group": (lambda uow, clock, s: admin.create_stage_group(
        uow, clock, OWNER, "CLM", "Doing", [stage_id(s, "In progress"), stage_id(s, "Review")],
        4), 1),
    "create an item": (lambda uow, clock, s: uc.create_item(
        uow, clock, OWNER, CreateItem("CLM", "New claim", idempotency_key="k-1")), 1),
    "pull an item": (lambda uow, clock, s: uc.move_item(
        uow, clock, MEMBER, MoveItem("CLM-1", stage_id(s, "Review"))), 1),
    "reorder an item": (lambda uow, clock, s: uc.move_item(
        uow, clock, MEMBER, MoveItem("CLM-2", stage_id(s, "Options"), before="CLM-1")), 1),
    "override a WIP limit": (lambda uow, clock, s: uc.move_item(
        uow, clock, MEMBER, MoveItem("CLM-3", stage_id(s, "In progress"),
                                     override_reason="the regulator called")), 2),
    "discard a blocked item": (lambda uow, clock, s: uc.move_item(
        uow, clock, MEMBER, MoveItem("CLM-4", stage_id(s, "Discarded"), reason="withdrawn")), 2),
    "deliver an item": (lambda uow, clock, s: uc.move_item(
        uow, clock, MEMBER, MoveItem("CLM-5", stage_id(s, "Done"))), 1),
    "edit an item": (lambda uow, clock, s: uc.update_item(
        uow, clock, MEMBER, UpdateItem("CLM-1", {"title": "Renamed",
                                                 "due_date": date(2026, 4, 1)})), 1),
    "block an item": (lambda uow, clock, s: uc.block_item(
        uow, clock, MEMBER, BlockItem("CLM-1", "waiting on the agency", "customer")), 1),
    "unblock an item": (lambda uow, clock, s: uc.unblock_item(uow, clock, MEMBER, "CLM-4"), 1),
    "assign an item": (lambda uow, clock, s: uc.assign_item(
        uow, clock, MEMBER, AssignItem("CLM-1", "bruno")), 1),
    "assign past a person limit": (lambda uow, clock, s: uc.assign_item(
        uow, clock, MEMBER, AssignItem("CLM-5", "amira", override_reason="covering leave")), 2),
    "unassign an item": (lambda uow, clock, s: uc.unassign_item(
        uow, clock, MEMBER, AssignItem("CLM-6", "amira")), 1),
}

CASES = [pytest.param(name, n, id=f"{name}, failing at event {n}")
         for name, (_, events) in USE_CASES.items() for n in range(1, events + 1)]


def prepare(uow: UnitOfWork, clock: FixedClock) -> Service:
    """CLM-1..4 upstream (CLM-4 blocked); CLM-5 and CLM-6 fill In progress (limit 2); CLM-6 is
    assigned to amira, who is at her personal limit of one."""
    service = make_claims(uow, clock, doing_limit=2)
    for n in range(6):
        uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {n + 1}"))
    for key in ("CLM-5", "CLM-6"):
        uc.move_item(uow, clock, MEMBER, MoveItem(key, stage_id(service, "In progress")))
    uc.assign_item(uow, clock, MEMBER, AssignItem("CLM-6", "amira"))
    uc.block_item(uow, clock, MEMBER, BlockItem("CLM-4", "waiting on a vendor", "vendor"))
    return admin.set_person_limit(uow, clock, OWNER, "CLM", 1)


@pytest.mark.parametrize(("name", "fail_at"), CASES)
def test_a_failure_after_the_state_change_leaves_neither_state_nor_events(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, monkeypatch: pytest.MonkeyPatch,
        name: str, fail_at: int) -> None:
    service = prepare(uow, clock)
    use_case, _ = USE_CASES[name]
    heard: list[list[Written]] = []
    uow.listeners.append(heard.append)
    before = snapshot(engine)
    real_append = repository.append_event
    calls = 0

    def failing_append(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == fail_at:
            raise InjectedFailure(f"event {calls} could not be written")
        return real_append(*args, **kwargs)

    monkeypatch.setattr(repository, "append_event", failing_append)
    with pytest.raises(InjectedFailure):
        use_case(uow, clock, service)
    assert snapshot(engine) == before
    assert heard == []


@pytest.mark.parametrize("name", list(USE_CASES))
def test_each_use_case_appends_the_events_the_failure_cases_assume(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, name: str) -> None:
    # Guards the test above: each scenario must really change state and append its events,
    # or injecting a failure into it would prove nothing.
    service = prepare(uow, clock)
    use_case, events = USE_CASES[name]
    heard: list[list[Written]] = []
    uow.listeners.append(heard.append)
    before = snapshot(engine)
    use_case(uow, clock, service)
    assert snapshot(engine) != before
    assert [len(batch) for batch in heard] == [events]
