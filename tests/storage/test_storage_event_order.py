"""The event feed's cursor: each service numbers its events 1, 2, 3, ... and commits them in
that order, so a reader paging by number never skips one, even while others write."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select
from storage_helpers import (
    MEMBER,
    OWNER,
    SETUP_EVENTS,
    make_claims,
    run_together,
    stage_id,
)

from cast import OPERATOR
from flowdesk.domain.clock import FixedClock
from flowdesk.services import items as uc
from flowdesk.services import queries
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.tables import item_events
from flowdesk.storage.unit_of_work import UnitOfWork

WRITERS = 8
WRITES = 15


def numbers(engine: Engine, service_id: int) -> list[int]:
    with engine.connect() as conn:
        return [int(n) for n in conn.execute(
            select(item_events.c.seq).where(item_events.c.service_id == service_id)
            .order_by(item_events.c.id)).scalars()]


def test_each_service_numbers_its_events_from_one_without_gaps(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    claims = make_claims(uow, clock)
    other = make_claims(uow, clock, key="INT")
    for n in range(3):
        uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {n}"))
        uc.create_item(uow, clock, OWNER, CreateItem("INT", f"transfer {n}"))
    uc.move_item(uow, clock, MEMBER, MoveItem("CLM-1", stage_id(claims, "In progress")))
    # After the setup's events (the service created, its members added): 3 created, 1 move.
    assert numbers(engine, claims.id) == list(range(1, SETUP_EVENTS + 5))
    assert numbers(engine, other.id) == list(range(1, SETUP_EVENTS + 4))


def test_a_reader_paging_the_feed_during_concurrent_writes_misses_nothing(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=None)
    doing = stage_id(service, "In progress")
    seen: list[int] = []
    done = threading.Event()

    def read() -> None:
        after = 0
        while True:
            finished = done.is_set()  # read once more after the writers stop
            page = queries.service_feed(uow, OPERATOR, "CLM", after, 7)
            seen.extend(e.seq for e in page)
            if page:
                after = page[-1].seq
            elif finished:
                return

    def write(i: int) -> None:
        for n in range(WRITES):
            key = uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {i}.{n}")).key
            uc.move_item(uow, clock, MEMBER, MoveItem(key, doing))

    reader = threading.Thread(target=read)
    reader.start()
    outcomes = run_together(WRITERS, write)
    done.set()
    reader.join(timeout=120)
    assert all(o is None for o in outcomes), outcomes
    total = SETUP_EVENTS + 2 * WRITERS * WRITES  # the setup, then a create and a move each
    assert seen == list(range(1, total + 1))
    assert sorted(numbers(engine, service.id)) == seen
