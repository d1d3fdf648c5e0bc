"""Blocked time from substates mapped in the workflow, and from explicit intervals."""

from __future__ import annotations

import pytest

from flowdesk.analytics import Workflow, analyse, blocker_pareto, items_table

from .helpers import march, timeline

WORKFLOW = Workflow(
    upstream=("Queued",), committed=("Accepted",), done=("Completed",),
    active_substates=("In Progress",), waiting_substates=("Assigned",),
    blocked_substates={"Wait - User": "customer", "Wait - Vendor": "vendor",
                       "Wait - Customer": "customer"},
    timezone="+01:00",
)

ROWS = [
    ("X", "Accepted", "2024-03-01T10:00:00+01:00"),  # In Progress
    ("X", "Accepted", "2024-03-01T16:00:00+01:00"),  # Wait - User
    ("X", "Accepted", "2024-03-02T16:00:00+01:00"),  # Wait - Customer: same category
    ("X", "Accepted", "2024-03-03T10:00:00+01:00"),  # In Progress
    ("X", "Accepted", "2024-03-03T12:00:00+01:00"),  # Wait - Vendor
    ("X", "Accepted", "2024-03-04T12:00:00+01:00"),  # Assigned
    ("X", "Completed", "2024-03-05T12:00:00+01:00"),
    ("Y", "Accepted", "2024-03-04T10:00:00+01:00"),  # In Progress
    ("Y", "Accepted", "2024-03-05T10:00:00+01:00"),  # Wait - Vendor, still waiting
]
SUBSTATES: list[str | None] = ["In Progress", "Wait - User", "Wait - Customer", "In Progress",
                               "Wait - Vendor", "Assigned", None, "In Progress",
                               "Wait - Vendor"]


def test_blocked_substates_make_blocked_intervals_by_category() -> None:
    flow = analyse(timeline(ROWS, substates=SUBSTATES), WORKFLOW,
                   as_of=__import__("datetime").datetime.fromisoformat(
                       "2024-03-06T10:00:00+01:00"))
    rows = {r["item"]: r for r in items_table(flow).rows()}
    assert rows["X"]["blocked_days"] == pytest.approx(42 / 24 + 1)
    assert rows["Y"]["blocked_days"] == pytest.approx(1.0)
    # X: active 6h + 2h, waiting (blocked 66h, assigned 24h).
    assert rows["X"]["flow_efficiency"] == pytest.approx(8 / (8 + 66 + 24))
    bars = {b.category: (b.count, b.blocked_days, b.open_count)
            for b in blocker_pareto(flow, march(1, 10))}
    # The user and customer waits touch, share a category and make one block.
    assert bars == {"customer": (1, pytest.approx(42 / 24), 0), "vendor": (2, 2.0, 1)}


def test_explicit_blocks_that_overlap_count_once_per_item() -> None:
    at = __import__("datetime").datetime.fromisoformat
    rows = [("Z", "Accepted", "2024-03-01T00:00:00+01:00"),
            ("Z", "Completed", "2024-03-05T00:00:00+01:00")]
    blocks = [("Z", at("2024-03-01T00:00:00+01:00"), at("2024-03-03T00:00:00+01:00"), "a"),
              ("Z", at("2024-03-02T00:00:00+01:00"), at("2024-03-04T00:00:00+01:00"), "b")]
    flow = analyse(timeline(rows, blocks=blocks, substates=["In Progress", None]), WORKFLOW)
    row = next(items_table(flow).rows())
    assert row["blocked_days"] == pytest.approx(3.0)
    assert row["flow_efficiency"] == pytest.approx(1 / 4)
    assert sum(b.blocked_days for b in blocker_pareto(flow, march(1, 10))) == 4.0
