"""Every table, row by row, in a form both databases share: copy, count, checksum, wipe.

`flowdesk migrate-db` and the logical backup move rows with these. Rows are read through the
schema's own column types, so values come out the same from SQLite and PostgreSQL (UTC-aware
timestamps, dates, booleans, JSON), and are written back with their ids. Tables go in the
order of their foreign keys. A checksum is SHA-256 over a table's rows as canonical JSON
lines, in primary-key order; the event log's is `event_log_checksum`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    Table,
    TypeDecorator,
    bindparam,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)

from flowdesk.storage.tables import item_events, metadata, users

BATCH = 1_000
VERSION_TABLE = "alembic_version"
EVENT_LOG = item_events.name
MIGRATIONS_USER = "local"


def tables() -> list[Table]:
    """Every table of the schema, parents before the tables that refer to them."""
    return list(metadata.sorted_tables)


def plain(value: Any) -> Any:
    """A column's value as JSON: timestamps and dates in ISO 8601, the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def from_plain(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row read back from JSON, with its timestamps and dates as Python values again."""
    out = dict(row)
    for column in table.columns:
        value = out.get(column.name)
        kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
        if value is None or isinstance(kind, JSON):
            continue
        if isinstance(kind, DateTime):
            out[column.name] = datetime.fromisoformat(value)
        elif isinstance(kind, Date):
            out[column.name] = date.fromisoformat(value)
    return out


def line(row: dict[str, Any]) -> str:
    """One row as a canonical JSON line (keys sorted, no spaces, any text kept as it is)."""
    return json.dumps({k: plain(v) for k, v in row.items()}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def _numeric_key(table: Table) -> bool:
    return all(isinstance(c.type, Integer) for c in table.primary_key.columns)


def rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    """The table's rows, in batches from the database, ordered by primary key (numeric keys:
    the same order on both databases; text keys are put in order by `checksum`)."""
    query = select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=BATCH).execute(query)
    for row in result:
        yield dict(row._mapping)


def checksum(conn: Connection, table: Table) -> str:
    """SHA-256 of the table's rows as canonical lines, in one order whatever the database."""
    digest = hashlib.sha256()
    lines: Iterable[str] = (line(row) for row in rows(conn, table))
    if not _numeric_key(table):  # text sorts differently under each database's collation
        lines = sorted(lines)
    for text_line in lines:
        digest.update(text_line.encode("utf-8", "surrogatepass") + b"\n")
    return digest.hexdigest()


def event_log_checksum(conn: Connection) -> str:
    """SHA-256 of every row of the event log, in id order."""
    return checksum(conn, item_events)


@dataclass(frozen=True)
class Summary:
    """What a database holds: rows per table and a checksum of each table."""

    counts: dict[str, int]
    checksums: dict[str, str]

    @property
    def events(self) -> int:
        return self.counts.get(EVENT_LOG, 0)

    @property
    def event_checksum(self) -> str:
        return self.checksums.get(EVENT_LOG, "")

    def differences(self, other: Summary) -> list[str]:
        """Each table whose count or checksum differs, said in words."""
        found = []
        for name in sorted(set(self.counts) | set(other.counts)):
            mine, theirs = self.counts.get(name), other.counts.get(name)
            if mine != theirs:
                found.append(f"{name}: {mine} rows, then {theirs}")
            elif self.checksums.get(name) != other.checksums.get(name):
                found.append(f"{name}: the same {mine} rows in number, but not in content")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "checksums": self.checksums}


def summarise(conn: Connection) -> Summary:
    """Counts and checksums of every table, inside the caller's transaction (one snapshot)."""
    counts = {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
              for t in tables()}
    return Summary(counts, {t.name: checksum(conn, t) for t in tables()})


def rows_held(conn: Connection) -> dict[str, int]:
    """The tables of the schema that exist here and hold data, with their counts of rows. The
    `local` user the migrations make (0002) is no data: a new database holds it."""
    present = set(inspect(conn).get_table_names())
    counts = {t.name: int(conn.execute(select(func.count()).select_from(t).where(
        *([users.c.username != MIGRATIONS_USER] if t is users else []))).scalar_one())
        for t in tables() if t.name in present}
    return {name: n for name, n in counts.items() if n}


def drop_everything(conn: Connection) -> None:
    """Drop the schema's tables and Alembic's record of it: the database is empty again."""
    present = set(inspect(conn).get_table_names())
    cascade = " CASCADE" if conn.dialect.name == "postgresql" else ""
    names = [t.name for t in reversed(tables())] + [VERSION_TABLE]
    quote = conn.dialect.identifier_preparer.quote
    for name in names:
        if name in present:
            conn.execute(text(f"DROP TABLE {quote(name)}{cascade}"))


def delete_rows(conn: Connection) -> None:
    """Empty every table, the rows the migrations made included (a copy brings its own)."""
    for table in reversed(tables()):
        conn.execute(table.delete())


def _self_references(table: Table) -> list[str]:
    """Columns that refer to the table's own rows (an item's `stems_from_id`)."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def insert_rows(conn: Connection, table: Table, batch: Iterable[dict[str, Any]]) -> int:
    """Insert rows as they are, ids included; returns how many. A column that refers to the
    same table is filled in after every row is in: it may name a row with a higher id."""
    own = _self_references(table)
    if not own:
        return _insert(conn, table, batch)
    key = next(iter(table.primary_key.columns))
    later: list[dict[str, Any]] = []
    count = _insert(conn, table, _without(batch, own, later, key.name))
    for name in own:
        fill = (update(table).where(key == bindparam("b_key"))
                .values({name: bindparam(f"b_{name}")}))
        values = [{"b_key": row["key"], f"b_{name}": row[name]} for row in later
                  if row.get(name) is not None]
        for start in range(0, len(values), BATCH):
            conn.execute(fill, values[start:start + BATCH])
    return count


def _without(batch: Iterable[dict[str, Any]], own: list[str], later: list[dict[str, Any]],
             key: str) -> Iterator[dict[str, Any]]:
    """The rows with their self-referring columns emptied (kept in `later`)."""
    for row in batch:
        if any(row.get(name) is not None for name in own):
            later.append({"key": row[key], **{name: row[name] for name in own}})
            row = {**row, **{name: None for name in own}}
        yield row


def _insert(conn: Connection, table: Table, batch: Iterable[dict[str, Any]]) -> int:
    chunk: list[dict[str, Any]] = []
    count = 0
    for row in batch:
        chunk.append(row)
        if len(chunk) >= BATCH:
            conn.execute(insert(table), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        conn.execute(insert(table), chunk)
        count += len(chunk)
    return count


def copy_tables(source: Connection, target: Connection) -> dict[str, int]:
    """Copy every row of every table, ids kept; rows copied per table."""
    copied = {t.name: insert_rows(target, t, rows(source, t)) for t in tables()}
    reset_sequences(target)
    return copied


def reset_sequences(conn: Connection) -> None:
    """After rows were written with their ids, PostgreSQL's sequences carry on above them."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        conn.execute(select(func.setval(sequence, func.coalesce(func.max(column), 0) + 1,
                                        False)))


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one moment of the database, whatever commits meanwhile
    (PostgreSQL: REPEATABLE READ; SQLite under WAL: a read transaction is a snapshot)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
