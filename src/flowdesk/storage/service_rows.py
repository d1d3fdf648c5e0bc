"""Every row that belongs to a service, in every table: to count them and to delete them.

A row belongs to a service when its table refers to `services` (the service's own row, its
stages, items, events, memberships, ...) or refers to a table whose rows belong to it (an
item's assignees and blockers, a stage group's members, an agreement's versions). The tables
are read from the schema, so a table added later is covered without a change here.
Shared rows (users, customers, calendars, skill levels) belong to no service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, delete, func, select, update

from flowdesk.storage.tables import metadata, services


def _owned(table: Table, service_id: int,
           seen: dict[str, ColumnElement[bool] | None]) -> ColumnElement[bool] | None:
    """The condition that picks the service's rows of `table`, or None: it has none."""
    if table.name in seen:
        return seen[table.name]
    seen[table.name] = None  # no cycle through the schema's foreign keys
    if table is services:
        found: ColumnElement[bool] | None = services.c.id == service_id
    else:
        found = None
        fks = sorted(table.foreign_keys, key=lambda fk: fk.column.table is not services)
        for fk in fks:  # a direct reference to the service first
            parent = fk.column.table
            if not isinstance(parent, Table):
                continue
            if parent is services:
                found = fk.parent == service_id
                break
            through = _owned(parent, service_id, seen)
            if through is not None:
                found = fk.parent.in_(select(fk.column).where(through))
                break
    seen[table.name] = found
    return found


def owned_tables(service_id: int) -> list[tuple[Table, ColumnElement[bool]]]:
    """Each table holding rows of the service, with the condition that picks them, parents
    first (the order to insert in; delete in the reverse)."""
    seen: dict[str, ColumnElement[bool] | None] = {}
    found = []
    for table in metadata.sorted_tables:
        where = _owned(table, service_id, seen)
        if where is not None:
            found.append((table, where))
    return found


def count_rows(conn: Connection, service_id: int) -> dict[str, int]:
    """How many rows of each table belong to the service."""
    return {table.name: int(conn.execute(select(func.count()).select_from(table)
                                         .where(where)).scalar_one())
            for table, where in owned_tables(service_id)}


def delete_rows(conn: Connection, service_id: int) -> dict[str, int]:
    """Delete every row of the service, children before parents, in the caller's
    transaction; how many went from each table."""
    gone: dict[str, int] = {}
    for table, where in reversed(owned_tables(service_id)):
        result: Any = conn.execute(delete(table).where(where))
        gone[table.name] = int(result.rowcount)
    return gone


def set_archived_at(conn: Connection, service_id: int, at: datetime | None) -> None:
    """Archive the service as of `at`, or (None) restore it."""
    conn.execute(update(services).where(services.c.id == service_id).values(archived_at=at))


def demo_keys(conn: Connection) -> list[str]:
    """The keys of the services the demo loaded, archived or not."""
    return [str(k) for k in conn.execute(
        select(services.c.key).where(services.c.demo.is_(True)).order_by(services.c.key)
    ).scalars()]
