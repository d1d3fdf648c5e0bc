"""A service's demand-alert thresholds and the acknowledgements of its alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from flowdesk.storage.tables import alert_acknowledgements, demand_thresholds


def acknowledgements_on(conn: Connection, service_id: int, day: date) -> list[Any]:
    """The service's acknowledgements of that day, oldest first (rows: kind, day, note, actor,
    at)."""
    return list(conn.execute(select(alert_acknowledgements).where(
        alert_acknowledgements.c.service_id == service_id,
        alert_acknowledgements.c.day == day).order_by(alert_acknowledgements.c.id)))


def add_acknowledgement(conn: Connection, service_id: int, kind: str, day: date, note: str,
                        actor: str, at: datetime) -> None:
    conn.execute(insert(alert_acknowledgements).values(
        service_id=service_id, kind=kind, day=day, note=note, actor=actor, at=at))


def stored_thresholds(conn: Connection, service_id: int) -> dict[str, Any]:
    """The thresholds the service has changed from their defaults (empty: none)."""
    stored = conn.execute(select(demand_thresholds.c["values"]).where(
        demand_thresholds.c.service_id == service_id)).scalar()
    return dict(stored or {})


def replace_thresholds(conn: Connection, service_id: int, values: dict[str, Any]) -> None:
    conn.execute(delete(demand_thresholds).where(demand_thresholds.c.service_id == service_id))
    conn.execute(insert(demand_thresholds).values(service_id=service_id, values=values))
