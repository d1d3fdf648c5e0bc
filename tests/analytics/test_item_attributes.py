"""An item's attribute is the value of its last readable row that has one, in the order
of time (rows at the same time in file order), whatever order the file lists its rows
in, wherever the reader's chunks break it, and whichever rows are skipped or ignored.
The attribute's values are those some item ends with."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flowdesk.analytics import Workflow, history, read_history

WORKFLOW = Workflow.from_toml_text("""
[columns]
item = "key"
timestamp = "when"
state = "status"
attributes = ["team", "type"]

[workflow]
timezone = "UTC"
upstream = ["Backlog"]
committed = ["Doing"]
done = ["Done"]
ignore = ["Noise"]
""")

KEYS = ["A-1", "A-2", "B-10", "", "Ü-3"]  # "" is an unreadable row (no item)
STATES = ["Backlog", "Doing", "Done", "Noise", "Unknown", ""]  # the last two: unreadable
TIMES = ["2024-03-0{d}T0{h}:00:00Z", "not a time"]
VALUES = ["", "red", "blue", "a-rather-longer-team-name", "ünïcode"]

rows = st.lists(st.tuples(
    st.sampled_from(KEYS), st.integers(1, 2), st.integers(0, 1), st.booleans(),
    st.sampled_from(STATES), st.sampled_from(VALUES), st.sampled_from(VALUES)),
    min_size=1, max_size=40)


def expected(lines: list[tuple[str, str, str, str, str]]) -> dict[str, dict[str, str | None]]:
    """Each item's value per attribute, worked out row by row: the readable rows (an item,
    a time, a state the workflow knows and does not ignore), in order of time, rows at
    the same time in file order; the last non-empty value wins."""
    kept = [(line[1], number, line) for number, line in enumerate(lines)
            if line[0] and line[1] != "not a time" and line[2] in ("Backlog", "Doing", "Done")]
    kept.sort(key=lambda row: (row[0], row[1]))
    out: dict[str, dict[str, str | None]] = {}
    for _, _, (key, _, _, team, kind) in kept:
        seen = out.setdefault(key, {"team": None, "type": None})
        if team:
            seen["team"] = team
        if kind:
            seen["type"] = kind
    return out


# Rows out of order in time, with a tie at the latest time: the later row in the file wins.
TIE = [("A-1", 2, 0, False, "Doing", "red", "x"), ("A-1", 1, 0, False, "Backlog", "green", ""),
       ("A-1", 2, 0, False, "Done", "blue", ""), ("A-2", 1, 0, False, "Backlog", "", "y")]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows, st.sampled_from([64, 200, 1 << 20]))
@example(TIE, 1 << 20)
@example(TIE, 64)
def test_each_item_gets_its_last_value_in_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               picked: list[tuple[str, int, int, bool, str, str,
                                                                  str]],
                                               chunk_bytes: int) -> None:
    monkeypatch.setattr(history, "CHUNK_BYTES", chunk_bytes)  # chunks break items apart
    lines = [(key, "not a time" if bad else TIMES[0].format(d=day, h=hour), state, team, kind)
             for key, day, hour, bad, state, team, kind in picked]
    path = tmp_path / "history.csv"
    path.write_text("key,when,status,team,type\n"
                    + "".join(",".join(line) + "\n" for line in lines), encoding="utf-8")
    want = expected(lines)
    for engine in ("numpy", "csv"):
        timeline = read_history(path, WORKFLOW, engine=engine).timeline
        got = {str(key): {name: attribute.value_of(code)
                          for name, attribute in timeline.attributes.items()}
               for code, key in enumerate(timeline.items)}
        assert got == want, engine
        for name, attribute in timeline.attributes.items():  # the values items end with
            assert attribute.values == tuple(sorted(
                {seen[name] for seen in want.values() if seen[name] is not None},
                key=lambda value: value.encode())), engine
