"""Short demo runs on SQLite and PostgreSQL: real events, deterministic, WIP limits honoured."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from demo_env import END
from demo_replay import load_events, load_rules, replay
from sqlalchemy import Engine, func, select, text

from cast import OPERATOR
from flowdesk.demo import run_demo
from flowdesk.domain.errors import Conflict, InvalidInput
from flowdesk.services import queries
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.tables import item_events, items, services
from flowdesk.storage.unit_of_work import UnitOfWork

SHORT = 7  # days: a working week and a weekend


def exported(uow: UnitOfWork) -> list[tuple[Any, ...]]:
    """Every event of both services as `flowdesk export` sees it, ids and times included."""
    rows = []
    for key in ("CLM", "INT"):
        after = 0
        while page := queries.service_feed(uow, OPERATOR, key, after, 1_000):
            rows += [(e.id, e.item_key, e.kind, e.from_stage, e.to_stage, e.at, e.actor,
                      e.reason, sorted(e.payload.items())) for e in page]
            after = page[-1].seq
    return rows


def second_database(engine: Engine, database_url: str, tmp_path: Any) -> Engine:
    """Another empty, migrated database of the same kind."""
    if engine.dialect.name == "sqlite":
        other = make_engine(f"sqlite:///{tmp_path / 'second.db'}")
    else:  # one PostgreSQL schema per test process: empty it and start again
        engine.dispose()
        other = make_engine(database_url)
        with other.begin() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    upgrade(other)
    return other


def test_a_short_run_makes_both_services_with_real_items_and_events(uow: UnitOfWork) -> None:
    summary = run_demo(uow, days=SHORT, end=END)
    with uow.read() as conn:
        keys = sorted(conn.execute(select(services.c.key)).scalars())
        item_count = conn.execute(select(func.count()).select_from(items)).scalar_one()
        event_count = conn.execute(select(func.count()).select_from(item_events)).scalar_one()
    assert keys == ["CLM", "INT"] == sorted(summary.services)
    assert (summary.items, summary.events) == (item_count, event_count)
    assert summary.items > 100 and summary.events > 6 * summary.items
    assert (summary.start, summary.end, summary.days) == (END - timedelta(days=SHORT), END, SHORT)


def test_the_same_seed_gives_the_same_event_log_on_a_fresh_database(
        engine: Engine, database_url: str, tmp_path: Any) -> None:
    run_demo(UnitOfWork(engine), seed=11, days=SHORT, end=END)
    first = exported(UnitOfWork(engine))
    other = second_database(engine, database_url, tmp_path)
    try:
        run_demo(UnitOfWork(other), seed=11, days=SHORT, end=END)
        second = exported(UnitOfWork(other))
    finally:
        other.dispose()
    assert len(first) > 400
    assert first == second


def test_another_seed_gives_another_history(engine: Engine, database_url: str,
                                            tmp_path: Any) -> None:
    run_demo(UnitOfWork(engine), seed=1, days=5, end=END)
    first = exported(UnitOfWork(engine))
    other = second_database(engine, database_url, tmp_path)
    try:
        run_demo(UnitOfWork(other), seed=2, days=5, end=END)
        second = exported(UnitOfWork(other))
    finally:
        other.dispose()
    assert first != second


def test_wip_limits_hold_at_every_point_of_a_short_run(uow: UnitOfWork) -> None:
    run_demo(uow, days=SHORT, end=END)
    with uow.read() as conn:
        result = replay(load_rules(conn), load_events(conn))
    assert result.moves_checked > 300
    assert result.violations == []


def test_a_second_run_is_refused_and_writes_nothing(uow: UnitOfWork) -> None:
    run_demo(uow, days=2, end=END)
    with uow.read() as conn:
        before = conn.execute(select(func.count()).select_from(item_events)).scalar_one()
    with pytest.raises(Conflict, match="already exist"):
        run_demo(uow, days=2, end=END)
    with uow.read() as conn:
        assert conn.execute(select(func.count()).select_from(item_events)).scalar_one() == before


@pytest.mark.parametrize("days", [0, -3, 10_000])
def test_a_period_out_of_range_is_refused(uow: UnitOfWork, days: int) -> None:
    with pytest.raises(InvalidInput, match="days"):
        run_demo(uow, days=days, end=END)


def test_a_naive_end_time_is_refused(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        run_demo(uow, days=2, end=END.replace(tzinfo=None))


def test_progress_counts_the_simulated_days_up_to_the_end(uow: UnitOfWork) -> None:
    seen: list[int] = []
    run_demo(uow, days=4, end=END, progress=seen.append)
    assert seen == sorted(set(seen))
    assert seen[-1] == 4
