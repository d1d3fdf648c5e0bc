"""The one definition of an item's age (``docs/metrics.md``, "Aging WIP"): calendar days in
the workflow's time zone, the day of commitment being day 1.

The aging chart, the analytics page, the board's flow hints and every card badge and tooltip
count age through these two functions, so they cannot disagree by a day: local days come from
the zone (:meth:`Zone.day_of` for arrays, :func:`local_day` for one instant, which agree),
and :func:`calendar_age` does the counting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import overload

from flowdesk.analytics.arrays import I64
from flowdesk.analytics.timezones import Zone


@overload
def calendar_age(start_day: int, end_day: int) -> int: ...
@overload
def calendar_age(start_day: I64, end_day: I64 | int) -> I64: ...
@overload
def calendar_age(start_day: int, end_day: I64) -> I64: ...


def calendar_age(start_day: int | I64, end_day: int | I64) -> int | I64:
    """Return calendar days from ``start_day`` to ``end_day`` (local day numbers), both
    included: the same local day is day 1. Works on numbers and on arrays."""
    return end_day - start_day + 1


@lru_cache(maxsize=64)
def zone_named(timezone: str) -> Zone:
    """The zone of a workflow or service (UTC for a name this machine does not know)."""
    try:
        return Zone.parse(timezone)
    except ValueError:
        return Zone.parse("UTC")


def local_day(moment: datetime, timezone: str) -> int:
    """Return the local day number (days since 1970-01-01 in ``timezone``) of an instant."""
    return local_days(timezone)(moment)


# date_to_day(d) is d.toordinal() - _EPOCH_ORDINAL: a local day counted without making its date.
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=64)
def local_days(timezone: str) -> Callable[[datetime], int]:
    """Return :func:`local_day` for one zone, the zone looked up once: a board counts the
    days of a thousand cards."""
    info = zone_named(timezone).info

    def day(moment: datetime) -> int:
        return moment.astimezone(info).toordinal() - _EPOCH_ORDINAL

    return day


def age_in_days(committed_at: datetime | None, as_of: datetime, timezone: str) -> int | None:
    """Return an item's age in calendar days as of ``as_of`` (for a delivered item, give its
    delivery: the age is then its calendar lead time); None before commitment."""
    if committed_at is None:
        return None
    return calendar_age(local_day(committed_at, timezone), local_day(as_of, timezone))
