"""A service's event log as the analytics library's neutral timeline.

Rows come from `item_events` (`created` and `moved` events: the stage an item entered, when),
blocked intervals from `blockers`, item attributes from `items`. The workflow comes from the
service's stages: phases as they are, committed activity stages count as active and committed
queues as waiting (other stages as neither), days in the service's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from flowdesk.analytics import BlockRow, Timeline, Workflow
from flowdesk.domain.people import Actor
from flowdesk.domain.workflow import Phase, Service, StageKind
from flowdesk.services.queries import readable_service
from flowdesk.storage.flow_rows import FlowRows, flow_rows
from flowdesk.storage.unit_of_work import UnitOfWork

STATE_EVENTS = ("created", "moved")


@dataclass(frozen=True)
class FlowData:
    service: Service
    timeline: Timeline
    workflow: Workflow
    due_dates: dict[str, date]  # open or closed items with a due date, by key


def workflow_of(service: Service) -> Workflow:
    """The analytics view of a service's workflow."""
    names = {phase: tuple(s.name for s in service.stages_in(phase)) for phase in Phase}
    # Only committed stages are active or waiting: time back upstream, or in a done stage
    # before a reopening, is neither (as in a workflow file that classifies its states).
    committed = service.stages_in(Phase.COMMITTED)
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
    """Read a service's whole history in four bulk queries, when the actor may read it."""
    with uow.read() as conn:
        service = readable_service(conn, actor, service_key)
        rows = flow_rows(conn, service.id, STATE_EVENTS)
    return _flow_data(service, rows)  # built once the read transaction is over


def read_flow_data(conn: Connection, service: Service) -> FlowData:
    """Read a service's whole history in three bulk queries (the caller has authorised)."""
    return _flow_data(service, flow_rows(conn, service.id, STATE_EVENTS))


def _flow_data(service: Service, rows: FlowRows) -> FlowData:
    item_rows, event_rows, block_rows = rows
    stage_names = {s.id: s.name for s in service.stages}
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
        },
        blocks=[
            _block(keys[int(b.item_id)], b.started_at, b.ended_at, str(b.category))
            for b in block_rows if int(b.item_id) in with_history
        ],
    )
    due = {str(r.key): r.due_date for r in item_rows if r.due_date is not None}
    return FlowData(service, timeline, workflow_of(service), due)
