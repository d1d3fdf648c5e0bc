"""Helpers for the backup tests: the `flowdesk` command in process, a second database of the
same kind, and a history that fills every table."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner, Result
from safety_helpers import open_claims, stage_id
from sqlalchemy import text

from cast import OPERATOR, token_of
from flowdesk.cli import main
from flowdesk.domain.clock import FixedClock
from flowdesk.services import admin
from flowdesk.services import items as uc
from flowdesk.services.commands import AssignItem, BlockItem, CreateItem, CreateService, MoveItem
from flowdesk.services.failure_demand import MarkFailureDemand, mark_failure_demand
from flowdesk.storage.db import make_engine
from flowdesk.storage.unit_of_work import UnitOfWork


def cli(url: str, *args: str) -> Result:
    """Run `flowdesk ARGS` on the database at `url`."""
    return CliRunner().invoke(main, list(args), env={"FLOWDESK_DATABASE_URL": url},
                              catch_exceptions=False)


def exports(url: str) -> tuple[str, str]:
    """`flowdesk export` of the claims service, as CSV and as JSON lines."""
    found = []
    for fmt in ("csv", "jsonl"):
        result = cli(url, "export", "--service", "CLM", "--format", fmt)
        assert result.exit_code == 0, result.output
        found.append(result.stdout)
    return found[0], found[1]


@contextmanager
def other_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same kind: a file, or a schema of its own."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.db'}"
        return
    schema = f"flowdesk_test_{os.getpid()}"
    other = f"{schema}_other"
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {other} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {other}"))
        yield database_url.replace(f"%3D{schema}", f"%3D{other}")
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {other} CASCADE"))
        engine.dispose()


def make_history(uow: UnitOfWork, clock: FixedClock) -> None:
    """Two services with items, moves, a blocker, assignees, a stage group, an idempotency key
    and an API token: a row in every table that a service's work fills."""
    service = open_claims(uow, clock, doing_limit=5)
    doing, review = stage_id(service, "In progress"), stage_id(service, "Review")
    admin.create_stage_group(uow, clock, OPERATOR, "CLM", "Doing and review", [doing, review],
                             8)
    for n in range(6):
        uc.create_item(uow, clock, OPERATOR, CreateItem(
            "CLM", f"Refund {n}, \"Nordlys\" agência ✓", customer="Agência Nordlys",
            idempotency_key=f"mail-{n}" if n % 2 else None,
            assignees=("amira",) if n == 1 else ()))
    for key, stage in [("CLM-1", doing), ("CLM-2", doing), ("CLM-1", review),
                       ("CLM-3", stage_id(service, "Done"))]:
        uc.move_item(uow, clock, OPERATOR, MoveItem(key, stage))
    uc.block_item(uow, clock, OPERATOR, BlockItem("CLM-2", "waiting on the agency\nagain",
                                                  "customer"))
    uc.assign_item(uow, clock, OPERATOR, AssignItem("CLM-2", "bruno"))
    # Failure demand that refers to an item with a higher id (a copy inserts rows in id order).
    mark_failure_demand(uow, clock, OPERATOR, MarkFailureDemand("CLM-2", "complaint", "CLM-3"))
    admin.create_service(uow, clock, OPERATOR, CreateService("ITS", "IT service desk"))
    uc.create_item(uow, clock, OPERATOR, CreateItem("ITS", "Laptop for Ana"))
    token_of(uow, "amira")
