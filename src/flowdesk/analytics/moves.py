"""Moves that undo progress or leave the flow: upstream discards, backward moves,
reopenings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import I32, I64, NEVER
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import BACKWARD, REOPENED, REVIVED, Flow
from flowdesk.analytics.periods import Period, local_days


@dataclass(frozen=True)
class DiscardRate:
    """Items that left upstream in a period: committed, or discarded before commitment."""

    discarded_upstream: int
    committed: int
    discarded_after_commitment: int

    @property
    def rate(self) -> float | None:
        """Return discarded upstream / (discarded upstream + committed); None if neither."""
        left = self.discarded_upstream + self.committed
        return None if left == 0 else self.discarded_upstream / left


def discard_rate(flow: Flow, period: Period, where: Where | None = None) -> DiscardRate:
    """Return the upstream discard rate: among items that left upstream in the period
    (first commitment, or discard without commitment), the share discarded."""
    chosen = item_mask(flow.timeline, where)
    never_committed = flow.committed == NEVER
    discarded = flow.discarded != NEVER
    upstream = chosen & discarded & never_committed & period.contains(flow.discarded_day)
    committed = chosen & period.contains(flow.committed_day)
    aborted = chosen & discarded & ~never_committed & period.contains(flow.discarded_day)
    return DiscardRate(int(upstream.sum()), int(committed.sum()), int(aborted.sum()))


@dataclass(frozen=True)
class Rework:
    """Moves in a period that undo progress."""

    backward_moves: int
    reopenings: int
    revived: int
    items_with_backward_moves: int
    items_reopened: int


def rework(flow: Flow, period: Period, where: Where | None = None) -> Rework:
    """Return backward moves (to an earlier upstream or committed state), reopenings
    (done back to upstream or committed) and revivals (out of discarded) in the period."""
    day = local_days(flow.zone, flow.transition_at)
    chosen = period.contains(day) & item_mask(flow.timeline, where)[flow.transition_item]
    kinds = flow.transition_kind[chosen]
    movers = flow.transition_item[chosen]
    back, reopen = kinds == BACKWARD, kinds == REOPENED
    return Rework(int(back.sum()), int(reopen.sum()), int((kinds == REVIVED).sum()),
                  _distinct(movers[back]), _distinct(movers[reopen]))


def _distinct(items: I32) -> int:
    """Return how many distinct item codes there are (moves are in item order, so equal
    codes are neighbours and no sort is needed)."""
    if items.size == 0:
        return 0
    if bool(np.all(items[1:] >= items[:-1])):
        return int(np.count_nonzero(items[1:] != items[:-1])) + 1
    return int(np.unique(items).size)


def rework_per_item(flow: Flow) -> tuple[I64, I64]:
    """Return each item's (backward moves, reopenings) up to ``as_of``."""
    n = flow.item_count
    item = flow.transition_item
    back = np.bincount(item[flow.transition_kind == BACKWARD], minlength=n)
    reopen = np.bincount(item[flow.transition_kind == REOPENED], minlength=n)
    return back.astype(np.int64), reopen.astype(np.int64)
