"""The rows a service's flow data is built from (`services.flow_data`), in three bulk queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from flowdesk.storage.tables import blockers, item_events, items

FlowRows = tuple[Sequence[Any], Sequence[Any], Sequence[Any]]  # items, events, blockers


def flow_rows(conn: Connection, service_id: int, kinds: Sequence[str]) -> FlowRows:
    """The service's items (id, key, type, cos, customer, due_date), its events of these kinds
    (item_id, to_stage_id, at; by item, oldest first) and its blockers (item_id, started_at,
    ended_at, category)."""
    item_rows = conn.execute(
        select(items.c.id, items.c.key, items.c.type, items.c.cos, items.c.customer,
               items.c.due_date).where(items.c.service_id == service_id)
    ).all()
    event_rows = conn.execute(
        select(item_events.c.item_id, item_events.c.to_stage_id, item_events.c.at)
        .where(item_events.c.service_id == service_id,
               item_events.c.kind.in_(kinds))
        .order_by(item_events.c.item_id, item_events.c.id)
    ).all()
    block_rows = conn.execute(
        select(blockers.c.item_id, blockers.c.started_at, blockers.c.ended_at,
               blockers.c.category)
        .select_from(blockers.join(items, items.c.id == blockers.c.item_id))
        .where(items.c.service_id == service_id)
    ).all()
    return item_rows, event_rows, block_rows
