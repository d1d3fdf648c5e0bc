"""WIP limits hold under concurrency: 50 simultaneous pulls into a stage with limit 5, 20 times.

Each thread runs the real move use case with its own connection from the engine's pool. On
PostgreSQL the use case takes row locks; on SQLite BEGIN IMMEDIATE serialises the writers.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, and_, func, select
from storage_helpers import MEMBER, OWNER, make_claims, run_together, stage_id

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import WipLimitExceeded
from flowdesk.domain.items import WorkItem
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage.tables import item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork

PULLERS = 50
LIMIT = 5
ROUNDS = 20


def moves_into(engine: Engine, stage: int, after_event: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(item_events).where(and_(
            item_events.c.kind == "moved", item_events.c.to_stage_id == stage,
            item_events.c.id > after_event))).scalar_one())


def last_event(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(item_events.c.id), 0)))
                   .scalar_one())


def count_in(engine: Engine, stage: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(items)
                                .where(items.c.stage_id == stage)).scalar_one())


@pytest.mark.slow
def test_fifty_concurrent_pulls_into_a_stage_with_limit_five_land_exactly_five(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=LIMIT)
    doing, done = stage_id(service, "In progress"), stage_id(service, "Done")
    waiting = [uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {n}")).key
               for n in range(PULLERS)]
    for round_no in range(ROUNDS):
        clock.advance(timedelta(minutes=1))
        start = last_event(engine)

        def pull(i: int, keys: list[str] = waiting) -> WorkItem:
            return uc.move_item(uow, clock, MEMBER, MoveItem(keys[i], doing))

        outcomes = run_together(PULLERS, pull)
        landed = [o for o in outcomes if isinstance(o, WorkItem)]
        refused = [o for o in outcomes if isinstance(o, WipLimitExceeded)]
        others = [o for o in outcomes if not isinstance(o, WorkItem | WipLimitExceeded)]
        assert others == [], f"round {round_no}: unexpected outcomes {others[:3]}"
        assert (len(landed), len(refused)) == (LIMIT, PULLERS - LIMIT), f"round {round_no}"
        assert all(r.violations[0].count == LIMIT for r in refused)
        assert count_in(engine, doing) == LIMIT
        assert moves_into(engine, doing, start) == LIMIT
        # Deliver the five and top the queue up again for the next round.
        for item in landed:
            uc.move_item(uow, clock, MEMBER, MoveItem(item.key, done))
        landed_keys = {i.key for i in landed}
        fresh = [uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim r{round_no}.{n}"))
                 .key for n in range(LIMIT)]
        waiting = [k for k in waiting if k not in landed_keys] + fresh
