"""The fast paths give the same answers as the plain ones: reading in many small chunks,
inflating with zlib or ISA-L, working in small blocks of items, on one thread or two."""

from __future__ import annotations

import gzip
import importlib
import pkgutil
import random
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import flowdesk.analytics as analytics
from flowdesk.analytics import (
    Timeline,
    Workflow,
    accumulate,
    analyse,
    byteread,
    cumulative_flow,
    history,
    items_table,
    parallel,
    period_of,
    read_history,
    summary,
    time_in_states,
)

from .test_history_files import same

WORKFLOW = Workflow.from_toml_text("""
[columns]
item = "key"
timestamp = "when"
state = "status"
substate = "detail"
attributes = ["type", "team"]

[workflow]
timezone = "Europe/Brussels"
upstream = ["Backlog", "Ready"]
committed = ["Doing", "Review"]
done = ["Done"]
discarded = ["Dropped"]
ignore = ["Noise"]

[states]
waiting = ["Ready", "Review"]

[substates]
active = ["In Progress"]
blocked = { "Blocked - Customer" = "customer", "Blocked - Vendor" = "vendor" }
""")

STATES = ["Backlog", "Ready", "Doing", "Review", "Done", "Dropped", "Noise"]
DETAILS = ["", "", "In Progress", "Blocked - Customer", "Blocked - Vendor"]


def history_rows(seed: int, items: int) -> list[tuple[str, datetime, str, str, str, str]]:
    """Return a seeded history: items that move back and forth, reopen, are dropped and
    revived, with repeated rows and equal times."""
    chance = random.Random(seed)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    rows = []
    for number in range(items):
        moment = start + timedelta(hours=chance.randint(0, 24 * 40))
        kind, team = chance.choice(["bug", "feature", ""]), chance.choice(["t1", "t2"])
        for _ in range(chance.randint(1, 12)):
            moment += timedelta(minutes=chance.choice([0, 1, 45, 600, 1440, 4000]))
            rows.append((f"K-{number:05d}", moment, chance.choice(STATES),
                         chance.choice(DETAILS), kind, team))
    return rows


def csv_text(rows: list[tuple[str, datetime, str, str, str, str]]) -> str:
    lines = ["key,when,status,detail,type,team"]
    lines += [f"{key},{moment.isoformat()},{state},{detail},{kind},{team}"
              for key, moment, state, detail, kind, team in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def packed_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a gzipped history of two members (as ``cat a.gz b.gz`` makes)."""
    text = csv_text(history_rows(7, 400)).encode()
    half = text.index(b"\n", len(text) // 2) + 1
    path = tmp_path_factory.mktemp("history") / "history.csv.gz"
    path.write_bytes(gzip.compress(text[:half]) + gzip.compress(text[half:]))
    return path


def test_reading_in_tiny_chunks_gives_the_same_history(
        packed_history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = read_history(packed_history, WORKFLOW)
    monkeypatch.setattr(history, "CHUNK_BYTES", 300)  # lines and members cross chunks
    chunked = read_history(packed_history, WORKFLOW)
    same(whole, chunked)
    same(whole, read_history(packed_history, WORKFLOW, engine="csv"))
    assert whole.rows_ignored > 0 and len(whole.timeline) > 1000


@pytest.mark.parametrize("packed", [False, True])
def test_chunks_hold_every_line_whole_however_long(tmp_path: Path, packed: bool) -> None:
    # Lines longer than a chunk, gzip members with zero padding between them, and a
    # last line without its newline.
    lines = [b"x" * length for length in (3, 40, 0, 700, 5, 1, 90, 2000, 7)]
    text = b"\n".join(lines)
    path = tmp_path / "lines.csv"
    cut = text.index(b"\n", 800)
    path.write_bytes(gzip.compress(text[:cut]) + bytes(30) + gzip.compress(text[cut:])
                     if packed else text)
    chunks = []
    for data, stop in byteread.line_chunks(path, size=64):
        assert data[stop - 1] == ord("\n") and len(data) >= stop + byteread.PADDING
        chunks.append(bytes(data[:stop]))
    assert b"".join(chunks) == text + b"\n"
    assert len(chunks) > 3


def test_rows_kept_in_many_blocks_give_the_same_history(
        packed_history: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large files keep their rows in blocks, joined (and renumbered) once at the end.
    whole = read_history(packed_history, WORKFLOW)
    monkeypatch.setattr(history, "CHUNK_BYTES", 300)
    monkeypatch.setattr(accumulate, "_FIRST_CAPACITY", 5)
    monkeypatch.setattr(accumulate, "BLOCK", 7)
    same(whole, read_history(packed_history, WORKFLOW))


def test_a_growing_column_gives_back_what_was_appended(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accumulate, "_FIRST_CAPACITY", 4)
    monkeypatch.setattr(accumulate, "BLOCK", 3)
    chance = np.random.default_rng(5)
    for renumber in (False, True):
        column, expected = accumulate.Growing(np.int32), list[int]()
        for _ in range(40):
            values = chance.integers(0, 10, size=int(chance.integers(0, 9))).astype(np.int32)
            column.extend(values, offset=1)
            expected.extend(int(value) + 1 for value in values)
        lookup = chance.integers(-1, 50, size=11).astype(np.int32)
        if renumber:
            assert column.array(lookup).tolist() == [int(lookup[v]) for v in expected]
        else:
            assert column.array().tolist() == expected
        assert column.size == len(expected)


def test_every_public_name_loads_on_first_use() -> None:
    # `import flowdesk.analytics` loads no module until a name from it is asked for.
    code = ("import sys, flowdesk.analytics as a\n"
            "assert 'flowdesk.analytics.forecast' not in sys.modules\n"
            "names = [getattr(a, name) for name in a.__all__]\n"
            "assert 'flowdesk.analytics.forecast' in sys.modules\n"
            "from flowdesk.analytics import when_done, Timeline\n"
            "from flowdesk.analytics.forecast import when_done as original\n"
            "assert when_done is original and set(a.__all__) <= set(dir(a))\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        analytics.nothing  # noqa: B018


def test_zlib_inflates_what_isal_does(packed_history: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # With isal installed, the default read inflates with it; zlib must agree.
    default = read_history(packed_history, WORKFLOW)
    monkeypatch.setitem(sys.modules, "isal", None)  # as if isal were not installed
    _, errors = byteread._gzip_opener()
    assert errors == (zlib.error, gzip.BadGzipFile)
    same(default, read_history(packed_history, WORKFLOW))


def test_a_corrupt_gzip_file_raises_a_zlib_error(tmp_path: Path) -> None:
    data = bytearray(gzip.compress(csv_text(history_rows(1, 50)).encode()))
    data[40:60] = bytes(20)
    path = tmp_path / "broken.csv.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(zlib.error):
        read_history(path, WORKFLOW)


def outputs(timeline: Timeline) -> dict[str, Any]:
    """Return every metric the benchmark computes, plus the per-stay arrays."""
    flow = analyse(timeline, WORKFLOW)
    period = period_of(flow)
    return {
        "summary": summary(flow),
        "cfd": cumulative_flow(flow, period).lines,
        "items": items_table(flow).columns,
        "time_in_states": time_in_states(flow),
        "stays": (flow.stay_item, flow.stay_position, flow.stay_start, flow.stay_end),
        "blocks": (flow.block_item, flow.block_start, flow.block_end, flow.block_category),
        "efficiency": (flow.active_us, flow.waiting_us, flow.blocked_us),
        "moves": (flow.transition_item, flow.transition_at, flow.transition_kind),
    }


def assert_same(expected: Any, got: Any) -> None:
    if isinstance(expected, dict):
        assert expected.keys() == got.keys()
        for key in expected:
            assert_same(expected[key], got[key])
    elif isinstance(expected, tuple | list):
        assert len(expected) == len(got)
        for one, other in zip(expected, got, strict=True):
            assert_same(one, other)
    elif isinstance(expected, np.ndarray):
        assert expected.dtype == got.dtype
        assert np.array_equal(expected, got, equal_nan=expected.dtype.kind in "fmM")
    else:
        assert expected == got or (expected != expected and got != got)  # NaN


@pytest.fixture(scope="module")
def timeline(packed_history: Path) -> Timeline:
    return read_history(packed_history, WORKFLOW).timeline


def block_modules() -> Iterator[Any]:
    for info in pkgutil.iter_modules(analytics.__path__):
        module = importlib.import_module(f"flowdesk.analytics.{info.name}")
        if hasattr(module, "BLOCK"):
            yield module


@pytest.mark.parametrize("block", [1, 3, 17])
def test_working_in_small_blocks_gives_the_same_metrics(
        timeline: Timeline, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    expected = outputs(timeline)
    for module in block_modules():  # items now straddle many blocks
        monkeypatch.setattr(module, "BLOCK", block)
    assert_same(expected, outputs(timeline))


def test_one_thread_gives_the_same_metrics_as_two(
        timeline: Timeline, monkeypatch: pytest.MonkeyPatch) -> None:
    for module in block_modules():
        monkeypatch.setattr(module, "BLOCK", 64)  # many blocks for the two threads
    two = outputs(timeline)
    monkeypatch.setattr(parallel, "WORKERS", 1)
    assert_same(two, outputs(timeline))


def test_parallel_work_comes_back_in_order_and_nests_without_waiting() -> None:
    def inner(number: int) -> list[tuple[int, str]]:
        # Called on a worker thread: runs inline rather than queueing behind itself.
        return parallel.each(lambda k: (number * 10 + k, threading.current_thread().name),
                             range(3))

    results = parallel.each(inner, range(6))
    assert [[value for value, _ in part] for part in results] == [
        [number * 10 + k for k in range(3)] for number in range(6)]
    for part in results:
        assert len({name for _, name in part}) == 1


def test_percentiles_placed_in_part_are_those_of_the_sorted_values() -> None:
    chance = np.random.default_rng(9)
    for size in (1, 2, 3, 10, 99, 1000):
        values = chance.integers(0, 20, size=size).astype(np.float64)
        ordered = np.sort(values)
        expected = {p: float(ordered[max(-(-p * size // 100), 1) - 1])
                    for p in (1, 50, 70, 85, 95, 100)}
        assert analytics.nearest_rank(values, (1, 50, 70, 85, 95, 100)) == expected
