"""Counts per local day: arrivals, commitments, throughput, net flow, WIP and the
cumulative flow diagram, computed from the log for any period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import I64, NEVER, OPEN, first_of_runs, item_blocks, small_pages
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.parallel import each
from flowdesk.analytics.periods import Period


def throughput(flow: Flow, period: Period, where: Where | None = None) -> I64:
    """Return the number of items delivered on each day of the period (last delivery)."""
    return period.daily_counts(flow.delivered_day[item_mask(flow.timeline, where)])


def arrivals(flow: Flow, period: Period, where: Where | None = None) -> I64:
    """Return the number of items that arrived (first event) on each day of the period.

    Items later discarded count: they were demand.
    """
    return period.daily_counts(flow.arrived_day[item_mask(flow.timeline, where)])


def commitments(flow: Flow, period: Period, where: Where | None = None) -> I64:
    """Return the number of items committed (first commitment) on each day."""
    flowing = (flow.discarded == NEVER) & item_mask(flow.timeline, where)
    return period.daily_counts(flow.committed_day[flowing])


def net_flow(flow: Flow, period: Period, where: Where | None = None) -> I64:
    """Return throughput minus arrivals per day: positive when more left than came."""
    return throughput(flow, period, where) - arrivals(flow, period, where)


def _running(day_numbers: I64, period: Period) -> I64:
    """Return, per day of the period, how many day numbers are on or before it."""
    before = np.count_nonzero(day_numbers < period.first)
    return before + np.cumsum(period.daily_counts(day_numbers))


def wip(flow: Flow, period: Period, where: Where | None = None) -> I64:
    """Return work in progress at the end of each local day: items committed on or before
    that day and not delivered on or before it. Items discarded (as of ``as_of``) are
    left out, as in the cumulative flow diagram, so WIP = committed - delivered."""
    keep = (flow.discarded == NEVER) & item_mask(flow.timeline, where)
    return (_running(flow.committed_day[keep], period)
            - _running(flow.delivered_day[keep], period))


@dataclass(frozen=True, eq=False)
class CumulativeFlow:
    """Cumulative flow per day: ``lines[k, d]`` counts the items that had reached state k
    or a later one by the end of day d. Lines are in workflow order, so each is at or
    below the one before it and none ever decreases."""

    period: Period
    states: tuple[str, ...]
    lines: I64

    def bands(self) -> I64:
        """Return items *in* each state per day: each line minus the next (done stays)."""
        below = np.vstack([self.lines[1:], np.zeros((1, self.lines.shape[1]), np.int64)])
        return self.lines - below


def reached_times(flow: Flow) -> I64:
    """Return (items x ordered states) times each item first reached a state or a later one.

    Done states use the last delivery (or later); discarded items never reach anything.
    """
    n_ordered = len(flow.workflow.ordered)
    # One contiguous row per state while filling (a column of an items x states matrix
    # is strided); the transpose is the items x states view.
    by_state = np.full((n_ordered, flow.item_count), OPEN, dtype=np.int64)
    _first_reached(flow, by_state)
    first_done = len(flow.workflow.upstream) + len(flow.workflow.committed)
    delivered = flow.delivered
    never = delivered == NEVER
    for done in by_state[first_done:]:  # the done states: not before the last delivery
        np.maximum(done, delivered, out=done)
        done[never] = OPEN
    by_state[:, flow.discarded != NEVER] = OPEN
    reached: I64 = by_state.T
    return reached


def _first_reached(flow: Flow, reached: I64) -> None:
    """Fill ``reached[k, item]`` with the start of the item's first stay in ordered state
    k or a later one.

    Stays are in time order within each item, so that stay is the one that raises the
    item's highest level so far (level = ordered position + 1; 0 = none yet) from at most
    k to more than k. The running highest level is one running maximum over keys
    item * width + level: items are sorted, so an item's keys exceed all earlier items'.
    Done on blocks of whole items (small temporaries, both cores).
    """
    n_ordered = reached.shape[0]
    width = n_ordered + 1

    def one_block(span: tuple[int, int]) -> None:
        begin, end = span
        item = flow.stay_item[begin:end]
        position = flow.stay_position[begin:end]
        base = item.astype(np.int64) * width
        high = np.where(position < n_ordered, position + 1, 0) + base
        np.maximum.accumulate(high, out=high)
        high -= base
        before = np.empty_like(high)
        before[1:] = high[:-1]
        before[first_of_runs(item)] = 0
        start = flow.stay_start[begin:end]
        for k in range(n_ordered):  # one row per ordered state
            sets = before <= k
            sets &= high > k
            rows = np.flatnonzero(sets)
            reached[k, item.take(rows)] = start.take(rows)

    each(one_block, item_blocks(flow.stay_item))


@small_pages()
def cumulative_flow(flow: Flow, period: Period, where: Where | None = None) -> CumulativeFlow:
    """Return the cumulative flow diagram for the period (end-of-day counts)."""
    reached = reached_times(flow)
    if where:
        reached = reached[item_mask(flow.timeline, where)]
    states = flow.workflow.ordered
    lines = np.empty((len(states), period.length), dtype=np.int64)

    def line(k: int) -> None:
        times = reached[:, k]
        lines[k] = _running(flow.zone.day_of(np.compress(times != OPEN, times)), period)

    each(line, range(len(states)))  # one line per state
    return CumulativeFlow(period, states, lines)
