"""Columns that grow chunk by chunk while a history file is read.

Rows go straight into one large array per column, grown by doubling, instead of a
list of small per-chunk arrays joined at the end: the join would double the memory,
and the many small arrays would each be faulted in page by page, which is slow on a
virtual machine (large numpy arrays get huge pages; untouched capacity costs nothing).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import BLOCK, I32, Bool, Bytes
from flowdesk.analytics.textcodes import unique_first_seen

_FIRST_CAPACITY = 1 << 22


class Growing:
    """An append-only numpy array with spare capacity.

    Rows go into blocks that are never copied while the file is read: when one is full,
    the next is as large as all before it. Growing one array by copying it into one twice
    as large would hold both at once, for every column at the same moment; the blocks are
    joined once, by :meth:`array`, one column at a time.
    """

    def __init__(self, dtype: type[np.generic]) -> None:
        self._full: list[np.ndarray] = []  # blocks filled (as views of what they hold)
        self._data: np.ndarray = np.empty(0, dtype=dtype)  # the block being filled
        self._fill = 0
        self.size = 0

    def extend(self, values: np.ndarray, offset: int = 0) -> None:
        """Append ``values`` (plus ``offset``, added while copying)."""
        if self._fill + values.size > self._data.size:
            if self._fill:
                self._full.append(self._data[: self._fill])
            room = max(values.size, self.size, _FIRST_CAPACITY)
            self._data, self._fill = np.empty(room, self._data.dtype), 0
        target = self._data[self._fill : self._fill + values.size]
        if offset:
            np.add(values, offset, out=target, casting="unsafe")
        else:
            target[...] = values
        self._fill += values.size
        self.size += values.size

    def array(self, lookup: npt.NDArray[np.int32] | None = None) -> np.ndarray:
        """Return the rows appended so far (a view); with ``lookup``, every row r is
        replaced by ``lookup[r]`` first, for good (codes renumbered)."""
        if not self._full:
            rows = self._data[: self._fill]
            if lookup is not None:
                remap(rows, lookup)
            return rows
        # Join the blocks once, renumbering as they are copied; each block is let go as
        # soon as it is copied, so the rows are never held twice. Later rows go into a
        # new block.
        blocks = [*self._full, self._data[: self._fill]]
        self._full = []
        out = np.empty(self.size, dtype=self._data.dtype)
        self._data = out
        position = 0
        while blocks:
            block = blocks.pop(0)
            for begin in range(0, block.size, BLOCK):  # blocks, not rows
                part = block[begin : begin + BLOCK]
                target = out[position + begin : position + begin + part.size]
                if lookup is None:
                    target[...] = part
                else:
                    np.take(lookup, part, out=target, mode="clip")  # codes are in range
            position += block.size
        self._fill = out.size
        return out


class TextColumn:
    """A text column read chunk by chunk: the chunks' dictionaries one after another,
    and per kept row a code into their concatenation, merged by :meth:`finish`."""

    def __init__(self) -> None:
        self._dictionaries: list[Bytes] = []
        self._used: list[Bool] = []
        self._entries = 0
        self._codes = Growing(np.int32)

    def add(self, dictionary: Bytes, codes: I32, keep: Bool | None) -> None:
        """Add one chunk: its dictionary, each row's code, and which rows are kept."""
        if keep is None:
            kept = codes
            used = np.ones(dictionary.size, dtype=bool)  # every entry came from a row
        else:
            kept = codes[keep]
            used = np.bincount(kept, minlength=dictionary.size) > 0
        self._codes.extend(kept, offset=self._entries)
        self._dictionaries.append(dictionary)
        self._used.append(used)
        self._entries += dictionary.size

    def finish(self, sort: bool, drop_empty: bool) -> tuple[Bytes, I32, I32]:
        """Return (values used by some kept row, code per kept row, the final code of each
        dictionary entry added: -1 for none).

        Values are sorted, or in order of first appearance; with ``drop_empty`` the
        empty value is left out and its rows get code -1.
        """
        if not self._dictionaries:
            return np.zeros(0, dtype="S1"), self._codes.array(), np.zeros(0, dtype=np.int32)
        merged, inverse = unique_first_seen(np.concatenate(self._dictionaries))
        used = np.zeros(merged.size, dtype=bool)
        used[inverse[np.concatenate(self._used)]] = True
        if drop_empty:
            used &= merged != b""
        kept = np.flatnonzero(used)
        if sort:
            kept = kept[np.argsort(merged[kept], kind="stable")]
        final = np.full(merged.size, -1, dtype=np.int32)
        final[kept] = np.arange(kept.size, dtype=np.int32)
        entry_codes = final[inverse]
        codes: I32 = self._codes.array(entry_codes)
        return merged[kept], codes, entry_codes


def remap(codes: I32, lookup: npt.NDArray[np.int32]) -> None:
    """Replace every code by ``lookup[code]``, in place, a block at a time."""
    for begin in range(0, codes.size, BLOCK):  # blocks, not rows
        block = codes[begin : begin + BLOCK]
        block[...] = lookup[block]
