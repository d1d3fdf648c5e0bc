"""First-time fix and failure demand on a small history, each figure worked out by hand.

Times are +01:00, the period is 1-31 March 2024 and as of is 31 March 12:00. The window is
10 days here, so both sides of it are tried.

- P: delivered 4 Mar; nothing stems from it. Fixed first time.
- Q: delivered 5 Mar; R (a correction of Q) arrives 8 Mar, 3 days later. Not fixed.
- R: a correction of Q, delivered 9 Mar. Fixed first time (nothing stems from R).
- S: delivered 6 Mar; T (a complaint about S) arrives 20 Mar, 14 days later: outside the
  10-day window, so S is still fixed first time.
- T: a complaint, never delivered (in progress at as of).
- U: delivered 7 Mar, reopened 8 Mar, delivered again 12 Mar. Not fixed (reopened).
- V: delivered 28 Mar, 3 days before as of: fixed so far, still within its window.
- W: a repeat request of V that arrived 2 Mar, before V's delivery, and was discarded: an
  arrival of failure demand, but not against V's fix, which it preceded.

Delivered in March: P Q R S U V = 6; fixed: P R S V = 4 (2/3). Reopened: U; failure demand
within the window: Q. Still within the window: V (R was delivered 9 Mar, 22 days before).
Arrivals in March: P Q R S T U V W = 8, failure demand R T W = 3 (3/8).
By class: standard = P Q R U W, expedite = S T V.
By customer: Atlas = P Q R, Nordlys = S T U V W.
"""

from __future__ import annotations

from datetime import date

import pytest

from flowdesk.analytics import Period, analyse
from flowdesk.analytics.failure import (
    FailureShare,
    FirstTimeFix,
    Links,
    customer_value,
    failure_share,
    first_time_fix,
)
from flowdesk.analytics.flow import Flow

from .helpers import SERVICE, at, timeline

ROWS = [
    ("P", "Backlog", "2024-03-01T09:00:00+01:00"), ("P", "Doing", "2024-03-02T09:00:00+01:00"),
    ("P", "Done", "2024-03-04T09:00:00+01:00"),
    ("Q", "Backlog", "2024-03-01T10:00:00+01:00"), ("Q", "Doing", "2024-03-02T10:00:00+01:00"),
    ("Q", "Done", "2024-03-05T10:00:00+01:00"),
    ("R", "Backlog", "2024-03-08T09:00:00+01:00"), ("R", "Doing", "2024-03-08T10:00:00+01:00"),
    ("R", "Done", "2024-03-09T10:00:00+01:00"),
    ("S", "Backlog", "2024-03-01T11:00:00+01:00"), ("S", "Doing", "2024-03-03T11:00:00+01:00"),
    ("S", "Done", "2024-03-06T11:00:00+01:00"),
    ("T", "Backlog", "2024-03-20T09:00:00+01:00"), ("T", "Doing", "2024-03-21T09:00:00+01:00"),
    ("U", "Backlog", "2024-03-01T12:00:00+01:00"), ("U", "Doing", "2024-03-02T12:00:00+01:00"),
    ("U", "Done", "2024-03-07T12:00:00+01:00"), ("U", "Doing", "2024-03-08T12:00:00+01:00"),
    ("U", "Done", "2024-03-12T12:00:00+01:00"),
    ("V", "Backlog", "2024-03-01T13:00:00+01:00"), ("V", "Doing", "2024-03-20T13:00:00+01:00"),
    ("V", "Done", "2024-03-28T13:00:00+01:00"),
    ("W", "Backlog", "2024-03-02T09:00:00+01:00"), ("W", "Dropped", "2024-03-02T10:00:00+01:00"),
]
KINDS = {"R": "correction", "T": "complaint", "W": "repeat"}
STEMS_FROM = {"R": "Q", "T": "S", "W": "V"}
CLASSES = {"P": "standard", "Q": "standard", "R": "standard", "U": "standard", "W": "standard",
           "S": "expedite", "T": "expedite", "V": "expedite"}
CUSTOMERS = {"P": "Atlas", "Q": "Atlas", "R": "Atlas"} | {k: "Nordlys" for k in "STUVW"}
MARCH = Period.of(date(2024, 3, 1), date(2024, 3, 31))


@pytest.fixture
def flow() -> Flow:
    items = [row[0] for row in ROWS]
    history = timeline(ROWS, attributes={
        "failure_demand": {k: KINDS.get(k) for k in items},
        "class_of_service": CLASSES, "customer": CUSTOMERS})
    return analyse(history, SERVICE, as_of=at("2024-03-31T12:00:00+01:00"))


@pytest.fixture
def links(flow: Flow) -> Links:
    arrived = {row[0]: at(row[2]) for row in reversed(ROWS)}  # each item's first row
    return Links.from_rows(flow, [(earlier, arrived[item])
                                  for item, earlier in STEMS_FROM.items()])


def test_first_time_fix_counts_reopenings_and_failure_demand_within_the_window(
        flow: Flow, links: Links) -> None:
    assert first_time_fix(flow, MARCH, links, window_days=10) == FirstTimeFix(
        delivered=6, fixed=4, reopened=1, failure_demand=1, within_window=1, window_days=10)
    assert first_time_fix(flow, MARCH, links, window_days=10).rate == pytest.approx(4 / 6)


def test_a_wider_window_catches_the_late_complaint(flow: Flow, links: Links) -> None:
    # With 30 days, T (14 days after S's delivery) counts against S; P, R and V were
    # delivered 27, 22 and 3 days before as of: all three are still within their window.
    wide = first_time_fix(flow, MARCH, links, window_days=30)
    assert (wide.fixed, wide.failure_demand, wide.within_window) == (3, 2, 3)


def test_failure_demand_share_is_of_the_arrivals_by_kind(flow: Flow) -> None:
    share = failure_share(flow, MARCH)
    assert share == FailureShare(arrived=8, failure=3,
                                 by_kind={"correction": 1, "complaint": 1, "repeat": 1})
    assert share.share == pytest.approx(3 / 8)


def test_both_measures_per_class_and_customer(flow: Flow, links: Links) -> None:
    value = customer_value(flow, MARCH, links, window_days=10)
    classes = {row["value"]: row for row in value["by"]["class_of_service"]}
    # standard: delivered P Q R U, fixed P R; arrived P Q R U W, failure R W.
    assert classes["standard"]["first_time_fix"]["rate"] == pytest.approx(2 / 4)
    assert classes["standard"]["failure_demand"]["share"] == pytest.approx(2 / 5)
    # expedite: delivered S V, both fixed; arrived S T V, failure T.
    assert classes["expedite"]["first_time_fix"]["rate"] == 1.0
    assert classes["expedite"]["failure_demand"]["share"] == pytest.approx(1 / 3)
    customers = {row["value"]: row for row in value["by"]["customer"]}
    # Atlas: delivered P Q R, fixed P R; arrived P Q R, failure R.
    assert customers["Atlas"]["first_time_fix"]["fixed"] == 2
    assert customers["Atlas"]["failure_demand"]["failure"] == 1
    # Nordlys: delivered S U V, fixed S V; arrived S T U V W, failure T W.
    assert customers["Nordlys"]["first_time_fix"]["rate"] == pytest.approx(2 / 3)
    assert customers["Nordlys"]["failure_demand"]["share"] == pytest.approx(2 / 5)
    # The most arrivals first.
    assert [row["value"] for row in value["by"]["customer"]] == ["Nordlys", "Atlas"]
    assert value["first_time_fix"]["rate"] == pytest.approx(4 / 6)


def test_a_slice_keeps_only_its_items(flow: Flow, links: Links) -> None:
    atlas = first_time_fix(flow, MARCH, links, window_days=10, where={"customer": "Atlas"})
    assert (atlas.delivered, atlas.fixed) == (3, 2)


def test_failure_demand_that_arrived_after_as_of_does_not_count(links: Links) -> None:
    history = timeline(ROWS, attributes={"failure_demand": {k: KINDS.get(k) for k, *_ in ROWS}})
    early = analyse(history, SERVICE, as_of=at("2024-03-07T12:00:00+01:00"))
    # As of 7 March, R (8 March) has not arrived: Q is still fixed first time.
    fix = first_time_fix(early, Period.of(date(2024, 3, 1), date(2024, 3, 7)),
                         Links.from_rows(early, [("Q", at("2024-03-08T09:00:00+01:00"))]), 10)
    assert (fix.delivered, fix.fixed) == (4, 4)  # P Q S U (U's reopening is after as of)
