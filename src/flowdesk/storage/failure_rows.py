"""The rows of failure demand and first-time fix: links from failure items to the earlier
items they stem from, each service's first-time-fix window, and the services page's
headline figures (`services.failure_demand`, `services.flow_data`, `services.headlines`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from flowdesk.domain.workflow import Phase
from flowdesk.storage.tables import item_events, items, services, stages

_EARLIER = items.alias("earlier")
_FROM, _TO = stages.alias("from_stage"), stages.alias("to_stage")


def fix_window_days(conn: Connection, service_id: int) -> int | None:
    """The service's first-time-fix window in days, or None when never set."""
    days = conn.execute(select(services.c.fix_window_days)
                        .where(services.c.id == service_id)).scalar()
    return None if days is None else int(days)


def set_fix_window_days(conn: Connection, service_id: int, days: int) -> None:
    conn.execute(update(services).where(services.c.id == service_id)
                 .values(fix_window_days=days))


def links_to(conn: Connection, service_id: int) -> Sequence[Any]:
    """(key, arrived_at): for each failure item, from any service, that stems from an item
    of this service, the earlier item's key and when the failure item arrived."""
    return conn.execute(
        select(_EARLIER.c.key, items.c.arrived_at)
        .select_from(items.join(_EARLIER, _EARLIER.c.id == items.c.stems_from_id))
        .where(_EARLIER.c.service_id == service_id, items.c.failure_kind.is_not(None))
    ).all()


@dataclass(frozen=True)
class HeadlineRows:
    """What the services page's headline reads, for several services at once."""

    delivered: Sequence[Any]  # (id, service_id, arrived_at, delivered_at, due_at)
    arrived: dict[int, tuple[int, int]]  # by service: (arrivals, failure demand among them)
    reopened: set[int]  # ids of the delivered items once reopened
    links: Sequence[Any]  # (stems_from_id, arrived_at) of failure demand linked to them
    windows: dict[int, int | None]  # first-time-fix window by service (None: the default)


def headline_rows(conn: Connection, ids: Sequence[int], since: datetime,
                  now: datetime) -> HeadlineRows:
    """Five queries, whatever the number of services."""
    recent = and_(items.c.service_id.in_(ids), items.c.delivered_at >= since,
                  items.c.delivered_at <= now)
    delivered = conn.execute(
        select(items.c.id, items.c.service_id, items.c.arrived_at, items.c.delivered_at,
               items.c.due_at).where(recent)).all()
    arrived = {int(r.service_id): (int(r.total), int(r.failure)) for r in conn.execute(
        select(items.c.service_id, func.count().label("total"),
               func.count(items.c.failure_kind).label("failure"))
        .where(items.c.service_id.in_(ids), items.c.arrived_at >= since,
               items.c.arrived_at <= now)
        .group_by(items.c.service_id))}
    recent_ids = select(items.c.id).where(recent)
    reopened = {int(i) for i in conn.execute(
        select(item_events.c.item_id).distinct()
        .join(_FROM, _FROM.c.id == item_events.c.from_stage_id)
        .join(_TO, _TO.c.id == item_events.c.to_stage_id)
        .where(item_events.c.item_id.in_(recent_ids), item_events.c.kind == "moved",
               _FROM.c.phase == Phase.DONE.value,
               _TO.c.phase.in_([Phase.UPSTREAM.value, Phase.COMMITTED.value]))).scalars()}
    links = conn.execute(
        select(items.c.stems_from_id, items.c.arrived_at)
        .where(items.c.stems_from_id.in_(recent_ids), items.c.failure_kind.is_not(None))).all()
    windows = {int(r.id): r.fix_window_days for r in conn.execute(
        select(services.c.id, services.c.fix_window_days).where(services.c.id.in_(ids)))}
    return HeadlineRows(delivered, arrived, reopened, links, windows)
