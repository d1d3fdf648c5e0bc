"""The command line starts at once: it imports the web, the database and the migrations only
for the commands that need them, so `flowdesk --help` and `flowdesk metrics --history` load
neither SQLAlchemy, Alembic nor FastAPI. Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from flowdesk.cli import COMMANDS, main

HEAVY = ("sqlalchemy", "fastapi", "alembic", "starlette", "uvicorn", "flowdesk.web",
         "flowdesk.api", "flowdesk.storage")

WORKFLOW = """\
[columns]
item = "key"
timestamp = "when"
state = "status"

[workflow]
timezone = "UTC"
upstream = ["Backlog"]
committed = ["Doing"]
done = ["Done"]
"""
HISTORY = """\
key,when,status
A-1,2024-03-01T09:00:00Z,Backlog
A-1,2024-03-02T09:00:00Z,Doing
A-1,2024-03-04T09:00:00Z,Done
A-2,2024-03-02T09:00:00Z,Backlog
A-2,2024-03-03T09:00:00Z,Doing
"""

PROBE = """\
import json, sys
{work}
loaded = sorted(name for name in sys.modules
                if any(name == h or name.startswith(h + ".") for h in {heavy!r}))
print("LOADED=" + json.dumps(loaded))
"""


def heavy_modules_after(work: str) -> list[str]:
    """Run `work` in a new interpreter; return the heavy modules it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(work=work, heavy=HEAVY)],
                          capture_output=True, text=True, timeout=120, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED="))
    loaded: list[str] = json.loads(line.removeprefix("LOADED="))
    return loaded


def test_importing_the_cli_loads_no_database_web_or_migrations() -> None:
    assert heavy_modules_after("import flowdesk.cli") == []


def test_help_loads_no_command_module() -> None:
    work = ("from flowdesk.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert not [m for m in sys.modules if m.startswith('flowdesk.cli.')], "
            "sorted(sys.modules)")
    assert heavy_modules_after(work) == []


def test_metrics_of_a_history_file_loads_no_database_web_or_migrations(
        tmp_path: Path) -> None:
    history, workflow = tmp_path / "history.csv", tmp_path / "workflow.toml"
    history.write_text(HISTORY)
    workflow.write_text(WORKFLOW)
    work = ("from flowdesk.cli import main\n"
            f"try:\n    main(['metrics', '--history', {str(history)!r}, '--workflow', "
            f"{str(workflow)!r}, '--format', 'json'])\n"
            "except SystemExit as exit:\n    assert not exit.code, exit.code")
    assert heavy_modules_after(work) == []


def test_a_database_command_still_loads_the_database() -> None:
    """The probe can see a heavy import: `flowdesk db` brings SQLAlchemy and Alembic."""
    loaded = heavy_modules_after("import flowdesk.cli.db")
    assert "sqlalchemy" in loaded and "alembic" in loaded


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_summary_in_help_is_the_commands_own(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.name == name
    assert COMMANDS[name][2] == command.get_short_help_str(limit=1000)


def test_help_lists_every_command() -> None:
    shown = subprocess.run(
        [sys.executable, "-c", "from flowdesk.cli import main; main()", "--help"],
        capture_output=True, text=True, timeout=60, check=True).stdout
    for name in COMMANDS:
        assert f"\n  {name} " in shown, shown


def test_the_script_hands_over_all_its_output_and_its_exit_code(tmp_path: Path) -> None:
    """`python -m flowdesk` runs what the installed script runs, which ends the process
    at once after a command that opened no database: its output must still be whole."""
    history, workflow = tmp_path / "history.csv", tmp_path / "workflow.toml"
    history.write_text(HISTORY)
    workflow.write_text(WORKFLOW)
    done = subprocess.run([sys.executable, "-m", "flowdesk", "metrics", "--history",
                           str(history), "--workflow", str(workflow), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["delivered_count"] == 1
    broken = tmp_path / "broken.toml"
    broken.write_text("[columns\n")
    failed = subprocess.run([sys.executable, "-m", "flowdesk", "metrics", "--history",
                             str(history), "--workflow", str(broken)],
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert "cannot read the workflow file broken.toml" in failed.stderr
