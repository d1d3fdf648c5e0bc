"""The read-side queries (`services.queries`): counts for the service list, a board's cards,
the event feed. A constant number of queries each, never one per card."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from flowdesk.domain.items import Blocker, WorkItem
from flowdesk.domain.workflow import Phase
from flowdesk.storage import repository as repo
from flowdesk.storage.tables import blockers, item_assignees, item_events, items, services, stages


@dataclass(frozen=True)
class EventView:
    id: int
    service_id: int
    item_id: int | None
    item_key: str | None
    kind: str
    from_stage: str | None
    to_stage: str | None
    at: datetime
    actor: str
    reason: str | None
    payload: dict[str, Any]
    seq: int = 0  # the event's number within its service: the feed's cursor


def service_ids(conn: Connection) -> list[int]:
    """Every service, in key order."""
    return [int(i) for i in conn.execute(select(services.c.id).order_by(services.c.key))
            .scalars()]


def committed_counts(conn: Connection) -> dict[int, int]:
    """Items in the committed phase, by service."""
    return {int(s): int(n) for s, n in conn.execute(
        select(items.c.service_id, func.count()).select_from(
            items.join(stages, stages.c.id == items.c.stage_id))
        .where(stages.c.phase == Phase.COMMITTED.value).group_by(items.c.service_id)
    ).all()}


def blocked_counts(conn: Connection) -> dict[int, int]:
    """Items with an open blocker, by service."""
    return {int(s): int(n) for s, n in conn.execute(
        select(items.c.service_id, func.count()).select_from(
            blockers.join(items, items.c.id == blockers.c.item_id))
        .where(blockers.c.ended_at.is_(None)).group_by(items.c.service_id)
    ).all()}


def delivered_counts(conn: Connection, since: Mapping[int, datetime]) -> dict[int, int]:
    """Items delivered since each service's own instant (`since`: by service id), in one query."""
    if not since:
        return {}
    after = or_(*[and_(items.c.service_id == sid, items.c.delivered_at >= at)
                  for sid, at in since.items()])
    return {int(s): int(n) for s, n in conn.execute(
        select(items.c.service_id, func.count()).where(after).group_by(items.c.service_id)
    ).all()}


def stage_counts(conn: Connection, service_id: int) -> dict[int, int]:
    """Every item of the service, by stage."""
    return {int(s): int(n) for s, n in conn.execute(
        select(items.c.stage_id, func.count()).where(items.c.service_id == service_id)
        .group_by(items.c.stage_id)
    ).all()}


def board_cards(conn: Connection, service_id: int, open_ids: list[int], closed_ids: list[int],
                closed_since: datetime, per_stage_cap: int | None) -> list[WorkItem]:
    """The cards of the open stages, and of the closed ones those closed since `closed_since`,
    in stage and rank order."""
    shown = and_(items.c.service_id == service_id, or_(
        items.c.stage_id.in_(open_ids),
        and_(items.c.stage_id.in_(closed_ids),
             func.coalesce(items.c.delivered_at, items.c.discarded_at) >= closed_since),
    ))
    return _load_cards(conn, shown, per_stage_cap)


def _load_cards(conn: Connection, where: Any, per_stage_cap: int | None) -> list[WorkItem]:
    """Cards with their assignees and open blockers, in three queries."""
    query = select(items).where(where)
    if per_stage_cap is not None:
        position = func.row_number().over(
            partition_by=items.c.stage_id, order_by=(items.c.rank, items.c.id)
        ).label("pos")
        ranked = select(items, position).where(where).subquery()
        query = select(*[ranked.c[c.name] for c in items.columns]).where(
            ranked.c.pos <= per_stage_cap)
        rows = conn.execute(query.order_by(ranked.c.stage_id, ranked.c.rank, ranked.c.id)).all()
    else:
        rows = conn.execute(query.order_by(items.c.stage_id, items.c.rank, items.c.id)).all()
    ids = select(items.c.id).where(where).scalar_subquery()
    assignees: dict[int, list[str]] = defaultdict(list)
    for item_id, person in conn.execute(
        select(item_assignees.c.item_id, item_assignees.c.person)
        .where(item_assignees.c.item_id.in_(ids)).order_by(item_assignees.c.person)
    ):
        assignees[int(item_id)].append(str(person))
    open_blockers: dict[int, Blocker] = {}
    for b in conn.execute(
        select(blockers).where(and_(blockers.c.item_id.in_(ids), blockers.c.ended_at.is_(None)))
    ):
        open_blockers[int(b.item_id)] = Blocker(b.reason, b.category, b.started_at,
                                                started_by=b.started_by)
    return [
        repo.item_from_row(r, tuple(assignees.get(r.id, ())), open_blockers.get(r.id))
        for r in rows
    ]


def item_events_of(conn: Connection, item_id: int, limit: int) -> list[EventView]:
    """An item's events, oldest first."""
    return _events(conn, item_events.c.item_id == item_id, item_events.c.seq, limit)


def service_events(conn: Connection, service_id: int, after: int, limit: int) -> list[EventView]:
    """A service's events numbered after `after` (0: from the first), oldest first."""
    where = item_events.c.service_id == service_id
    if after:
        where = and_(where, item_events.c.seq > after)
    return _events(conn, where, item_events.c.seq, limit)


def _events(conn: Connection, where: Any, order: Any, limit: int) -> list[EventView]:
    from_stage = stages.alias("from_stage")
    to_stage = stages.alias("to_stage")
    query = (
        select(item_events, items.c.key.label("item_key"),
               from_stage.c.name.label("from_name"), to_stage.c.name.label("to_name"))
        .select_from(
            item_events.outerjoin(items, items.c.id == item_events.c.item_id)
            .outerjoin(from_stage, from_stage.c.id == item_events.c.from_stage_id)
            .outerjoin(to_stage, to_stage.c.id == item_events.c.to_stage_id)
        )
        .where(where)
    )
    rows = conn.execute(query.order_by(order).limit(limit)).all()
    return [
        EventView(int(r.id), int(r.service_id), r.item_id, r.item_key, r.kind, r.from_name,
                  r.to_name, r.at, r.actor, r.reason, dict(r.payload or {}), int(r.seq))
        for r in rows
    ]


def newest_event_id(conn: Connection, service_id: int) -> int:
    """The id of the service's newest event (0 before the first)."""
    newest = conn.execute(
        select(func.max(item_events.c.id)).where(item_events.c.service_id == service_id)
    ).scalar()
    return int(newest or 0)


def service_keys(conn: Connection, ids: list[int]) -> dict[int, str]:
    """The keys of these services, by id."""
    return {int(i): str(k) for i, k in conn.execute(
        select(services.c.id, services.c.key).where(services.c.id.in_(ids)))}


def assigned_open_item_ids(conn: Connection, user_id: int, limit: int) -> list[int]:
    """The upstream and committed items assigned to this user, oldest commitment first."""
    return [int(i) for i in conn.execute(
        select(items.c.id)
        .select_from(item_assignees.join(items, items.c.id == item_assignees.c.item_id)
                     .join(stages, stages.c.id == items.c.stage_id))
        .where(and_(item_assignees.c.user_id == user_id,
                    stages.c.phase.in_([Phase.UPSTREAM.value, Phase.COMMITTED.value])))
        .order_by(items.c.committed_at, items.c.arrived_at).limit(limit)
    ).scalars().all()]
