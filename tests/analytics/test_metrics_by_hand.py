"""Metrics of a small service, each checked against numbers worked out by hand."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest

from flowdesk.analytics import (
    ServiceLevel,
    aging_wip,
    analyse,
    arrivals,
    attainment,
    blocker_pareto,
    cumulative_flow,
    derive_service_level,
    discard_rate,
    efficiency_of_delivered,
    items_table,
    lead_times,
    net_flow,
    rework,
    summary,
    throughput,
    time_in_state,
    wip,
    work_mix,
)
from flowdesk.analytics.flow import Flow

from .helpers import SERVICE, at, march, service_timeline


@pytest.fixture
def flow() -> Flow:
    return analyse(service_timeline(), SERVICE)


def row(flow: Flow, item: str) -> dict[str, object]:
    return next(r for r in items_table(flow).rows() if r["item"] == item)


def test_as_of_defaults_to_the_last_entry(flow: Flow) -> None:
    assert flow.as_of == int(at("2024-03-10T12:00:00+01:00").timestamp() * 1_000_000)


def test_lead_time_is_commitment_to_delivery_exact_and_in_calendar_days(flow: Flow) -> None:
    a = row(flow, "A")
    assert a["lead_time_days"] == pytest.approx(1 + 22 / 24)
    assert a["lead_time_calendar_days"] == 3
    assert a["customer_lead_time_days"] == pytest.approx(4 + 23 / 24)
    assert a["customer_lead_time_calendar_days"] == 6


def test_calendar_days_use_the_workflow_time_zone(flow: Flow) -> None:
    b = row(flow, "B")
    # 23:30 UTC on 4 March is 00:30 on 5 March in +01:00: one local day, not two.
    assert b["lead_time_calendar_days"] == 1
    assert b["lead_time_days"] == pytest.approx(23 / 24)


def test_moving_back_upstream_keeps_the_first_commitment(flow: Flow) -> None:
    c = row(flow, "C")
    assert c["committed_at"] == "2024-03-02T09:00:00.000000Z"
    assert c["lead_time_calendar_days"] == 7
    assert c["backward_moves"] == 1


def test_a_reopened_item_counts_its_last_delivery(flow: Flow) -> None:
    d = row(flow, "D")
    assert d["delivered_at"] == "2024-03-07T15:00:00.000000Z"
    assert d["lead_time_days"] == pytest.approx(6.25)
    assert d["reopenings"] == 1


def test_a_reopened_item_was_delivered_as_of_before_the_reopening() -> None:
    early = analyse(service_timeline(), SERVICE, as_of=at("2024-03-03T00:00:00+01:00"))
    assert row(early, "D")["delivered_at"] == "2024-03-02T09:00:00.000000Z"


def test_upstream_straight_to_done_is_committed_when_delivered(flow: Flow) -> None:
    e = row(flow, "E")
    assert e["committed_at"] == e["delivered_at"]
    assert e["lead_time_days"] == 0
    assert e["lead_time_calendar_days"] == 1
    assert e["customer_lead_time_days"] == pytest.approx(5 / 24)


def test_discarded_and_upcoming_items_have_no_lead_time(flow: Flow) -> None:
    assert row(flow, "F")["state"] == "Dropped"
    assert row(flow, "F")["lead_time_days"] is None
    assert row(flow, "H")["committed_at"] is None


def test_lead_time_percentiles_use_nearest_rank(flow: Flow) -> None:
    times = lead_times(flow, march(1, 10))
    assert sorted(times.calendar_days.tolist()) == [1, 1, 3, 7, 7]
    spread = times.percentiles()["calendar_days"]
    assert spread == {50: 3.0, 70: 7.0, 85: 7.0, 95: 7.0}


def test_throughput_and_arrivals_per_local_day(flow: Flow) -> None:
    assert throughput(flow, march(1, 10)).tolist() == [1, 0, 0, 0, 1, 1, 1, 1, 0, 0]
    # A, C, D, E, F arrive on 1 March; B (00:30 local) on 5 March; G on 5 March; H on 10.
    assert arrivals(flow, march(1, 10)).tolist() == [5, 0, 0, 0, 2, 0, 0, 0, 0, 1]
    assert net_flow(flow, march(1, 2)).tolist() == [-4, 0]


def test_weekly_counts_start_on_monday(flow: Flow) -> None:
    period = march(1, 10)  # Friday 1 March to Sunday 10 March
    _starts, covered = period.weeks()
    assert covered.tolist() == [3, 7]
    assert period.weekly(throughput(flow, period)).tolist() == [1, 4]


def test_wip_is_counted_at_the_end_of_each_local_day(flow: Flow) -> None:
    # D from 1 Mar, C from 2 Mar, A 4-5 Mar, G from 5 Mar; B never at a day's end.
    assert wip(flow, march(1, 10)).tolist() == [1, 2, 2, 3, 4, 3, 2, 1, 1, 1]


def test_cumulative_flow_counts_items_that_reached_each_state(flow: Flow) -> None:
    cfd = cumulative_flow(flow, march(1, 10))
    assert cfd.states == ("Backlog", "Doing", "Review", "Done")
    backlog, doing, review, done = cfd.lines.tolist()
    assert backlog == [4, 4, 4, 4, 6, 6, 6, 6, 6, 7]  # F is discarded: left out
    assert doing == [2, 3, 3, 4, 6, 6, 6, 6, 6, 6]
    # Reaching a later state counts: D reached Done on 2 March, so it counts for Review
    # from then on; its Done line waits for its last delivery (7 March).
    assert review == [1, 2, 2, 2, 4, 4, 4, 5, 5, 5]
    assert done == [1, 1, 1, 1, 2, 3, 4, 5, 5, 5]
    assert (cfd.lines[1] - cfd.lines[3]).tolist() == wip(flow, march(1, 10)).tolist()


def test_aging_wip_counts_calendar_days_since_commitment(flow: Flow) -> None:
    aging = aging_wip(flow, march(1, 10))
    names = [str(flow.timeline.items[i]) for i in aging.items]
    assert names == ["G"]
    assert aging.age_days.tolist() == [6]  # 5 to 10 March
    assert aging.bands[85] == 7.0
    assert aging.band.tolist() == [70]  # within the 70th percentile (7 days)


def test_flow_efficiency_is_active_over_active_and_waiting(flow: Flow) -> None:
    a = row(flow, "A")
    assert a["flow_efficiency"] == pytest.approx(26 / 46)
    # G: 122 hours in Doing, 48 of them blocked (explicit blocks count as waiting).
    assert row(flow, "G")["flow_efficiency"] == pytest.approx(74 / 122)
    assert row(flow, "G")["blocked_days"] == pytest.approx(2.0)


def test_flow_efficiency_overall_sums_times_of_delivered_items(flow: Flow) -> None:
    # Delivered: A (26h active, 20h waiting), B (23h), C (24 + 96h; the stay back in
    # Backlog is unclassified), D (24 + 54h), E (none).
    result = efficiency_of_delivered(flow, march(1, 10))
    assert result.items == 4
    assert result.overall == pytest.approx((26 + 23 + 120 + 78) / (46 + 23 + 120 + 78))


def test_blocker_pareto_counts_blocks_that_started_in_the_period(flow: Flow) -> None:
    bars = blocker_pareto(flow, march(1, 10))
    assert [(b.category, b.blocked_days, b.count, b.open_count) for b in bars] == [
        ("customer", 1.0, 1, 1), ("vendor", 1.0, 1, 0)]
    assert blocker_pareto(flow, march(8, 10))[0].category == "customer"


def test_time_in_state_sums_every_visit(flow: Flow) -> None:
    spent = time_in_state(flow, march(1, 10))
    assert spent["Review"]["items"] == 1
    assert spent["Doing"]["items"] == 4  # A, B, C, D


def test_service_level_derived_and_attained(flow: Flow) -> None:
    level = derive_service_level(flow, march(1, 10))
    assert level == ServiceLevel(85, 7)
    weeks = attainment(flow, ServiceLevel(85, 3), march(1, 10), by="week")
    assert [(w.period_start, w.delivered, w.within) for w in weeks] == [
        ("2024-02-26", 1, 1), ("2024-03-04", 4, 2)]


def test_discard_rate_upstream(flow: Flow) -> None:
    rate = discard_rate(flow, march(1, 10))
    assert (rate.discarded_upstream, rate.committed) == (1, 6)
    assert rate.rate == pytest.approx(1 / 7)


def test_rework_counts_backward_moves_and_reopenings(flow: Flow) -> None:
    moves = rework(flow, march(1, 10))
    assert (moves.backward_moves, moves.reopenings) == (1, 1)
    assert rework(flow, march(4, 10)).backward_moves == 0


def test_work_mix_by_type(flow: Flow) -> None:
    mix = {r.value: (r.arrived, r.delivered, r.wip_at_end) for r in
           work_mix(flow, "type", march(1, 10))}
    assert mix == {"bug": (3, 2, 1), "feature": (5, 3, 0)}


def test_metrics_slice_by_attribute(flow: Flow) -> None:
    bugs = {"type": "bug"}
    assert throughput(flow, march(1, 10), bugs).sum() == 2
    assert lead_times(flow, march(1, 10), {"class_of_service": ["expedite"]}).items.size == 1


def test_summary_is_json_ready_with_the_agreed_keys(flow: Flow) -> None:
    result = summary(flow)
    json.dumps(result, allow_nan=False)
    assert result["delivered_count"] == 5
    assert result["lead_time_days"]["85"] == pytest.approx(6.25)
    assert result["throughput"]["total"] == 5
    assert result["wip"]["end_of_period"] == 1
    assert result["flow_efficiency"]["items"] == 4
    assert result["blocked_days_by_category"]["vendor"]["count"] == 1
    assert result["period"] == {"start": "2024-03-01", "end": "2024-03-10", "days": 10,
                                "timezone": "+01:00", "as_of": "2024-03-10T11:00:00+00:00"}


def test_items_table_has_one_row_per_item(flow: Flow) -> None:
    table = items_table(flow)
    assert len(table) == 8
    for name in ("item", "arrived_at", "committed_at", "delivered_at", "lead_time_days",
                 "lead_time_calendar_days", "customer_lead_time_days", "blocked_days", "state"):
        assert name in table.columns
    assert np.isnan(table.columns["lead_time_days"][table.columns["item"] == "G"][0])
    assert len(items_table(flow, {"type": "bug"})) == 3


def test_as_of_in_the_past_drops_later_entries() -> None:
    early = analyse(service_timeline(), SERVICE, as_of=datetime.fromisoformat(
        "2024-03-05T13:00:00+01:00"))
    assert row(early, "A")["state"] == "Review"
    assert row(early, "C")["delivered_at"] is None
