"""PostgreSQL's own tools for a backup: `pg_dump` of the database's schema, and `pg_restore`.

The archive is pg_dump's custom format, so an operator can also read it with `pg_restore`
by hand. It names its schema: it restores into a database whose schema has that name.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.engine import URL

from flowdesk.domain.errors import FlowdeskError

MAGIC = b"PGDMP"
TIMEOUT = 6 * 3600  # seconds: a big database takes long, a hung tool must still end
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ (COMMENT - )?SCHEMA ")
_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ")


class ToolFailed(FlowdeskError):
    code = "backup"


def available() -> bool:
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, and the environment that carries its password (never on a
    command line, where other users of the machine could read it)."""
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def quoted(name: str) -> str:
    """A schema name as a pg_dump pattern that matches only that name."""
    return '"' + name.replace('"', '""') + '"'


def run(command: list[str], env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603 - no shell
                              timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise ToolFailed(f"{command[0]} is not installed") from None
    if done.returncode != 0:
        raise ToolFailed(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def dump(conn: Connection, url: URL, out: Path) -> None:
    """pg_dump the connection's schema into `out`, as of the connection's transaction: it
    must be REPEATABLE READ and have run nothing yet, so what the caller reads in it is what
    the archive holds."""
    snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    dsn, env = libpq(url)
    run(["pg_dump", "--format=custom", f"--schema={quoted(schema)}", f"--snapshot={snapshot}",
         f"--file={out}", dsn], env)


def archive_schema(archive: Path) -> str:
    """The schema whose tables the archive holds."""
    listing = run(["pg_restore", "--list", str(archive)], dict(os.environ))
    for line in listing.splitlines():
        match = _TABLE_ENTRY.match(line)
        if match:
            return match.group(1)
    raise ToolFailed(f"{archive} holds no tables")


def restore(archive: Path, url: URL) -> None:
    """Load the archive into the database: its tables, rows, sequences and indexes, in one
    transaction. The schema itself is left out (the database has it already)."""
    listing = run(["pg_restore", "--list", str(archive)], dict(os.environ))
    wanted = "\n".join(line for line in listing.splitlines() if not _SCHEMA_ENTRY.match(line))
    dsn, env = libpq(url)
    with tempfile.TemporaryDirectory(prefix="flowdesk-restore-") as tmp:
        entries = Path(tmp) / "entries.list"
        entries.write_text(wanted + "\n", encoding="utf-8")
        run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--use-list={entries}", f"--dbname={dsn}", str(archive)],
            env)
