"""Working calendars: a time zone, working days, working hours and holidays.

Every function takes timezone-aware datetimes and returns instants in UTC; show them with
:meth:`Calendar.local`. Why UTC: Python compares and subtracts two datetimes that share a
``ZoneInfo`` by their wall-clock fields, ignoring the offset, so an hour across a DST change
would be miscounted; and a local time the clock shows twice compares unequal to every
datetime of another zone (PEP 495), even to the very same instant in UTC.

Wall-clock times are turned into instants by one rule (:meth:`Calendar.at`):

- a time the clock shows twice (the autumn change, 02:00-02:59 in Europe/Brussels) means
  the first time it shows it;
- a time the clock skips (the spring change, 02:00-02:59) means the instant it jumps
  (03:00 CEST). A window that opens in the gap therefore opens at the jump, and one
  wholly inside the gap is empty that day.

This mapping never goes backwards, so a working window never has a negative length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flowdesk.domain.errors import InvalidInput

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTES_PER_DAY = 24 * 60
#: How many days in a row may have no working time before a search gives up: a calendar
#: whose holidays cover every working day for ten years is a mistake, not a schedule.
IDLE_DAYS_LIMIT = 3660
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")  # [0-9]: \d takes any Unicode digit
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Zone keys that load but are not IANA names: they depend on the machine.
_NOT_IANA = frozenset({"localtime", "posixrules", "Factory"})
_SECOND = timedelta(seconds=1)


def load_zone(name: object, field: str = "calendar.timezone") -> ZoneInfo:
    """Return the IANA zone called `name`, or raise InvalidInput naming `field`."""
    if not isinstance(name, str) or not name.strip() or name in _NOT_IANA:
        raise InvalidInput(f"{field}: give an IANA time zone such as 'Europe/Brussels'", field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            f"{field}: unknown time zone {name!r}; give an IANA name such as 'Europe/Brussels'",
            field,
        ) from None


def parse_clock(text: object, field: str, *, end_of_day: bool = False) -> int:
    """Return "HH:MM" (00:00-23:59) as minutes after midnight; "24:00" too if `end_of_day`."""
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match:
        hours, minutes = int(match[1]), int(match[2])
        total = hours * 60 + minutes
        if hours < 24 and minutes < 60:
            return total
        if end_of_day and total == MINUTES_PER_DAY:
            return total
    upper = "24:00" if end_of_day else "23:59"
    raise InvalidInput(f"{field}: {text!r} is not a time of day between 00:00 and {upper}", field)


def format_clock(minutes: int) -> str:
    """Return minutes after midnight as "HH:MM" (1440 is "24:00")."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def as_utc(moment: datetime) -> datetime:
    """Return an aware `moment` in UTC; refuse a naive one (ValueError)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give a timezone-aware one")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Calendar:
    """When a service works: its zone, working days, daily hours and holidays.

    `working_days` holds weekday numbers (0 is Monday). `opens` and `closes` are minutes
    after local midnight; `closes` may be 1440 (24:00, the next midnight). Every working
    day has the same hours; a holiday is a whole local day off.
    """

    timezone: str
    working_days: frozenset[int] = frozenset(range(5))
    opens: int = 9 * 60
    closes: int = 17 * 60
    holidays: frozenset[date] = frozenset()
    name: str = ""

    def __post_init__(self) -> None:
        load_zone(self.timezone)
        if not self.working_days:
            raise InvalidInput("calendar.working_days: name at least one working day",
                               "calendar.working_days")
        if not self.working_days <= frozenset(range(7)):
            raise InvalidInput("calendar.working_days: weekdays are 0 (Monday) to 6 (Sunday)",
                               "calendar.working_days")
        if not 0 <= self.opens < self.closes <= MINUTES_PER_DAY:
            raise InvalidInput(
                f"calendar.working_hours: the end ({format_clock(self.closes)}) must be after "
                f"the start ({format_clock(self.opens)}), within one day",
                "calendar.working_hours",
            )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches its instances

    @property
    def hours_text(self) -> str:
        """Return the working hours as "09:00-17:00"."""
        return f"{format_clock(self.opens)}-{format_clock(self.closes)}"

    def as_dict(self) -> dict[str, object]:
        """Return the calendar in the shape :func:`parse_calendar` reads."""
        return {
            "name": self.name,
            "timezone": self.timezone,
            "working_days": [DAY_NAMES[d] for d in sorted(self.working_days)],
            "working_hours": [format_clock(self.opens), format_clock(self.closes)],
            "holidays": [d.isoformat() for d in sorted(self.holidays)],
        }

    # -- days ---------------------------------------------------------------------------

    def local(self, moment: datetime) -> datetime:
        """Return `moment` in the calendar's zone."""
        return as_utc(moment).astimezone(self.zone)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays

    def is_working_day(self, day: date) -> bool:
        """Return True when `day` is a working weekday and not a holiday."""
        return day.weekday() in self.working_days and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """Return the first working day strictly after `day`."""
        return self.nth_working_day_after(day, 1)

    def nth_working_day_after(self, day: date, n: int) -> date:
        """Return the `n`-th working day after `day` (`day` itself when `n` is 0)."""
        if n < 0:
            raise ValueError("n must not be negative")
        idle = 0
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
                idle = 0
            else:
                idle = self._count_idle(idle)
        return day

    def _count_idle(self, idle: int) -> int:
        if idle + 1 > IDLE_DAYS_LIMIT:
            raise InvalidInput("calendar.holidays: the calendar has no working time for "
                               "ten years", "calendar.holidays")
        return idle + 1

    # -- wall clock to instants -----------------------------------------------------------

    def at(self, day: date, clock: time | int) -> datetime:
        """Return the instant (UTC) the local clock first shows `clock` on `day`.

        `clock` is a time or minutes after midnight (1440 is the next midnight). A time
        the clock skips (spring change) gives the instant of the jump.
        """
        if isinstance(clock, int):
            day += timedelta(days=clock // MINUTES_PER_DAY)
            clock = time(clock % MINUTES_PER_DAY // 60, clock % 60)
        return self._resolve(datetime.combine(day, clock.replace(tzinfo=None, fold=0)))

    def _resolve(self, naive: datetime) -> datetime:
        zone = self.zone
        first = naive.replace(tzinfo=zone)  # fold=0: the first of two, if the time repeats
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive:
            return first.astimezone(UTC)
        # In a gap the two folds straddle the jump: look for it between them, to the second
        # (zone transitions fall on whole seconds).
        a, b = first.astimezone(UTC), first.replace(fold=1).astimezone(UTC)
        lo, hi = min(a, b), max(a, b)
        after = hi.astimezone(zone).utcoffset()
        while hi - lo > _SECOND:
            mid = lo + ((hi - lo) // 2 // _SECOND) * _SECOND
            if mid.astimezone(zone).utcoffset() == after:
                hi = mid
            else:
                lo = mid
        return hi.replace(microsecond=0)  # hi is within a second after the whole-second jump

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """Return the opening and closing instants (UTC) of `day`, or None on a day off."""
        if not self.is_working_day(day):
            return None
        return self.at(day, self.opens), self.at(day, self.closes)

    def end_of_local_day(self, when: date | datetime) -> datetime:
        """Return the instant (UTC) of the local midnight that ends `when`'s local day."""
        day = self.local(when).date() if isinstance(when, datetime) else when
        return self.at(day + timedelta(days=1), 0)

    # -- working time ---------------------------------------------------------------------

    def _windows_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield (begin, end) UTC pairs of working time from `start` on, in order, non-empty."""
        start = as_utc(start)
        day = start.astimezone(self.zone).date()
        idle = 0
        while True:
            span = self.window(day)
            if span is not None:
                begin, end = max(span[0], start), span[1]
                if begin < end:
                    yield begin, end
                    idle = -1
            idle = self._count_idle(idle)
            day += timedelta(days=1)

    def is_working_time(self, moment: datetime) -> bool:
        """Return True when the desk is open at `moment`: opening <= moment < closing."""
        span = self.window(self.local(moment).date())
        return span is not None and span[0] <= as_utc(moment) < span[1]

    def next_working_moment(self, moment: datetime) -> datetime:
        """Return `moment` (UTC) if the desk is open then, else the next opening."""
        begin, _ = next(self._windows_from(moment))
        return begin

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return the instant (UTC) when `amount` of working time has passed since `start`.

        Working time is real elapsed time inside working windows. A positive amount lands
        inside a window, at its closing instant at the latest (a window that is used up
        exactly ends the count there, not at the next opening). Zero returns `start`.
        """
        if amount < timedelta(0):
            raise ValueError("amount must not be negative")
        if amount == timedelta(0):
            return as_utc(start)
        for begin, end in self._windows_from(start):
            if amount <= end - begin:
                return begin + amount
            amount -= end - begin
        raise AssertionError("unreachable: _windows_from never ends")  # pragma: no cover

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Return the instant (UTC) `hours` working hours after `start`."""
        return self.add_working_time(start, timedelta(hours=hours))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the working time from `start` to `end`; negative when `end` is earlier.

        For a card: the working time left until `due_at`, negative once overdue.
        """
        start, end = as_utc(start), as_utc(end)
        if end < start:
            return -self.working_time_between(end, start)
        total = timedelta(0)
        for begin, close in self._windows_from(start):
            if begin >= end:
                break
            total += min(close, end) - begin
        return total

    def end_of_working_day(self, moment: datetime) -> datetime:
        """Return the closing instant (UTC) of the working day under way or next to come.

        On a working day up to its closing time, that day's close; later that day, or on a
        day off, the close of the next working day. Never before `moment`.
        """
        day = self.local(moment).date()
        span = self.window(day)
        if span is not None and as_utc(moment) <= span[1]:
            return span[1]
        return self.at(self.next_working_day(day), self.closes)


def _parse_day_name(value: object) -> int:
    text = value.strip().lower() if isinstance(value, str) else None
    if text in DAY_NAMES:
        return DAY_NAMES.index(text)
    if text in _FULL_DAY_NAMES:
        return _FULL_DAY_NAMES.index(text)
    raise InvalidInput(f"calendar.working_days: unknown day {value!r}; use "
                       f"{', '.join(DAY_NAMES)}", "calendar.working_days")


def parse_holiday(value: object) -> date:
    """Return a holiday given as "YYYY-MM-DD" (or a date), or raise InvalidInput."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"calendar.holidays: {value!r} is not a date (YYYY-MM-DD)",
                       "calendar.holidays")


def _list_of(data: Mapping[str, object], key: str, default: list[object] | None = None
             ) -> list[object]:
    value = data.get(key, default)
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"calendar.{key}: give a list", f"calendar.{key}")
    return list(value)


_CALENDAR_KEYS = frozenset({"name", "timezone", "working_days", "working_hours", "holidays"})


def parse_calendar(data: Mapping[str, object]) -> Calendar:
    """Return the Calendar described by `data`, or raise InvalidInput naming the field.

    Shape: ``{"name": "Brussels office", "timezone": "Europe/Brussels",
    "working_days": ["mon", ..., "fri"], "working_hours": ["09:00", "17:00"],
    "holidays": ["2026-12-25"]}``. Name and holidays may be left out. Day names are
    "mon".."sun" (or full English names, any case); hours are "HH:MM", the end may be
    "24:00"; holidays are ISO dates. Unknown keys are refused, so a typo is not ignored.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("calendar: give an object", "calendar")
    unknown = sorted(str(k) for k in data if k not in _CALENDAR_KEYS)
    if unknown:
        raise InvalidInput(f"calendar: unknown field {unknown[0]!r}", "calendar")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise InvalidInput("calendar.name: give a text", "calendar.name")
    zone = load_zone(data.get("timezone"))
    days = frozenset(_parse_day_name(d) for d in _list_of(data, "working_days"))
    if not days:
        raise InvalidInput("calendar.working_days: name at least one working day",
                           "calendar.working_days")
    hours = _list_of(data, "working_hours")
    if len(hours) != 2:
        raise InvalidInput("calendar.working_hours: give a start and an end, "
                           "e.g. ['09:00', '17:00']", "calendar.working_hours")
    opens = parse_clock(hours[0], "calendar.working_hours")
    closes = parse_clock(hours[1], "calendar.working_hours", end_of_day=True)
    holidays = frozenset(parse_holiday(d) for d in _list_of(data, "holidays", []))
    return Calendar(timezone=zone.key, working_days=days, opens=opens, closes=closes,
                    holidays=holidays, name=name.strip())
