"""Each process caches a service's workflow; a change anywhere is seen at the next write."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, update
from storage_helpers import OWNER, make_claims, stage_id

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import WipLimitExceeded
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import services, stages
from flowdesk.storage.unit_of_work import UnitOfWork


def token(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(services.c.workflow_token)).scalar_one())


def test_every_change_to_the_workflow_gives_the_service_a_new_token(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock)
    seen = [token(engine)]
    doing = stage_id(service, "In progress")
    changes = [
        lambda: admin.set_stage_limit(uow, clock, OWNER, "CLM", doing, 2),
        lambda: admin.set_stage_policy(uow, clock, OWNER, "CLM", doing, "Exit: checked."),
        lambda: admin.set_class_policy(uow, clock, OWNER, "CLM", ClassOfService.EXPEDITE,
                                       {"wip_limit": 2}),
        lambda: admin.create_stage_group(uow, clock, OWNER, "CLM", "Work",
                                         [doing, stage_id(service, "Review")], 4),
    ]
    for change in changes:
        changed = change()
        seen.append(token(engine))
        assert changed == repo_service(uow, service.id)  # what the change returned is current
    assert len(set(seen)) == len(seen) and all(len(t) == 32 for t in seen)


def repo_service(uow: UnitOfWork, service_id: int) -> object:
    with uow.read() as conn:
        return repo.load_service(conn, service_id)


def test_a_limit_another_process_changed_is_enforced_at_once(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=5)
    doing = stage_id(service, "In progress")
    first = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Water damage, Porto"))
    second = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Stolen bike, Ghent"))
    uc.move_item(uow, clock, OWNER, MoveItem(first.key, doing))  # this process caches the limit
    with engine.begin() as conn:  # another process lowers it, as admin.set_stage_limit does
        conn.execute(update(stages).where(stages.c.id == doing).values(wip_limit=1))
        repo.touch_workflow(conn, service.id)
    with pytest.raises(WipLimitExceeded) as refused:
        uc.move_item(uow, clock, OWNER, MoveItem(second.key, doing))
    assert "1 of 1" in refused.value.message
