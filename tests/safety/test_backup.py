"""`flowdesk backup`, `flowdesk restore` and `flowdesk migrate-db`: backups taken while a
server writes, restores that give back a byte-identical export, and a trip from SQLite to
PostgreSQL and back that loses nothing."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from backup_helpers import cli, exports, make_history, other_database
from crash_helpers import Clients, Server, flowdesk_env
from log_checks import check_items_and_events_agree, state_events
from safety_helpers import open_claims, stage_id
from sqlalchemy import select

from cast import ADMIN, OPERATOR, enrol_owner, token_of
from flowdesk.domain.clock import FixedClock
from flowdesk.services import items as uc
from flowdesk.services.commands import CreateItem, MoveItem
from flowdesk.storage import pgdump
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.tablecopy import snapshot, summarise, tables
from flowdesk.storage.tables import items
from flowdesk.storage.unit_of_work import UnitOfWork

METHODS = ["native", "logical"]
CLIENTS = 3


def created(clients: Clients) -> int:
    """Creations the server has answered so far."""
    with clients.lock:
        return sum(1 for a in clients.acks if a.kind == "create")


def backup_args(out: Path, method: str) -> list[str]:
    return ["backup", str(out), *(["--logical"] if method == "logical" else [])]


def native_method(url: str) -> str:
    return "SQLite online backup" if url.startswith("sqlite") else "pg_dump"


@pytest.mark.parametrize("method", METHODS)
def test_a_restore_with_force_gives_back_an_export_byte_identical_to_the_backed_up_one(
        database_url: str, uow: UnitOfWork, clock: FixedClock, tmp_path: Path,
        method: str) -> None:
    make_history(uow, clock)
    original = exports(database_url)
    out = tmp_path / "flowdesk.backup"
    made = cli(database_url, *backup_args(out, method))
    assert made.exit_code == 0, made.output
    assert (native_method(database_url) if method == "native" else "logical export") in made.stdout
    # The database moves on after the backup.
    extra = uc.create_item(uow, clock, OPERATOR, CreateItem("CLM", "After the backup"))
    uc.move_item(uow, clock, OPERATOR, MoveItem("CLM-4", extra.stage_id, reason="reorder"))
    changed = exports(database_url)
    assert changed != original
    refused = cli(database_url, "restore", str(out))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert exports(database_url) == changed, "a refused restore changed the database"
    restored = cli(database_url, "restore", "--force", str(out))
    assert restored.exit_code == 0, restored.output
    assert exports(database_url) == original
    # Work carries on where the backup stopped: the next number, and new ids.
    again = uc.create_item(uow, clock, OPERATOR, CreateItem("CLM", "After the restore"))
    assert again.key == extra.key


@pytest.mark.parametrize("method", METHODS)
def test_a_backup_restores_into_another_empty_database_of_its_kind(
        database_url: str, uow: UnitOfWork, clock: FixedClock, tmp_path: Path,
        method: str) -> None:
    make_history(uow, clock)
    out = tmp_path / "flowdesk.backup"
    assert cli(database_url, *backup_args(out, method)).exit_code == 0
    with other_database(database_url, tmp_path) as other:
        restored = cli(other, "restore", str(out))
        if method == "native" and not database_url.startswith("sqlite"):
            # pg_dump's archive names its schema: elsewhere, a logical backup is the way.
            assert restored.exit_code == 1 and "--logical" in restored.output
            return
        assert restored.exit_code == 0, restored.output
        assert exports(other) == exports(database_url)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_a_backup_taken_while_the_server_writes_holds_every_write_answered_before_it(
        database_url: str, uow: UnitOfWork, clock: FixedClock, tmp_path: Path,
        method: str) -> None:
    service = open_claims(uow, clock, doing_limit=4)
    enrol_owner(uow, clock, "CLM")
    targets = [stage_id(service, name) for name in ("Ready", "In progress", "Review")]
    server = Server(flowdesk_env(database_url, tmp_path / "data"), tmp_path / "server.log")
    out = tmp_path / "flowdesk.backup"
    server.start()
    try:
        with Clients(server.base, token_of(uow, ADMIN), "CLM", targets, CLIENTS,
                     seed=5) as clients:
            while len(clients.acks) < 20:
                time.sleep(0.05)
            before = list(clients.acks)
            made = cli(database_url, *backup_args(out, method))
            # One more creation than there are clients: at least one was sent after the
            # backup ended, so it cannot be in it.
            made_then = created(clients)
            while created(clients) <= made_then + CLIENTS:
                time.sleep(0.05)
    finally:
        server.kill()
    assert made.exit_code == 0, made.output
    restored = cli(database_url, "restore", "--force", str(out))
    assert restored.exit_code == 0, restored.output
    engine = make_engine(database_url)
    try:
        check_items_and_events_agree(engine, service.id)
        events = state_events(engine)
        with engine.connect() as conn:
            ids = {row.key: row.id for row in conn.execute(select(items.c.key, items.c.id))}
        for ack in before:
            assert ack.key in ids and any(e.payload["version"] == ack.version
                                          for e in events[ids[ack.key]]), ack
        assert len(ids) < created(clients), "the backup holds writes made after it"
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_trip_from_sqlite_to_postgresql_and_back_loses_nothing(
        database_url: str, clock: FixedClock, tmp_path: Path) -> None:
    start, back = f"sqlite:///{tmp_path / 'start.db'}", f"sqlite:///{tmp_path / 'back.db'}"
    engine = make_engine(start)
    upgrade(engine)
    make_history(UnitOfWork(engine), clock)
    there = cli(start, "migrate-db", "--to", database_url)
    assert there.exit_code == 0, there.output
    assert "row counts and checksums match" in there.stdout
    home = cli(database_url, "migrate-db", "--to", back)
    assert home.exit_code == 0, home.output
    assert exports(start) == exports(database_url) == exports(back)
    returned = make_engine(back)
    try:
        with snapshot(engine) as first, snapshot(returned) as last:
            assert summarise(first) == summarise(last)
            for table in tables():
                in_order = select(table).order_by(*table.primary_key.columns)
                assert first.execute(in_order).all() == last.execute(in_order).all()
    finally:
        returned.dispose()
        engine.dispose()
    # PostgreSQL's sequences carry on above the copied ids.
    postgres = UnitOfWork(make_engine(database_url))
    try:
        assert uc.create_item(postgres, clock, OPERATOR, CreateItem("CLM", "New")).key == "CLM-7"
    finally:
        postgres.engine.dispose()


def test_migrate_db_refuses_a_target_that_holds_data_unless_forced(
        clock: FixedClock, tmp_path: Path) -> None:
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    for url in (first, second):
        engine = make_engine(url)
        upgrade(engine)
        make_history(UnitOfWork(engine), clock)
        engine.dispose()
    refused = cli(first, "migrate-db", "--to", second)
    assert refused.exit_code == 1 and "not empty" in refused.output
    assert cli(first, "migrate-db", "--to", second, "--force").exit_code == 0
    assert cli(first, "migrate-db", "--to", first).exit_code == 1


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup", encoding="utf-8")
    refused = cli(f"sqlite:///{tmp_path / 'f.db'}", "restore", str(junk))
    assert refused.exit_code == 1 and "not a Flowdesk backup" in refused.output


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_without_pg_dump_a_postgresql_backup_is_a_logical_export_of_every_table(
        database_url: str, uow: UnitOfWork, clock: FixedClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    make_history(uow, clock)
    monkeypatch.setattr(pgdump, "available", lambda: False)
    out = tmp_path / "flowdesk.backup"
    made = cli(database_url, "backup", str(out))
    assert made.exit_code == 0 and "logical export" in made.stdout
    with zipfile.ZipFile(out) as archive:
        assert {f"tables/{t.name}.jsonl" for t in tables()} < set(archive.namelist())
