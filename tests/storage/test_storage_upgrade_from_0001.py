"""A database made before accounts existed (revision 0001), with history written by the `local`
actor, upgrades to the newest schema keeping every row; a `local` user then owns that history,
and nobody can sign in as it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, text

from cast import OPERATOR
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.errors import NotFound, Unauthenticated
from flowdesk.domain.people import Scope
from flowdesk.services import accounts, queries
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import alembic_config, upgrade
from flowdesk.storage.tables import (
    blockers,
    event_counters,
    item_assignees,
    item_events,
    items,
    services,
    stages,
)
from flowdesk.storage.unit_of_work import UnitOfWork

THEN = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TABLES_OF_0001 = ["services", "event_counters", "stages", "items", "item_assignees", "blockers",
                  "item_events"]


@pytest.fixture
def old_engine(database_url: str) -> Iterator[Engine]:
    """An empty database brought to revision 0001 only."""
    engine = make_engine(database_url)
    config = alembic_config(str(engine.url))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    yield engine
    engine.dispose()


def fill_as_local(engine: Engine) -> None:
    """A claims service with one item in progress, assigned and blocked, and its history, all
    written by the `local` actor, as the command line and the API did before accounts."""
    with engine.begin() as conn:
        conn.execute(insert(services).values(
            id=1, key="CLM", name="Priority claims", next_number=2,
            blocker_categories=["customer", "vendor"], created_at=THEN))
        conn.execute(insert(stages), [
            {"id": 1, "service_id": 1, "name": "Ready", "phase": "upstream", "kind": "queue",
             "position": 0},
            {"id": 2, "service_id": 1, "name": "In progress", "phase": "committed",
             "kind": "activity", "position": 1, "wip_limit": 3},
            {"id": 3, "service_id": 1, "name": "Done", "phase": "done", "kind": "queue",
             "position": 2},
        ])
        conn.execute(insert(items).values(
            id=1, service_id=1, number=1, key="CLM-1", title="Refund, claim 1", type="claim",
            cos="standard", stage_id=2, rank=1_000, version=2, arrived_at=THEN,
            committed_at=THEN + timedelta(hours=1), updated_at=THEN + timedelta(hours=1)))
        conn.execute(insert(item_assignees).values(item_id=1, person="zoe"))
        conn.execute(insert(blockers).values(
            item_id=1, reason="waiting on the agency", category="customer",
            started_at=THEN + timedelta(hours=2), started_by="local"))
        conn.execute(insert(item_events), [
            {"service_id": 1, "seq": 1, "item_id": None, "kind": "service_created",
             "at": THEN, "actor": "local", "payload": {"key": "CLM"}},
            {"service_id": 1, "seq": 2, "item_id": 1, "kind": "created", "to_stage_id": 1,
             "at": THEN, "actor": "local", "payload": {"title": "Refund, claim 1"}},
            {"service_id": 1, "seq": 3, "item_id": 1, "kind": "moved", "from_stage_id": 1,
             "to_stage_id": 2, "at": THEN + timedelta(hours=1), "actor": "local",
             "payload": {"transition": "pull"}},
            {"service_id": 1, "seq": 4, "item_id": 1, "kind": "blocked", "to_stage_id": 2,
             "at": THEN + timedelta(hours=2), "actor": "local",
             "reason": "waiting on the agency", "payload": {"category": "customer"}},
        ])
        conn.execute(insert(event_counters).values(service_id=1, last_seq=4))


def rows_of_0001(engine: Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the 0001 tables, in the columns those tables had at 0001."""
    found = {}
    with engine.connect() as conn:
        names = {t: [c["name"] for c in inspect(conn).get_columns(t)] for t in TABLES_OF_0001}
    with engine.connect() as conn:
        for table, columns in names.items():
            rows = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table}"))
            found[table] = sorted(tuple(str(v) for v in row) for row in rows)
    return found


@pytest.fixture
def upgraded(old_engine: Engine) -> tuple[Engine, dict[str, list[tuple[str, ...]]]]:
    """The 0001 database with its history, upgraded to head; with its rows from before."""
    fill_as_local(old_engine)
    before = rows_of_0001(old_engine)
    upgrade(old_engine)
    return old_engine, before


def test_upgrading_a_database_from_before_accounts_keeps_every_row(
        upgraded: tuple[Engine, dict[str, list[tuple[str, ...]]]]) -> None:
    engine, before = upgraded
    old_columns = {t: len(rows[0]) for t, rows in before.items() if rows}
    after = rows_of_0001(engine)
    assert {t: [r[:old_columns[t]] for r in rows] for t, rows in after.items() if rows} == before
    assert sum(len(rows) for rows in before.values()) == 1 + 1 + 3 + 1 + 1 + 1 + 4


def test_the_history_written_by_local_stays_readable_and_attributed(
        upgraded: tuple[Engine, dict[str, list[tuple[str, ...]]]]) -> None:
    engine, _ = upgraded
    uow = UnitOfWork(engine)
    feed = queries.service_feed(uow, OPERATOR, "CLM", 0, 100)
    assert [(e.seq, e.kind, e.actor) for e in feed] == [
        (1, "service_created", "local"), (2, "created", "local"), (3, "moved", "local"),
        (4, "blocked", "local")]
    item, _ = queries.get_item(uow, OPERATOR, "CLM-1")
    assert item.assignees == ("zoe",)
    assert item.blocker is not None and item.blocker.started_by == "local"


def test_after_the_upgrade_a_local_user_exists_and_cannot_sign_in(
        upgraded: tuple[Engine, dict[str, list[tuple[str, ...]]]]) -> None:
    engine, _ = upgraded
    uow = UnitOfWork(engine)
    clock = FixedClock(NOW)
    local = accounts.get_user(uow, OPERATOR, "local")
    assert (local.has_password, local.active, local.is_admin) == (False, False, False)
    for password in ("", "local", "password123"):
        with pytest.raises(Unauthenticated):
            accounts.sign_in(uow, clock, "local", password, address="test", salt="tests")
    with pytest.raises(NotFound):
        accounts.create_token(uow, clock, OPERATOR, username="local", scope=Scope.READ)
    with pytest.raises(NotFound):
        accounts.actor_named(uow, clock, "local")
