"""The demo's bulk-loading unit of work: use cases share a transaction, committed in batches."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from flowdesk.demo.batch import BatchedUnitOfWork
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import Actor
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, CreateService, MoveItem
from flowdesk.storage.tables import item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork, Written

HANNAH = Actor("hannah", "Hannah, the service delivery manager", operator=True)


def count_items(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        return int(conn.execute(select(func.count()).select_from(items)).scalar_one())


def test_writes_become_visible_when_the_batch_is_committed(uow: UnitOfWork,
                                                           clock: FixedClock) -> None:
    batch = BatchedUnitOfWork(uow, size=100)
    admin.create_service(batch, clock, HANNAH, CreateService("CLM", "Priority claims"))
    uc.create_item(batch, clock, HANNAH, CreateItem("CLM", "Hospital admission in Lisbon"))
    assert count_items(uow) == 0
    batch.commit()
    assert count_items(uow) == 1


def test_a_full_batch_commits_by_itself(uow: UnitOfWork, clock: FixedClock) -> None:
    batch = BatchedUnitOfWork(uow, size=3)
    admin.create_service(batch, clock, HANNAH, CreateService("CLM", "Priority claims"))
    for n in range(2):
        uc.create_item(batch, clock, HANNAH, CreateItem("CLM", f"Lost baggage, claim {n}"))
    assert count_items(uow) == 2
    batch.rollback()


def test_a_failing_use_case_rolls_back_its_whole_batch(uow: UnitOfWork,
                                                       clock: FixedClock) -> None:
    batch = BatchedUnitOfWork(uow, size=100)
    admin.create_service(batch, clock, HANNAH, CreateService("CLM", "Priority claims"))
    batch.commit()
    item = uc.create_item(batch, clock, HANNAH, CreateItem("CLM", "Dental emergency in Rome"))
    with pytest.raises(InvalidInput):
        uc.move_item(batch, clock, HANNAH, MoveItem(item.key, to_stage=999_999))
    batch.commit()  # nothing is left open to commit
    assert count_items(uow) == 0
    with uow.read() as conn:
        kinds = conn.execute(select(item_events.c.kind)).scalars().all()
    assert kinds == ["service_created"]


def test_listeners_hear_of_a_batch_once_it_is_committed(uow: UnitOfWork,
                                                        clock: FixedClock) -> None:
    heard: list[list[Written]] = []
    uow.listeners.append(heard.append)
    batch = BatchedUnitOfWork(uow, size=100)
    admin.create_service(batch, clock, HANNAH, CreateService("CLM", "Priority claims"))
    uc.create_item(batch, clock, HANNAH, CreateItem("CLM", "Trip cancellation: Athens"))
    assert heard == []
    batch.commit()
    assert [[w.kind for w in news] for news in heard] == [["service_created", "created"]]
