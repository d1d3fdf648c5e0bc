"""Card order within a stage: integer ranks with gaps, rebalanced when a gap closes."""

from __future__ import annotations

RANK_GAP = 1 << 20


def rank_between(prev: int | None, nxt: int | None) -> int | None:
    """A rank strictly between two neighbours, or None when there is no room left.

    `prev` None means "at the top"; `nxt` None means "at the bottom".
    """
    if prev is None and nxt is None:
        return RANK_GAP
    if prev is None:
        assert nxt is not None
        return nxt - RANK_GAP
    if nxt is None:
        return prev + RANK_GAP
    if nxt - prev < 2:
        return None
    return (prev + nxt) // 2


def spread(count: int) -> list[int]:
    """Fresh, evenly spaced ranks for `count` cards, used when rebalancing a stage."""
    return [RANK_GAP * (i + 1) for i in range(count)]


def bottom_rank(last: int | None) -> int:
    """The rank for a card put at the bottom of a stage whose lowest card has rank `last`."""
    return RANK_GAP if last is None else last + RANK_GAP
