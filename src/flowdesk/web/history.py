"""An item's events as a timeline a person can read: who did what, when, from where to where,
and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flowdesk.services.queries import EventView

FIELD_LABELS = {"title": "title", "description": "description", "type": "type",
                "cos": "class of service", "customer": "customer", "due_date": "due date"}
TRANSITION_WORDS = {"pull": "Pulled", "forward": "Moved", "backward": "Moved back",
                    "deliver": "Delivered", "discard": "Discarded", "reopen": "Reopened"}


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    title: str  # what happened, in words
    actor: str  # who did it, by display name
    at: datetime
    from_stage: str | None = None
    to_stage: str | None = None
    why: str | None = None  # the reason someone gave
    details: list[str] = field(default_factory=list)


def timeline(events: list[EventView],
             names: Mapping[str, str] | None = None) -> list[TimelineEntry]:
    """The events newest first, each described, people by their display names in `names`."""
    return [describe(e, names) for e in reversed(events)]


def describe(event: EventView, names: Mapping[str, str] | None = None) -> TimelineEntry:
    """One event in words. People are named by display name when they have an account in
    `names`; a name from imported history that is no account is shown as it is."""
    def name(person: object) -> str:
        return (names or {}).get(str(person), str(person))

    p = event.payload
    kind = event.kind
    title = kind.replace("_", " ").capitalize()
    details: list[str] = []
    from_stage, to_stage = event.from_stage, event.to_stage
    if kind == "created":
        title = f"Created in {to_stage}" if to_stage else "Created"
        from_stage = to_stage = None
    elif kind == "moved":
        title = TRANSITION_WORDS.get(str(p.get("transition")), "Moved")
    elif kind == "reordered":
        title = f"Reordered within {to_stage}"
        from_stage = to_stage = None
    elif kind == "wip_override":
        title = "Pulled past a WIP limit"
        details = [str(v.get("message", "")) for v in p.get("violations", [])]
    elif kind == "blocked":
        title = f"Blocked ({p.get('category', 'no category')})"
        from_stage = to_stage = None
    elif kind == "unblocked":
        title = f"Unblocked ({p.get('category', 'no category')})"
        details = _unblocked_details(p)
        from_stage = to_stage = None
    elif kind in ("assigned", "unassigned"):
        title = f"{'Assigned' if kind == 'assigned' else 'Unassigned'} {name(p.get('person', ''))}"
    elif kind == "failure_demand_marked":
        title = f"Marked as failure demand: {p.get('failure_kind')} of {p.get('stems_from')}"
    elif kind == "failure_demand_cleared":
        title = "No longer failure demand"
    elif kind == "edited":
        title = "Edited"
        details = [_change(name, change) for name, change in p.get("changes", {}).items()]
    return TimelineEntry(kind, title, name(event.actor), event.at, from_stage, to_stage,
                         event.reason, details)


def _unblocked_details(p: dict[str, Any]) -> list[str]:
    details = []
    if p.get("blocked_reason"):
        details.append(f"was blocked: {p['blocked_reason']}")
    seconds = p.get("blocked_seconds")
    if isinstance(seconds, int | float):
        details.append(f"blocked for {duration(float(seconds))}")
    return details


def _change(name: str, change: Any) -> str:
    label = FIELD_LABELS.get(name, name)
    if name == "description":
        return "description changed"
    old, new = [*change, None, None][:2] if isinstance(change, list) else (None, change)
    return f"{label}: {_value(old)} → {_value(new)}"


def _value(value: Any) -> str:
    if value in (None, ""):
        return "(none)"
    text = str(value)
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


def duration(seconds: float) -> str:
    """A short human duration: 45 min, 3 h, 2 d 4 h."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d {hours % 24} h" if hours % 24 else f"{hours // 24} d"
