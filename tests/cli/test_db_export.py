"""`flowdesk db upgrade` and `flowdesk export`, run through click's CliRunner on both databases."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from cast import OPERATOR
from flowdesk.cli import main
from flowdesk.domain.clock import FixedClock
from flowdesk.domain.people import Actor
from flowdesk.services import admin, queries
from flowdesk.services import items as uc
from flowdesk.services.commands import BlockItem, CreateItem, CreateService, MoveItem
from flowdesk.storage.db import make_engine
from flowdesk.storage.tables import metadata
from flowdesk.storage.unit_of_work import UnitOfWork

OWNER = Actor("olivia", "Olivia, the service owner", operator=True)


def run(database_url: str, *args: str) -> tuple[int, str, str]:
    """Run the CLI against `database_url`; returns (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, list(args), env={"FLOWDESK_DATABASE_URL": database_url},
                                catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def history(uow: UnitOfWork, clock: FixedClock) -> list[int]:
    """A claims service with a little history; returns its event ids, oldest first."""
    service = admin.create_service(uow, clock, OWNER, CreateService("CLM", "Priority claims"))
    doing = next(s.id for s in service.stages if s.name == "In progress")
    for n in range(3):
        uc.create_item(uow, clock, OWNER, CreateItem("CLM", f"Refund, claim {n}",
                                                     customer="Agency, \"Nordlys\""))
    uc.move_item(uow, clock, OWNER, MoveItem("CLM-1", doing))
    uc.block_item(uow, clock, OWNER, BlockItem("CLM-1", "waiting on the agency\nagain",
                                               "customer"))
    return [e.id for e in queries.service_feed(uow, OPERATOR, "CLM", 0, 1_000)]


def test_db_upgrade_creates_the_schema_on_an_empty_database(database_url: str) -> None:
    code, out, _ = run(database_url, "db", "upgrade")
    assert code == 0
    assert "database is up to date" in out
    engine = make_engine(database_url)
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_is_safe_to_run_again(database_url: str) -> None:
    assert run(database_url, "db", "upgrade")[0] == 0
    assert run(database_url, "db", "upgrade")[0] == 0


def test_export_as_csv_writes_every_event_oldest_first(database_url: str,
                                                        history: list[int]) -> None:
    code, out, _ = run(database_url, "export", "--service", "clm", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["id"]) for r in rows] == history
    assert [r["kind"] for r in rows] == ["service_created", "created", "created", "created",
                                         "moved", "blocked"]
    blocked = rows[-1]
    assert (blocked["item"], blocked["to_stage"]) == ("CLM-1", "In progress")
    assert blocked["reason"] == "waiting on the agency\nagain"
    assert json.loads(blocked["payload"])["category"] == "customer"
    assert rows[0]["at"].startswith("2026-03-02T09:00:00")


def test_export_as_json_lines_writes_one_event_per_line(database_url: str,
                                                         history: list[int]) -> None:
    code, out, _ = run(database_url, "export", "--service", "CLM", "--format", "jsonl")
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["id"] for e in events] == history
    assert events[1]["payload"]["title"] == "Refund, claim 0"
    assert events[4]["payload"]["transition"] == "pull"


def test_export_of_an_unknown_service_says_so_without_a_traceback(
        database_url: str, history: list[int]) -> None:
    code, out, err = run(database_url, "export", "--service", "NOPE")
    assert code != 0
    assert "no service with key 'NOPE'" in err
    assert "Traceback" not in out + err


def test_export_refuses_an_unknown_format(database_url: str) -> None:
    code, _, err = run(database_url, "export", "--service", "CLM", "--format", "xml")
    assert code == 2
    assert "xml" in err
