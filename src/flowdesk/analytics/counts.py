"""Counts per local day: arrivals, commitments, throughput, net flow, WIP and the
cumulative flow diagram, computed from the log for any period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import (
    I32,
    I64,
    NEVER,
    OPEN,
    Bool,
    first_of_runs,
    item_blocks,
    small_pages,
)
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


@small_pages()
def cumulative_flow(flow: Flow, period: Period, where: Where | None = None) -> CumulativeFlow:
    """Return the cumulative flow diagram for the period (end-of-day counts).

    Line k counts the items that, by the end of each day, had first reached ordered
    state k or a later one; in a done state, no earlier than their last delivery (an
    item reopened and not yet delivered again is not done). Discarded items are left
    out of every line.
    """
    states = flow.workflow.ordered
    first_done = len(flow.workflow.upstream) + len(flow.workflow.committed)
    kept = (flow.discarded == NEVER) & item_mask(flow.timeline, where)
    parts = each(lambda span: _reached(flow, period, kept, first_done, span),
                 item_blocks(flow.stay_item))
    lines = np.zeros((len(states), period.length), dtype=np.int64)
    # Before the done states: new arrivals per (state, day), summed over the blocks.
    for arrivals_by_day, _ in parts:
        lines[:first_done] += arrivals_by_day
    np.cumsum(lines[:first_done], axis=1, out=lines[:first_done])
    # The done states: per item, the first reach or the last delivery, the later one.
    # Every delivered item ends in a done state, having reached the first one by its
    # last delivery at the latest, so that line counts the deliveries.
    delivered = kept & (flow.delivered != NEVER)
    if first_done < len(states):
        lines[first_done] = _running(flow.delivered_day[delivered], period)
    for k in range(first_done + 1, len(states)):
        reached = np.full(flow.item_count, OPEN, dtype=np.int64)  # OPEN: not reached
        for _, firsts in parts:
            items, starts = firsts[k - first_done - 1]
            reached[items] = starts
        np.maximum(reached, flow.delivered, out=reached)
        reached[~delivered] = OPEN
        lines[k] = _running(flow.zone.day_of(np.compress(reached != OPEN, reached)), period)
    return CumulativeFlow(period, states, lines)


def _reached(flow: Flow, period: Period, kept: Bool, first_done: int,
             span: tuple[int, int]) -> tuple[I64, list[tuple[I32, I64]]]:
    """Return, for the stays of some whole items: the (states before done x days) counts
    of items first reaching each such state (or a later one) on each day of the period,
    days before it counted on its first day; and per done state after the first,
    (item, start) of the stay in which each item first reached it or a later one.

    Stays are in time order within each item, so the stay that first reaches state k or
    a later one is the one that raises the item's highest level so far (level = ordered
    position + 1; 0 = none yet) from at most k to more than k. The running highest
    level is one running maximum over keys item * width + level: items are sorted, so
    an item's keys exceed all earlier items'.
    """
    begin, end = span
    n_ordered = len(flow.workflow.ordered)
    width = n_ordered + 1
    item = flow.stay_item[begin:end]
    position = flow.stay_position[begin:end]
    base = item.astype(np.int64) * width
    high = np.where(position < n_ordered, position + 1, 0) + base
    np.maximum.accumulate(high, out=high)
    high -= base
    before = np.empty_like(high)
    before[1:] = high[:-1]
    before[first_of_runs(item)] = 0
    raises = np.flatnonzero((high > before) & kept[item])
    item, before, high = item[raises], before[raises], high[raises]
    start = flow.stay_start[begin:end][raises]
    # Each raise below the done states adds one item to the lines [before, below) on
    # its day: +1 at row ``before`` and -1 at row ``below`` of a (level x day) table,
    # summed down the rows.
    below = np.minimum(high, first_done)
    counted = np.flatnonzero(below > before)
    days = period.length
    column = flow.zone.day_of(start[counted])
    column -= period.first
    np.clip(column, 0, days, out=column)  # days before it on its first; after it, dropped
    size = (first_done + 1) * (days + 1)
    table = np.bincount(before[counted] * (days + 1) + column, minlength=size)
    table -= np.bincount(below[counted] * (days + 1) + column, minlength=size)
    by_day = np.cumsum(table.reshape(first_done + 1, days + 1), axis=0)[:first_done, :days]
    firsts = []
    for k in range(first_done + 1, n_ordered):  # the later done states: a handful
        rows = np.flatnonzero((before <= k) & (high > k))
        firsts.append((item[rows], start[rows]))
    return by_day.astype(np.int64), firsts
