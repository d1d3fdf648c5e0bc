"""One full default run (seed 7, 182 days) shared by the slow tests: six months of two services
take a while, so they are simulated once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_env import END, DemoRun, fresh_sqlite

from flowdesk.demo import run_demo
from flowdesk.storage.unit_of_work import UnitOfWork


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    """The default scenario on SQLite, ending at END."""
    engine = fresh_sqlite(tmp_path_factory.mktemp("demo") / "default.db")
    uow = UnitOfWork(engine)
    yield DemoRun(engine, uow, run_demo(uow, end=END))
    engine.dispose()
