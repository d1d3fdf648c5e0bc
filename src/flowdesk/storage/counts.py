"""Row counts the command line asks for: how many services, how many events a service has."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from flowdesk.storage.tables import item_events, services


def service_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(services)).scalar_one())


def event_count(conn: Connection, service_id: int) -> int:
    """The events in a service's log."""
    return int(conn.execute(select(func.count()).select_from(item_events)
                            .where(item_events.c.service_id == service_id)).scalar_one())
