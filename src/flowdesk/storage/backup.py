"""Backups, restores and moving a database between SQLite and PostgreSQL.

- `backup` copies a running database to a file. SQLite: the online backup API, one consistent
  copy while writers carry on. PostgreSQL: `pg_dump` when it is installed (see `pgdump`),
  else a logical export: every table as JSON lines in a zip, with a manifest of row counts
  and checksums (`tablecopy`). `logical=True` asks for the logical export on either database.
- `restore` puts a backup into a database, refusing one that holds rows unless `force`.
  A SQLite file goes back into SQLite whole, or into PostgreSQL row by row; a pg_dump archive
  into PostgreSQL; a logical export anywhere. The schema is then brought up to date.
- `migrate` copies every table from one database to another with ids kept, then compares
  the row counts and checksums of every table, the event log's included, before committing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from flowdesk.domain.errors import FlowdeskError
from flowdesk.storage import pgdump
from flowdesk.storage.db import BUSY_TIMEOUT_MS, make_engine, normalise_url
from flowdesk.storage.migrate import current_revision, head_revision, upgrade
from flowdesk.storage.tablecopy import (
    Summary,
    copy_tables,
    delete_rows,
    drop_everything,
    from_plain,
    insert_rows,
    line,
    reset_sequences,
    rows,
    rows_held,
    snapshot,
    summarise,
    tables,
)

SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
LOGICAL_FORMAT = "flowdesk-logical-backup"


class BackupError(FlowdeskError):
    code = "backup"


@dataclass(frozen=True)
class Outcome:
    """How a backup or a restore was made, and what the result holds (None: a schema older
    than this Flowdesk's, whose tables it does not read)."""

    method: str
    summary: Summary | None


def backup(url: str, out: Path, *, logical: bool = False) -> Outcome:
    """Copy the database at `url` to the file `out`; written whole or not at all."""
    partial = out.with_name(f".{out.name}.partial")
    engine = make_engine(url)
    try:
        if logical or (engine.dialect.name == "postgresql" and not pgdump.available()):
            outcome = _write_logical(engine, partial)
        elif engine.dialect.name == "sqlite":
            outcome = _sqlite_backup(engine, partial)
        else:
            outcome = _pg_dump(engine, partial)
        os.replace(partial, out)
        return outcome
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()


def restore(url: str, source: Path, *, force: bool = False) -> Outcome:
    """Replace the database at `url` with the backup in `source`."""
    kind = backup_kind(source)
    if kind == "pg_dump" and make_url(normalise_url(url)).get_backend_name() != "postgresql":
        raise BackupError("a pg_dump archive restores into PostgreSQL only; make a logical "
                          "backup (`flowdesk backup --logical`) to restore it elsewhere")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            held = rows_held(conn)
        if held and not force:
            raise BackupError(f"the database is not empty ({_rows_in_words(held)}); a restore "
                              "replaces everything in it: add --force to do that")
        if kind == "pg_dump":
            method = _pg_restore(engine, source)
        elif kind == "sqlite" and engine.dialect.name == "sqlite":
            method = _sqlite_restore(engine, source)
        elif kind == "sqlite":
            method = _copy_from_sqlite_file(engine, source)
        else:
            method = _read_logical(engine, source)
        upgrade(engine)
        with snapshot(engine) as conn:
            return Outcome(method, summarise(conn))
    finally:
        engine.dispose()


def migrate(source_url: str, target_url: str, *, force: bool = False) -> tuple[Summary,
                                                                                Summary]:
    """Copy the database at `source_url` into the one at `target_url`; the summaries of both,
    equal (else the copy is rolled back and BackupError says which tables differ)."""
    if make_url(normalise_url(source_url)) == make_url(normalise_url(target_url)):
        raise BackupError("the source and the target are the same database", "--to")
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        _require_head(source, "run `flowdesk db upgrade` on it first")
        with target.begin() as conn:
            held = rows_held(conn)
            if held and not force:
                raise BackupError(f"the target database is not empty ({_rows_in_words(held)});"
                                  " add --force to replace everything in it", "--to")
        _replace_schema(target)
        with snapshot(source) as reading, target.begin() as writing:
            copy_tables(reading, writing)
            return _verified(summarise(reading), summarise(writing))
    finally:
        source.dispose()
        target.dispose()


def backup_kind(path: Path) -> str:
    """"sqlite", "pg_dump" or "logical", by the file's first bytes."""
    with path.open("rb") as file:
        head = file.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(pgdump.MAGIC):
        return "pg_dump"
    if head.startswith(ZIP_MAGIC):
        return "logical"
    raise BackupError(f"{path} is not a Flowdesk backup (a SQLite file, a pg_dump archive or "
                      "a logical export)")


# --- SQLite ---------------------------------------------------------------------------------

def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    assert database
    return database


def _read_only(path: Path) -> Engine:
    """An engine that reads a SQLite file without changing a byte of it."""
    return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")


def _sqlite_backup(engine: Engine, out: Path) -> Outcome:
    source = sqlite3.connect(_sqlite_path(engine), timeout=BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(out)
    try:
        source.backup(copy)  # all pages in one step: one consistent moment, writers go on
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
    finally:
        copy.close()
        source.close()
    return Outcome("SQLite online backup", _summary_of_file(out))


def _summary_of_file(path: Path) -> Summary | None:
    engine = _read_only(path)
    try:
        with engine.connect() as conn:
            if conn.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
                raise BackupError(f"{path} is damaged: SQLite's integrity check fails")
            if current_revision(conn) != head_revision():
                return None
            return summarise(conn)
    finally:
        engine.dispose()


def _sqlite_restore(engine: Engine, source: Path) -> str:
    _summary_of_file(source)  # refuses a damaged file before anything is overwritten
    engine.dispose()
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(_sqlite_path(engine), timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        backup_file.backup(target)
    finally:
        target.close()
        backup_file.close()
    return "SQLite online backup, copied back"


def _copy_from_sqlite_file(engine: Engine, source: Path) -> str:
    """A SQLite backup into PostgreSQL: a copy of the file, brought up to date, row by row."""
    with tempfile.TemporaryDirectory(prefix="flowdesk-restore-") as tmp:
        copy = Path(tmp) / "backup.db"
        shutil.copyfile(source, copy)
        reading = make_engine(f"sqlite:///{copy}")
        try:
            upgrade(reading)
            _replace_schema(engine)
            with snapshot(reading) as conn, engine.begin() as writing:
                copy_tables(conn, writing)
                _verified(summarise(conn), summarise(writing))
        finally:
            reading.dispose()
    return "SQLite backup, copied row by row"


# --- PostgreSQL -----------------------------------------------------------------------------

def _pg_dump(engine: Engine, out: Path) -> Outcome:
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            pgdump.dump(conn, engine.url, out)
            at_head = current_revision(conn) == head_revision()
            return Outcome("pg_dump", summarise(conn) if at_head else None)


def _pg_restore(engine: Engine, archive: Path) -> str:
    with engine.begin() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        archived = pgdump.archive_schema(archive)
        if archived != schema:
            raise BackupError(f"this pg_dump archive holds schema {archived!r}, and the "
                              f"database uses {schema!r}: restore it into that schema, or "
                              "make a logical backup (`flowdesk backup --logical`)")
        drop_everything(conn)
    engine.dispose()
    pgdump.restore(archive, engine.url)
    return "pg_restore"


# --- logical export -------------------------------------------------------------------------

def _write_logical(engine: Engine, out: Path) -> Outcome:
    _require_head(engine, "run `flowdesk db upgrade` first, or back it up with its own tool")
    with snapshot(engine) as conn, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables():
            with archive.open(f"tables/{table.name}.jsonl", "w") as member:
                for row in rows(conn, table):
                    member.write((line(row) + "\n").encode("utf-8", "surrogatepass"))
        summary = summarise(conn)
        manifest = {"format": LOGICAL_FORMAT, "version": 1, "revision": head_revision(),
                    "dialect": engine.dialect.name, **summary.as_dict()}
        archive.writestr("manifest.json", json.dumps(manifest, indent=1, sort_keys=True))
    return Outcome("logical export", summary)


def _read_logical(engine: Engine, source: Path) -> str:
    with zipfile.ZipFile(source) as archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except KeyError:
            raise BackupError(f"{source} is a zip file but not a Flowdesk backup") from None
        if manifest.get("format") != LOGICAL_FORMAT:
            raise BackupError(f"{source} is not a Flowdesk logical backup")
        if manifest.get("revision") != head_revision():
            raise BackupError(f"{source} was made at schema revision {manifest.get('revision')}"
                              f" and this Flowdesk is at {head_revision()}: restore it with the"
                              " Flowdesk that made it, then upgrade")
        _replace_schema(engine)
        with engine.begin() as conn:
            for table in tables():
                with archive.open(f"tables/{table.name}.jsonl") as member:
                    text = io.TextIOWrapper(member, encoding="utf-8", errors="surrogatepass")
                    insert_rows(conn, table, (from_plain(table, json.loads(raw))
                                              for raw in text))
            reset_sequences(conn)
            expected = Summary(manifest["counts"], manifest["checksums"])
            _verified(expected, summarise(conn))
    return "logical export"


# --- shared ---------------------------------------------------------------------------------

def _replace_schema(engine: Engine) -> None:
    """An empty schema at this Flowdesk's revision, whatever the database held before: not
    even the rows the migrations make (the copy brings its own)."""
    with engine.begin() as conn:
        drop_everything(conn)
    upgrade(engine)
    with engine.begin() as conn:
        delete_rows(conn)


def _require_head(engine: Engine, advice: str) -> None:
    with engine.connect() as conn:
        revision = current_revision(conn)
    if revision is None:
        raise BackupError(f"{engine.url.render_as_string()} holds no Flowdesk database")
    if revision != head_revision():
        raise BackupError(f"the database's schema is at revision {revision}, not at this "
                          f"Flowdesk's {head_revision()}: {advice}")


def _verified(expected: Summary, found: Summary) -> tuple[Summary, Summary]:
    differences = expected.differences(found)
    if differences:
        raise BackupError("the copy differs from the original: " + "; ".join(differences))
    return expected, found


def _rows_in_words(held: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in sorted(held.items()))
