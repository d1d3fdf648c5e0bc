"""`flowdesk demo` through click's CliRunner, on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from flowdesk.cli import main
from flowdesk.storage.db import make_engine
from flowdesk.storage.tables import items

END = "2026-03-02T12:00"


def flowdesk(database: Path, *args: str) -> Result:
    """Run the CLI on this database, with the data folder (the demo's accounts file) beside
    it."""
    return CliRunner().invoke(main, list(args),
                              env={"FLOWDESK_DATABASE_URL": f"sqlite:///{database}",
                                   "FLOWDESK_DATA_DIR": str(database.parent / "data" / "flowdesk")})


def test_demo_loads_both_services_and_prints_a_summary(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    result = flowdesk(database, "demo", "--days", "5", "--end", END, "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Loaded the demo services CLM and INT" in result.stdout
    assert "over 5 days (2026-02-25 12:00 to 2026-03-02 12:00 UTC)" in result.stdout
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(items)).scalar_one()
    engine.dispose()
    assert f"{count:,} items" in result.stdout and count > 50


def test_demo_refuses_a_database_that_already_has_the_demo(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    assert flowdesk(database, "demo", "--days", "2", "--end", END).exit_code == 0
    again = flowdesk(database, "demo", "--days", "2", "--end", END)
    assert again.exit_code == 1
    assert "already exist (CLM, INT)" in again.stderr
    assert "Traceback" not in again.output


def test_demo_refuses_a_period_out_of_range(tmp_path: Path) -> None:
    result = flowdesk(tmp_path / "demo.db", "demo", "--days", "0")
    assert result.exit_code == 2
    assert "--days" in result.stderr


def test_demo_is_listed_in_the_commands(tmp_path: Path) -> None:
    result = flowdesk(tmp_path / "demo.db", "--help")
    assert "demo" in result.stdout
