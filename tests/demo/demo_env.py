"""What the demo tests share: the time every run ends at, and a fresh SQLite database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from flowdesk.demo import DemoSummary
from flowdesk.storage.db import make_engine
from flowdesk.storage.migrate import upgrade
from flowdesk.storage.unit_of_work import UnitOfWork

END = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, just after the noon cut-off


def fresh_sqlite(path: Path) -> Engine:
    """A migrated, empty SQLite database in a file."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


@dataclass(frozen=True)
class DemoRun:
    engine: Engine
    uow: UnitOfWork
    summary: DemoSummary
