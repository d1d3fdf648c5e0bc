"""The neutral timeline table: which state each item entered when, plus item attributes
and explicit blocked intervals. Every source (Flowdesk's event log, a CSV history) is
turned into one of these, and every metric reads it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType

import numpy as np

from flowdesk.analytics.arrays import I32, I64, NEVER, OPEN, Str
from flowdesk.analytics.timezones import to_us

BlockRow = tuple[str, datetime, datetime | None, str]
"""An explicit blocked interval: (item, blocked at, unblocked at or None if open, category)."""


@dataclass(frozen=True, eq=False)
class Attribute:
    """One item attribute: ``values[codes[item]]`` is the item's value; code -1 = missing."""

    values: tuple[str, ...]
    codes: I32

    def value_of(self, item: int) -> str | None:
        """Return the value for one item code, None when missing."""
        code = int(self.codes[item])
        return None if code < 0 else self.values[code]


@dataclass(frozen=True, eq=False)
class Blocks:
    """Explicit blocked intervals: item code, start, end (``OPEN`` if still blocked),
    category code into ``categories``."""

    item: I32
    start: I64
    end: I64
    category: I32
    categories: tuple[str, ...]

    @classmethod
    def empty(cls) -> Blocks:
        """Return a table with no blocked intervals."""
        zeros = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(0, dtype=np.int32), zeros, zeros.copy(),
                   np.zeros(0, dtype=np.int32), ())

    def __len__(self) -> int:
        return int(self.item.size)


@dataclass(frozen=True, eq=False)
class Timeline:
    """State entries per item, sorted by item then time (ties keep input order).

    ``item``/``state``/``substate`` are codes into ``items``/``states``/``substates``
    (substate -1 = none); ``at`` is the entry time in epoch microseconds, UTC.
    ``attributes`` hold one value per item.
    """

    items: Str
    states: tuple[str, ...]
    substates: tuple[str, ...]
    item: I32
    state: I32
    substate: I32
    at: I64
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    blocks: Blocks = field(default_factory=Blocks.empty)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))
        n = self.item.size
        if not (self.state.size == self.substate.size == self.at.size == n):
            raise ValueError("timeline columns differ in length")
        for name, attribute in self.attributes.items():
            if attribute.codes.size != self.items.size:
                raise ValueError(f"attribute {name!r} needs one value per item")

    def __len__(self) -> int:
        return int(self.at.size)

    @property
    def item_count(self) -> int:
        """Return the number of distinct items."""
        return int(self.items.size)

    @cached_property
    def _sorted_items(self) -> tuple[Str, I64]:
        order = np.argsort(self.items, kind="stable").astype(np.int64)
        return self.items[order], order

    def codes_of(self, names: Sequence[str] | Str) -> I64:
        """Return the item code of each name, -1 for names not in the timeline."""
        ordered, order = self._sorted_items
        wanted = np.asarray(names, dtype=str)
        if ordered.size == 0:
            return np.full(wanted.size, -1, dtype=np.int64)
        where = np.clip(np.searchsorted(ordered, wanted), 0, ordered.size - 1)
        found = ordered[where] == wanted
        return np.where(found, order[where], -1).astype(np.int64)

    @classmethod
    def from_rows(
        cls,
        items: Sequence[str] | Str,
        states: Sequence[str] | Str,
        entered_at: Sequence[datetime] | np.ndarray,
        substates: Sequence[str | None] | None = None,
        attributes: Mapping[str, Mapping[str, str | None]] | None = None,
        blocks: Iterable[BlockRow] | None = None,
    ) -> Timeline:
        """Return a timeline built from plain rows: one state entry per row.

        ``entered_at`` holds timezone-aware datetimes or a numpy datetime64 array read as
        UTC. ``attributes`` maps an attribute name to {item: value}. ``blocks`` are
        explicit blocked intervals (item, start, end or None, category).
        """
        item_names, item_codes = _encode(np.asarray(items, dtype=str), first_seen=True)
        state_names, state_codes = _encode(np.asarray(states, dtype=str), first_seen=False)
        at = times_to_us(entered_at)
        n = item_codes.size
        if not (state_codes.size == at.size == n):
            raise ValueError("items, states and entered_at differ in length")
        if substates is None:
            sub_names: tuple[str, ...] = ()
            sub_codes = np.full(n, -1, dtype=np.int32)
        else:
            raw = ["" if value is None else str(value) for value in substates]
            if len(raw) != n:
                raise ValueError("substates differ in length from items")
            names, codes = _encode(np.asarray(raw, dtype=str), first_seen=False)
            sub_names, sub_codes = _drop_empty(names, codes)
        order = _chronological(item_codes, at)
        if order is not None:
            item_codes, state_codes, sub_codes, at = (
                item_codes[order], state_codes[order], sub_codes[order], at[order])
        table = {
            name: attribute_from_mapping(item_names, values)
            for name, values in (attributes or {}).items()
        }
        return cls(
            items=item_names,
            states=tuple(str(name) for name in state_names),
            substates=sub_names,
            item=item_codes,
            state=state_codes,
            substate=sub_codes,
            at=at,
            attributes=table,
            blocks=blocks_from_rows(item_names, blocks or ()),
        )


def times_to_us(values: Sequence[datetime] | np.ndarray) -> I64:
    """Return aware datetimes, or datetime64 values read as UTC, as epoch microseconds."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        if np.isnat(values).any():
            raise ValueError("entered_at holds NaT")
        return values.astype("datetime64[us]").astype(np.int64)
    return np.fromiter((to_us(value) for value in values), dtype=np.int64)


def _encode(values: Str, first_seen: bool) -> tuple[Str, I32]:
    """Return (distinct values, code per value); sorted, or in order of first appearance."""
    if values.size == 0:
        return np.zeros(0, dtype=str), np.zeros(0, dtype=np.int32)
    names, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    if not first_seen:
        return names, inverse.astype(np.int32).ravel()
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return names[order], rank[inverse.ravel()].astype(np.int32)


def _drop_empty(names: Str, codes: I32) -> tuple[tuple[str, ...], I32]:
    """Return substate names without "", with code -1 where the substate was empty."""
    keep = [str(name) for name in names if name != ""]
    if len(keep) == names.size:
        return tuple(keep), codes
    empty = int(np.flatnonzero(names == "")[0])
    shifted = np.where(codes > empty, codes - 1, codes)
    return tuple(keep), np.where(codes == empty, -1, shifted).astype(np.int32)


def _chronological(item: I32, at: I64) -> I64 | None:
    """Return the stable (item, time) order, or None when rows are already in it."""
    if item.size < 2:
        return None
    same = item[1:] == item[:-1]
    if np.all(item[1:] >= item[:-1]) and np.all(~same | (at[1:] >= at[:-1])):
        return None
    return np.lexsort((at, item)).astype(np.int64)


def attribute_from_mapping(items: Str, values: Mapping[str, str | None]) -> Attribute:
    """Return an attribute column from {item name: value}; unknown names are ignored."""
    names = sorted({str(value) for value in values.values() if value not in (None, "")})
    index = {name: code for code, name in enumerate(names)}
    position = {str(name): code for code, name in enumerate(items.tolist())}
    codes = np.full(items.size, -1, dtype=np.int32)
    for item, value in values.items():
        where = position.get(str(item))
        if where is not None and value not in (None, ""):
            codes[where] = index[str(value)]
    return Attribute(tuple(names), codes)


def blocks_from_rows(items: Str, rows: Iterable[BlockRow]) -> Blocks:
    """Return explicit blocked intervals from (item, start, end or None, category) rows.

    Raises ValueError for an unknown item or an interval that ends before it starts.
    """
    listed = list(rows)
    if not listed:
        return Blocks.empty()
    position = {str(name): code for code, name in enumerate(items.tolist())}
    item = np.empty(len(listed), dtype=np.int32)
    start = np.empty(len(listed), dtype=np.int64)
    end = np.empty(len(listed), dtype=np.int64)
    names = sorted({str(row[3]) for row in listed})
    category_index = {name: code for code, name in enumerate(names)}
    category = np.empty(len(listed), dtype=np.int32)
    for row_number, (key, began, ended, kind) in enumerate(listed):
        if str(key) not in position:
            raise ValueError(f"blocked interval for unknown item {key!r}")
        item[row_number] = position[str(key)]
        start[row_number] = to_us(began)
        end[row_number] = OPEN if ended is None else to_us(ended)
        category[row_number] = category_index[str(kind)]
    if np.any(end < start):
        raise ValueError("a blocked interval ends before it starts")
    return Blocks(item, start, end, category, tuple(names))


__all__ = ["NEVER", "OPEN", "Attribute", "BlockRow", "Blocks", "Timeline"]
