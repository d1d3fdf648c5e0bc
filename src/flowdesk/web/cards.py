"""How a card and a column header present an item and a count: words, not rules.

The rules (limits, commitment) are decided in the domain; these helpers only name what the
page shows, so the board and the live updates say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flowdesk.domain.items import WorkItem
from flowdesk.domain.workflow import Stage

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def initials(name: str) -> str:
    """Two letters for a person: first and last word, or the first two letters of one word."""
    words: list[str] = _WORD.findall(name)
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


@dataclass(frozen=True)
class Due:
    label: str
    tone: str  # "overdue", "soon" or "" (plenty of time)
    iso: str


def due_of(item: WorkItem, now: datetime) -> Due | None:
    """The due-date badge: overdue once the due day has ended (UTC), soon within 24 hours."""
    if item.due_date is None or item.delivered_at is not None or item.discarded_at is not None:
        return None
    # The day after the last there is has no midnight: a date stored before dates were
    # checked (9999-12-31) still shows, as never overdue.
    next_day = item.due_date + timedelta(days=1) if item.due_date < date.max else date.max
    end_of_day = datetime.combine(next_day, time(), tzinfo=UTC)
    left = end_of_day - now
    day = f"{item.due_date.day} {item.due_date:%b}"
    if left <= timedelta(0):
        return Due(f"Overdue · {day}", "overdue", item.due_date.isoformat())
    if left <= timedelta(days=1):
        return Due(f"Due today · {day}", "soon", item.due_date.isoformat())
    return Due(f"Due {day}", "", item.due_date.isoformat())


def age_days(item: WorkItem, now: datetime) -> int | None:
    """Whole days since commitment (lead time once delivered); None before commitment."""
    days = item.age_days(now)
    return None if days is None else int(days)


@dataclass(frozen=True)
class ColumnState:
    tone: str  # "ok", "at" (at the limit) or "over" (past it, after an override)
    text: str  # what the header says: "3 / 5", or "7" without a limit
    title: str  # the same in words, for tooltips and screen readers
    flag: str = ""  # "At limit" or "Over limit": said in words, not by colour alone


def column_state(stage: Stage, count: int) -> ColumnState:
    """What a column header shows for `count` items in `stage`."""
    limit = stage.wip_limit
    if not stage.phase.is_open:
        return ColumnState("ok", f"{count:,}", f"{count:,} items in all")
    if limit is None:
        return ColumnState("ok", f"{count:,}", f"{count:,} items, no WIP limit")
    if count > limit:
        return ColumnState("over", f"{count} / {limit}",
                           f"{count} items, limit {limit}: over the limit by {count - limit}",
                           "Over limit")
    if count == limit:
        return ColumnState("at", f"{count} / {limit}",
                           f"{count} items, limit {limit}: at the limit, no room to pull",
                           "At limit")
    return ColumnState("ok", f"{count} / {limit}",
                       f"{count} items, limit {limit}: room for {limit - count}")
