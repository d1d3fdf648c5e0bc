"""Date ranges in the workflow's time zone, and counting events per local day or week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from flowdesk.analytics.arrays import F64, I64, NEVER
from flowdesk.analytics.timezones import Zone, date_to_day, day_to_date

#: Day number standing for "never" in local-day columns.
NO_DAY = np.iinfo(np.int64).max // 2


def local_days(zone: Zone, times: I64) -> I64:
    """Return the local day number of each time; ``NO_DAY`` where the time is ``NEVER``."""
    valid = times != NEVER
    if valid.all():
        return zone.day_of(times)
    out = np.full(times.size, NO_DAY, dtype=np.int64)
    if valid.any():
        # compress and place: numpy's boolean indexing goes element by element.
        np.place(out, valid, zone.day_of(np.compress(valid, times)))
    return out


@dataclass(frozen=True)
class Period:
    """Local calendar days ``first`` to ``last``, both included (day numbers)."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends before it starts")

    @classmethod
    def of(cls, start: date, end: date) -> Period:
        """Return the period from ``start`` to ``end``, both included."""
        return cls(date_to_day(start), date_to_day(end))

    @property
    def length(self) -> int:
        """Return the number of days."""
        return self.last - self.first + 1

    @property
    def start(self) -> date:
        """Return the first date."""
        return day_to_date(self.first)

    @property
    def end(self) -> date:
        """Return the last date."""
        return day_to_date(self.last)

    def day_numbers(self) -> I64:
        """Return the day numbers of every day."""
        return np.arange(self.first, self.last + 1, dtype=np.int64)

    def dates(self) -> list[str]:
        """Return every date as ISO text."""
        return [str(d) for d in np.arange(self.first, self.last + 1).astype("datetime64[D]")]

    def contains(self, day_numbers: I64) -> np.ndarray:
        """Return a mask of day numbers inside the period."""
        return (day_numbers >= self.first) & (day_numbers <= self.last)

    def daily_counts(self, day_numbers: I64, weights: F64 | None = None) -> I64:
        """Return how many day numbers fall on each day of the period."""
        inside = self.contains(day_numbers)
        offset = np.compress(inside, day_numbers) - self.first
        if weights is None:
            return np.bincount(offset, minlength=self.length).astype(np.int64)
        return np.bincount(offset, weights=np.compress(inside, weights),
                           minlength=self.length)

    def weeks(self) -> tuple[I64, I64]:
        """Return (first day number of each ISO week touched, days of it inside the period).

        Weeks start on Monday; 1970-01-01 was a Thursday.
        """
        days = self.day_numbers()
        monday = days - (days + 3) % 7
        starts, counts = np.unique(monday, return_counts=True)
        return starts.astype(np.int64), counts.astype(np.int64)

    def weekly(self, daily: I64 | F64) -> I64 | F64:
        """Return daily values summed per ISO week (see :meth:`weeks`)."""
        days = self.day_numbers()
        monday = days - (days + 3) % 7
        _, index = np.unique(monday, return_inverse=True)
        total = np.bincount(index.ravel(), weights=daily.astype(np.float64))
        return total.astype(np.int64) if np.issubdtype(daily.dtype, np.integer) else total

    def months(self) -> tuple[list[str], I64]:
        """Return (YYYY-MM of each month touched, index of each day's month)."""
        months = np.arange(self.first, self.last + 1).astype("datetime64[D]").astype(
            "datetime64[M]")
        labels, index = np.unique(months, return_inverse=True)
        return [str(label) for label in labels], index.ravel().astype(np.int64)


def resolve(first_time: int, as_of: int, zone: Zone, start: date | None,
            end: date | None) -> Period:
    """Return the period asked for; missing ends default to the first event's day and the
    day of ``as_of``."""
    first = date_to_day(start) if start else int(zone.day_of(np.array([first_time]))[0])
    last = date_to_day(end) if end else int(zone.day_of(np.array([as_of]))[0])
    return Period(first, last)
