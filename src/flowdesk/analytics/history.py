"""Reading a history file (CSV, optionally gzipped, one row per state change) into a
:class:`Timeline`, reporting unreadable rows instead of stopping."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import numpy as np

from flowdesk.analytics.accumulate import Growing, TextColumn
from flowdesk.analytics.arrays import BLOCK, I32, I64, small_pages
from flowdesk.analytics.byteread import Prefetch, is_gzip, truncated
from flowdesk.analytics.chunkcodes import (
    BAD_TIME,
    EMPTY_ITEM,
    UNKNOWN_STATE,
    EncodedChunk,
    encode_chunk,
)
from flowdesk.analytics.csvtokens import RawChunk, parse_header, tokenize_csv, tokenize_plain
from flowdesk.analytics.lastvalues import LastValueColumn
from flowdesk.analytics.parallel import each, submit, workers
from flowdesk.analytics.textcodes import decode, decode_array
from flowdesk.analytics.timeline import Attribute, Timeline
from flowdesk.analytics.workflow import Columns, Workflow

Engine = Literal["auto", "numpy", "csv"]

#: Bytes of text per chunk: large enough that numpy's per-call cost (and the threads'
#: turns at the GIL between calls) stays small, small enough that a chunk's temporaries
#: stay in the core's cache between the dozens of passes over them (8 MB chunks took a
#: fifth more CPU than 1-2 MB ones on 100,000 and 1,000,000 items), and that the last
#: chunks keep both cores busy to the end.
CHUNK_BYTES = 2 << 20


@dataclass(frozen=True)
class RowProblem:
    """A row that was skipped: its physical line number (the header is line 1) and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class History:
    """What :func:`read_history` returns: the timeline and the rows it had to skip.

    ``problems`` keeps the first ``max_problems`` of ``problem_count`` problems, by line.
    """

    timeline: Timeline
    problems: list[RowProblem]
    problem_count: int
    rows_read: int
    rows_ignored: int
    engine: str


@dataclass
class _Reader:
    workflow: Workflow
    columns: Columns
    max_problems: int
    attribute_names: tuple[str, ...]
    item: TextColumn = field(default_factory=TextColumn)
    state: TextColumn = field(default_factory=TextColumn)
    substate: TextColumn = field(default_factory=TextColumn)
    attributes: list[LastValueColumn] = field(default_factory=list)
    times: Growing = field(default_factory=lambda: Growing(np.int64))
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    rows_read: int = 0
    rows_ignored: int = 0

    def __post_init__(self) -> None:
        self.attributes = [LastValueColumn() for _ in self.attribute_names]

    def add(self, chunk: EncodedChunk, first_line: int = 0) -> None:
        """Keep one encoded chunk's readable rows and report the others; its lines are
        numbered from ``first_line`` (chunks come in file order)."""
        raw, keep = chunk.raw, chunk.keep
        self.rows_read += raw.lines.size + len(raw.problems)
        self.rows_ignored += chunk.ignored
        self._report(raw, chunk.reason, first_line)
        self.item.add(*chunk.item, keep)
        self.state.add(*chunk.state, keep)
        self.times.extend(chunk.at if keep is None else chunk.at[keep])
        if chunk.substate is not None:
            self.substate.add(*chunk.substate, keep)
        for column, values in zip(self.attributes, chunk.attributes, strict=True):
            column.add(values)

    def _report(self, chunk: RawChunk, reason: I64 | None, first_line: int) -> None:
        codes = np.zeros(0, dtype=np.int64) if reason is None else reason  # None: all read
        bad = np.flatnonzero(codes)
        found = [(first_line + line, text) for line, text in chunk.problems]
        room = self.max_problems - len(self.problems)
        for index in bad[: max(room, 0) + len(chunk.problems)]:  # only the skipped rows
            code = int(codes[index])
            if code == BAD_TIME:
                text = f"unreadable timestamp {chunk.fields[1].text(index)!r}"
            elif code == UNKNOWN_STATE:
                text = f"state {chunk.fields[2].text(index)!r} is not in the workflow"
            else:
                text = "empty item" if code == EMPTY_ITEM else "empty state"
            found.append((first_line + int(chunk.lines[index]), text))
        found.sort()
        self.problem_count += len(chunk.problems) + bad.size
        self.problems.extend(RowProblem(line, text) for line, text in found[: max(room, 0)])

    def finish(self, engine: str) -> History:
        # The columns are merged on every core: each is a pure function of its own chunks.
        has_substate = self.columns.substate is not None
        jobs = [(self.item, False, False), (self.state, True, False),
                *([(self.substate, True, True)] if has_substate else [])]
        merged = each(lambda job: job[0].finish(sort=job[1], drop_empty=job[2]), jobs)
        at: I64 = self.times.array()
        (item_names, item, item_of_run), (state_names, state, _) = merged[:2]
        if has_substate:
            sub_names, substate, _ = merged[2]
        else:
            sub_names, substate = np.zeros(0, dtype="S1"), np.full(at.size, -1, np.int32)
        order = _chronological(item, at)
        if order is not None:
            item, state, substate, at = item[order], state[order], substate[order], at[order]
        # Each item run is one entry of the item column's dictionary.
        per_item = each(lambda column: column.finish(item_of_run, item_names.size),
                        self.attributes)
        attributes = {name: Attribute(tuple(decode(names)), codes)
                      for name, (names, codes) in zip(self.attribute_names, per_item,
                                                      strict=True)}
        timeline = Timeline(
            items=decode_array(item_names),
            states=tuple(decode(state_names)),
            substates=tuple(decode(sub_names)),
            item=item,
            state=state,
            substate=substate,
            at=at,
            attributes=attributes,
        )
        return History(timeline, self.problems, self.problem_count, self.rows_read,
                       self.rows_ignored, engine)


def _chronological(item: I32, at: I64) -> I64 | None:
    """Return the stable (item, time) order, or None when rows are already in it."""
    for begin in range(0, max(item.size - 1, 0), BLOCK):  # blocks keep temporaries small
        end = min(begin + BLOCK, item.size - 1)
        before, after = item[begin:end], item[begin + 1 : end + 1]
        if np.any(after < before) or np.any(
                (after == before) & (at[begin + 1 : end + 1] < at[begin:end])):
            return np.lexsort((at, item)).astype(np.int64)
    return None


@small_pages()
def read_history(
    path: str | Path,
    workflow: Workflow,
    columns: Columns | None = None,
    *,
    engine: Engine = "auto",
    max_problems: int = 10_000,
) -> History:
    """Read a CSV history (gzip detected from its content) into a timeline.

    The columns come from ``columns`` or else ``workflow.columns`` (the TOML
    ``[columns]`` table). Rows in ignored states are dropped; unreadable rows (wrong
    field count, empty item or state, bad timestamp, state not in the workflow) are
    skipped and reported with their line number. ``engine="auto"`` uses the numpy
    tokenizer and falls back to the csv module when the file contains quotes; "numpy"
    and "csv" force one (numpy still falls back on quotes).

    Raises ValueError for a missing header or columns, and ``zlib.error`` naming the file
    for gzip data that is corrupt or truncated (never a silently shorter history).
    """
    path = Path(path)
    chosen = columns or workflow.columns
    if chosen is None:
        raise ValueError("no [columns] mapping: pass columns or load a workflow file with one")
    if engine != "csv":
        history = _read_plain(path, workflow, chosen, max_problems)
        if history is not None:
            return history
    return _read_with_csv(path, workflow, chosen, max_problems)


def _wanted(header: list[str], columns: Columns) -> list[int]:
    names = [columns.item, columns.timestamp, columns.state]
    if columns.substate is not None:
        names.append(columns.substate)
    names.extend(columns.attributes)
    missing = [name for name in names if name not in header]
    if missing:
        raise ValueError(f"columns not in the header: {', '.join(missing)}")
    return [header.index(name) for name in names]


def _reader(workflow: Workflow, columns: Columns, max_problems: int) -> _Reader:
    return _Reader(workflow, columns, max_problems, tuple(columns.attributes))


def _read_plain(path: Path, workflow: Workflow, columns: Columns,
                max_problems: int) -> History | None:
    reader = _reader(workflow, columns, max_problems)
    has_substate = columns.substate is not None
    # Chunks are tokenized and encoded on both cores, then added in file order.
    pending: deque[tuple[Future[tuple[EncodedChunk, int] | None], bytearray]] = deque()
    line = 2
    with Prefetch(path, CHUNK_BYTES, depth=8) as chunks:  # a few MB read ahead
        width = 0
        wanted: list[int] = []
        try:
            for number, (data, stop) in enumerate(chunks):
                start = 0
                if number == 0:
                    start = data.index(b"\n") + 1
                    head = data[:start]
                    if b'"' in head:
                        return None
                    header = parse_header(head.decode("utf-8", "surrogateescape"))
                    width, wanted = len(header), _wanted(header, columns)
                pending.append((submit(_encode_plain, data, start, stop, width, wanted,
                                       workflow, has_substate), data))
                while len(pending) > 2 * workers():  # slack for uneven chunks
                    if (line := _add_next(reader, pending, chunks, line)) < 0:
                        return None
            while pending:
                if (line := _add_next(reader, pending, chunks, line)) < 0:
                    return None
        finally:
            for future, _ in pending:  # a quote or an error: let the others finish
                future.cancel()
            wait([future for future, _ in pending])
        if width == 0:
            raise ValueError(f"{path} is empty: no header line")
    return reader.finish("numpy")


def _encode_plain(data: bytearray, start: int, stop: int, width: int, wanted: list[int],
                  workflow: Workflow, has_substate: bool) -> tuple[EncodedChunk, int] | None:
    """Return an unquoted chunk encoded, with its count of physical lines (its lines
    numbered from 0); None when it holds a quote."""
    tokens = tokenize_plain(data, start, stop, 0, width, wanted)
    if tokens is None:
        return None
    return encode_chunk(tokens[0], workflow, has_substate), tokens[1]


def _add_next(reader: _Reader, pending: deque[tuple[Future[tuple[EncodedChunk, int] | None],
                                                    bytearray]],
              chunks: Prefetch, line: int) -> int:
    """Add the oldest pending chunk and hand its buffer back; return the next chunk's
    first line number, or -1 when the chunk held a quote."""
    future, data = pending.popleft()
    done = future.result()
    if done is None:
        return -1
    reader.add(done[0], line)
    chunks.release(data)
    return line + done[1]


def _open_text(path: Path) -> IO[str]:
    if is_gzip(path):
        return gzip.open(path, "rt", encoding="utf-8", errors="surrogateescape", newline="")
    return open(path, encoding="utf-8", errors="surrogateescape", newline="")


def _read_with_csv(path: Path, workflow: Workflow, columns: Columns,
                   max_problems: int) -> History:
    reader = _reader(workflow, columns, max_problems)
    try:
        with _open_text(path) as handle:
            first = handle.readline()
            if not first:
                raise ValueError(f"{path} is empty: no header line")
            header = [name.strip() for name in next(_csv_rows(first))]
            if header:
                header[0] = header[0].lstrip("\ufeff")
            wanted = _wanted(header, columns)
            for raw in tokenize_csv(handle, len(header), wanted):
                reader.add(encode_chunk(raw, workflow, columns.substate is not None), 1)
    except EOFError:  # the gzip module's word for a truncated file
        raise zlib.error(truncated(path)) from None
    return reader.finish("csv")


def _csv_rows(text: str) -> Iterator[list[str]]:
    return csv.reader(io.StringIO(text))
