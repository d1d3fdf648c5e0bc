"""The hot statements (storage/hot.py) read and write exactly what SQLAlchemy would, skip it on
PostgreSQL, still show every statement to those who count them, and fail as SQLAlchemy fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, exc, select, text
from storage_helpers import OWNER, make_claims, stage_id

from flowdesk.domain.clock import FixedClock
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, MoveItem
from flowdesk.storage import hot
from flowdesk.storage import repository as repo
from flowdesk.storage.db import make_engine, statements_run
from flowdesk.storage.tables import item_events
from flowdesk.storage.unit_of_work import UnitOfWork


def busy_item(uow: UnitOfWork, clock: FixedClock) -> tuple[int, int]:
    """An item with every kind of value a card has (due date, people, a blocker, times):
    its id, and the id of the stage it is in."""
    service = make_claims(uow, clock)
    item = uc.create_item(uow, clock, OWNER, CreateItem(
        "CLM", "Hail damage, Lyon", customer="Allianz", due_date=date(2026, 3, 20)))
    for person in ("zoe", "amira"):
        uc.assign_item(uow, clock, OWNER, AssignItem(item.key, person))
    clock.advance(timedelta(hours=2))
    uc.move_item(uow, clock, OWNER, MoveItem(item.key, stage_id(service, "In progress")))
    uc.block_item(uow, clock, OWNER, BlockItem(item.key, "Photos missing", "customer"))
    return item.id, stage_id(service, "In progress")


def test_a_hot_read_gives_the_rows_sqlalchemy_gives(uow: UnitOfWork, clock: FixedClock) -> None:
    item_id, doing = busy_item(uow, clock)
    params = {"b_item": item_id, "b_to": doing}
    with uow.write() as conn:
        hot_rows = hot.execute(conn, repo._ITEM_LOCKED_AND_BOTTOM, params).all()
        plain = conn.execute(repo._ITEM_LOCKED_AND_BOTTOM, params).all()
    assert [tuple(r) for r in hot_rows] == [tuple(r) for r in plain]
    assert [dict(r._mapping) for r in hot_rows] == [dict(r._mapping) for r in plain]
    first = hot_rows[0]
    assert first.committed_at is not None and first.committed_at.utcoffset() == timedelta(0)
    assert (first.title, first.customer, first.due_date) == (
        "Hail damage, Lyon", "Allianz", date(2026, 3, 20))
    assert {r.assignee for r in hot_rows} == {"amira", "zoe"}


def test_a_hot_write_stores_what_sqlalchemy_stores(uow: UnitOfWork,
                                                   clock: FixedClock) -> None:
    item_id, doing = busy_item(uow, clock)
    with uow.write() as conn:
        item = repo.load_item(conn, item_id, lock=True)
        service = repo.load_service(conn, item.service_id)
        event_id = repo.append_event(
            conn, service_id=item.service_id, item_id=item_id, kind="moved", at=clock.now(),
            actor="olivia", from_stage_id=doing, to_stage_id=doing, reason="a note",
            payload={"transition": "reorder", "nested": {"n": [1, 2]}},
            workflow_token=service.workflow_token if uow.locks_rows else None)
    with uow.read() as conn:
        stored = conn.execute(select(item_events).where(item_events.c.id == event_id)).one()
    assert stored.payload == {"transition": "reorder", "nested": {"n": [1, 2]}}
    assert stored.at == clock.now()
    assert (stored.kind, stored.actor, stored.reason) == ("moved", "olivia", "a note")


def test_statement_counters_see_every_hot_statement(uow: UnitOfWork, engine: Engine,
                                                    clock: FixedClock) -> None:
    service = make_claims(uow, clock)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Windscreen, Nantes"))
    with statements_run(engine) as seen:
        uc.move_item(uow, clock, OWNER, MoveItem(item.key, stage_id(service, "In progress")))
    assert any(s.lstrip().startswith("UPDATE items") for s in seen)
    assert any("INSERT INTO item_events" in s for s in seen)


@pytest.fixture
def pg_engine(database_url: str, engine: Engine) -> Engine:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: on SQLite a hot statement is plain conn.execute")
    return engine


def test_on_postgresql_a_move_does_not_go_through_sqlalchemys_execute(
        pg_engine: Engine, uow: UnitOfWork, clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    service = make_claims(uow, clock)
    item = uc.create_item(uow, clock, OWNER, CreateItem("CLM", "Windscreen, Nantes"))
    sent: list[str] = []
    real = Connection.execute

    def counting(self: Connection, statement: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(statement).split()[0])
        return real(self, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", counting)
    moved = uc.move_item(uow, clock, OWNER, MoveItem(item.key, stage_id(service, "Review")))
    assert moved.stage_id == stage_id(service, "Review")
    assert sent == []  # the reads, the item's UPDATE and the event's INSERT: all on the cursor
    with uow.read() as conn:
        assert repo.load_item(conn, item.id).stage_id == stage_id(service, "Review")


def test_a_failed_hot_statement_raises_sqlalchemys_error_and_changes_nothing(
        pg_engine: Engine, uow: UnitOfWork, clock: FixedClock) -> None:
    item_id, doing = busy_item(uow, clock)
    with pytest.raises(exc.IntegrityError), uow.write() as conn:
        item = repo.load_item(conn, item_id, lock=True)
        repo.save_item(conn, replace(item, title="changed", stage_id=999_999), clock.now())
    with uow.read() as conn:
        after = repo.load_item(conn, item_id)
    assert (after.title, after.stage_id) == ("Hail damage, Lyon", doing)


def test_a_connection_lost_mid_transaction_is_invalidated_and_never_reused(
        pg_engine: Engine, database_url: str, clock: FixedClock) -> None:
    engine = make_engine(database_url, pool_size=1)
    uow = UnitOfWork(engine)
    try:
        item_id, _ = busy_item(uow, clock)
        with pytest.raises(exc.DBAPIError) as raised, uow.write() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with psycopg.connect(database_url.split("?")[0], autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            try:
                repo.load_item(conn, item_id, lock=True)
            finally:
                invalidated = conn.invalidated
        assert raised.value.connection_invalidated and invalidated
        with uow.write() as conn:  # a new connection, and the item is still there
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
            assert repo.load_item(conn, item_id).title == "Hail damage, Lyon"
    finally:
        engine.dispose()
