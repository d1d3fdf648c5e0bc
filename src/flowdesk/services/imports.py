"""Import another tool's history into a service: `flowdesk import`.

The history is read by the analytics library (`read_history`) and analysed into stays and
blocked spans; each item then becomes a Flowdesk item with its real events (`created`,
`moved`, `blocked`, `unblocked`), so the board and every metric work on imported work as on
native work. Items are matched on their id in the source (`items.external_id`), so running
the same import twice adds nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from flowdesk.analytics import Flow, History, Workflow, analyse
from flowdesk.analytics.arrays import NEVER
from flowdesk.domain.classes import ClassOfService
from flowdesk.domain.clock import Clock
from flowdesk.domain.errors import Conflict, InvalidInput
from flowdesk.domain.items import classify_move
from flowdesk.domain.people import Actor
from flowdesk.domain.policy import Action, authorize, may
from flowdesk.domain.ranks import RANK_GAP
from flowdesk.domain.workflow import (
    DEFAULT_BLOCKER_CATEGORIES,
    Phase,
    Service,
    Stage,
    StageKind,
    StageSpec,
)
from flowdesk.services import admin
from flowdesk.services.commands import CreateService
from flowdesk.storage import history_import as store
from flowdesk.storage import repository as repo
from flowdesk.storage.unit_of_work import UnitOfWork

CHUNK = 1_000
IMPORT_REASON = "imported from history"
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportResult:
    service: Service
    service_created: bool
    imported: int
    skipped: int  # already imported earlier
    events: int
    warnings: tuple[str, ...] = ()  # what the service cannot keep of the history


def import_history(uow: UnitOfWork, clock: Clock, actor: Actor, *, key: str, name: str | None,
                   history: History, workflow: Workflow,
                   progress: Progress | None = None) -> ImportResult:
    """Create (or reuse) the service `key` and import every item not imported before."""
    flow = analyse(history.timeline, workflow)
    service, created = _ensure_service(uow, clock, actor, key, name, workflow)
    by_name = {s.name: s for s in service.stages}
    missing = [s for s in flow.positions if s not in by_name]
    if missing:
        raise InvalidInput(
            f"service {service.key} has no stage for state(s): {', '.join(missing)}", "workflow")
    with uow.read() as conn:
        known = store.imported_ids(conn, service.id)
    plans = _plan(flow, service, known)
    skipped = len(known & set(flow.timeline.items.tolist()))
    events = 0
    for start in range(0, len(plans), CHUNK):
        chunk = plans[start:start + CHUNK]
        with uow.write() as conn:
            events += _write_chunk(conn, service, chunk, actor, clock.now())
        if progress is not None:
            progress(len(chunk))
    return ImportResult(service, created, len(plans), skipped, events,
                        lost_classes(workflow, service))


def lost_classes(workflow: Workflow, service: Service) -> tuple[str, ...]:
    """Say what an imported service cannot keep: a stage is an activity or a queue as a
    whole, so active/waiting substates (the blocked ones become blockers) are lost, and
    flow efficiency of the service can differ from the history file's."""
    if not (workflow.active_substates or workflow.waiting_substates):
        return ()
    kinds = ", ".join(f"{s.name} ({s.kind.value})" for s in service.stages_in(Phase.COMMITTED))
    return (
        "the service cannot keep the active/waiting substates of the workflow file: its "
        f"committed stages count as a whole as {kinds}, so its flow efficiency can differ "
        "from the history file's (blocked substates are kept, as blockers)",
    )


def _ensure_service(uow: UnitOfWork, clock: Clock, actor: Actor, key: str, name: str | None,
                    workflow: Workflow) -> tuple[Service, bool]:
    with uow.read() as conn:
        exists = store.service_id_of_key(conn, key.upper())
        if exists is not None:
            hidden = repo.no_service(key)
            authorize(actor, Action.READ, exists, hidden=hidden)
            authorize(actor, Action.IMPORT_HISTORY, exists)
            return repo.load_service(conn, exists), False
    if not may(actor, Action.CREATE_SERVICE):
        # Only who may create it imports into a new service; anyone else is told what a
        # service they cannot see would tell them, so the two are not told apart.
        raise repo.no_service(key)
    categories = list(dict.fromkeys(
        [*workflow.blocked.values(), *workflow.blocked_substates.values(),
         *DEFAULT_BLOCKER_CATEGORIES]))
    service = admin.create_service(uow, clock, actor, CreateService(
        key=key, name=name or key.upper(), stages=stages_for(workflow),
        blocker_categories=categories, timezone=iana_zone(workflow.timezone),
        description="Imported from another tool's history.",
    ))
    return service, True


def stages_for(workflow: Workflow) -> list[StageSpec]:
    """A Flowdesk workflow with one stage per state. Activity or queue follows the workflow's
    active/waiting lists; a committed state it does not classify counts as an activity."""
    def kind(state: str) -> StageKind:
        return StageKind.QUEUE if state in workflow.waiting else StageKind.ACTIVITY

    specs = [StageSpec(s, Phase.UPSTREAM, StageKind.QUEUE) for s in workflow.upstream]
    if not specs:
        specs.append(StageSpec("Options", Phase.UPSTREAM, StageKind.QUEUE))
    specs += [StageSpec(s, Phase.COMMITTED, kind(s)) for s in workflow.committed]
    specs += [StageSpec(s, Phase.DONE, StageKind.QUEUE) for s in workflow.done]
    specs += [StageSpec(s, Phase.DISCARDED, StageKind.QUEUE) for s in workflow.discarded]
    if not workflow.discarded:
        specs.append(StageSpec("Discarded", Phase.DISCARDED, StageKind.QUEUE))
    return specs


_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{2}):?(\d{2})$")


def iana_zone(name: str) -> str:
    """A service timezone for a workflow's zone. Whole-hour offsets become Etc/GMT zones
    (whose sign is inverted by POSIX convention: +01:00 is Etc/GMT-1)."""
    match = _OFFSET.match(name.strip())
    if match is None:
        return admin.check_timezone(name.strip() or "UTC")
    sign, hours, minutes = match.groups()
    if minutes != "00":
        raise InvalidInput(f"timezone {name} is not a whole-hour offset; use an IANA name",
                           "timezone")
    if int(hours) == 0:
        return "UTC"
    return f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"


@dataclass(frozen=True)
class _Plan:
    external_id: str
    stays: list[tuple[str, datetime]]  # (stage name, entered at)
    blocks: list[tuple[datetime, datetime | None, str]]
    attributes: dict[str, str]
    committed: datetime | None
    delivered: datetime | None
    discarded: datetime | None


def _time(us: int) -> datetime | None:
    if us == NEVER:
        return None
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def _plan(flow: Flow, service: Service, known: set[str]) -> list[_Plan]:
    timeline = flow.timeline
    stays: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for item, position, start in zip(flow.stay_item.tolist(), flow.stay_position.tolist(),
                                     flow.stay_start.tolist(), strict=True):
        when = _time(start)
        assert when is not None
        stays[item].append((flow.positions[position], when))
    blocks: dict[int, list[tuple[datetime, datetime | None, str]]] = defaultdict(list)
    for item, start, end, is_open, category in zip(
        flow.block_item.tolist(), flow.block_start.tolist(), flow.block_end.tolist(),
        flow.block_open.tolist(), flow.block_category.tolist(), strict=True,
    ):
        begin = _time(start)
        assert begin is not None
        blocks[item].append((begin, None if is_open else _time(end),
                             flow.block_categories[category]))
    open_phase = np.isin(flow.current_phase, [0, 1])
    plans = []
    for index, external in enumerate(timeline.items.tolist()):
        if external in known or index not in stays:
            continue
        attributes = {
            name: value for name, attribute in timeline.attributes.items()
            if (value := attribute.value_of(index)) is not None
        }
        closed_phase = int(flow.current_phase[index])
        plans.append(_Plan(
            external_id=str(external), stays=stays[index], blocks=blocks.get(index, []),
            attributes=attributes,
            committed=_time(int(flow.committed[index])),
            delivered=None if open_phase[index] or closed_phase != 2
            else _time(int(flow.delivered[index])),
            discarded=None if open_phase[index] or closed_phase != 3
            else _time(int(flow.discarded[index])),
        ))
    return plans


def _write_chunk(conn: Connection, service: Service, chunk: list[_Plan], actor: Actor,
                 now: datetime) -> int:
    by_name = {s.name: s for s in service.stages}
    first = store.take_numbers(conn, service.id, len(chunk))
    rows = []
    for offset, plan in enumerate(chunk):
        number = first + offset
        attributes = plan.attributes
        cos = attributes.get("class_of_service", "standard")
        rows.append({
            "service_id": service.id, "number": number, "key": f"{service.key}-{number}",
            "title": _title(plan), "description": _description(plan),
            "type": (attributes.get("type") or "request")[:40],
            "cos": cos if cos in ClassOfService._value2member_map_ else "standard",
            "customer": (attributes.get("customer") or "")[:120], "due_date": None,
            "stage_id": by_name[plan.stays[-1][0]].id, "rank": RANK_GAP * number,
            "version": 1, "arrived_at": plan.stays[0][1], "committed_at": plan.committed,
            "delivered_at": plan.delivered, "discarded_at": plan.discarded, "updated_at": now,
            "external_id": plan.external_id,
        })
    ids = store.insert_items(conn, service.id, rows)
    events: list[dict[str, Any]] = []
    blocker_rows: list[dict[str, Any]] = []
    for plan in chunk:
        item_id = int(ids[plan.external_id])
        events += _item_events(service, item_id, plan, actor)
        for start, end, category in plan.blocks:
            blocker_rows.append({
                "item_id": item_id, "reason": IMPORT_REASON, "category": category,
                "started_at": start, "ended_at": end, "started_by": actor.username,
                "ended_by": actor.username if end is not None else None,
            })
    events.sort(key=lambda e: (e["item_id"], e["at"], e["order"]))
    for event in events:
        del event["order"]
    store.insert_events(conn, events)
    store.insert_blockers(conn, blocker_rows)
    return len(events)


def _item_events(service: Service, item_id: int, plan: _Plan,
                 actor: Actor) -> list[dict[str, Any]]:
    by_name = {s.name: s for s in service.stages}
    base = {"service_id": service.id, "item_id": item_id, "actor": actor.username}
    first_stage = by_name[plan.stays[0][0]]
    out: list[dict[str, Any]] = [{
        **base, "kind": "created", "from_stage_id": None, "to_stage_id": first_stage.id,
        "at": plan.stays[0][1], "reason": IMPORT_REASON, "order": 0,
        "payload": {"external_id": plan.external_id, "attributes": plan.attributes},
    }]
    for (prev_name, _), (name, at) in zip(plan.stays, plan.stays[1:], strict=False):
        prev, stage = by_name[prev_name], by_name[name]
        out.append({
            **base, "kind": "moved", "from_stage_id": prev.id, "to_stage_id": stage.id,
            "at": at, "reason": None, "order": 1,
            "payload": {"transition": _transition(prev, stage)},
        })
    for start, end, category in plan.blocks:
        out.append({**base, "kind": "blocked", "from_stage_id": None, "to_stage_id": None,
                    "at": start, "reason": IMPORT_REASON, "order": 2,
                    "payload": {"category": category}})
        if end is not None:
            out.append({**base, "kind": "unblocked", "from_stage_id": None, "to_stage_id": None,
                        "at": end, "reason": None, "order": 3,
                        "payload": {"category": category,
                                    "blocked_seconds": (end - start).total_seconds()}})
    return out


def _transition(prev: Stage, stage: Stage) -> str:
    try:
        return classify_move(prev, stage).value
    except Conflict:  # the source tool allowed closed-to-closed moves; Flowdesk would not
        return "move"


def _title(plan: _Plan) -> str:
    return f"{plan.external_id}"[:200]


def _description(plan: _Plan) -> str:
    lines = [f"Imported item `{plan.external_id}`."]
    lines += [f"- **{name}**: {value}" for name, value in sorted(plan.attributes.items())]
    return "\n".join(lines)
