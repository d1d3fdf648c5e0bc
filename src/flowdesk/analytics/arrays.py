"""Array type aliases, the sentinels shared by the analytics modules, and helpers that
work on large arrays a block at a time (on both cores, with small temporaries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.parallel import each

try:
    from numpy._core import multiarray as _multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
Bool = npt.NDArray[np.bool_]
Str = npt.NDArray[np.str_]
Bytes = npt.NDArray[np.bytes_]

#: Marks "never happened" in an int64 time column (epoch microseconds, UTC).
NEVER = np.iinfo(np.int64).min
#: Marks a blocked interval that is still open.
OPEN = np.iinfo(np.int64).max

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND


def days(us: I64) -> F64:
    """Return microsecond durations as fractional days."""
    return us / US_PER_DAY


#: Elements per block in blockwise helpers: temporaries this size are recycled by the
#: allocator, where one temporary per million-row column would be faulted in afresh,
#: and an int64 block (2 MiB) stays in a core's L2 cache. When it was chosen, on the 1,000,000-item
#: benchmark, the full metrics took 0.91-0.95 s with 2**18, 0.95 s with 2**19 and
#: 1.00 s with 2**20 (the earlier size), medians of 9 runs each.
BLOCK = 1 << 18


def blocks(size: int) -> list[tuple[int, int]]:
    """Return [begin, end) ranges of at most ``BLOCK`` elements covering ``size``."""
    return [(begin, min(begin + BLOCK, size)) for begin in range(0, size, BLOCK)]


def item_blocks(item: I32) -> list[tuple[int, int]]:
    """Return [begin, end) ranges of about ``BLOCK`` rows that hold whole items, given
    the rows' item codes (sorted: each cut is found by a binary search)."""
    cuts = [0]
    for target in range(BLOCK, item.size, BLOCK):  # a few blocks, not rows
        # The first row of the next item at or after the target.
        cut = int(np.searchsorted(item, item[target - 1], side="right"))
        if cut > cuts[-1] and cut < item.size:
            cuts.append(cut)
    return list(pairwise([*cuts, item.size])) if item.size else []


def lookup(table: np.ndarray, codes: I32 | I64) -> np.ndarray:
    """Return ``table[codes]``, a block at a time on both cores (numpy widens int32
    indexes to a full intp copy first; per block, that copy stays small and in cache)."""
    out = np.empty(codes.size, dtype=table.dtype)

    def fill(span: tuple[int, int]) -> None:
        begin, end = span
        np.take(table, codes[begin:end], out=out[begin:end], mode="wrap")

    each(fill, blocks(codes.size))
    return out


def first_of_runs(keys: I32 | I64) -> Bool:
    """Return a mask of the rows whose key differs from the row before (row 0 included)."""
    mask = np.empty(keys.size, dtype=bool)
    if keys.size:
        mask[0] = True
        np.not_equal(keys[1:], keys[:-1], out=mask[1:])
    return mask


def select(mask: Bool, *columns: np.ndarray,
           through: np.ndarray | None = None) -> list[np.ndarray]:
    """Return each column's elements where ``mask`` is true, in order.

    Same as ``column[mask]``, which numpy does element by element; finding the kept
    positions once per block and gathering them is several times faster. With
    ``through``, the last column's codes come back looked up in that table (the codes
    themselves are never gathered into a full array).
    """
    spans = blocks(mask.size)
    counts = [int(np.count_nonzero(mask[begin:end])) for begin, end in spans]
    offsets = np.cumsum([0, *counts]).tolist()
    kinds = [column.dtype for column in columns]
    if through is not None:
        kinds[-1] = through.dtype
    out = [np.empty(offsets[-1], dtype=kind) for kind in kinds]

    def fill(number: int) -> None:
        begin, end = spans[number]
        where = np.flatnonzero(mask[begin:end])
        done = offsets[number]
        for column, kept in zip(columns, out, strict=True):
            target = kept[done : done + where.size]
            if through is not None and kept is out[-1]:
                np.take(through, column[begin:end].take(where), out=target, mode="wrap")
            else:
                np.take(column[begin:end], where, out=target, mode="wrap")

    each(fill, range(len(spans)))
    return out


@contextmanager
def small_pages() -> Iterator[None]:
    """Run a block without numpy's transparent-huge-page hint for large arrays.

    numpy asks the kernel for 2 MiB pages on every array of 4 MiB or more. Where the
    kernel then compacts memory on the spot to find them (THP defrag "madvise", the
    default on this project's virtual machines), fresh arrays took 3-4 ms per MB to
    fault in, against a steady 0.6 ms per MB with 4 KiB pages; the analytics make
    hundreds of MB of short-lived arrays. The hint is numpy's process-wide setting
    (private API, so absent means nothing to do), restored on the way out.
    """
    toggle = getattr(_multiarray, "_set_madvise_hugepage", None)
    if toggle is None:
        yield
        return
    previous = toggle(False)
    try:
        yield
    finally:
        toggle(previous)
