"""An item is read whole in one query, and a move costs few statements."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from storage_helpers import OWNER, make_claims, stage_id

from cast import OPERATOR
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.items import WorkItem
from flowdesk.services import items as uc
from flowdesk.services import queries
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, MoveItem
from flowdesk.storage import repository as repo
from flowdesk.storage.db import statements_run
from flowdesk.storage.unit_of_work import UnitOfWork


def loaded_every_way(uow: UnitOfWork, item: WorkItem) -> list[WorkItem]:
    with uow.write() as conn:
        return [repo.load_item(conn, item.id), repo.load_item(conn, item.id, lock=True),
                repo.load_item_by_key(conn, item.key.lower())]


def test_an_item_loads_with_all_its_assignees_and_only_its_open_blocker(
        uow: UnitOfWork, clock: FixedClock) -> None:
    make_claims(uow, clock)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Hail damage, Lyon"))
    for person in ("zoe", "amira", "mehdi"):
        uc.assign_item(uow, clock, OWNER, AssignItem(item.key, person))
    uc.block_item(uow, clock, OWNER, BlockItem(item.key, "Photos missing", "customer"))
    uc.unblock_item(uow, clock, OWNER, item.key)
    uc.block_item(uow, clock, OWNER, BlockItem(item.key, "Expert report due", "vendor"))
    for loaded in loaded_every_way(uow, item):
        assert loaded.assignees == ("amira", "mehdi", "zoe")
        assert loaded.blocker is not None
        assert (loaded.blocker.reason, loaded.blocker.category) == ("Expert report due", "vendor")
        assert loaded.title == "Hail damage, Lyon"


def test_an_item_without_assignees_or_blocker_loads_with_none(
        uow: UnitOfWork, clock: FixedClock) -> None:
    make_claims(uow, clock)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Broken window, Ghent"))
    uc.block_item(uow, clock, OWNER, BlockItem(item.key, "Photos missing", "customer"))
    uc.unblock_item(uow, clock, OWNER, item.key)  # only a closed blocker remains
    for loaded in loaded_every_way(uow, item):
        assert loaded.assignees == ()
        assert loaded.blocker is None


def test_a_move_that_no_limit_concerns_runs_four_statements_on_postgresql_six_on_sqlite(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=None)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Flooded cellar, Porto"))
    uc.assign_item(uow, clock, OWNER, AssignItem(item.key, "amira"))
    uc.move_item(uow, clock, OWNER, MoveItem(item.key, stage_id(service, "Ready")))  # warm cache
    with statements_run(engine) as seen:
        moved = uc.move_item(uow, clock, OWNER, MoveItem(item.key, stage_id(service, "Options")))
    assert moved.assignees == ("amira",)
    # PostgreSQL: place and service, item (locked, with assignees and blocker, and the last
    # rank of the stage it goes to), update, numbered event. SQLite reads the last rank, and
    # numbers the event, in statements of their own.
    expected = 4 if engine.dialect.name == "postgresql" else 6
    assert len(seen) == expected, "\n".join(seen)


@pytest.mark.parametrize("events", [1, 3])
def test_events_numbered_in_their_insert_follow_on_without_gaps(
        uow: UnitOfWork, clock: FixedClock, engine: Engine, events: int) -> None:
    make_claims(uow, clock)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Storm damage, Namur"))
    with uow.write() as conn:
        for n in range(events):
            repo.append_event(conn, service_id=item.service_id, item_id=item.id,
                              kind="commented", at=clock.now(), actor="olivia",
                              payload={"n": n})
    feed = queries.service_feed(uow, OPERATOR, "CLM", after=0, limit=100)
    assert [e.seq for e in feed] == list(range(1, len(feed) + 1))
    added = feed[-events:]
    assert [(e.kind, e.payload, e.at, e.item_key) for e in added] == [
        ("commented", {"n": n}, clock.now(), item.key) for n in range(events)]
