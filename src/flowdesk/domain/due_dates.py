"""What a due date given to new work says about itself: a warning, never a refusal.

A due date already past when an item arrives is accepted (the work may be late already, or
the date copied from a letter), but the person is told, in the web form's answer and in the
API's `warnings`. "Past" is judged in the service's zone: a date is past once its local day
has ended there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class FieldWarning:
    """Something accepted that the person may not have meant: the field and why."""

    field: str
    message: str


def zone_of(timezone: str) -> tzinfo:
    """The zone named; UTC for a name this machine does not know."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def day_text(day: date, today: date | None = None) -> str:
    """`3 Mar`, or `3 Mar 2025` when the year differs from `today`'s (or there is no today)."""
    text = f"{day.day} {day:%b}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def past_due_warning(due: date | None, now: datetime, timezone: str) -> FieldWarning | None:
    """A warning when `due` is a day that has already ended in the service's zone at `now`;
    None for today, a later day, or no due date."""
    if due is None:
        return None
    today = now.astimezone(zone_of(timezone)).date()
    if due >= today:
        return None
    days = (today - due).days
    ago = "yesterday" if days == 1 else f"{days} days ago"
    return FieldWarning("due_date", f"the due date {day_text(due)} has already passed ({ago}, "
                               f"in the service's time zone); the item was created with it")
