"""The rows breach risk is scored from (`services.risk_scores`, `services.promise_views`):
open items with a due date or time, recent deliveries, and item titles by key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from flowdesk.storage.tables import items, stages


def open_due_rows(conn: Connection, service_id: int) -> list[tuple[object, ...]]:
    """(key, title, cos, stage name, committed_at, due_at, due_date) of every open item
    (upstream or committed) of the service with a due date or a due time."""
    query = (select(items.c.key, items.c.title, items.c.cos, stages.c.name,
                    items.c.committed_at, items.c.due_at, items.c.due_date)
             .join(stages, and_(stages.c.id == items.c.stage_id,
                                stages.c.phase.in_(("upstream", "committed"))))
             .where(items.c.service_id == service_id,
                    items.c.due_at.is_not(None) | items.c.due_date.is_not(None)))
    return [tuple(r) for r in conn.execute(query)]


def delivered_between(conn: Connection, service_id: int, since: datetime,
                      until: datetime) -> Sequence[Any]:
    """(cos, committed_at, delivered_at) of the service's items delivered in [since, until]
    that were committed."""
    return conn.execute(
        select(items.c.cos, items.c.committed_at, items.c.delivered_at)
        .join(stages, and_(stages.c.id == items.c.stage_id, stages.c.phase == "done"))
        .where(items.c.service_id == service_id, items.c.delivered_at >= since,
               items.c.delivered_at <= until, items.c.committed_at.is_not(None))).all()


def titles_by_key(conn: Connection, keys: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    return {str(k): str(t) for k, t in conn.execute(
        select(items.c.key, items.c.title).where(items.c.key.in_(wanted)))}
