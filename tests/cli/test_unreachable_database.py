"""A database that cannot be opened stops every command that opens it with one line naming
the URL (without its password) and a non-zero exit status, never a traceback: a PostgreSQL
server on a closed port, and a SQLite file in a folder that does not exist."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowdesk.cli import main

PASSWORD = "s3cret-Pa55"
EXAMPLE_WORKFLOW = Path(__file__).resolve().parents[2] / "examples" / "bpic2013" / "workflow.toml"


def closed_port() -> int:
    """A local port nothing listens on (bound, then closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(params=["postgresql", "sqlite"])
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(URL, the same URL as it may be shown): PostgreSQL on a closed port with a password,
    or a SQLite file in a folder that does not exist."""
    if request.param == "postgresql":
        port = closed_port()
        return (f"postgresql://flowdesk:{PASSWORD}@127.0.0.1:{port}/flowdesk",
                f"postgresql://flowdesk:***@127.0.0.1:{port}/flowdesk")
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'flowdesk.db'}"
    return url, url


def commands(tmp_path: Path) -> dict[str, tuple[list[str], str | None]]:
    """Every command that opens the database, with arguments that are otherwise fine."""
    history = tmp_path / "history.csv"
    history.write_text("case,state,entered_at\n", encoding="utf-8")
    backup_file = tmp_path / "backup.db"
    backup_file.write_bytes(b"")
    return {
        "db upgrade": (["db", "upgrade"], None),
        "demo": (["demo", "--days", "1"], None),
        "export": (["export", "--service", "CLM", "--format", "csv"], None),
        "import": (["import", str(history), "--workflow", str(EXAMPLE_WORKFLOW),
                    "--service", "BPI"], None),
        "metrics": (["metrics", "--service", "CLM"], None),
        "forecast": (["forecast", "--service", "CLM", "--when", "5"], None),
        "report": (["report", "--service", "CLM", "-o", str(tmp_path / "report.html")], None),
        "user create": (["user", "create", "alice", "--password-stdin"], "long-password-1\n"),
        "user passwd": (["user", "passwd", "alice", "--password-stdin"], "long-password-1\n"),
        "member add": (["member", "add", "CLM", "alice", "viewer"], None),
        "token create": (["token", "create", "alice", "--scope", "read"], None),
        "backup": (["backup", str(tmp_path / "out.db")], None),
        "restore": (["restore", str(backup_file)], None),
        "migrate-db": (["migrate-db", "--to", f"sqlite:///{tmp_path / 'copy.db'}"], None),
        "run": (["run"], None),
        "serve": (["serve"], None),
    }


COMMANDS = list(commands(Path("/")))


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_on_an_unreachable_database_prints_one_line_naming_it(
        command: str, unreachable: tuple[str, str], tmp_path: Path) -> None:
    url, url_shown = unreachable
    args, stdin = commands(tmp_path)[command]
    result = CliRunner().invoke(main, args, input=stdin, env={
        "FLOWDESK_DATABASE_URL": url, "FLOWDESK_DATA_DIR": str(tmp_path / "data"),
        "FLOWDESK_SECRET_KEY": "x" * 40})
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: cannot open the database {url_shown}: ")
    assert result.stdout == ""
    assert PASSWORD not in result.output
    assert not (tmp_path / "no-such-folder").exists()  # no database made by mistake
    assert not (tmp_path / "out.db").exists() and not (tmp_path / "report.html").exists()


def test_the_installed_command_on_a_closed_postgresql_port_exits_1_with_one_line(
        tmp_path: Path) -> None:
    port = closed_port()
    env = {**os.environ, "FLOWDESK_DATABASE_URL":
           f"postgresql://flowdesk:{PASSWORD}@127.0.0.1:{port}/flowdesk",
           "FLOWDESK_DATA_DIR": str(tmp_path / "data"), "FLOWDESK_SECRET_KEY": "x" * 40}
    done = subprocess.run([sys.executable, "-m", "flowdesk", "db", "upgrade"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(
        f"Error: cannot open the database postgresql://flowdesk:***@127.0.0.1:{port}/flowdesk: ")
    assert "Connection refused" in done.stderr or "connection" in done.stderr.lower()
    assert PASSWORD not in done.stderr and "Traceback" not in done.stderr


def test_the_default_database_folder_is_made_when_missing(tmp_path: Path) -> None:
    data = tmp_path / "data" / "flowdesk"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={
        "FLOWDESK_DATABASE_URL": "", "FLOWDESK_DATA_DIR": str(data),
        "FLOWDESK_SECRET_KEY": "x" * 40})
    assert result.exit_code == 0, result.output
    assert (data / "flowdesk.db").is_file()
