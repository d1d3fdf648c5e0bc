"""A service's configured service level targets (`service_level_targets`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, insert, select

from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.service_levels import ServiceLevelTarget
from flowdesk.storage.tables import service_level_targets as table


def targets_of(conn: Connection, service_id: int) -> list[ServiceLevelTarget]:
    """The service's targets: the whole service's first, then by class."""
    rows = conn.execute(select(table.c.cos, table.c.percentile, table.c.days)
                        .where(table.c.service_id == service_id).order_by(table.c.id))
    found = [ServiceLevelTarget(int(r.percentile), int(r.days),
                                None if r.cos is None else ClassOfService(r.cos))
             for r in rows]
    return sorted(found, key=lambda t: (t.cos is not None, t.cos or ""))


def replace_targets(conn: Connection, service_id: int,
                    targets: Iterable[ServiceLevelTarget]) -> None:
    """Make these the service's targets, in place of the ones it had."""
    conn.execute(delete(table).where(table.c.service_id == service_id))
    rows = [{"service_id": service_id, "cos": None if t.cos is None else t.cos.value,
             "percentile": t.percentile, "days": t.days} for t in targets]
    if rows:
        conn.execute(insert(table), rows)
