"""A timeline read through a workflow, as of a moment: stays, per-item milestones,
classified segments and blocked intervals. Every metric starts from a :class:`Flow`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import I32, I64, NEVER, Bool, first_of_runs, lookup, small_pages
from flowdesk.analytics.intervals import union_length
from flowdesk.analytics.parallel import each
from flowdesk.analytics.periods import local_days
from flowdesk.analytics.segments import (
    RowRuns,
    Segments,
    blocks_and_efficiency,
    run_ends,
    segments_of_rows,
)
from flowdesk.analytics.stays import (
    BACKWARD,
    FORWARD,
    OTHER,
    REOPENED,
    REVIVED,
    Rows,
    milestones,
    phase_of_positions,
    rows_of,
    stays_of,
    transitions,
)
from flowdesk.analytics.timeline import Timeline
from flowdesk.analytics.timezones import Zone, to_us
from flowdesk.analytics.workflow import Workflow

__all__ = ["BACKWARD", "FORWARD", "OTHER", "REOPENED", "REVIVED", "Flow", "analyse"]


@dataclass(frozen=True, eq=False)
class Flow:
    """The analysis of a timeline through a workflow, as of ``as_of`` (epoch µs, UTC).

    Stays are consecutive rows of an item in one state, collapsed; ``stay_end`` is the
    next stay's start, or ``as_of`` for the last. Per-item times hold ``NEVER`` where a
    milestone has not happened (as of ``as_of``).

    ``stay_end``, ``stay_phase`` and the classified segments (``segment_*``) are
    worked out when asked for: the metrics do without them, and holding them would take
    some 200 MB per million items.
    """

    timeline: Timeline
    workflow: Workflow
    zone: Zone
    as_of: int
    positions: tuple[str, ...]
    stay_item: I32
    stay_position: I32
    stay_start: I64
    arrived: I64
    committed: I64
    delivered: I64
    discarded: I64
    current_position: I32
    current_phase: I32
    transition_item: I32
    transition_at: I64
    transition_kind: I32
    block_item: I32
    block_start: I64
    block_end: I64
    block_open: Bool
    block_category: I32
    block_categories: tuple[str, ...]
    blocked_us: I64
    active_us: I64
    waiting_us: I64

    @cached_property
    def stay_end(self) -> I64:
        """Return each stay's end: the item's next stay's start, or ``as_of``."""
        return run_ends(first_of_runs(self.stay_item), self.stay_start, self.as_of)

    @cached_property
    def stay_phase(self) -> I32:
        """Return each stay's phase (UPSTREAM, COMMITTED, DONE or DISCARDED)."""
        return lookup(phase_of_positions(self.workflow), self.stay_position)

    @cached_property
    def _segments(self) -> Segments:
        rows = rows_of(self.timeline, self.workflow, self.positions, self.as_of)
        return segments_of_rows(self.timeline, self.workflow, _runs(rows, self.workflow),
                                self.as_of)

    @property
    def segment_item(self) -> I32:
        """Return each classified segment's item."""
        return self._segments.item

    @property
    def segment_class(self) -> npt.NDArray[np.int8]:
        """Return each segment's class (ACTIVE, WAITING, BLOCKED or NEITHER)."""
        return self._segments.klass

    @property
    def segment_start(self) -> I64:
        """Return each segment's start."""
        return self._segments.start

    @property
    def segment_end(self) -> I64:
        """Return each segment's end."""
        return self._segments.end

    @property
    def item_count(self) -> int:
        """Return the number of items in the timeline."""
        return self.timeline.item_count

    @property
    def open_items(self) -> Bool:
        """Return a mask of items in progress: committed, not delivered, not discarded."""
        mask: Bool = (self.committed != NEVER) & (self.delivered == NEVER)
        mask &= self.discarded == NEVER
        return mask

    @cached_property
    def arrived_day(self) -> I64:
        """Return each item's local arrival day (``NO_DAY`` if it has not arrived)."""
        return local_days(self.zone, self.arrived)

    @cached_property
    def committed_day(self) -> I64:
        """Return each item's local commitment day (``NO_DAY`` if not committed)."""
        return local_days(self.zone, self.committed)

    @cached_property
    def delivered_day(self) -> I64:
        """Return each item's local delivery day (``NO_DAY`` if not delivered)."""
        return local_days(self.zone, self.delivered)

    @cached_property
    def discarded_day(self) -> I64:
        """Return each item's local discard day (``NO_DAY`` if not discarded)."""
        return local_days(self.zone, self.discarded)

    def prepare_days(self) -> None:
        """Work out the per-item local days (arrived, committed, delivered, discarded)
        on both cores, ahead of the metrics that read them."""
        each(lambda name: getattr(self, name),
             ("arrived_day", "committed_day", "delivered_day", "discarded_day"))

    @property
    def as_of_day(self) -> int:
        """Return the local day of ``as_of``."""
        return int(self.zone.day_of(np.array([self.as_of], dtype=np.int64))[0])

    def state_name(self, position: int) -> str | None:
        """Return the state at a workflow position, None for -1."""
        return None if position < 0 else self.positions[position]

    @property
    def end_of_work(self) -> I64:
        """Return each item's delivery time, or ``as_of`` while it is not delivered."""
        return np.where(self.delivered != NEVER, self.delivered, self.as_of)


@small_pages()
def analyse(timeline: Timeline, workflow: Workflow, as_of: datetime | None = None) -> Flow:
    """Return the flow of ``timeline`` through ``workflow`` as it stood at ``as_of``.

    ``as_of`` defaults to the timeline's last entry (never the wall clock): entries after
    it are left out, and open stays and blocks are counted up to it.
    """
    last = int(timeline.at.max()) if len(timeline) else 0
    cut = last if as_of is None else to_us(as_of)
    positions = workflow.ordered + workflow.discarded
    rows = rows_of(timeline, workflow, positions, cut)
    n_items = timeline.item_count
    stays = stays_of(rows, workflow)
    arrived, committed, delivered, discarded, current_position, current_phase = milestones(
        stays, n_items)
    transition_item, transition_at, transition_kind = transitions(stays)
    stay_item, stay_position, stay_start = stays.item, stays.position, stays.start
    del stays
    window_end = np.where(delivered != NEVER, delivered, cut)
    block, active_us, waiting_us = blocks_and_efficiency(
        timeline, workflow, _runs(rows, workflow), cut, committed, window_end)
    del rows
    blocked_us = union_length(block.item, block.start, block.end, n_items)
    return Flow(
        timeline=timeline, workflow=workflow, zone=workflow.zone, as_of=cut,
        positions=positions, stay_item=stay_item, stay_position=stay_position,
        stay_start=stay_start,
        arrived=arrived, committed=committed, delivered=delivered, discarded=discarded,
        current_position=current_position, current_phase=current_phase,
        transition_item=transition_item, transition_at=transition_at,
        transition_kind=transition_kind,
        block_item=block.item, block_start=block.start, block_end=block.end,
        block_open=block.open, block_category=block.category,
        block_categories=block.categories,
        blocked_us=blocked_us, active_us=active_us, waiting_us=waiting_us,
    )


def _runs(rows: Rows, workflow: Workflow) -> RowRuns:
    """Return the rows with the runs that make segments: stays, split further where
    the substate changes when the workflow classifies substates."""
    if workflow.uses_substates:
        new_segment = first_of_runs(rows.substate)
        new_segment |= rows.new_stay
        return RowRuns(rows.item, rows.state, rows.substate, rows.at, rows.new_item,
                       new_segment)
    return RowRuns(rows.item, rows.state, None, rows.at, rows.new_item, rows.new_stay)
