"""Races that must have one answer: repeated idempotency keys and writers with a stale version."""

from __future__ import annotations

from sqlalchemy import Engine, Table, func, select
from storage_helpers import MEMBER, OWNER, make_claims, run_together, stage_id

from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import StaleVersion
from flowdesk.domain.items import WorkItem
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem, UpdateItem
from flowdesk.storage.tables import item_events, items
from flowdesk.storage.unit_of_work import UnitOfWork


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_same_idempotency_key_sent_ten_times_creates_one_item(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    make_claims(uow, clock)
    cmd = CreateItem("CLM", "Refund", idempotency_key="mail-4711")
    keys = {uc.create_item(uow, clock, OWNER, cmd).key for _ in range(10)}
    assert keys == {"CLM-1"}
    assert count(engine, items) == 1


def test_the_same_idempotency_key_from_ten_threads_at_once_creates_one_item(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    make_claims(uow, clock)
    events_before = count(engine, item_events)
    cmd = CreateItem("CLM", "Refund", idempotency_key="mail-4711")
    outcomes = run_together(10, lambda _: uc.create_item(uow, clock, OWNER, cmd))
    assert all(isinstance(o, WorkItem) for o in outcomes), outcomes
    assert {o.key for o in outcomes if isinstance(o, WorkItem)} == {"CLM-1"}
    assert count(engine, items) == 1
    assert count(engine, item_events) == events_before + 1


def test_different_idempotency_keys_from_threads_create_one_item_each(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    make_claims(uow, clock)
    outcomes = run_together(10, lambda i: uc.create_item(
        uow, clock, OWNER, CreateItem("CLM", "Refund", idempotency_key=f"mail-{i}")))
    keys = sorted(o.key for o in outcomes if isinstance(o, WorkItem))
    assert len(set(keys)) == 10
    assert count(engine, items) == 10


def test_two_writers_with_the_same_version_get_one_success_and_one_stale_refusal(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    make_claims(uow, clock)
    uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Refund"))
    for attempt in range(5):
        current = uc.update_item(uow, clock, MEMBER,
                                 UpdateItem("CLM-1", {"customer": f"agency {attempt}"}))
        # Distinct titles each attempt: an edit that changes nothing is not a write at all.
        outcomes = run_together(2, lambda i, v=current.version, a=attempt: uc.update_item(
            uow, clock, MEMBER, UpdateItem("CLM-1", {"title": f"writer {i}, attempt {a}"}, v)))
        wins = [o for o in outcomes if isinstance(o, WorkItem)]
        stale = [o for o in outcomes if isinstance(o, StaleVersion)]
        assert (len(wins), len(stale)) == (1, 1), outcomes
        assert stale[0].actual == current.version + 1


def test_two_moves_of_one_item_without_if_match_both_succeed(
        uow: UnitOfWork, clock: FixedClock, engine: Engine) -> None:
    # Neither writer sent a version, so neither can be stale: the later move simply wins.
    service = make_claims(uow, clock, doing_limit=None)
    targets = [stage_id(service, "Ready"), stage_id(service, "In progress")]
    for round_no in range(10):
        item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {round_no}"))
        outcomes = run_together(2, lambda i, k=item.key: uc.move_item(
            uow, clock, MEMBER, MoveItem(k, targets[i])))
        assert all(isinstance(o, WorkItem) for o in outcomes), (round_no, outcomes)
        with engine.connect() as conn:
            moves = conn.execute(select(func.count()).select_from(item_events).where(
                item_events.c.kind == "moved", item_events.c.item_id == item.id,
            )).scalar_one()
        assert moves == 2


def test_a_move_with_a_version_that_loses_a_race_is_stale(
        uow: UnitOfWork, clock: FixedClock) -> None:
    service = make_claims(uow, clock, doing_limit=None)
    targets = [stage_id(service, "Ready"), stage_id(service, "In progress")]
    for round_no in range(5):
        item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"claim {round_no}"))
        outcomes = run_together(2, lambda i, k=item.key, v=item.version: uc.move_item(
            uow, clock, MEMBER, MoveItem(k, targets[i], expected_version=v)))
        wins = [o for o in outcomes if isinstance(o, WorkItem)]
        stale = [o for o in outcomes if isinstance(o, StaleVersion)]
        assert (len(wins), len(stale)) == (1, 1), outcomes
