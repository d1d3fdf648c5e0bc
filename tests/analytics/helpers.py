"""Small hand-made histories for the analytics tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from flowdesk.analytics import Period, Timeline, Workflow
from flowdesk.analytics.timeline import BlockRow

SERVICE = Workflow(
    upstream=("Backlog",),
    committed=("Doing", "Review"),
    done=("Done",),
    discarded=("Dropped",),
    active=("Doing",),
    waiting=("Review",),
    timezone="+01:00",
)


def at(text: str) -> datetime:
    """Return an aware datetime from ISO text (local times carry their offset)."""
    return datetime.fromisoformat(text)


def timeline(rows: Iterable[tuple[str, str, str]], *,
             attributes: Mapping[str, Mapping[str, str | None]] | None = None,
             blocks: Iterable[BlockRow] = (),
             substates: list[str | None] | None = None) -> Timeline:
    """Return a timeline from (item, state, ISO time) rows."""
    listed = list(rows)
    return Timeline.from_rows(
        [row[0] for row in listed], [row[1] for row in listed], [at(row[2]) for row in listed],
        substates=substates, attributes=attributes, blocks=list(blocks))


def march(first: int, last: int) -> Period:
    """Return the period from 1 to N March 2024."""
    return Period.of(date(2024, 3, first), date(2024, 3, last))


# A service with one item per situation the metrics must handle (times are +01:00).
ROWS = [
    # A: plain flow. Lead time 1d22h, calendar 4 Mar -> 6 Mar = 3 days.
    ("A", "Backlog", "2024-03-01T09:00:00+01:00"),
    ("A", "Doing", "2024-03-04T10:00:00+01:00"),
    ("A", "Review", "2024-03-05T12:00:00+01:00"),
    ("A", "Done", "2024-03-06T08:00:00+01:00"),
    # B: committed and delivered on one local day that spans two UTC dates.
    ("B", "Doing", "2024-03-04T23:30:00+00:00"),
    ("B", "Done", "2024-03-05T22:30:00+00:00"),
    # C: moves back upstream once; commitment is still the first entry into Doing.
    ("C", "Backlog", "2024-03-01T10:00:00+01:00"),
    ("C", "Doing", "2024-03-02T10:00:00+01:00"),
    ("C", "Backlog", "2024-03-03T10:00:00+01:00"),
    ("C", "Doing", "2024-03-04T10:00:00+01:00"),
    ("C", "Done", "2024-03-08T10:00:00+01:00"),
    # D: delivered, reopened, delivered again: the last delivery counts.
    ("D", "Doing", "2024-03-01T10:00:00+01:00"),
    ("D", "Done", "2024-03-02T10:00:00+01:00"),
    ("D", "Doing", "2024-03-05T10:00:00+01:00"),
    ("D", "Done", "2024-03-07T16:00:00+01:00"),
    # E: upstream straight to done: commitment = delivery.
    ("E", "Backlog", "2024-03-01T10:00:00+01:00"),
    ("E", "Done", "2024-03-01T15:00:00+01:00"),
    # F: discarded upstream.
    ("F", "Backlog", "2024-03-01T10:00:00+01:00"),
    ("F", "Dropped", "2024-03-02T10:00:00+01:00"),
    # G: still in progress, blocked twice (explicit blocks below); repeated row collapses.
    ("G", "Doing", "2024-03-05T10:00:00+01:00"),
    ("G", "Doing", "2024-03-06T09:00:00+01:00"),
    # H: an option, never committed; its last row sets as_of.
    ("H", "Backlog", "2024-03-10T12:00:00+01:00"),
]

BLOCKS: list[BlockRow] = [
    ("G", at("2024-03-06T10:00:00+01:00"), at("2024-03-07T10:00:00+01:00"), "vendor"),
    ("G", at("2024-03-09T12:00:00+01:00"), None, "customer"),
]

ATTRIBUTES = {
    "type": {"A": "feature", "B": "bug", "C": "feature", "D": "bug", "E": "feature",
             "F": "feature", "G": "bug", "H": "feature"},
    "class_of_service": {"A": "standard", "B": "expedite", "C": "standard", "D": "standard",
                         "E": "standard", "F": "standard", "G": "standard", "H": "standard"},
}


def service_timeline() -> Timeline:
    """Return the timeline of ROWS with its blocks and attributes."""
    return timeline(ROWS, attributes=ATTRIBUTES, blocks=BLOCKS)
