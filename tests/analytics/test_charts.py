"""The chart data of a small service, checked against numbers worked out by hand and against
the library's own metrics for the same period."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pytest

from flowdesk.analytics import (
    Period,
    analyse,
    cumulative_flow,
    lead_times,
    summary,
)
from flowdesk.analytics.charts import chart_payload, where_text
from flowdesk.analytics.flow import Flow

from .helpers import SERVICE, march, service_timeline, timeline


@pytest.fixture
def flow() -> Flow:
    return analyse(service_timeline(), SERVICE)


@pytest.fixture
def payload(flow: Flow) -> dict[str, Any]:
    return chart_payload(flow, march(1, 10), None, np.random.default_rng(4))


def test_the_payload_is_plain_json_without_nan(payload: dict[str, Any]) -> None:
    text = json.dumps(payload, allow_nan=False)
    assert json.loads(text) == payload


def test_the_period_and_states_are_named(payload: dict[str, Any]) -> None:
    assert payload["period"] == {"start": "2024-03-01", "end": "2024-03-10", "days": 10,
                                 "timezone": "+01:00", "timezone_label": "UTC+01:00",
                                 "as_of": "2024-03-10T11:00:00+00:00"}
    assert payload["states"] == [{"name": "Backlog", "phase": "upstream"},
                                 {"name": "Doing", "phase": "committed"},
                                 {"name": "Review", "phase": "committed"},
                                 {"name": "Done", "phase": "done"}]


def test_cumulative_flow_counts_items_that_reached_each_state_by_the_end_of_each_day(
        payload: dict[str, Any]) -> None:
    cfd = payload["cumulative_flow"]
    assert cfd["states"] == ["Backlog", "Doing", "Review", "Done"]
    assert cfd["dates"][0] == "2024-03-01" and cfd["dates"][-1] == "2024-03-10"
    # F was discarded, so it is in no line; H arrives on the 10th; B enters Doing at 00:30
    # local time on the 5th; D reached Done (so Review and Doing) on the 2nd.
    assert cfd["lines"] == [
        [4, 4, 4, 4, 6, 6, 6, 6, 6, 7],
        [2, 3, 3, 4, 6, 6, 6, 6, 6, 6],
        [1, 2, 2, 2, 4, 4, 4, 5, 5, 5],
        [1, 1, 1, 1, 2, 3, 4, 5, 5, 5],
    ]


def test_the_work_in_progress_view_leaves_out_the_done_band_and_subtracts_the_delivered(
        payload: dict[str, Any]) -> None:
    cfd = payload["cumulative_flow"]
    wip = cfd["wip_only"]
    assert wip["states"] == ["Backlog", "Doing", "Review"]  # no done state
    # Each line less the items delivered by the end of the day (the Done line above).
    assert wip["lines"] == [
        [3, 3, 3, 3, 4, 3, 2, 1, 1, 2],
        [1, 2, 2, 3, 4, 3, 2, 1, 1, 1],
        [0, 1, 1, 1, 2, 1, 0, 0, 0, 0],
    ]
    # The band between Doing and Review on the last day is the one item in Doing then.
    assert wip["lines"][1][-1] - wip["lines"][2][-1] == 1
    assert cfd["view"] == "all"  # 5 of 7 done: the whole diagram still shows the work


def test_the_diagram_opens_on_work_in_progress_when_done_work_fills_it() -> None:
    # 300 items delivered over the month and 3 in progress: the open bands would be a line.
    rows = []
    for n in range(300):
        day = 1 + n % 28
        rows += [(f"D{n}", "Doing", f"2024-03-{day:02d}T09:00:00+01:00"),
                 (f"D{n}", "Done", f"2024-03-{day:02d}T15:00:00+01:00")]
    rows += [(f"W{n}", "Doing", "2024-03-29T10:00:00+01:00") for n in range(3)]
    rows += [("W0", "Review", "2024-03-30T10:00:00+01:00")]
    flow = analyse(timeline(rows), SERVICE)
    cfd = chart_payload(flow, march(1, 31), None, np.random.default_rng(4))["cumulative_flow"]
    assert cfd["lines"][-1][-1] == 300 and cfd["lines"][0][-1] == 303
    assert cfd["view"] == "wip"
    assert cfd["wip_only"]["lines"] == [
        [0] * 28 + [3, 3, 3],  # Backlog or later, not delivered (3 committed on the 29th)
        [0] * 28 + [3, 3, 3],  # Doing or later
        [0] * 29 + [1, 1],  # Review: W0 from the 30th
    ]


def test_scatterplot_has_one_point_per_delivered_item_in_delivery_order(
        payload: dict[str, Any]) -> None:
    points = payload["lead_time"]["points"]
    assert points["keys"] == ["E", "B", "A", "D", "C"]
    assert points["delivered"] == ["2024-03-01", "2024-03-05", "2024-03-06", "2024-03-07",
                                   "2024-03-08"]
    # D counts from its first commitment on the 1st to its last delivery on the 7th.
    assert points["calendar_days"] == [1, 1, 3, 7, 7]
    assert points["elapsed_days"] == [0.0, 0.958, 1.917, 6.25, 6.0]


def test_percentile_lines_are_nearest_rank_calendar_days(payload: dict[str, Any]) -> None:
    # Sorted 1, 1, 3, 7, 7: the 50th is the 3rd value, the 70th the 4th, 85th and 95th the 5th.
    assert payload["lead_time"]["percentiles"] == {"50": 3.0, "70": 7.0, "85": 7.0, "95": 7.0}


def test_histogram_has_a_bar_for_every_day_count_up_to_the_longest(
        payload: dict[str, Any]) -> None:
    assert payload["lead_time"]["histogram"] == {"days": [1, 2, 3, 4, 5, 6, 7],
                                                 "items": [2, 0, 1, 0, 0, 0, 2]}


def test_throughput_is_given_per_day_and_per_iso_week(payload: dict[str, Any]) -> None:
    run = payload["throughput"]
    assert run["daily"] == [1, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    # 1 March 2024 is a Friday: its week has three days in the period.
    assert run["week_starts"] == ["2024-02-26", "2024-03-04"]
    assert run["days_in_week"] == [3, 7]
    assert run["weekly"] == [1, 4]
    assert run["per_day"] == 0.5
    assert run["wip"] == [1, 2, 2, 3, 4, 3, 2, 1, 1, 1]


def test_aging_shows_each_open_item_with_its_state_age_band_and_blocked_flag(
        payload: dict[str, Any]) -> None:
    aging = payload["aging_wip"]
    assert aging["states"] == ["Doing", "Review"]
    # G was committed on the 5th; as of the 10th it is 6 days old: within the 70th (7 days).
    assert aging["items"] == {"keys": ["G"], "states": ["Doing"], "age_days": [6],
                              "band": [70], "blocked": [True]}
    assert aging["bands"] == {"50": 3.0, "70": 7.0, "85": 7.0, "95": 7.0}


def test_blocker_pareto_is_largest_first_with_the_cumulative_share(
        payload: dict[str, Any]) -> None:
    bars = payload["blockers"]["categories"]
    # One day each: vendor (6th to 7th) and customer (9th noon, still open at the 10th noon).
    assert [b["category"] for b in bars] == ["customer", "vendor"]
    assert [b["blocked_days"] for b in bars] == [1.0, 1.0]
    assert [b["open"] for b in bars] == [1, 0]
    assert [b["cumulative_share"] for b in bars] == [0.5, 1.0]
    assert payload["blockers"]["total_days"] == 2.0


def test_flow_efficiency_is_time_weighted_with_a_distribution_per_tenth(
        payload: dict[str, Any]) -> None:
    efficiency = payload["flow_efficiency"]
    # A: 26 h in Doing, 20 h in Review. B, C and D only ever waited outside the classified
    # states (C back in Backlog, D in Done), so they are 100 %. E has no time at all.
    assert efficiency["overall"] == pytest.approx((26 + 23 + 120 + 78) / (46 + 23 + 120 + 78),
                                                  abs=1e-4)
    assert efficiency["median_item"] == 1.0
    assert efficiency["items"] == 4
    assert efficiency["counts"] == [0, 0, 0, 0, 0, 1, 0, 0, 0, 3]
    assert efficiency["bins"][0] == "0-10%" and efficiency["bins"][-1] == "90-100%"


def test_forecast_samples_the_period_and_starts_the_day_after_it(
        payload: dict[str, Any]) -> None:
    forecast = payload["forecast"]
    # The as-of day, the 10th (11:00 UTC), is under way: it is not sampled.
    assert forecast["window"] == {"start": "2024-03-01", "end": "2024-03-09", "days": 9,
                                  "delivered": 5}
    assert forecast["start"] == "2024-03-11"
    assert forecast["how_many"]["end"] == "2024-03-24"
    assert sum(forecast["how_many"]["histogram"]["trials"]) == 10_000
    # By default "when" asks about the work in progress at the end of the period: G.
    assert forecast["when"]["count"] == 1
    assert sum(forecast["when"]["histogram"]["trials"]) + forecast["when"]["beyond"] == 10_000


def test_a_period_running_past_the_as_of_day_samples_no_days_after_it(flow: Flow) -> None:
    # Asking for March 1-20 when the data stops on the 10th: the days after it have no
    # deliveries yet, and sampling them would add ten zero days.
    forecast = chart_payload(flow, march(1, 20), None, np.random.default_rng(4))["forecast"]
    assert forecast["window"] == {"start": "2024-03-01", "end": "2024-03-09", "days": 9,
                                  "delivered": 5}
    assert forecast["start"] == "2024-03-11"  # the day after the as-of day, not the 21st
    assert forecast["how_many"]["end"] == "2024-03-24"


def test_a_past_period_samples_its_own_last_days(flow: Flow) -> None:
    forecast = chart_payload(flow, march(1, 6), None, np.random.default_rng(4),
                             window_days=3)["forecast"]
    # Deliveries on the 5th (B) and 6th (A); the 6th is a whole day, long before as-of.
    assert forecast["window"] == {"start": "2024-03-04", "end": "2024-03-06", "days": 3,
                                  "delivered": 2}
    assert forecast["start"] == "2024-03-07"


def test_forecast_percentiles_are_ordered(payload: dict[str, Any]) -> None:
    at_least = payload["forecast"]["how_many"]["at_least"]
    assert at_least["50"] >= at_least["70"] >= at_least["85"] >= at_least["95"]
    days = payload["forecast"]["when"]["days"]
    assert days["50"] <= days["70"] <= days["85"] <= days["95"]


def test_constant_throughput_gives_exact_forecasts() -> None:
    rows = []
    for day in range(1, 11):  # one item committed and delivered every day of March 1-10
        rows.append((f"I{day}", "Doing", f"2024-03-{day:02d}T09:00:00+01:00"))
        rows.append((f"I{day}", "Done", f"2024-03-{day:02d}T15:00:00+01:00"))
    flow = analyse(timeline(rows), SERVICE)
    forecast = chart_payload(flow, march(1, 10), None, np.random.default_rng(0),
                             forecast_count=5, forecast_days=7)["forecast"]
    assert forecast["how_many"]["at_least"] == {"50": 7, "70": 7, "85": 7, "95": 7}
    assert forecast["when"]["on_or_before"] == {p: "2024-03-15" for p in ("50", "70", "85",
                                                                          "95")}
    assert forecast["when"]["histogram"] == {"days": [5], "dates": ["2024-03-15"],
                                             "trials": [10_000]}


def test_no_delivery_in_the_window_means_no_when_forecast(flow: Flow) -> None:
    forecast = chart_payload(flow, march(9, 10), None, np.random.default_rng(0))["forecast"]
    assert forecast["window"]["delivered"] == 0
    assert forecast["how_many"]["at_least"] == {"50": 0, "70": 0, "85": 0, "95": 0}
    assert forecast["when"] is None


def test_the_same_seed_gives_the_same_payload(flow: Flow) -> None:
    first = chart_payload(flow, march(1, 10), None, np.random.default_rng(11))
    again = chart_payload(flow, march(1, 10), None, np.random.default_rng(11))
    assert first == again


def test_the_payload_carries_the_library_summary_of_the_same_period(
        flow: Flow, payload: dict[str, Any]) -> None:
    assert payload["summary"] == summary(flow, date(2024, 3, 1), date(2024, 3, 10))
    headline = payload["summary"]
    assert headline["delivered_count"] == len(payload["lead_time"]["points"]["keys"])
    assert headline["lead_time_calendar_days"] == payload["lead_time"]["percentiles"]
    assert headline["throughput"]["daily"]["values"] == payload["throughput"]["daily"]
    assert headline["wip"]["daily"]["values"] == payload["throughput"]["wip"]
    assert headline["flow_efficiency"]["overall"] == pytest.approx(
        payload["flow_efficiency"]["overall"], abs=1e-4)
    assert {name: entry["blocked_days"]
            for name, entry in headline["blocked_days_by_category"].items()} == {
        bar["category"]: bar["blocked_days"] for bar in payload["blockers"]["categories"]}
    assert headline["aging_wip"]["count"] == len(payload["aging_wip"]["items"]["keys"])


def test_charts_match_the_library_metrics_when_sliced(flow: Flow) -> None:
    period = march(1, 10)
    bugs = {"type": "bug"}
    payload = chart_payload(flow, period, bugs, np.random.default_rng(0))
    assert payload["where"] == {"type": "bug"}
    assert payload["cumulative_flow"]["lines"] == cumulative_flow(flow, period,
                                                                  bugs).lines.tolist()
    times = lead_times(flow, period, bugs)
    assert sorted(payload["lead_time"]["points"]["calendar_days"]) == sorted(
        times.calendar_days.tolist())
    assert payload["lead_time"]["points"]["keys"] == ["B", "D"]
    assert payload["aging_wip"]["items"]["keys"] == ["G"]
    assert sum(payload["lead_time"]["histogram"]["items"]) == len(times)


def test_a_period_with_no_deliveries_has_empty_charts_not_errors(flow: Flow) -> None:
    payload = chart_payload(flow, Period.of(date(2024, 2, 1), date(2024, 2, 5)), None,
                            np.random.default_rng(0))
    assert payload["lead_time"]["points"]["keys"] == []
    assert payload["lead_time"]["histogram"] == {"days": [], "items": []}
    assert payload["lead_time"]["percentiles"] == {"50": None, "70": None, "85": None,
                                                   "95": None}
    assert payload["flow_efficiency"]["overall"] is None
    json.dumps(payload, allow_nan=False)


@pytest.mark.parametrize("arguments", [{"forecast_days": 0}, {"forecast_count": 0},
                                       {"trials": 0}, {"window_days": 0}])
def test_forecast_arguments_out_of_range_are_refused(flow: Flow,
                                                     arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        chart_payload(flow, march(1, 10), None, np.random.default_rng(0), **arguments)


def test_filters_are_described_in_words() -> None:
    assert where_text(None) == "all items"
    assert where_text({"class_of_service": "expedite", "type": ["bug", "claim"]}) == (
        "class of service = expedite, type = bug or claim")
