"""Bulk writes of an imported history (`services.imports`): item numbers, items, events and
blockers, many rows a statement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from flowdesk.storage.tables import blockers, item_events, items, services


def service_id_of_key(conn: Connection, key: str) -> int | None:
    """The id of the service with this key, or None."""
    found = conn.execute(select(services.c.id).where(services.c.key == key)).first()
    return None if found is None else int(found.id)


def imported_ids(conn: Connection, service_id: int) -> set[str]:
    """The external ids of the service's items imported before."""
    return {str(e) for e in conn.execute(
        select(items.c.external_id).where(items.c.service_id == service_id,
                                          items.c.external_id.is_not(None))).scalars()}


def take_numbers(conn: Connection, service_id: int, how_many: int) -> int:
    """Reserve `how_many` item numbers of the service; the first of them."""
    first = int(conn.execute(select(services.c.next_number)
                             .where(services.c.id == service_id)).scalar_one())
    conn.execute(update(services).where(services.c.id == service_id)
                 .values(next_number=first + how_many))
    return first


def insert_items(conn: Connection, service_id: int,
                 rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert the items (each row with its `external_id`); their ids by external id."""
    conn.execute(insert(items), list(rows))
    return {str(e): int(i) for e, i in conn.execute(
        select(items.c.external_id, items.c.id).where(
            items.c.service_id == service_id,
            items.c.external_id.in_([r["external_id"] for r in rows]))
    ).all()}


def insert_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(item_events), list(rows))


def insert_blockers(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(blockers), list(rows))
