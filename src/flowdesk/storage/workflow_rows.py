"""The rows of a workflow change: stages written, locked and counted, CONWIP memberships
removed, and the service's `workflow_changed` events (`services.workflow_design`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from flowdesk.domain.workflow import Service
from flowdesk.domain.workflow_change import PlannedStage
from flowdesk.storage.reads import EventView, events_where
from flowdesk.storage.tables import (
    item_events,
    items,
    services,
    stage_group_members,
    stage_groups,
    stages,
)


def lock_stages(conn: Connection, service_id: int) -> None:
    """Lock every stage of the service (PostgreSQL), in id order."""
    conn.execute(select(stages.c.id).where(stages.c.service_id == service_id)
                 .order_by(stages.c.id).with_for_update())


def items_in_stages(conn: Connection, stage_ids: Iterable[int]) -> list[tuple[int, str]]:
    """(stage id, item key) of every item in these stages, by stage and number."""
    rows = conn.execute(
        select(items.c.stage_id, items.c.key).where(items.c.stage_id.in_(sorted(stage_ids)))
        .order_by(items.c.stage_id, items.c.number)
    )
    return [(int(r.stage_id), str(r.key)) for r in rows]


def set_deliver_from_any_stage(conn: Connection, service_id: int, allowed: bool) -> None:
    conn.execute(update(services).where(services.c.id == service_id)
                 .values(deliver_from_any_stage=allowed))


def write_stages(conn: Connection, service: Service, planned: tuple[PlannedStage, ...],
                 now: datetime) -> None:
    """Insert the new stages and update the kept ones (retiring or restoring them)."""
    current = {s.id: s for s in service.all_stages()}
    renamed = [p for p in planned if p.id is not None and p.name != current[p.id].name]
    # Names are unique per service: two stages that swap names pass through free ones.
    for p in renamed:
        conn.execute(update(stages).where(stages.c.id == p.id)
                     .values(name=f"~{uuid.uuid4().hex}"))
    for p in planned:
        values: dict[str, object] = {
            "name": p.name, "phase": p.phase.value, "kind": p.kind.value,
            "position": p.position, "wip_limit": p.wip_limit, "policy": p.policy}
        if p.id is None:
            conn.execute(insert(stages).values(service_id=service.id, retired_at=None,
                                               **values))
            continue
        was_retired = current[p.id] in service.retired_stages
        if p.retired and not was_retired:
            values["retired_at"] = now
        elif was_retired and not p.retired:
            values["retired_at"] = None
        conn.execute(update(stages).where(stages.c.id == p.id).values(**values))


def remove_group_members(conn: Connection, members: Iterable[tuple[int, int]],
                         groups: Iterable[int]) -> None:
    """Take stages out of their CONWIP groups, and remove whole groups."""
    for group_id, stage_id in members:
        conn.execute(delete(stage_group_members).where(
            stage_group_members.c.group_id == group_id,
            stage_group_members.c.stage_id == stage_id))
    for group_id in groups:
        conn.execute(delete(stage_group_members).where(
            stage_group_members.c.group_id == group_id))
        conn.execute(delete(stage_groups).where(stage_groups.c.id == group_id))


def items_per_stage(conn: Connection, service_id: int) -> dict[int, int]:
    return {int(sid): int(n) for sid, n in conn.execute(
        select(items.c.stage_id, func.count()).where(items.c.service_id == service_id)
        .group_by(items.c.stage_id))}


def workflow_changes(conn: Connection, service_id: int, limit: int) -> list[EventView]:
    """The service's `workflow_changed` events, newest first."""
    return events_where(
        conn, and_(item_events.c.service_id == service_id,
                   item_events.c.kind == "workflow_changed"),
        item_events.c.seq.desc(), limit)
