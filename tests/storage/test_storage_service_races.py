"""Races on a service's rules: two creations of one key, concurrent class-of-service edits."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from storage_helpers import MEMBER, OWNER, make_claims, run_together, stage_id

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import Conflict, WipLimitExceeded
from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Service
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, CreateService, MoveItem, UpdateItem
from flowdesk.storage.tables import item_events, services
from flowdesk.storage.unit_of_work import UnitOfWork


def test_ten_creations_of_one_service_key_at_once_make_one_service_and_nine_conflicts(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    for round_no in range(3):
        key = f"CLM{round_no}"
        outcomes = run_together(10, lambda _, k=key: admin.create_service(
            uow, clock, OWNER, CreateService(k, "Priority claims")))
        made = [o for o in outcomes if isinstance(o, Service)]
        refused = [o for o in outcomes if isinstance(o, Conflict)]
        assert (len(made), len(refused)) == (1, 9), outcomes
        assert {r.field for r in refused} == {"key"}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(services)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(item_events)).scalar_one() == 3


def test_two_class_changes_at_once_cannot_both_pass_a_class_limit(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    service = make_claims(uow, clock, doing_limit=None)  # expedite: at most 1 committed
    doing = stage_id(service, "In progress")
    for round_no in range(8):
        keys = []
        for n in range(2):
            item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {round_no}.{n}"))
            uc.move_item(uow, clock, MEMBER, MoveItem(item.key, doing))
            keys.append(item.key)
        outcomes = run_together(2, lambda i, ks=keys: uc.update_item(
            uow, clock, MEMBER, UpdateItem(ks[i], {"cos": ClassOfService.EXPEDITE})))
        changed = [o for o in outcomes if isinstance(o, WorkItem)]
        refused = [o for o in outcomes if isinstance(o, WipLimitExceeded)]
        assert (len(changed), len(refused)) == (1, 1), (round_no, outcomes)
        # Back to standard, so the next round starts with no expedite in progress.
        uc.update_item(uow, clock, MEMBER, UpdateItem(changed[0].key,
                                                      {"cos": ClassOfService.STANDARD}))
