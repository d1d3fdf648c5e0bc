"""Lead time (commitment to delivery), customer lead time (arrival to delivery) and time
in each state, for the items delivered in a period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.age import calendar_age
from flowdesk.analytics.arrays import (
    F64,
    I64,
    US_PER_DAY,
    days,
    first_of_runs,
    item_blocks,
)
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.parallel import each
from flowdesk.analytics.percentiles import STANDARD, nearest_rank
from flowdesk.analytics.periods import Period
from flowdesk.analytics.segments import run_ends


@dataclass(frozen=True, eq=False)
class LeadTimes:
    """Lead times of the items delivered in a period, one entry per item.

    ``elapsed_days`` is the exact duration in fractional days; ``calendar_days`` counts
    as ActionableAgile does: delivery date - commitment date + 1, dates in the
    workflow's zone (so an item committed and delivered the same day took 1 day).
    """

    items: I64
    elapsed_days: F64
    calendar_days: I64
    customer_elapsed_days: F64
    customer_calendar_days: I64

    def __len__(self) -> int:
        return int(self.items.size)

    def percentiles(self, which: tuple[int, ...] = STANDARD) -> dict[str, dict[int, float]]:
        """Return nearest-rank percentiles of each lead-time measure."""
        names = ("elapsed_days", "calendar_days", "customer_elapsed_days",
                 "customer_calendar_days")
        ranked = each(lambda name: nearest_rank(getattr(self, name), which), names)
        return dict(zip(names, ranked, strict=True))


def delivered_in(flow: Flow, period: Period, where: Where | None = None) -> I64:
    """Return the codes of items delivered (last delivery, as of ``flow.as_of``) in the period."""
    chosen = period.contains(flow.delivered_day) & item_mask(flow.timeline, where)
    return np.flatnonzero(chosen).astype(np.int64)


def lead_times(flow: Flow, period: Period, where: Where | None = None) -> LeadTimes:
    """Return lead times and customer lead times of the items delivered in ``period``."""
    items = delivered_in(flow, period, where)
    delivered = flow.delivered[items]
    delivered_day = flow.delivered_day[items]
    return LeadTimes(
        items=items,
        elapsed_days=days(delivered - flow.committed[items]),
        calendar_days=calendar_age(flow.committed_day[items], delivered_day),
        customer_elapsed_days=days(delivered - flow.arrived[items]),
        customer_calendar_days=calendar_age(flow.arrived_day[items], delivered_day),
    )


def time_in_states(flow: Flow, items: I64 | None = None) -> F64:
    """Return an (items x workflow positions) matrix of fractional days spent in each state.

    All stays count, including repeat visits; an open stay counts up to ``as_of``.
    """
    n_positions = len(flow.positions)
    cell = flow.stay_item.astype(np.int64) * n_positions + flow.stay_position
    spent = np.bincount(cell, weights=flow.stay_end - flow.stay_start,
                        minlength=flow.item_count * n_positions)
    matrix = days(spent.reshape(flow.item_count, n_positions))
    return matrix if items is None else matrix[items]


def time_in_state(flow: Flow, period: Period, where: Where | None = None,
                  which: tuple[int, ...] = STANDARD) -> dict[str, dict[str, object]]:
    """Return, per state, how many items delivered in the period visited it and the
    nearest-rank percentiles of their total days in it (done states are left out)."""
    items = delivered_in(flow, period, where)
    workflow = flow.workflow
    shown = [(position, name) for position, name in enumerate(flow.positions)
             if name not in workflow.done and name not in workflow.discarded]
    width = len(shown)
    column = np.full(len(flow.positions), -1, dtype=np.int64)  # -1: a state not shown
    column[[position for position, _ in shown]] = np.arange(width)
    # Row of each chosen item in a compact (items x shown states) table.
    # (Item codes are int32, so row numbers fit in int32 too.)
    row = np.full(flow.item_count, -1, dtype=np.int32)
    row[items] = np.arange(items.size)
    # Sums of whole microseconds in float64 are exact below 2**53 us (285 years). Only
    # whether an item visited a state is kept, not how often: a byte, not eight.
    spent = np.zeros((width, items.size), dtype=np.float64)
    visited = np.zeros((width, items.size), dtype=bool)

    def one_block(span: tuple[int, int]) -> None:
        begin, end = span
        item = flow.stay_item[begin:end]
        start = flow.stay_start[begin:end]
        # Each stay lasts until the item's next stay starts, or until as_of.
        length = run_ends(first_of_runs(item), start, flow.as_of)
        length -= start
        rows = row[item]
        state = column[flow.stay_position[begin:end]]
        counted = np.flatnonzero((rows >= 0) & (state >= 0))
        if not counted.size:
            return
        # Blocks hold whole items in order, so each fills its own range of columns.
        first, last = int(rows[counted[0]]), int(rows[counted[-1]]) + 1
        cell = state[counted] * (last - first)
        cell += rows[counted]
        cell -= first
        shape = (width, last - first)
        spent[:, first:last] = np.bincount(cell, weights=length[counted],
                                           minlength=width * (last - first)).reshape(shape)
        visits = np.bincount(cell, minlength=width * (last - first))
        visited[:, first:last] = (visits > 0).reshape(shape)

    each(one_block, item_blocks(flow.stay_item))  # blocks of whole items

    def one_state(number: int) -> dict[str, object]:
        # Each state's days are ranked where they are made: on ten million items the days
        # of every state at once would be a gigabyte.
        values = spent[number][visited[number]] / US_PER_DAY
        return {"items": int(values.size), "percentiles": nearest_rank(values, which)}

    return {name: entry for (_, name), entry in zip(shown, each(one_state, range(width)),
                                                    strict=True)}
