"""Encoding one chunk of history rows: timestamps parsed, text fields dictionary-encoded,
and which rows are readable. A pure function of the chunk, so chunks can be encoded on
both cores; :mod:`flowdesk.analytics.history` then adds them up in file order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import I32, I64, U64, Bool, Bytes
from flowdesk.analytics.csvtokens import Field, RawChunk
from flowdesk.analytics.isotime import parse_spans
from flowdesk.analytics.lastvalues import RunValues, last_rows, run_values
from flowdesk.analytics.textcodes import decode, few_dictionary, field_words, run_dictionary
from flowdesk.analytics.workflow import Workflow

# Reasons, in the order they are checked; the first that applies is reported.
EMPTY_ITEM, BAD_TIME, EMPTY_STATE, UNKNOWN_STATE = 1, 2, 3, 4
_KNOWN, _IGNORED = 0, 5

Encoded = tuple[Bytes, I32]
"""A dictionary and each row's code into it."""


@dataclass
class EncodedChunk:
    """One chunk's rows, encoded: ``reason`` per row (0 = readable) unless all are,
    ``keep`` per row unless all are kept, the columns of every row, and the attributes
    per run of an item's rows (its entries in the ``item`` dictionary)."""

    raw: RawChunk
    reason: I64 | None
    keep: Bool | None
    ignored: int
    item: Encoded
    state: Encoded
    at: I64
    substate: Encoded | None
    attributes: list[RunValues]


def _words(column: Field) -> U64:
    return field_words(column.buffer, column.begin, column.length)


def _state_status(workflow: Workflow, name: str) -> int:
    if name == "":
        return _KNOWN  # reported as an empty state
    if not workflow.knows(name):
        return UNKNOWN_STATE
    return _IGNORED if name in workflow.ignore else _KNOWN


def encode_chunk(chunk: RawChunk, workflow: Workflow, has_substate: bool) -> EncodedChunk:
    """Return the chunk's rows encoded (fields: item, timestamp, state, then the substate
    if ``has_substate``, then the attributes)."""
    item, time, state = chunk.fields[:3]
    at, readable = parse_spans(time.buffer, time.begin, time.length, workflow.zone)
    state_dict, state_codes = few_dictionary(_words(state))
    status = np.array([_state_status(workflow, name) for name in decode(state_dict)],
                      dtype=np.int8).reshape(-1)
    reason, keep, ignored = _readable(chunk, readable, status, state_codes)
    rest = chunk.fields[3:]
    substate = few_dictionary(_words(rest[0])) if has_substate else None
    items, runs = run_dictionary(_words(item))
    attributes: list[RunValues] = []
    if columns := rest[int(has_substate):]:
        last_kept = last_rows(runs, at, keep, items.size)
        attributes = [run_values(column, runs, at, keep, items.size, last_kept)
                      for column in columns]
    return EncodedChunk(chunk, reason, keep, ignored, (items, runs),
                        (state_dict, state_codes), at, substate, attributes)


def _readable(chunk: RawChunk, readable: Bool, status: npt.NDArray[np.int8],
              state_codes: I32) -> tuple[I64 | None, Bool | None, int]:
    """Return (reason per row, rows to keep, rows ignored); None stands for all rows
    readable and all kept."""
    item, state = chunk.fields[0], chunk.fields[2]
    if chunk.lines.size == 0 or (bool(readable.all()) and int(item.length.min()) > 0
                                 and int(state.length.min()) > 0 and not np.any(status)):
        # The usual chunk: every row is readable and in a known, kept state.
        return None, None, 0
    row_status = status[state_codes]
    reason = np.select(
        [item.length == 0, ~readable, state.length == 0, row_status == UNKNOWN_STATE],
        [EMPTY_ITEM, BAD_TIME, EMPTY_STATE, UNKNOWN_STATE], 0)
    ignored = (reason == 0) & (row_status == _IGNORED)
    keep: Bool = (reason == 0) & ~ignored
    return reason, None if keep.all() else keep, int(np.count_nonzero(ignored))
