"""Segments: runs of an item in one state and substate, classified active, waiting or
blocked by the workflow; the blocked intervals they and explicit blocks make; and the
active and waiting time that flow efficiency divides."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import (
    I32,
    I64,
    NEVER,
    Bool,
    item_blocks,
    lookup,
    select,
)
from flowdesk.analytics.intervals import merge_touching, overlap_length, union_intervals
from flowdesk.analytics.parallel import each
from flowdesk.analytics.timeline import Timeline
from flowdesk.analytics.workflow import ACTIVE, BLOCKED, WAITING, Workflow


def run_ends(first: Bool, start: I64, cut: int) -> I64:
    """Return each run's end: the next run's start in the same item, else ``cut``.

    ``first`` marks each item's first run (runs are sorted by item, then start).
    """
    end = np.empty(start.size, dtype=np.int64)
    if start.size:
        end[:-1] = start[1:]
        end[-1] = cut
        np.copyto(end[:-1], cut, where=first[1:])
    return end


@dataclass(frozen=True, eq=False)
class Segments:
    """Classified runs: item, class (ACTIVE, WAITING, BLOCKED or NEITHER), start, end,
    whether each is its item's first run, and the blocked runs with their blocker
    category codes (into ``categories``)."""

    item: I32
    klass: npt.NDArray[np.int8]
    start: I64
    end: I64
    first: Bool
    blocked: I64
    blocked_category: I32
    categories: tuple[str, ...]


def category_names(timeline: Timeline, workflow: Workflow) -> tuple[str, ...]:
    """Return every blocker category: the workflow's and the explicit blocks', sorted."""
    names = set(workflow.blocked.values()) | set(workflow.blocked_substates.values())
    return tuple(sorted(names | set(timeline.blocks.categories)))


def _class_tables(timeline: Timeline, workflow: Workflow,
                  categories: tuple[str, ...]) -> tuple[npt.NDArray[np.int8], I32]:
    """Return class and blocker category per (state, substate + 1) pair."""
    rows = max(len(timeline.states), 1)
    klass = np.zeros((rows, len(timeline.substates) + 1), dtype=np.int8)
    category = np.full(klass.shape, -1, dtype=np.int32)
    for s, state in enumerate(timeline.states):  # small tables: states x substates
        for u, sub in enumerate((None, *timeline.substates)):
            kind, blocker = workflow.classify(state, sub)
            klass[s, u] = kind
            if blocker is not None:
                category[s, u] = categories.index(blocker)
    return klass, category


def classify_segments(timeline: Timeline, workflow: Workflow, item: I32, state: I32,
                      substate: I32 | None, start: I64, first: Bool, cut: int) -> Segments:
    """Return the runs (already split by the caller) with their class and category;
    ``first`` marks each item's first run."""
    categories = category_names(timeline, workflow)
    klass, category = _class_tables(timeline, workflow, categories)
    width = len(timeline.substates) + 1
    cell = state * width  # int32: no int64 temporaries over millions of runs
    if substate is not None:
        cell += substate
        cell += 1
    run_class = lookup(klass.ravel(), cell)
    blocked = np.flatnonzero(run_class == BLOCKED)
    return Segments(item, run_class, start, run_ends(first, start, cut), first, blocked,
                    category.ravel()[cell[blocked]], categories)


@dataclass(frozen=True, eq=False)
class BlockedIntervals:
    """Blocked intervals sorted by item then start; ``end`` is cut at ``as_of`` and
    ``open`` says the block was still on then."""

    item: I32
    start: I64
    end: I64
    open: Bool
    category: I32
    categories: tuple[str, ...]


def _blocked_runs(segments: Segments) -> BlockedIntervals:
    """Return the blocked intervals that runs of blocked segments make (touching ones of
    one category joined), sorted by item then start."""
    blocked = segments.blocked
    first, last = merge_touching(segments.item[blocked], segments.start[blocked],
                                 segments.end[blocked], segments.blocked_category)
    last_rows = blocked[last]
    # A blocked run that is its item's last run is still going on at the cut.
    following = np.minimum(last_rows + 1, max(segments.item.size - 1, 0))
    is_open = (last_rows == segments.item.size - 1) | segments.first[following]
    return BlockedIntervals(segments.item[blocked[first]], segments.start[blocked[first]],
                            segments.end[last_rows], is_open,
                            segments.blocked_category[first], segments.categories)


def _with_explicit(timeline: Timeline, parts: list[BlockedIntervals], cut: int,
                   categories: tuple[str, ...]) -> BlockedIntervals:
    """Return blocked-run intervals joined with the timeline's explicit blocks (those
    started by ``cut``, ended at ``cut`` at the latest), sorted by item then start."""
    explicit = timeline.blocks
    pieces = list(parts)
    if len(explicit):
        started = explicit.start <= cut
        remap = np.array([categories.index(name) for name in explicit.categories],
                         dtype=np.int32)
        pieces.append(BlockedIntervals(
            explicit.item[started], explicit.start[started],
            np.minimum(explicit.end[started], cut), explicit.end[started] > cut,
            remap[explicit.category[started]], categories))
    if len(pieces) == 1 and not len(explicit):
        return pieces[0]
    item = np.concatenate([np.zeros(0, np.int32)] + [piece.item for piece in pieces])
    start = np.concatenate([np.zeros(0, np.int64)] + [piece.start for piece in pieces])
    end = np.concatenate([np.zeros(0, np.int64)] + [piece.end for piece in pieces])
    is_open = np.concatenate([np.zeros(0, bool)] + [piece.open for piece in pieces])
    category = np.concatenate([np.zeros(0, np.int32)] + [piece.category for piece in pieces])
    if len(explicit):
        order = np.lexsort((start, item))
        item, start, end = item[order], start[order], end[order]
        is_open, category = is_open[order], category[order]
    return BlockedIntervals(item, start, end, is_open, category, categories)


def _inside_window(segments: Segments, committed: I64, window_end: I64) -> Bool:
    """Return which runs start inside their item's window [commitment, window end)."""
    began = committed[segments.item]
    inside = segments.start >= began
    inside &= began != NEVER
    inside &= segments.start < window_end[segments.item]
    return inside


def _window_totals(segments: Segments, committed: I64, window_end: I64, active_us: I64,
                   waiting_us: I64) -> Bool:
    """Add up, into the per-item totals, the active and the waiting (or blocked) time of
    the runs inside each item's window; return which runs counted as active."""
    item = segments.item
    if item.size == 0:
        return np.zeros(0, dtype=bool)
    inside = _inside_window(segments, committed, window_end)
    is_active: Bool = inside & (segments.klass == ACTIVE)
    inside &= segments.klass >= WAITING  # waiting or blocked
    # One sum per (item, active or waiting) cell; runs that are neither weigh nothing.
    # The runs hold a range of items in order, so the sums fill that range. Sums of
    # whole microseconds in float64 are exact below 2**53 us (285 years).
    low, high = int(item[0]), int(item[-1]) + 1
    cell = item - low
    cell *= 2
    cell += inside
    length = segments.end - segments.start
    length *= is_active | inside
    sums = np.bincount(cell, weights=length, minlength=2 * (high - low))
    active_us[low:high] = sums[0::2]
    waiting_us[low:high] = sums[1::2]
    return is_active


def _blocked_moves(timeline: Timeline, active: list[tuple[I32, I64, I64]], cut: int,
                   active_us: I64, waiting_us: I64) -> None:
    """Move active time that overlaps an explicit block to waiting time."""
    explicit = timeline.blocks
    # Blocks starting after the cut would become intervals that end before they start.
    started = explicit.start <= cut
    b_item, b_start, b_end = union_intervals(
        explicit.item[started], explicit.start[started],
        np.minimum(explicit.end[started], cut))
    item, start, end = (np.concatenate([np.zeros(0, dtype)] + [part[k] for part in active])
                        for k, dtype in enumerate((np.int32, np.int64, np.int64)))
    moved = overlap_length(item, start, end, b_item, b_start, b_end, active_us.size)
    active_us -= moved
    waiting_us += moved


@dataclass(frozen=True, eq=False)
class RowRuns:
    """Timeline rows (sorted by item, then time) with masks of the rows that start an
    item and that start a run (a stay, or a segment when substates are classified)."""

    item: I32
    state: I32
    substate: I32 | None
    at: I64
    new_item: Bool
    new_run: Bool


def segments_of_rows(timeline: Timeline, workflow: Workflow, rows: RowRuns,
                     cut: int) -> Segments:
    """Return the classified segments of some rows (whole items)."""
    columns: list[np.ndarray] = [rows.item, rows.state, rows.at, rows.new_item]
    if rows.substate is not None:
        columns.append(rows.substate)
    item, state, at, first, *substate = select(rows.new_run, *columns)
    return classify_segments(timeline, workflow, item, state,
                             substate[0] if substate else None, at, first, cut)


def blocks_and_efficiency(timeline: Timeline, workflow: Workflow, rows: RowRuns, cut: int,
                          committed: I64, window_end: I64,
                          ) -> tuple[BlockedIntervals, I64, I64]:
    """Return the blocked intervals and per item (active, waiting) time, as
    :func:`blocked_intervals` and :func:`active_and_waiting` do, classifying the
    segments a block of whole items at a time: they are never all held at once."""
    active_us = np.zeros(committed.size, dtype=np.int64)
    waiting_us = np.zeros(committed.size, dtype=np.int64)
    categories = category_names(timeline, workflow)
    explicit = len(timeline.blocks) > 0

    def one_block(span: tuple[int, int]) -> tuple[BlockedIntervals, tuple[I32, I64, I64]]:
        begin, end = span
        part = RowRuns(rows.item[begin:end], rows.state[begin:end],
                       None if rows.substate is None else rows.substate[begin:end],
                       rows.at[begin:end], rows.new_item[begin:end], rows.new_run[begin:end])
        segments = segments_of_rows(timeline, workflow, part, cut)
        # Each block holds whole items, so blocks add to different items' totals.
        is_active = _window_totals(segments, committed, window_end, active_us, waiting_us)
        active = ((segments.item[is_active], segments.start[is_active],
                   segments.end[is_active]) if explicit else _NO_SPANS)
        return _blocked_runs(segments), active

    done = each(one_block, item_blocks(rows.item))  # blocks of whole items, in order
    if explicit:
        _blocked_moves(timeline, [active for _, active in done], cut, active_us, waiting_us)
    blocked = _with_explicit(timeline, [part for part, _ in done], cut, categories)
    return blocked, active_us, waiting_us


_NO_SPANS = (np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64))
