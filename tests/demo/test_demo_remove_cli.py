"""`flowdesk demo --remove` removes the services the demo loaded, with all their rows, and
leaves a service of one's own, and the accounts, as they were."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from cast import OPERATOR
from flowdesk.cli import main
from flowdesk.domain.clock import SystemClock
from flowdesk.services import admin
from flowdesk.services.commands import CreateService
from flowdesk.storage.db import make_engine
from flowdesk.storage.tables import item_events, items, services, users
from flowdesk.storage.unit_of_work import UnitOfWork


def run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["demo", *args], env={
        "FLOWDESK_DATABASE_URL": f"sqlite:///{folder / 'flowdesk.db'}",
        "FLOWDESK_DATA_DIR": str(folder / "data")})


def test_demo_remove_deletes_the_demo_services_and_keeps_ones_own(tmp_path: Path) -> None:
    loaded = run(tmp_path, "--days", "2", "--end", "2026-03-02T12:00")
    assert loaded.exit_code == 0, loaded.output
    engine = make_engine(f"sqlite:///{tmp_path / 'flowdesk.db'}")
    try:
        uow = UnitOfWork(engine)
        # Someone's own service, even under a key like the demo's, is not the demo.
        mine = admin.create_service(uow, SystemClock(), OPERATOR, CreateService(
            key="OWN", name="Our desk", template="empty"))
        with engine.connect() as conn:
            people = conn.execute(select(func.count()).select_from(users)).scalar_one()

        removed = run(tmp_path, "--remove")
        assert removed.exit_code == 0, removed.output
        assert "Removed the demo service CLM" in removed.output
        assert "Removed the demo service INT" in removed.output
        with engine.connect() as conn:
            assert conn.execute(select(services.c.key)).scalars().all() == ["OWN"]
            assert conn.execute(select(func.count()).select_from(items)).scalar_one() == 0
            assert set(conn.execute(select(item_events.c.service_id)).scalars()) == {mine.id}
            assert conn.execute(select(func.count()).select_from(users)).scalar_one() == people

        again = run(tmp_path, "--remove")
        assert again.exit_code == 0, again.output
        assert "There is no demo to remove" in again.output
    finally:
        engine.dispose()
