"""Item attributes (team, type, ...) read as each item's last value, not row by row.

An item's attribute is the value of its last kept row that has one, in the order of time,
rows at the same time in file order. A history file lists an item's rows together, so a
chunk of it holds runs of rows of one item, and only one row per run can matter: the
run's latest kept row with a value. Only that row's field is encoded (about one row in
eight), and the runs' values are settled across chunks at the end
(:class:`LastValueColumn`). The values kept are those some item ends with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.accumulate import Growing
from flowdesk.analytics.arrays import I32, I64, NEVER, Bool, Bytes, first_of_runs
from flowdesk.analytics.csvtokens import Field
from flowdesk.analytics.textcodes import few_dictionary, field_words, unique_first_seen


@dataclass
class RunValues:
    """One attribute over one chunk's item runs: a dictionary, each run's code into it
    (-1: none of its kept rows has a value) and the time of the row the value is from."""

    dictionary: Bytes
    codes: I32
    at: I64


def _latest(group: I32 | I64, at: I64) -> I64:
    """Return, for each run of equal neighbours in ``group``, the index of its element
    latest in ``at``, the last one among equal times."""
    first = first_of_runs(group)
    starts = np.flatnonzero(first)
    if bool(np.all(first[1:] | (at[1:] >= at[:-1]))):
        # The usual case: each group is in order of time, so its last element wins.
        return np.append(starts[1:] - 1, group.size - 1)
    latest = np.maximum.reduceat(at, starts)
    position = np.where(at == latest[np.cumsum(first) - 1], np.arange(group.size), -1)
    found: I64 = np.maximum.reduceat(position, starts)
    return found


def last_rows(runs: I32, at: I64, eligible: Bool | None, run_count: int) -> I64:
    """Return, per run, the index of its eligible row (all rows: None) that is latest in
    time, the last in file order among rows at that time; -1 for a run with none.
    ``runs`` numbers each row's run, in order (0, 0, 1, 2, 2, ...)."""
    out = np.full(run_count, -1, dtype=np.int64)
    if eligible is None:
        if runs.size:
            rows = _latest(runs, at)
            out[runs[rows]] = rows
        return out
    rows = np.flatnonzero(eligible)
    if rows.size:
        run = runs[rows]
        best = _latest(run, at[rows])
        out[run[best]] = rows[best]
    return out


def run_values(field: Field, runs: I32, at: I64, kept: Bool | None, run_count: int,
               last_kept: I64) -> RunValues:
    """Return an attribute's value per run: its latest kept row's, or where that row has
    none, its latest kept row that has one. ``last_kept`` is each run's latest kept row
    (-1: none), the same for every attribute of a chunk."""
    pick, eligible = last_kept, None
    while True:
        has = pick >= 0
        rows = pick[has]
        dictionary, codes = few_dictionary(field_words(field.buffer, field.begin[rows],
                                                       field.length[rows]))
        # An empty field, or NUL bytes only (a byte string ends at its NULs): no value.
        empty = (dictionary == b"")[codes]
        if not empty.any():
            break
        if eligible is None:  # some runs' latest row has no value: look further back
            eligible = np.ones(runs.size, dtype=bool) if kept is None else kept.copy()
            eligible &= field.length > 0
        eligible[rows[empty]] = False
        pick = last_rows(runs, at, eligible, run_count)
    out_codes = np.full(run_count, -1, dtype=np.int32)
    out_codes[has] = codes
    out_at = np.full(run_count, NEVER, dtype=np.int64)
    out_at[has] = at[rows]
    return RunValues(dictionary, out_codes, out_at)


class LastValueColumn:
    """An attribute read chunk by chunk, one value per item run (:class:`RunValues`); the
    runs line up with the item column's dictionary entries, one entry per run."""

    def __init__(self) -> None:
        self._dictionaries: list[Bytes] = []
        self._entries = 0
        self._codes = Growing(np.int32)
        self._at = Growing(np.int64)

    def add(self, values: RunValues) -> None:
        """Add one chunk's runs."""
        codes = values.codes
        if self._entries:
            codes = np.where(codes >= 0, codes + np.int32(self._entries), codes)
        self._codes.extend(codes)
        self._at.extend(values.at)
        self._dictionaries.append(values.dictionary)
        self._entries += values.dictionary.size

    def finish(self, item_of_run: I32, items: int) -> tuple[Bytes, I32]:
        """Return (the values some item ends with, sorted; each item's code into them, -1
        for none), given the item code of every run (-1: a run with no kept row)."""
        out = np.full(items, -1, dtype=np.int32)
        codes, at = self._codes.array(), self._at.array()
        chosen = (codes >= 0) & (item_of_run >= 0)
        owner, code, when = item_of_run[chosen], codes[chosen], at[chosen]
        if owner.size == 0:
            return np.zeros(0, dtype="S1"), out
        if bool(np.all(owner[1:] >= owner[:-1])):
            last = _latest(owner, when)
        else:
            # An item's runs apart in the file (its rows not listed together): sort them
            # together, in order of time, the runs' file order kept among equal times.
            order = np.lexsort((np.arange(owner.size), when, owner))
            last = order[_latest(owner[order], when[order])]
        merged, inverse = unique_first_seen(np.concatenate(self._dictionaries))
        value = inverse[code[last]]
        used = np.flatnonzero(np.bincount(value, minlength=merged.size))
        used = used[np.argsort(merged[used], kind="stable")]  # the values, sorted
        rank = np.full(merged.size, -1, dtype=np.int32)
        rank[used] = np.arange(used.size, dtype=np.int32)
        out[owner[last]] = rank[value]
        return merged[used], out
