"""Properties that hold for any history."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.analytics import (
    Period,
    Timeline,
    Workflow,
    analyse,
    cumulative_flow,
    how_many,
    lead_times,
    throughput,
    when_done,
    wip,
)
from flowdesk.analytics.arrays import NEVER

from .helpers import SERVICE

STATES = ["Backlog", "Doing", "Review", "Done", "Dropped"]
START = datetime.fromisoformat("2024-03-01T00:00:00+01:00")

_moves = st.lists(st.tuples(st.sampled_from(STATES), st.integers(0, 60 * 24 * 4)),
                  min_size=1, max_size=8)


@st.composite
def timelines(draw: st.DrawFn) -> Timeline:
    items, states, times = [], [], []
    for number in range(draw(st.integers(1, 12))):
        moment = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 10)))
        for state, gap in draw(_moves):
            moment += timedelta(minutes=gap)
            items.append(f"I{number}")
            states.append(state)
            times.append(moment)
    return Timeline.from_rows(items, states, times)


PERIOD = Period.of(date(2024, 2, 28), date(2024, 4, 30))


@settings(max_examples=150, deadline=None)
@given(timelines())
def test_cumulative_flow_lines_never_decrease_and_never_cross(timeline: Timeline) -> None:
    cfd = cumulative_flow(analyse(timeline, SERVICE), PERIOD)
    assert np.all(np.diff(cfd.lines, axis=1) >= 0)
    assert np.all(np.diff(cfd.lines, axis=0) <= 0)
    assert np.all(cfd.bands() >= 0)


TWO_DONE = Workflow(upstream=("Backlog",), committed=("Doing", "Review"),
                    done=("Done", "Closed"), discarded=("Dropped",), timezone="+01:00")
TWO_DONE_STATES = ["Backlog", "Doing", "Review", "Done", "Closed", "Dropped"]


def _cfd_by_hand(timeline: Timeline, workflow: Workflow, period: Period) -> list[list[int]]:
    """Count each line item by item, the plain way: the first time an item entered
    state k or a later one; for a done state, no earlier than its last delivery and
    only if it ends delivered; discarded items left out."""
    ordered = list(workflow.ordered)
    zone = timezone(timedelta(hours=1))
    history: dict[str, list[tuple[int, str]]] = {}
    for name, code, moment in zip(timeline.items[timeline.item], timeline.state, timeline.at,
                                  strict=True):
        history.setdefault(str(name), []).append((int(moment), timeline.states[code]))
    days = [period.start + timedelta(days=n) for n in range(period.length)]
    lines = [[0] * len(days) for _ in ordered]
    for entries in history.values():
        entries.sort(key=lambda entry: entry[0])  # stable: the timeline's own order
        if entries[-1][1] in workflow.discarded:
            continue
        delivered = None
        if entries[-1][1] in workflow.done:  # the last entry into the done phase
            delivered = next(at for n, (at, state) in reversed(list(enumerate(entries)))
                             if state in workflow.done and (
                                 n == 0 or entries[n - 1][1] not in workflow.done))
        for k, state in enumerate(ordered):
            reached = [at for at, name in entries
                       if name in ordered and ordered.index(name) >= k]
            if not reached:
                continue
            moment = reached[0]
            if state in workflow.done:
                if delivered is None:
                    continue
                moment = max(moment, delivered)
            day = datetime.fromtimestamp(moment / 1e6, zone).date()
            for n, when in enumerate(days):
                lines[k][n] += day <= when
    return lines


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_cumulative_flow_matches_an_item_by_item_count(data: st.DataObject) -> None:
    moves = st.lists(st.tuples(st.sampled_from(TWO_DONE_STATES),
                               st.integers(0, 60 * 24 * 4)), min_size=1, max_size=8)
    items, states, times = [], [], []
    for number in range(data.draw(st.integers(1, 12))):
        moment = START + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 10)))
        for state, gap in data.draw(moves):
            moment += timedelta(minutes=gap)
            items.append(f"I{number}")
            states.append(state)
            times.append(moment)
    timeline = Timeline.from_rows(items, states, times)
    period = data.draw(st.sampled_from([PERIOD, Period.of(date(2024, 3, 5), date(2024, 3, 9))]))
    cfd = cumulative_flow(analyse(timeline, TWO_DONE), period)
    assert cfd.lines.tolist() == _cfd_by_hand(timeline, TWO_DONE, period)


@settings(max_examples=150, deadline=None)
@given(timelines())
def test_wip_is_committed_minus_delivered(timeline: Timeline) -> None:
    flow = analyse(timeline, SERVICE)
    cfd = cumulative_flow(flow, PERIOD)
    committed_line = cfd.lines[SERVICE.ordered.index("Doing")]
    done_line = cfd.lines[SERVICE.ordered.index("Done")]
    assert np.array_equal(wip(flow, PERIOD), committed_line - done_line)
    # And at the end, against the item facts directly.
    kept = flow.discarded == NEVER
    open_now = np.count_nonzero(kept & (flow.committed != NEVER) & (flow.delivered == NEVER))
    assert wip(flow, PERIOD)[-1] == open_now


@settings(max_examples=150, deadline=None)
@given(timelines())
def test_daily_throughput_adds_up_to_the_delivered_count(timeline: Timeline) -> None:
    flow = analyse(timeline, SERVICE)
    assert throughput(flow, PERIOD).sum() == np.count_nonzero(flow.delivered != NEVER)
    assert throughput(flow, PERIOD).sum() == len(lead_times(flow, PERIOD))
    assert np.all(lead_times(flow, PERIOD).elapsed_days >= 0)


_samples = st.lists(st.integers(0, 30), min_size=1, max_size=60).filter(lambda s: sum(s) > 0)


@settings(max_examples=60, deadline=None)
@given(samples=_samples, days=st.integers(1, 60), count=st.integers(1, 300),
       seed=st.integers(0, 2**32 - 1))
def test_forecast_percentiles_are_ordered(samples: list[int], days: int, count: int,
                                         seed: int) -> None:
    values = np.array(samples, dtype=np.int64)
    many = how_many(values, days, np.random.default_rng(seed), trials=500).percentiles
    assert many[50] >= many[70] >= many[85] >= many[95]
    when = when_done(values, count, date(2024, 1, 1), np.random.default_rng(seed), 500).days
    assert when[50] is not None and when[95] is not None
    assert when[50] <= when[70] <= when[85] <= when[95]  # type: ignore[operator]


@settings(max_examples=30, deadline=None)
@given(samples=_samples, seed=st.integers(0, 2**32 - 1))
def test_same_seed_same_forecast(samples: list[int], seed: int) -> None:
    values = np.array(samples, dtype=np.int64)
    first = when_done(values, 50, date(2024, 1, 1), np.random.default_rng(seed), 300)
    again = when_done(values, 50, date(2024, 1, 1), np.random.default_rng(seed), 300)
    assert first.as_dict() == again.as_dict()
    a = how_many(values, 20, np.random.default_rng(seed), 300)
    b = how_many(values, 20, np.random.default_rng(seed), 300)
    assert a.as_dict() == b.as_dict()
