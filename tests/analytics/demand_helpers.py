"""Hand-made arrival histories for the demand tests (local times in +01:00 unless named)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import numpy as np

from flowdesk.analytics.arrays import I64
from flowdesk.analytics.timezones import Zone, to_us

ZONE = Zone.parse("+01:00")
#: Tuesday 12 March 2024, 10:30 local: "now" in most tests.
NOW = datetime.fromisoformat("2024-03-12T10:30:00+01:00")
#: The eight Tuesdays of the baseline weeks before NOW (16 January to 5 March).
TUESDAYS = [date(2024, 1, 16) + timedelta(weeks=k) for k in range(8)]


def us(text: str) -> int:
    """Return local ISO text (with its offset) as epoch microseconds."""
    return to_us(datetime.fromisoformat(text))


def at_local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Return a wall-clock time in +01:00."""
    return datetime.fromisoformat(
        f"{day.isoformat()}T{hour:02d}:{minute:02d}:{second:02d}+01:00")


def burst(day: date, hour: int, count: int) -> list[int]:
    """Return ``count`` arrivals in one local hour of a day, 30 seconds apart."""
    return [to_us(at_local(day, hour) + timedelta(seconds=30 * k)) for k in range(count)]


def instants(parts: Iterable[list[int]]) -> I64:
    """Return the instants of several bursts as one sorted array."""
    flat = [t for part in parts for t in part]
    return np.array(sorted(flat), dtype=np.int64)


def tuesday_history(before_ten: list[int], today_before_ten: int = 0,
                    hour: int = 9) -> I64:
    """Return arrivals: ``before_ten[k]`` in one hour (09:00 by default) of the k-th
    baseline Tuesday, and ``today_before_ten`` in that hour today."""
    parts = [burst(day, hour, n) for day, n in zip(TUESDAYS, before_ten, strict=True)]
    parts.append(burst(NOW.date(), hour, today_before_ten))
    return instants(parts)
