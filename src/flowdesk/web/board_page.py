"""Everything the board template needs, built from one board read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request

from flowdesk.domain.classes import CLASS_ORDER
from flowdesk.domain.clock import Clock
from flowdesk.domain.policy import Action, may
from flowdesk.domain.workflow import Phase, Service, Stage
from flowdesk.http.deps import request_actor
from flowdesk.services import board_views
from flowdesk.services.board_views import BoardColumn, BoardView
from flowdesk.services.queries import DONE_WINDOW, latest_event_id
from flowdesk.storage.unit_of_work import UnitOfWork
from flowdesk.web.abilities import board_can
from flowdesk.web.card_html import CardPainter
from flowdesk.web.cards import ColumnState, column_state
from flowdesk.web.demand_banner import demand_banner
from flowdesk.web.forms import BoardQuery
from flowdesk.web.hints import board_hints
from flowdesk.web.lanes import Lane, LaneMode, build_lanes
from flowdesk.web.live import BoardHub

# Enough for any real team's column; past it a column shows "N more" and loads on request.
CARDS_PER_COLUMN = 200
# Recent deliveries shown in a done (or discarded) column, newest first; the rest are a link away.
CLOSED_PER_COLUMN = 20


@dataclass(frozen=True)
class ColumnView:
    column: BoardColumn
    state: ColumnState
    edge: str  # "commit-edge" for the first committed column, "deliver-edge" for the first done
    groups: list[str]  # stage groups (CONWIP) the stage belongs to, with their limits

    @property
    def stage(self) -> Stage:
        return self.column.stage


@dataclass(frozen=True)
class PhaseGroup:
    phase: str
    label: str
    span: int


PHASE_LABELS = {Phase.UPSTREAM: "Upstream", Phase.COMMITTED: "Committed", Phase.DONE: "Done",
                Phase.DISCARDED: "Done"}


def phase_groups(service: Service) -> list[PhaseGroup]:
    """Runs of columns under one header: Upstream, Committed, Done (done and discarded)."""
    groups: list[PhaseGroup] = []
    for stage in service.stages:
        label = PHASE_LABELS[stage.phase]
        if groups and groups[-1].label == label:
            last = groups[-1]
            groups[-1] = PhaseGroup(last.phase, label, last.span + 1)
        else:
            groups.append(PhaseGroup(stage.phase.value, label, 1))
    return groups


def column_views(view: BoardView) -> list[ColumnView]:
    service = view.service
    first_committed = next((s.id for s in service.stages if s.phase is Phase.COMMITTED), None)
    first_done = next((s.id for s in service.stages if not s.phase.is_open), None)
    result = []
    for column in view.columns:
        stage = column.stage
        edge = ("commit-edge" if stage.id == first_committed
                else "deliver-edge" if stage.id == first_done else "")
        groups = [f"{g.name} (limit {g.wip_limit if g.wip_limit is not None else 'none'})"
                  for g in service.groups_containing(stage.id)]
        result.append(ColumnView(column, column_state(stage, column.count), edge, groups))
    return result


def board_context(request: Request, key: str, q: BoardQuery) -> dict[str, Any]:
    """Template variables for a board: columns, lanes, counts, the live-stream cursor."""
    uow: UnitOfWork = request.app.state.uow
    clock: Clock = request.app.state.clock
    hub: BoardHub = request.app.state.board_hub
    # The cursor is read before the board, so the stream replays anything committed meanwhile.
    actor = request_actor(request)
    cursor = hub.position(board_views.service_id(uow, actor, key))
    now: datetime = clock.now()
    view = board_views.board_view(uow, actor, key, now, flt=q.flt, per_stage_cap=CARDS_PER_COLUMN,
                                  uncapped_stage=q.show, closed_cap=CLOSED_PER_COLUMN,
                                  done_window=DONE_WINDOW)
    service = view.service
    lanes: list[Lane] = build_lanes(service, view.columns, q.lanes, view.names)
    # The hints and the demand banner each reuse what they computed while nothing happened.
    last_event = latest_event_id(uow, service.key)
    # Age and due-date hints for every card: one read of the flow, not one per card.
    hints = board_hints(uow, actor, service.key, now, last_event, timezone=service.timezone)
    # What the person may do here: the page leaves out every control they may not use.
    # An archived service is read-only: no control that changes it.
    can = ({k: False for k in board_can(actor, service.id)} if service.archived
           else board_can(actor, service.id))
    # Every card painted here, in one pass: the template places each cell's cards as they are.
    painter = CardPainter(now, service.key, hints=hints.by_key, names=view.names,
                          timezone=service.timezone, calendars=view.calendars,
                          movable=can["move"])
    return {
        "service": service,
        "view": view,
        "q": q,
        "now": now,
        "cursor": str(cursor),
        "columns": column_views(view),
        "phases": phase_groups(service),
        "lanes": lanes,
        "cards": painter.board(lane.cells for lane in lanes),
        "lane_modes": list(LaneMode),
        "classes": CLASS_ORDER,
        "board_url": f"/services/{service.key}/board",
        "shown": sum(len(c.cards) for c in view.columns),
        "open_columns": sum(1 for s in service.stages if s.phase.is_open),
        # What a closed column holds; the board script keeps live updates within the same.
        "closed_cap": CLOSED_PER_COLUMN,
        "done_days": DONE_WINDOW.days,
        "hints": hints,
        "actor": actor,
        "can": can,
        "may_restore": service.archived and may(actor, Action.ARCHIVE_SERVICE, service.id),
        # Today's demand alerts (kept between renders like the hints) and their acknowledgements.
        "banner": demand_banner(uow, actor, service, now, last_event),
        "ack_errors": {},
        "ack_values": {},
        "limit_error": "",  # a limit or policy change refused (web/routes/limits.py)
        "limit_field": "",
    }
