"""Plain builders for agreement tests: the issue's Brussels calendar and agreements on it."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flowdesk.domain.agreements import Agreement, Target, TargetUnit
from flowdesk.domain.calendars import Calendar, parse_calendar

BRUSSELS = ZoneInfo("Europe/Brussels")

#: The calendar of issue 10, word for word.
ISSUE_CALENDAR = {
    "timezone": "Europe/Brussels",
    "working_days": ["mon", "tue", "wed", "thu", "fri"],
    "working_hours": ["09:00", "17:00"],
    "holidays": ["2026-12-25"],
}


def brussels_calendar(**changes: Any) -> Calendar:
    return parse_calendar({**ISSUE_CALENDAR, **changes})


def brussels(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
             second: int = 0, fold: int = 0) -> datetime:
    """A Brussels wall-clock time (fold=1: the second 02:xx of the autumn change)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=BRUSSELS, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def agreement(value: float = 1, unit: str = "working_days", *, cut_off: str | None = None,
              due_by: str | None = None, calendar: Calendar | None = None, id: int = 1,
              version: int = 1, service_id: int = 1, customer: str | None = None,
              cos: Any = None, name: str = "") -> Agreement:
    def clock(text: str | None) -> time | None:
        return None if text is None else time.fromisoformat(text)

    return Agreement(
        id=id, version=version, service_id=service_id,
        calendar=calendar or brussels_calendar(),
        target=Target(value, TargetUnit(unit), 0.85),
        name=name, customer=customer, cos=cos, cut_off=clock(cut_off), due_by=clock(due_by),
    )
