"""Write a seeded synthetic Kanban history as a gzipped CSV, for the analytics benchmark.

One row per state change, grouped by item and in time order, as exports usually are:
``item,changed_at,state,substate,type,class_of_service,team``. About 8.3 rows per item:
hand-over repeats, blocked spells with a category, review rework, reopenings, discards
upstream, and items still open at the end.

    python bench/synth_history.py --items 1000000 --out bench/.data/history.csv.gz
"""

from __future__ import annotations

import argparse
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

WORKFLOW_TOML = """\
[columns]
item = "item"
timestamp = "changed_at"
state = "state"
substate = "substate"
attributes = ["type", "class_of_service", "team"]

[workflow]
timezone = "Europe/Brussels"
upstream = ["Backlog", "Ready"]
committed = ["Doing", "Review"]
done = ["Done"]
discarded = ["Discarded"]

[states]
waiting = ["Ready", "Review"]

[substates]
active = ["In Progress"]
blocked = { "Blocked - Customer" = "customer", "Blocked - Vendor" = "vendor", \
"Blocked - Internal" = "internal" }
"""

HEADER = b"item,changed_at,state,substate,type,class_of_service,team\n"
STATES = ["Backlog", "Ready", "Doing", "Review", "Done", "Discarded"]
SUBSTATES = ["", "In Progress", "Blocked - Customer", "Blocked - Vendor", "Blocked - Internal"]
TYPES = (["feature", "bug", "chore", "risk"], [0.55, 0.3, 0.1, 0.05])
CLASSES = (["standard", "fixed date", "expedite", "intangible"], [0.7, 0.1, 0.05, 0.15])
TEAMS = ([f"team-{n:02d}" for n in range(1, 13)], [1 / 12] * 12)
START = np.datetime64("2021-01-04T00:00:00", "s")
YEARS = 3

# The template every item follows: (state, substate, median hours in the previous step).
# Optional steps are switched on per item below.
BLOCKED = -1  # substate chosen per item among the blocked ones
STEPS = [
    ("Backlog", 0, 0.0),      # 0 arrival
    ("Backlog", 0, 20.0),     # 1 hand-over repeat (collapses)
    ("Discarded", 0, 48.0),   # 2 discarded upstream
    ("Ready", 0, 48.0),       # 3
    ("Doing", 1, 24.0),       # 4 commitment
    ("Doing", BLOCKED, 6.0),  # 5 blocked spell
    ("Doing", 1, 30.0),       # 6 unblocked
    ("Doing", 1, 8.0),        # 7 hand-over repeat (collapses)
    ("Doing", BLOCKED, 6.0),  # 8 second blocked spell
    ("Doing", 1, 20.0),       # 9 unblocked
    ("Review", 0, 10.0),      # 10
    ("Doing", 1, 6.0),        # 11 rework after review
    ("Review", 0, 8.0),       # 12
    ("Done", 0, 6.0),         # 13 delivery
    ("Doing", 1, 72.0),       # 14 reopened
    ("Review", 0, 12.0),      # 15
    ("Done", 0, 6.0),         # 16 delivered again
]


def _choice(rng: np.random.Generator, n: int,
            table: tuple[list[str], list[float]]) -> npt.NDArray[np.int64]:
    return rng.choice(len(table[0]), size=n, p=np.array(table[1]) / sum(table[1]))


def _masks(rng: np.random.Generator, n: int) -> npt.NDArray[np.bool_]:
    on = np.zeros((n, len(STEPS)), dtype=bool)
    discarded = rng.random(n) < 0.08
    flowing = ~discarded
    on[:, 0] = True
    on[:, 1] = rng.random(n) < 0.6
    on[:, 2] = discarded
    for step in (3, 4, 10, 13):
        on[:, step] = flowing
    blocked = flowing & (rng.random(n) < 0.5)
    on[:, 5] = on[:, 6] = blocked
    on[:, 7] = flowing & (rng.random(n) < 0.7)
    second = blocked & (rng.random(n) < 0.4)
    on[:, 8] = on[:, 9] = second
    rework = flowing & (rng.random(n) < 0.3)
    on[:, 11] = on[:, 12] = rework
    reopened = flowing & (rng.random(n) < 0.04)
    on[:, 14] = on[:, 15] = on[:, 16] = reopened
    return on


def _text_matrix(values: list[str], codes: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    table = np.array([value.encode() for value in values])
    width = table.dtype.itemsize
    return table[codes].view(np.uint8).reshape(codes.size, width)


def _keys(items: npt.NDArray[np.int64]) -> npt.NDArray[np.uint8]:
    """Return "FD-%07d" of each number as a byte matrix, digit by digit (formatting tens of
    millions of strings one by one takes minutes); the zero bytes of a column of leading
    digits that a shorter number does not have are dropped with the rest of the padding."""
    digits = max(7, len(str(int(items.max())))) if items.size else 7
    out = np.empty((items.size, 3 + digits), dtype=np.uint8)
    out[:, :3] = np.frombuffer(b"FD-", np.uint8)
    rest = items.copy()
    for column in range(3 + digits - 1, 2, -1):
        out[:, column] = rest % 10 + ord("0")
        rest //= 10
    for column in range(3, 3 + digits - 7):  # 8 digits and more: no leading zeros
        shorter = items < 10 ** (3 + digits - 1 - column)
        out[shorter, column] = 0
    return out


def _packer() -> Any:
    """A gzip compressor: ISA-L's when installed (several times faster than zlib, which
    matters for the 10M-item history), zlib's otherwise. Either gives the same text."""
    try:
        from isal import isal_zlib  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return zlib.compressobj(6, zlib.DEFLATED, 31)
    return isal_zlib.compressobj(2, isal_zlib.DEFLATED, 31)


def _rows(items: npt.NDArray[np.int64], at: npt.NDArray[np.datetime64],
          state: npt.NDArray[np.int64], substate: npt.NDArray[np.int64],
          kind: npt.NDArray[np.int64], klass: npt.NDArray[np.int64],
          team: npt.NDArray[np.int64]) -> bytes:
    n = items.size
    key = _keys(items)
    stamp = np.datetime_as_string(at, unit="s").astype("S19").view(np.uint8).reshape(n, 19)
    comma = np.full((n, 1), ord(","), dtype=np.uint8)
    parts = [key, comma, stamp, np.frombuffer(b"+00:00,", np.uint8)[None, :].repeat(n, 0),
             _text_matrix(STATES, state), comma, _text_matrix(SUBSTATES, substate), comma,
             _text_matrix(TYPES[0], kind), comma, _text_matrix(CLASSES[0], klass), comma,
             _text_matrix(TEAMS[0], team), np.full((n, 1), ord("\n"), dtype=np.uint8)]
    matrix = np.hstack(parts)
    return matrix[matrix != 0].tobytes()  # drop the zero padding of shorter names


def write_history(path: Path, items: int = 1_000_000, seed: int = 2013) -> int:
    """Write the history to ``path`` (gzip) and return the number of data rows."""
    rng = np.random.default_rng(seed)
    total_hours = YEARS * 365 * 24
    arrival_hours = np.sort(rng.random(items) * total_hours)
    weekday = ((arrival_hours // 24).astype(np.int64)) % 7
    arrival_hours -= np.where(weekday >= 5, (weekday - 4) * 24, 0)  # weekends to Friday
    arrival_hours = np.sort(np.maximum(arrival_hours, 0))
    kind = _choice(rng, items, TYPES)
    klass = _choice(rng, items, CLASSES)
    team = _choice(rng, items, TEAMS)
    expedite = np.where(klass == 2, 0.3, 1.0)
    blocker = 2 + rng.choice(3, size=items, p=[0.5, 0.3, 0.2])
    path.parent.mkdir(parents=True, exist_ok=True)
    packer = _packer()
    written = 0
    medians = np.array([hours for _, _, hours in STEPS])
    state_of = np.array([STATES.index(state) for state, _, _ in STEPS])
    with open(path, "wb") as out:
        out.write(packer.compress(HEADER))
        for first in range(0, items, 250_000):  # bounded memory per batch of items
            last = min(items, first + 250_000)
            n = last - first
            on = _masks(rng, n)
            gaps = rng.lognormal(np.log(np.maximum(medians, 1e-9)), 1.0, size=(n, len(STEPS)))
            gaps *= expedite[first:last, None]
            gaps[:, 0] = 0.0
            hours = arrival_hours[first:last, None] + np.cumsum(gaps * on, axis=1)
            keep = on & (hours < total_hours)  # after the end of the log: still open
            rows, steps = np.nonzero(keep)
            at = START + (hours[rows, steps] * 3600).astype("timedelta64[s]")
            substate = np.array([sub for _, sub, _ in STEPS])[steps]
            substate = np.where(substate == BLOCKED, blocker[first + rows], substate)
            item_index = first + rows
            out.write(packer.compress(_rows(item_index + 1, at, state_of[steps], substate,
                                            kind[item_index], klass[item_index],
                                            team[item_index])))
            written += rows.size
        out.write(packer.flush())
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    # Written under another name, then renamed: the benchmarks take a file that exists as
    # complete (an interrupted run leaves only the .part file).
    part = args.out.with_name(args.out.name + ".part")
    rows = write_history(part, args.items, args.seed)
    part.replace(args.out)
    args.out.with_suffix("").with_suffix(".toml").write_text(WORKFLOW_TOML)
    print(f"wrote {rows:,} rows for {args.items:,} items to {args.out}")


if __name__ == "__main__":
    main()
