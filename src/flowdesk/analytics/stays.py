"""Stays (runs of an item in one state), the milestones of each item, and the moves that
undo progress, from timeline rows sorted by item then time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import (
    I32,
    I64,
    NEVER,
    Bool,
    first_of_runs,
    item_blocks,
    select,
)
from flowdesk.analytics.parallel import each
from flowdesk.analytics.timeline import Timeline
from flowdesk.analytics.workflow import COMMITTED, DISCARDED, DONE, Workflow

# Kinds of transition between two stays of one item.
FORWARD, BACKWARD, REOPENED, REVIVED, OTHER = 0, 1, 2, 3, 4


@dataclass(frozen=True, eq=False)
class Rows:
    """The timeline rows that count as of the cut (ignored states and later rows left
    out), with masks of the rows that start an item and that start a stay."""

    item: I32
    state: I32
    substate: I32
    at: I64
    new_item: Bool
    new_stay: Bool
    phase_of: I32
    position_of: I32


def rows_of(timeline: Timeline, workflow: Workflow, positions: tuple[str, ...],
            cut: int) -> Rows:
    """Return the rows of ``timeline`` that count as of ``cut``."""
    phase_of, position_of = _state_tables(timeline, workflow, positions)
    item, state, substate, at = timeline.item, timeline.state, timeline.substate, timeline.at
    last = int(at.max()) if at.size else 0
    if cut < last or bool(np.any(phase_of < 0)):
        keep = (at <= cut) & (phase_of[state] >= 0)
        item, state, substate, at = select(keep, item, state, substate, at)
    # Boolean masks over the rows (one byte each) instead of index arrays (eight).
    new_item = first_of_runs(item)
    new_stay = first_of_runs(state)
    new_stay |= new_item
    return Rows(item, state, substate, at, new_item, new_stay, phase_of, position_of)


@dataclass(frozen=True, eq=False)
class Stays:
    """Consecutive rows of an item in one state, collapsed: item, workflow position,
    start, and whether it is the item's first stay; ``phases`` gives the phase of each
    workflow position."""

    item: I32
    position: I32
    start: I64
    first: Bool
    phases: I32

    @property
    def phase(self) -> I32:
        """Return each stay's phase."""
        phase: I32 = self.phases[self.position]
        return phase

    def part(self, begin: int, end: int) -> Stays:
        """Return the stays ``begin:end`` (views)."""
        return Stays(self.item[begin:end], self.position[begin:end], self.start[begin:end],
                     self.first[begin:end], self.phases)


def stays_of(rows: Rows, workflow: Workflow) -> Stays:
    """Return the stays of the rows."""
    item, start, first, position = select(rows.new_stay, rows.item, rows.at, rows.new_item,
                                          rows.state, through=rows.position_of)
    return Stays(item, position, start, first, phase_of_positions(workflow))


def phase_of_positions(workflow: Workflow) -> I32:
    """Return the phase of each workflow position (upstream, committed, done, discarded)."""
    counts = (len(workflow.upstream), len(workflow.committed), len(workflow.done),
              len(workflow.discarded))
    return np.repeat(np.arange(4, dtype=np.int32), counts)


Milestones = tuple[I64, I64, I64, I64, I32, I32]


def _first_per_item(rows: I64, stay_item: I32) -> I64:
    """Return, of sorted stay indexes, the first one of each item."""
    items = stay_item[rows]
    return rows[first_of_runs(items)]


def _last_per_item(rows: I64, stay_item: I32) -> I64:
    """Return, of sorted stay indexes, the last one of each item."""
    items = stay_item[rows]
    last = np.empty(rows.size, dtype=bool)
    if rows.size:
        last[-1] = True
        np.not_equal(items[1:], items[:-1], out=last[:-1])
    return rows[last]


def milestones(stays: Stays, n_items: int) -> Milestones:
    """Return per item (arrived, committed, delivered, discarded, current position,
    current phase) from the stays, which are sorted by item then start: an item's first
    qualifying stay is its earliest, its last its latest. Blocks of whole items are
    done on both cores."""
    times = [np.full(n_items, NEVER, dtype=np.int64) for _ in range(4)]
    current = [np.full(n_items, -1, dtype=np.int32) for _ in range(2)]
    out: Milestones = (times[0], times[1], times[2], times[3], current[0], current[1])
    each(lambda span: _fill_milestones(stays.part(*span), out), item_blocks(stays.item))
    return out


def _fill_milestones(stays: Stays, out: Milestones) -> None:
    """Fill the milestones of the items of some stays (whole items) into ``out``."""
    arrived, committed, delivered, discarded, current_position, current_phase = out
    stay_item, stay_first, stay_start = stays.item, stays.first, stays.start
    stay_phase = stays.phase  # worked out here, a block at a time, never for all stays
    first = np.flatnonzero(stay_first)
    present = stay_item[first]
    final = np.append(first[1:], stay_item.size) - 1
    arrived[present] = stay_start[first]
    current_position[present] = stays.position[final]
    final_phase = stay_phase[final]
    current_phase[present] = final_phase
    # Commitment: the first entry past the commitment point (committed or done phase).
    past = stay_phase == COMMITTED
    past |= stay_phase == DONE
    entry = _first_per_item(np.flatnonzero(past), stay_item)
    committed[stay_item[entry]] = stay_start[entry]
    for phase, column in ((DONE, delivered), (DISCARDED, discarded)):
        ends_in_phase = final_phase == phase
        if not ends_in_phase.any():
            continue
        # The last entry into the phase counts, if the item is still in it.
        in_phase = stay_phase == phase
        entries = in_phase.copy()
        entries[1:] &= ~in_phase[:-1] | stay_first[1:]
        entry = _last_per_item(np.flatnonzero(entries), stay_item)
        column[stay_item[entry]] = stay_start[entry]
        column[present[~ends_in_phase]] = NEVER


def _state_tables(timeline: Timeline, workflow: Workflow,
                  positions: tuple[str, ...]) -> tuple[I32, I32]:
    """Return (phase, workflow position) per timeline state code; -1 for ignored states."""
    unknown = [name for name in timeline.states if not workflow.knows(name)]
    if unknown:
        raise ValueError(f"states not in the workflow: {', '.join(sorted(unknown))}")
    phase = np.array([_phase(workflow, name) for name in timeline.states] or [0],
                     dtype=np.int32)
    position = np.array([positions.index(name) if name in positions else -1
                         for name in timeline.states] or [0], dtype=np.int32)
    return phase, position


def _phase(workflow: Workflow, name: str) -> int:
    phase = workflow.phase(name)
    return -1 if phase is None else phase


def _kind_table() -> I32:
    """Return the transition kind for each (phase before * 4 + phase after)."""
    table = np.full(16, FORWARD, dtype=np.int32)
    for before in range(4):
        for after in range(4):
            if before == DONE and after <= COMMITTED:
                table[before * 4 + after] = REOPENED
            elif before == DISCARDED and after != DISCARDED:
                table[before * 4 + after] = REVIVED
            elif before <= COMMITTED and after <= COMMITTED:
                table[before * 4 + after] = OTHER  # backward or forward: by position
    return table


_KINDS = _kind_table()


def transitions(stays: Stays) -> tuple[I32, I64, I32]:
    """Return (item, time, kind) of the moves between two stays of an item that undo
    progress: BACKWARD, REOPENED or REVIVED (plain forward moves are not kept)."""
    parts = each(lambda span: _moves(stays.part(*span)), item_blocks(stays.item))
    if not parts:
        empty = np.zeros(0, dtype=np.int32)
        return empty, np.zeros(0, dtype=np.int64), empty.copy()
    item, at, kind = (np.concatenate([part[k] for part in parts]) for k in range(3))
    return item, at, kind


def _moves(stays: Stays) -> tuple[I32, I64, I32]:
    """Return :func:`transitions` of some stays (whole items).

    Each move that undoes progress goes to an earlier workflow position (done and
    discarded states come after the others), so only such moves are examined.
    """
    item, first, phase, position, start = (stays.item, stays.first, stays.phase,
                                           stays.position, stays.start)
    if item.size < 2:
        empty = np.zeros(0, dtype=np.int32)
        return empty, np.zeros(0, dtype=np.int64), empty.copy()
    back = position[1:] < position[:-1]
    back &= ~first[1:]  # a new item is no move
    moved = np.flatnonzero(back) + 1
    kind = _KINDS[phase[moved - 1] * 4 + phase[moved]]
    kind[kind == OTHER] = BACKWARD
    kept = moved[kind != FORWARD]
    return item[kept], start[kept], kind[kind != FORWARD]
