"""How a card and a column header present an item and a count: words, not rules.

The rules (limits, commitment) are decided in the domain; these helpers only name what the
page shows, so the board and the live updates say the same thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from flowdesk.analytics.age import age_in_days, calendar_age, local_days
from flowdesk.analytics.timezones import zone_label
from flowdesk.domain.calendars import Calendar
from flowdesk.domain.due_dates import day_text, zone_of
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


def due_of(item: WorkItem, now: datetime, timezone: str = "UTC") -> Due | None:
    """The due-date badge of an open item with a due date (see `due_on`)."""
    if item.due_date is None or item.delivered_at is not None or item.discarded_at is not None:
        return None
    return due_on(item.due_date, now, timezone)


@lru_cache(maxsize=1024)  # a board asks the same few dates at one moment a thousand times
def due_on(due_date: date, now: datetime, timezone: str) -> Due:
    """The badge of work due on `due_date`: overdue once that day has ended in the service's
    zone (its local midnight, not UTC's), soon within 24 hours. The date names its year when
    that is not the current local year."""
    # The day after the last there is has no midnight: a date stored before dates were
    # checked (9999-12-31) still shows, as never overdue.
    next_day = due_date + timedelta(days=1) if due_date < date.max else date.max
    zone = zone_of(timezone)
    end_of_day = datetime.combine(next_day, time(), tzinfo=zone)
    left = end_of_day - now
    day = day_text(due_date, now.astimezone(zone).date())
    if left <= timedelta(0):
        return Due(f"Overdue · {day}", "overdue", due_date.isoformat())
    if left <= timedelta(days=1):
        return Due(f"Due today · {day}", "soon", due_date.isoformat())
    return Due(f"Due {day}", "", due_date.isoformat())


@dataclass(frozen=True)
class Sla:
    """What a card says about the service level its item arrived under."""

    headline: str  # "same day", "2 working days": the entitlement's short form
    left: str  # "5h 20m left", "overdue by 1h 10m" (working time)
    tone: str  # "overdue", "soon" (a quarter of the working time or less left) or ""
    due: str  # "due Tue 3 Mar 17:00 (Europe/Brussels)", in the service's zone
    iso: str  # the due instant, ISO 8601 with the service's offset
    sentence: str  # the entitlement, in full


def sla_of(item: WorkItem, now: datetime, calendar: Calendar | None,
           timezone: str = "UTC") -> Sla | None:
    """The service-level badge of an open item that arrived under an agreement: how much
    working time is left by the agreement's calendar, and when it is due in the service's
    zone. None once delivered or discarded, or without an agreement."""
    if item.due_at is None or item.delivered_at is not None or item.discarded_at is not None:
        return None
    if calendar is not None:
        left = calendar.working_time_between(now, item.due_at)
        span = calendar.working_time_between(item.arrived_at, item.due_at)
    else:  # the calendar is not at hand: clock time
        left, span = item.due_at - now, item.due_at - item.arrived_at
    if now >= item.due_at:
        late = -left if calendar is not None else now - item.due_at
        tone = "overdue"
        words = f"overdue by {_duration(late)}" if late >= timedelta(minutes=1) else "overdue"
    else:
        tone = "soon" if left * 4 <= span else ""
        words = f"{_duration(left)} left"
    local = item.due_at.astimezone(zone_of(timezone))
    due = f"due {local:%a} {local.day} {local:%b %H:%M} ({zone_label(timezone)})"
    headline = item.entitlement.split(":", 1)[0] if item.entitlement else "agreement"
    return Sla(headline, words, tone, due, local.isoformat(), item.entitlement)


def _duration(amount: timedelta) -> str:
    """Working time in words: "2h 05m", or "40m" under an hour."""
    minutes = max(0, int(amount.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}m"
    return f"{minutes // 60}h {minutes % 60:02d}m"


def age_days(item: WorkItem, now: datetime, timezone: str = "UTC") -> int | None:
    """The item's age, as `docs/metrics.md` defines it and the aging chart counts it:
    calendar days in the service's zone, the day of commitment being day 1 (its calendar
    lead time once delivered); None before commitment."""
    return age_in_days(item.committed_at, item.delivered_at or now, timezone)


def age_words(age: int) -> str:
    """The age in words, as badges and tooltips say it: "day 3 since commitment"."""
    return f"{age} calendar day{'' if age == 1 else 's'} since commitment (day 1 is the day of " \
        "commitment)"


@dataclass(frozen=True)
class Age:
    """The age badge of a card: short ("4d") and in words."""

    short: str
    words: str


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def age_of(item: WorkItem, now: datetime, timezone: str = "UTC") -> Age | None:
    """What a card says about its age: in progress, whole days since commitment; delivered,
    its lead time in calendar days ("delivered in 3 days", as the analytics count it);
    discarded after commitment, how long it was in progress. None before commitment."""
    if item.committed_at is None:
        return None
    day = local_days(timezone)
    if item.delivered_at is not None:  # its calendar lead time, the one definition of age
        return age_between("delivered", day(item.committed_at), day(item.delivered_at))
    if item.discarded_at is not None:
        return age_between("discarded", day(item.committed_at), day(item.discarded_at))
    return age_between("open", day(item.committed_at), day(now))


@lru_cache(maxsize=4096)  # a board's cards share a few hundred pairs of days
def age_between(ended: str, committed_day: int, end_day: int) -> Age:
    """The age badge of an item committed on one local day and `ended` ("delivered",
    "discarded", or "open" and seen) on another: calendar days, both counted."""
    days = calendar_age(committed_day, end_day) or 1
    if ended == "delivered":
        return Age(f"{days}d", f"delivered in {_days(days)}")
    if ended == "discarded":
        return Age(f"{days}d", f"discarded after {_days(days)} in progress")
    return Age(f"{days}d", age_words(days))


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
