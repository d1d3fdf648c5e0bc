"""Blocked time per item, the blocker Pareto, and flow efficiency."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import F64, I64, days
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.leadtime import delivered_in
from flowdesk.analytics.parallel import each
from flowdesk.analytics.percentiles import nearest_rank
from flowdesk.analytics.periods import Period, local_days


def blocked_days(flow: Flow) -> F64:
    """Return each item's blocked time in fractional days (overlapping blocks count once,
    open blocks up to ``as_of``)."""
    return days(flow.blocked_us)


@dataclass(frozen=True)
class BlockerCategory:
    """One bar of the blocker Pareto."""

    category: str
    blocked_days: float
    count: int
    median_days: float
    open_count: int


def blocker_pareto(flow: Flow, period: Period, where: Where | None = None) -> list[BlockerCategory]:
    """Return blocked days per category for blocks that started in the period, largest
    first: total days (open blocks up to ``as_of``), number of blocks, nearest-rank median
    duration and how many are still open."""
    started = local_days(flow.zone, flow.block_start)
    chosen = period.contains(started)
    if where:
        chosen &= item_mask(flow.timeline, where)[flow.block_item]
    duration = days(flow.block_end - flow.block_start)

    def bar(code: int) -> BlockerCategory | None:
        mine = chosen & (flow.block_category == code)
        if not mine.any():
            return None
        spans = np.compress(mine, duration)
        return BlockerCategory(flow.block_categories[code], float(spans.sum()),
                               int(spans.size), nearest_rank(spans, (50,))[50],
                               int(np.count_nonzero(flow.block_open[mine])))

    bars = each(bar, range(len(flow.block_categories)))  # a handful of categories
    out = [found for found in bars if found is not None]
    return sorted(out, key=lambda bar: (-bar.blocked_days, bar.category))


def flow_efficiency(flow: Flow) -> F64:
    """Return each item's flow efficiency: active / (active + waiting) time between
    commitment and delivery (or ``as_of``); NaN where there is neither."""
    total = flow.active_us + flow.waiting_us
    # Divided only where there is time: no floating-point error is raised or silenced, so
    # this touches none of numpy's error settings (shared by the threads of a server).
    out = np.full(total.shape, np.nan)
    np.divide(flow.active_us, total, out=out, where=total > 0)
    return out


@dataclass(frozen=True)
class Efficiency:
    """Flow efficiency of the items delivered in a period."""

    overall: float | None
    median_item: float | None
    items: int


def efficiency_of_delivered(flow: Flow, period: Period,
                            where: Where | None = None) -> Efficiency:
    """Return overall flow efficiency (sum of active / sum of active and waiting time)
    and the median item's, over the items delivered in the period."""
    items = delivered_in(flow, period, where)
    active = flow.active_us[items]
    total = flow.waiting_us[items]
    total += active
    del items  # a few arrays as long as the items at a time: ten million items are 80 MB each
    counted = total > 0
    count = int(np.count_nonzero(counted))
    if not count:
        return Efficiency(None, None, 0)
    if count < counted.size:
        active, total = active[counted], total[counted]
    overall = float(active.sum() / total.sum())
    per_item = active / total
    return Efficiency(overall, nearest_rank(per_item, (50,))[50], count)


def blocked_items(flow: Flow) -> I64:
    """Return the codes of items blocked right now (an open block at ``as_of``)."""
    return np.unique(flow.block_item[flow.block_open]).astype(np.int64)
