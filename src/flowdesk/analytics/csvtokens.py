"""Splitting CSV text into fields: a vectorised numpy tokenizer for plain files (no quotes)
and the csv module for the rest. Both hand over the same :class:`RawChunk`."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from flowdesk.analytics.arrays import I64, U8, Bool
from flowdesk.analytics.byteread import PADDING

_COMMA, _NEWLINE, _CR = ord(","), ord("\n"), ord("\r")


@dataclass
class Field:
    """One column of a chunk's rows: row r's text is ``buffer[begin[r]:begin[r] +
    length[r]]``. The fields stay in the buffer they were read into, uncopied."""

    buffer: U8
    begin: I64
    length: I64

    def text(self, row: int) -> str:
        """Return one row's value as text (for problem reports)."""
        start = int(self.begin[row])
        raw = bytes(self.buffer[start : start + int(self.length[row])])
        return raw.decode("utf-8", "surrogateescape")


@dataclass
class RawChunk:
    """Rows that have the right number of fields, with their physical line numbers,
    the wanted fields, and the rows skipped."""

    lines: I64
    fields: list[Field]
    problems: list[tuple[int, str]] = field(default_factory=list)


def field_count_problem(expected: int, found: int) -> str:
    """Return the reason given for a row with the wrong number of fields."""
    return f"expected {expected} fields, found {found}"


def parse_header(line: str) -> list[str]:
    """Return the column names of a header line (a byte-order mark is dropped)."""
    return [name.strip() for name in line.lstrip("\ufeff").rstrip("\r\n").split(",")]


def tokenize_plain(data: bytes | bytearray, start: int, stop: int, first_line: int, width: int,
                   wanted: Sequence[int]) -> tuple[RawChunk, int] | None:
    """Tokenize the complete lines ``data[start:stop]`` of an unquoted CSV chunk; None if
    they hold a quote.

    ``first_line`` is the physical line number of the first line; ``width`` the header's
    field count; ``wanted`` the field indexes to extract. Returns the chunk and the
    number of physical lines it held.
    """
    if data.find(b'"', start, stop) >= 0:
        return None
    buf = np.frombuffer(data, dtype=np.uint8)
    separators = _separators(buf, start, stop)
    is_newline = buf[separators] == _NEWLINE
    row_ends = separators[is_newline]
    rows = row_ends.size
    lines = first_line + np.arange(rows, dtype=np.int64)
    problems: list[tuple[int, str]] = []
    regular = separators.size == rows * width and bool(np.all(is_newline[width - 1 :: width]))
    row_starts = np.empty(rows, dtype=np.int64)
    if rows:
        row_starts[0] = start
        row_starts[1:] = row_ends[:-1] + 1
    if regular:
        ends = separators.reshape(rows, width)
    else:
        per_row = np.diff(np.concatenate(([-1], np.flatnonzero(is_newline))))
        length = row_ends - row_starts
        last = buf[np.maximum(row_ends - 1, 0)]
        blank = (per_row == 1) & ((length == 0) | ((length == 1) & (last == _CR)))
        good = per_row == width
        for index in np.flatnonzero(~good & ~blank):  # only the malformed rows
            problems.append((int(lines[index]), field_count_problem(width, int(per_row[index]))))
        row_of = np.repeat(np.arange(rows), per_row)
        ends = separators[good[row_of]].reshape(-1, width)
        row_starts = row_starts[good]
        lines = lines[good]
    fields = []
    for column in wanted:
        begin = row_starts if column == 0 else ends[:, column - 1] + 1
        end = ends[:, column]
        if column == width - 1 and end.size:
            end = end - (buf[np.maximum(end - 1, 0)] == _CR)  # CRLF line endings
        fields.append(Field(buf, begin, end - begin))
    return RawChunk(lines, fields, problems), rows


_SCRATCH = threading.local()


def _separators(buf: U8, start: int, stop: int) -> I64:
    """Return the positions of commas and newlines in ``buf[start:stop]``.

    The two masks go into buffers kept per thread: fresh 8 MB temporaries for every
    chunk would each be faulted in page by page, which costs more than the comparisons.
    """
    size = stop - start
    masks: Bool | None = getattr(_SCRATCH, "masks", None)
    if masks is None or masks.shape[1] < size:
        masks = np.empty((2, max(size, 1 << 20)), dtype=bool)
        _SCRATCH.masks = masks
    is_separator, is_newline = masks[0, :size], masks[1, :size]
    body = buf[start:stop]
    np.equal(body, _COMMA, out=is_separator)
    np.equal(body, _NEWLINE, out=is_newline)
    is_separator |= is_newline
    separators = np.flatnonzero(is_separator)
    separators += start
    return separators


def tokenize_csv(handle: IO[str], width: int, wanted: Sequence[int],
                 batch: int = 65_536) -> Iterator[RawChunk]:
    """Yield chunks of rows read with the csv module (quoted fields, any dialect quirks).

    ``handle`` is positioned after the header line.
    """
    reader = csv.reader(handle)
    while True:
        lines: list[int] = []
        good: list[list[str]] = []
        problems: list[tuple[int, str]] = []
        for row in reader:
            if not row:
                continue
            if len(row) != width:
                problems.append((reader.line_num, field_count_problem(width, len(row))))
            else:
                lines.append(reader.line_num)
                good.append(row)
            if len(lines) + len(problems) >= batch:
                break
        if not lines and not problems:
            return
        fields = [_column(good, column) for column in wanted]
        yield RawChunk(np.array(lines, dtype=np.int64), fields, problems)


def _column(rows: list[list[str]], column: int) -> Field:
    """Return one column's values laid end to end in a padded buffer."""
    values = [row[column].encode("utf-8", "surrogateescape") for row in rows]
    length = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    begin = np.zeros(len(values), dtype=np.int64)
    np.cumsum(length[:-1], out=begin[1:])
    buffer = np.frombuffer(b"".join(values) + bytes(PADDING), dtype=np.uint8)
    return Field(buffer, begin, length)
