"""The demand charts' data, counted by hand on a small history (times are +01:00)."""

from __future__ import annotations

from flowdesk.analytics import analyse
from flowdesk.analytics.demand_charts import MIX_SHOWN, demand_chart

from .helpers import SERVICE, march, timeline

ROWS = [
    # Friday 1 March 2024: two arrivals in the 09:00 hour, one at 14:00, one delivered.
    ("A", "Backlog", "2024-03-01T09:05:00+01:00"),
    ("A", "Doing", "2024-03-01T10:00:00+01:00"),
    ("A", "Done", "2024-03-01T16:00:00+01:00"),
    ("B", "Backlog", "2024-03-01T09:55:00+01:00"),
    ("C", "Backlog", "2024-03-01T14:00:00+01:00"),
    # Monday 4 March: one arrival at 09:30; B is delivered.
    ("D", "Backlog", "2024-03-04T09:30:00+01:00"),
    ("B", "Doing", "2024-03-04T10:00:00+01:00"),
    ("B", "Done", "2024-03-04T11:00:00+01:00"),
]
TYPES = {"A": "claim", "B": "claim", "C": "inquiry", "D": "claim"}


def chart() -> dict[str, object]:
    flow = analyse(timeline(ROWS, attributes={"type": TYPES}), SERVICE)
    return demand_chart(flow, march(1, 4), None)


def test_the_heat_map_counts_arrivals_by_local_weekday_and_hour_per_day() -> None:
    heat = chart()["heatmap"]
    assert heat["days"] == [1, 0, 0, 0, 1, 1, 1]  # 1-4 March: Fri, Sat, Sun, Mon
    assert heat["counts"][4][9] == 2 and heat["counts"][4][14] == 1  # Friday
    assert heat["counts"][0][9] == 1  # Monday
    assert sum(map(sum, heat["counts"])) == 4
    assert heat["per_day"][4][9] == 2.0


def test_arrivals_against_throughput_are_per_local_day_with_the_net() -> None:
    flows = chart()["inflow_outflow"]
    assert flows["dates"] == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04"]
    assert flows["arrived"] == [3, 0, 0, 1]
    assert flows["delivered"] == [1, 0, 0, 1]
    assert flows["net"] == [2, 0, 0, 0]


def test_the_mix_lists_the_largest_values_first_and_sums_the_rest() -> None:
    mix = chart()["mix"]
    assert mix["type"] == [
        {"value": "claim", "arrived": 3, "delivered": 2, "wip": 0},
        {"value": "inquiry", "arrived": 1, "delivered": 0, "wip": 0},
    ]
    assert "customer" not in mix  # the history has no customers
    many = {f"I{n}": f"type {n:02d}" for n in range(MIX_SHOWN + 3)}
    rows = [(item, "Backlog", "2024-03-02T10:00:00+01:00") for item in many]
    flow = analyse(timeline(rows, attributes={"type": many}), SERVICE)
    listed = demand_chart(flow, march(1, 4), None)["mix"]["type"]
    assert len(listed) == MIX_SHOWN + 1
    assert listed[-1] == {"value": "(others)", "arrived": 3, "delivered": 0, "wip": 0}
