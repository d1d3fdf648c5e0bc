"""Per-item interval arithmetic on arrays: union length and overlap, by sweeping."""

from __future__ import annotations

import numpy as np

from flowdesk.analytics.arrays import I32, I64


def union_length(item: I32 | I64, start: I64, end: I64, n_items: int) -> I64:
    """Return, per item, the total time covered by at least one of its intervals."""
    if item.size == 0:
        return np.zeros(n_items, dtype=np.int64)
    length = end - start
    sorted_rows = bool(np.all((item[1:] > item[:-1]) | ((item[1:] == item[:-1])
                                                        & (start[1:] >= start[:-1]))))
    if sorted_rows:
        same = item[1:] == item[:-1]
        if not np.any(same & (start[1:] < end[:-1])):
            # Sorted and disjoint (the usual case): the union is the plain sum.
            return np.bincount(item, weights=length, minlength=n_items).astype(np.int64)
    return _covered(item, [(start, end)], n_items, need=1)


def overlap_length(item_a: I32 | I64, start_a: I64, end_a: I64, item_b: I32 | I64,
                   start_b: I64, end_b: I64, n_items: int) -> I64:
    """Return, per item, the time covered both by an interval of set A and one of set B.

    Each set must be disjoint within an item.
    """
    if item_a.size == 0 or item_b.size == 0:
        return np.zeros(n_items, dtype=np.int64)
    items = np.concatenate([item_a, item_a, item_b, item_b]).astype(np.int64)
    times = np.concatenate([start_a, end_a, start_b, end_b])
    delta = np.concatenate([np.ones(item_a.size), -np.ones(item_a.size),
                            np.ones(item_b.size), -np.ones(item_b.size)]).astype(np.int64)
    order = np.lexsort((delta, times, items))
    items, times, depth = items[order], times[order], np.cumsum(delta[order])
    gap = np.diff(times)
    both = (depth[:-1] >= 2) & (items[1:] == items[:-1])
    return np.bincount(items[:-1][both], weights=gap[both], minlength=n_items).astype(np.int64)


def _covered(item: I32 | I64, spans: list[tuple[I64, I64]], n_items: int, need: int) -> I64:
    """Return per item the time where at least ``need`` intervals overlap (a sweep)."""
    starts = np.concatenate([s for s, _ in spans])
    ends = np.concatenate([e for _, e in spans])
    items = np.concatenate([item, item]).astype(np.int64)
    times = np.concatenate([starts, ends])
    delta = np.concatenate([np.ones(starts.size), -np.ones(ends.size)]).astype(np.int64)
    order = np.lexsort((delta, times, items))
    items, times, depth = items[order], times[order], np.cumsum(delta[order])
    gap = np.diff(times)
    inside = (depth[:-1] >= need) & (items[1:] == items[:-1])
    return np.bincount(items[:-1][inside], weights=gap[inside], minlength=n_items).astype(np.int64)


def merge_touching(item: I32, start: I64, end: I64, category: I32) -> tuple[I64, I64]:
    """Return (first, last) row of each group of intervals to join: same item and category,
    one ending exactly where the next starts. Rows must be sorted by item then start."""
    if item.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    joins = (item[1:] == item[:-1]) & (category[1:] == category[:-1]) & (start[1:] == end[:-1])
    head = np.concatenate(([True], ~joins))
    first = np.flatnonzero(head)
    last = np.concatenate((first[1:], [item.size])) - 1
    return first.astype(np.int64), last.astype(np.int64)


def union_intervals(item: I32 | I64, start: I64, end: I64) -> tuple[I64, I64, I64]:
    """Return the union of each item's intervals as disjoint (item, start, end) rows."""
    if item.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    items = np.concatenate([item, item]).astype(np.int64)
    times = np.concatenate([start, end])
    # At equal times an opening sorts before a closing, so touching intervals join.
    delta = np.concatenate([np.ones(start.size), -np.ones(end.size)]).astype(np.int64)
    order = np.lexsort((-delta, times, items))
    items, times, delta = items[order], times[order], delta[order]
    depth = np.cumsum(delta)
    opens = (delta == 1) & (depth == 1)
    closes = depth == 0
    return items[opens], times[opens], times[closes]
