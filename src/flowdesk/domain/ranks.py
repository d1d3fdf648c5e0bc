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


def place(ordered: list[tuple[int, int]], before: int | None) -> tuple[int | None, int]:
    """Where to put a card in a stage.

    `ordered` is [(item_id, rank)] in rank order, without the card being moved; `before` is the
    id of the card it should go in front of, or None for the bottom. Returns (rank or None when
    the stage must be rebalanced first, index of the new position).
    """
    if before is None:
        prev = ordered[-1][1] if ordered else None
        return rank_between(prev, None), len(ordered)
    ids = [item_id for item_id, _ in ordered]
    index = ids.index(before)
    prev = ordered[index - 1][1] if index > 0 else None
    return rank_between(prev, ordered[index][1]), index
