"""A service's event log as the analytics library's neutral timeline.

Rows come from `item_events` (`created` and `moved` events: the stage an item entered, when),
blocked intervals from `blockers`, item attributes from `items`. The workflow comes from the
service's stages, retired ones included, under their current names: phases as they are,
committed activity stages count as active and committed queues as waiting (other stages as
neither), days in the service's timezone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from flowdesk.analytics import BlockRow, Timeline, Workflow
from flowdesk.domain.failure_demand import DEFAULT_FIX_WINDOW_DAYS
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, Service, StageKind
from flowdesk.services.failure_demand import fix_window
from flowdesk.services.queries import readable_service
from flowdesk.storage import failure_rows
from flowdesk.storage.flow_rows import FlowRows, flow_rows
from flowdesk.storage.unit_of_work import UnitOfWork

STATE_EVENTS = ("created", "moved")


@dataclass(frozen=True)
class FlowData:
    service: Service
    timeline: Timeline
    workflow: Workflow
    due_dates: dict[str, date]  # open or closed items with a due date, by key
    # What an agreement promised at arrival, by key: the due instant and the version.
    due_at: dict[str, datetime] = field(default_factory=dict)
    agreements: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Failure demand linked to this service's items, from any service: (the earlier item's
    # key, when the failure item arrived); and the service's first-time-fix window.
    failure_links: tuple[tuple[str, datetime], ...] = ()
    fix_window_days: int = DEFAULT_FIX_WINDOW_DAYS


def workflow_of(service: Service) -> Workflow:
    """The analytics view of a service's workflow."""
    # Retired stages too, in their place: their history stays in every chart.
    every = service.all_stages()
    names = {phase: tuple(s.name for s in every if s.phase is phase) for phase in Phase}
    # Only committed stages are active or waiting: time back upstream, or in a done stage
    # before a reopening, is neither (as in a workflow file that classifies its states).
    committed = [s for s in every if s.phase is Phase.COMMITTED]
    return Workflow(
        upstream=names[Phase.UPSTREAM],
        committed=names[Phase.COMMITTED],
        done=names[Phase.DONE],
        discarded=names[Phase.DISCARDED],
        active=tuple(s.name for s in committed if s.kind is StageKind.ACTIVITY),
        waiting=tuple(s.name for s in committed if s.kind is StageKind.QUEUE),
        timezone=service.timezone,
    )


def _block(key: str, start: datetime, end: datetime | None, category: str) -> BlockRow:
    return (key, start, end, category)


def load_flow_data(uow: UnitOfWork, actor: Actor, service_key: str) -> FlowData:
    """Read a service's whole history in bulk queries, when the actor may read it."""
    with uow.read() as conn:
        service = readable_service(conn, actor, service_key)
        rows = flow_rows(conn, service.id, STATE_EVENTS)
        links = failure_rows.links_to(conn, service.id)
        window = fix_window(conn, service.id)
    return _flow_data(service, rows, links, window)  # built once the read is over


def read_flow_data(conn: Connection, service: Service) -> FlowData:
    """Read a service's whole history in bulk queries (the caller has authorised)."""
    return _flow_data(service, flow_rows(conn, service.id, STATE_EVENTS),
                      failure_rows.links_to(conn, service.id), fix_window(conn, service.id))


def _flow_data(service: Service, rows: FlowRows, link_rows: Sequence[Any],
               window: int) -> FlowData:
    item_rows, event_rows, block_rows = rows
    stage_names = {s.id: s.name for s in service.all_stages()}  # renamed: the new name
    keys = {int(r.id): str(r.key) for r in item_rows}
    with_history = {int(r.item_id) for r in event_rows}
    timeline = Timeline.from_rows(
        items=[keys[int(r.item_id)] for r in event_rows],
        states=[stage_names[int(r.to_stage_id)] for r in event_rows],
        entered_at=[r.at for r in event_rows],
        attributes={
            "type": {str(r.key): str(r.type) for r in item_rows},
            "class_of_service": {str(r.key): str(r.cos) for r in item_rows},
            "customer": {str(r.key): (str(r.customer) or None) for r in item_rows},
            "failure_demand": {str(r.key): r.failure_kind for r in item_rows},
        },
        blocks=[
            _block(keys[int(b.item_id)], b.started_at, b.ended_at, str(b.category))
            for b in block_rows if int(b.item_id) in with_history
        ],
    )
    due = {str(r.key): r.due_date for r in item_rows if r.due_date is not None}
    due_at = {str(r.key): r.due_at for r in item_rows if r.due_at is not None}
    agreed = {str(r.key): (int(r.agreement_id), int(r.agreement_version)) for r in item_rows
              if r.agreement_id is not None and r.agreement_version is not None}
    links = tuple((str(r.key), r.arrived_at) for r in link_rows)
    return FlowData(service, timeline, workflow_of(service), due, due_at, agreed, links, window)
