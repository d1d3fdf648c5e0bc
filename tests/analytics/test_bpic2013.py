"""The BPI Challenge 2013 incident log, read with the example workflow and checked against
numbers computed independently with the csv module."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from itertools import groupby, pairwise
from pathlib import Path

import numpy as np
import pytest

from bpic import EVENTS, needs_bpic
from flowdesk.analytics import (
    Period,
    Workflow,
    analyse,
    items_table,
    read_history,
    summary,
    throughput_samples,
    when_done,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = EVENTS
WORKFLOW = ROOT / "examples" / "bpic2013" / "workflow.toml"

pytestmark = needs_bpic

PLUS_ONE = timezone(timedelta(hours=1))


@pytest.fixture(scope="module")
def raw() -> dict[str, list[tuple[datetime, str]]]:
    """Return each incident's (time, status) rows, in file order."""
    with gzip.open(DATA, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out: dict[str, list[tuple[datetime, str]]] = {}
    for row in rows:
        out.setdefault(row["incident"], []).append(
            (datetime.fromisoformat(row["changed_at"]), row["status"]))
    return out


def collapse(statuses: list[str]) -> list[str]:
    return [status for status, _ in groupby(statuses)]


def test_what_the_readme_numbers_mean(raw: dict[str, list[tuple[datetime, str]]]) -> None:
    entries = [collapse([s for _, s in rows]) for rows in raw.values()]
    moves = Counter(pair for e in entries for pair in pairwise(e))
    assert sum(len(e) for e in entries) == 36_488  # status entries, repeats collapsed
    assert moves[("Accepted", "Queued")] == 9_498
    assert moves[("Completed", "Accepted")] == 462  # the README's "reopenings"...
    assert moves[("Completed", "Queued")] == 113  # ...leaves out reopenings to Queued...
    assert moves[("Completed", "Unmatched")] == moves[("Unmatched", "Accepted")] == 5


@pytest.fixture(scope="module")
def history():  # type: ignore[no-untyped-def]
    return read_history(DATA, Workflow.from_toml(WORKFLOW))


def test_the_log_reads_cleanly(history) -> None:  # type: ignore[no-untyped-def]
    assert history.problems == []
    assert history.rows_read == 65_533
    assert history.rows_ignored == 5  # Unmatched
    assert history.timeline.item_count == 7_554
    assert history.engine == "numpy"


def test_the_csv_engine_reads_the_same(history) -> None:  # type: ignore[no-untyped-def]
    slow = read_history(DATA, Workflow.from_toml(WORKFLOW), engine="csv")
    for column in ("items", "item", "state", "substate", "at"):
        assert np.array_equal(getattr(slow.timeline, column),
                              getattr(history.timeline, column))


def test_metrics_match_a_plain_python_count(
        history, raw: dict[str, list[tuple[datetime, str]]]) -> None:  # type: ignore[no-untyped-def]
    workflow = Workflow.from_toml(WORKFLOW)
    flow = analyse(history.timeline, workflow)
    expected: dict[str, tuple[float, int]] = {}
    reopenings = backward = stays = 0
    for incident, rows in raw.items():
        kept = [(t, s) for t, s in rows if s != "Unmatched"]
        runs = [(s, [t for t, _ in group]) for s, group in groupby(kept, key=lambda r: r[1])]
        stays += len(runs)
        statuses = [s for s, _ in runs]
        for before, after in pairwise(statuses):
            reopenings += before == "Completed"
            backward += (before, after) == ("Accepted", "Queued")
        if statuses[-1] != "Completed":
            continue
        committed = next(times[0] for s, times in runs if s in ("Accepted", "Completed"))
        delivered = runs[-1][1][0]
        calendar = (delivered.astimezone(PLUS_ONE).date()
                    - committed.astimezone(PLUS_ONE).date()).days + 1
        expected[incident] = ((delivered - committed) / timedelta(days=1), calendar)

    assert stays == 36_483 == flow.stay_item.size  # 36,488 less the 5 Unmatched entries
    assert (reopenings, backward) == (580, 9_498)
    result = summary(flow)
    json.dumps(result, allow_nan=False)
    assert result["delivered_count"] == len(expected) == 7_546
    assert result["rework"]["reopenings"] == 580
    assert result["rework"]["backward_moves"] == 9_498
    assert result["wip"]["end_of_period"] == 8
    table = items_table(flow).columns
    delivered = ~np.isnan(table["lead_time_days"])
    got = dict(zip(table["item"][delivered].tolist(),
                   zip(table["lead_time_days"][delivered].tolist(),
                       table["lead_time_calendar_days"][delivered].tolist(), strict=True),
                   strict=True))
    assert got.keys() == expected.keys()
    for incident, (elapsed, calendar) in expected.items():
        assert got[incident][0] == pytest.approx(elapsed, abs=1e-9)
        assert got[incident][1] == calendar


def test_blocked_time_by_category(history) -> None:  # type: ignore[no-untyped-def]
    flow = analyse(history.timeline, Workflow.from_toml(WORKFLOW))
    blocked = summary(flow)["blocked_days_by_category"]
    assert set(blocked) == {"customer", "implementation", "unspecified", "vendor"}
    assert max(blocked, key=lambda name: blocked[name]["blocked_days"]) == "customer"


def test_a_forecast_from_the_busy_months(history) -> None:  # type: ignore[no-untyped-def]
    flow = analyse(history.timeline, Workflow.from_toml(WORKFLOW))
    samples = throughput_samples(flow, Period.of(date(2012, 4, 1), date(2012, 5, 20)))
    assert samples.sum() > 5_000
    first = when_done(samples, 1_000, date(2012, 5, 24), np.random.default_rng(2013))
    again = when_done(samples, 1_000, date(2012, 5, 24), np.random.default_rng(2013))
    assert first.as_dict() == again.as_dict()
    dates = first.percentiles
    assert dates[50] is not None and dates[95] is not None
    assert date(2012, 5, 24) < dates[50] <= dates[85] <= dates[95] < date(2012, 8, 1)  # type: ignore[operator]
