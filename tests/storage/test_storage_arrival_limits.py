"""New work honours the arrival stage's WIP limit, also when many arrive at once."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from storage_helpers import OWNER, make_claims, run_together, stage_id

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import WipLimitExceeded
from flowdesk.domain.items import WorkItem
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem
from flowdesk.storage.tables import items
from flowdesk.storage.unit_of_work import UnitOfWork


def test_twenty_creations_at_once_into_a_stage_with_limit_three_make_three(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock)
    admin.set_stage_limit(uow, clock, OWNER, "CLM", stage_id(service, "Options"), 3)
    outcomes = run_together(20, lambda i: uc.create_item(
        uow, clock, OWNER, CreateItem("CLM", f"claim {i}")))
    made = [o for o in outcomes if isinstance(o, WorkItem)]
    refused = [o for o in outcomes if isinstance(o, WipLimitExceeded)]
    assert (len(made), len(refused)) == (3, 17), outcomes
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(items)).scalar_one() == 3
