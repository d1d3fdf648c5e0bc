"""Reading history CSVs: the numpy tokenizer and the csv module agree, row problems are
reported with their line numbers, and the workflow's columns and states apply."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.analytics import History, Workflow, read_history

WORKFLOW = Workflow.from_toml_text("""
[columns]
item = "key"
timestamp = "when"
state = "status"
substate = "detail"
attributes = ["type"]

[workflow]
timezone = "Europe/Brussels"
upstream = ["Backlog"]
committed = ["Doing"]
done = ["Done"]
ignore = ["Noise"]
""")

HEADER = "key,when,status,detail,type,extra\n"
GOOD = [
    "A-1,2024-03-01T09:00:00+01:00,Backlog,,bug,x",
    "A-1,2024-03-02T09:00:00Z,Doing,In Progress,bug,x",
    "A-2,2024-03-31 01:30:00,Backlog,,feature,y",  # no offset: Brussels local time
    "A-1,2024-03-03T10:00:00.250+0100,Done,,bug,x",
]


def write(tmp_path: Path, text: str, name: str = "history.csv", packed: bool = False) -> Path:
    path = tmp_path / name
    data = text.encode()
    path.write_bytes(gzip.compress(data) if packed else data)
    return path


def same(a: History, b: History) -> None:
    ta, tb = a.timeline, b.timeline
    for column in ("items", "item", "state", "substate", "at"):
        assert np.array_equal(getattr(ta, column), getattr(tb, column)), column
    assert ta.states == tb.states and ta.substates == tb.substates
    for name in ta.attributes:
        assert ta.attributes[name].values == tb.attributes[name].values
        assert np.array_equal(ta.attributes[name].codes, tb.attributes[name].codes)
    assert a.problems == b.problems and a.problem_count == b.problem_count
    assert (a.rows_read, a.rows_ignored) == (b.rows_read, b.rows_ignored)


def test_reads_rows_with_every_timestamp_form(tmp_path: Path) -> None:
    history = read_history(write(tmp_path, HEADER + "\n".join(GOOD) + "\n"), WORKFLOW)
    timeline = history.timeline
    assert history.engine == "numpy" and history.problems == []
    assert timeline.items.tolist() == ["A-1", "A-2"]
    assert timeline.states == ("Backlog", "Doing", "Done")
    assert timeline.substates == ("In Progress",)
    # Rows are sorted by item then time; 01:30 on 31 March is still winter time (+01:00).
    moments = timeline.at.astype("datetime64[us]").astype(str).tolist()
    assert moments == ["2024-03-01T08:00:00.000000", "2024-03-02T09:00:00.000000",
                       "2024-03-03T09:00:00.250000", "2024-03-31T00:30:00.000000"]
    assert timeline.attributes["type"].values == ("bug", "feature")


def test_problem_rows_are_reported_and_skipped_by_both_engines(tmp_path: Path) -> None:
    text = HEADER + "\r\n".join([
        GOOD[0],
        "A-3,2024-03-01T09:00:00+01:00,Backlog,,bug",          # line 3: a field short
        "",                                                    # line 4: blank, skipped
        "A-4,yesterday,Backlog,,bug,x",                        # line 5: bad timestamp
        ",2024-03-01T09:00:00+01:00,Backlog,,bug,x",           # line 6: no item
        "A-5,2024-03-01T09:00:00+01:00,Limbo,,bug,x",          # line 7: unknown state
        "A-6,2024-02-30T09:00:00+01:00,Backlog,,bug,x",        # line 8: no such date
        "A-7,2024-03-01T09:00:00+01:00,Noise,,bug,x",          # line 9: ignored state
        "A-8,2024-03-01T09:00:00+01:00,,,bug,x",               # line 10: empty state
        GOOD[1],
    ]) + "\r\n"
    fast = read_history(write(tmp_path, text), WORKFLOW)
    slow = read_history(write(tmp_path, text), WORKFLOW, engine="csv")
    same(fast, slow)
    assert [(p.line, p.reason) for p in fast.problems] == [
        (3, "expected 6 fields, found 5"),
        (5, "unreadable timestamp 'yesterday'"),
        (6, "empty item"),
        (7, "state 'Limbo' is not in the workflow"),
        (8, "unreadable timestamp '2024-02-30T09:00:00+01:00'"),
        (10, "empty state"),
    ]
    assert fast.rows_ignored == 1
    assert fast.timeline.items.tolist() == ["A-1"]
    assert len(fast.timeline) == 2


def test_quoted_fields_fall_back_to_the_csv_module(tmp_path: Path) -> None:
    text = HEADER + GOOD[0] + '\nA-2,2024-03-02T09:00:00Z,Doing,"Waiting, on vendor",bug,x\n'
    history = read_history(write(tmp_path, text), WORKFLOW)
    assert history.engine == "csv"
    assert history.timeline.substates == ("Waiting, on vendor",)


def test_gzip_is_detected_from_the_content(tmp_path: Path) -> None:
    text = HEADER + "\n".join(GOOD)  # and no newline at the end
    plain = read_history(write(tmp_path, text), WORKFLOW)
    packed = read_history(write(tmp_path, text, "history.data", packed=True), WORKFLOW)
    same(plain, packed)
    assert len(packed.timeline) == 4


@pytest.mark.parametrize("engine", ["numpy", "csv"])
def test_a_truncated_gzip_file_is_an_error_not_a_shorter_history(tmp_path: Path,
                                                                 engine: str) -> None:
    # Enough rows that the cut falls well inside the compressed data.
    text = HEADER + "\n".join(f"A-{n},2024-03-01T09:00:00Z,Backlog,,bug,x"
                              for n in range(2000)) + "\n"
    whole = gzip.compress(text.encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(zlib.error, match=r"cut\.csv\.gz: the file is truncated"):
        read_history(path, WORKFLOW, engine=engine)  # type: ignore[arg-type]


def test_a_truncated_gzip_file_with_quotes_is_an_error_too(tmp_path: Path) -> None:
    # A quote sends the numpy reader to the csv module, whose gzip reader raises EOFError.
    text = HEADER + "\n".join(f'A-{n},2024-03-01T09:00:00Z,Backlog,"a, b",bug,x'
                              for n in range(2000)) + "\n"
    whole = gzip.compress(text.encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[:-12])  # only the trailer's CRC and size are missing
    with pytest.raises(zlib.error, match="truncated"):
        read_history(path, WORKFLOW)


def test_zero_padding_after_the_last_gzip_member_is_allowed(tmp_path: Path) -> None:
    text = HEADER + "\n".join(GOOD) + "\n"
    padded = tmp_path / "padded.csv.gz"
    padded.write_bytes(gzip.compress(text.encode()) + bytes(100))
    same(read_history(write(tmp_path, text), WORKFLOW), read_history(padded, WORKFLOW))


def test_missing_columns_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="detail"):
        read_history(write(tmp_path, "key,when,status,type\n"), WORKFLOW)


_state = st.sampled_from(["Backlog", "Doing", "Done", "Noise", "Limbo", ""])
_stamp = st.one_of(
    st.datetimes(min_value=__import__("datetime").datetime(1990, 1, 1),
                 max_value=__import__("datetime").datetime(2030, 12, 31)).map(
        lambda d: d.replace(microsecond=0).isoformat()),
    st.sampled_from(["2024-13-01T00:00:00Z", "2024-03-01T09:00", "2024-03-01T24:00:00+01:00",
                     "nonsense", "2024-03-01T09:00:00+01:00", "2024-03-01T09:00:00.5Z"]),
)
_row = st.tuples(st.sampled_from(["A", "B", "C", ""]), _stamp, _state,
                 st.sampled_from(["", "In Progress", "Wait"]), st.sampled_from(["bug", ""]),
                 st.integers(min_value=5, max_value=7))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row, max_size=40), blank_every=st.integers(min_value=0, max_value=5))
def test_both_engines_give_identical_results(tmp_path_factory: pytest.TempPathFactory,
                                             rows: list[tuple[str, str, str, str, str, int]],
                                             blank_every: int) -> None:
    lines = []
    for index, (item, stamp, state, detail, kind, width) in enumerate(rows):
        fields = [item, stamp, state, detail, kind, "x", "y"][:width]
        lines.append(",".join(fields))
        if blank_every and index % blank_every == 0:
            lines.append("")
    path = write(tmp_path_factory.mktemp("csv"), HEADER + "\n".join(lines) + "\n")
    same(read_history(path, WORKFLOW), read_history(path, WORKFLOW, engine="csv"))
