"""Service levels in calendar days ("85% within 10 days"): the level a history supports,
and how often a level was met, per day, week or month. :mod:`flowdesk.analytics.promises`
measures attainment against configured targets; a level derived from a period is only ever a
suggestion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import I64, Bool
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.leadtime import LeadTimes, lead_times
from flowdesk.analytics.percentiles import nearest_rank
from flowdesk.analytics.periods import Period
from flowdesk.analytics.timezones import day_to_date


@dataclass(frozen=True)
class ServiceLevel:
    """``percentile`` % of items are delivered within ``days`` calendar days."""

    percentile: int
    days: int

    def __str__(self) -> str:
        return f"{self.percentile}% within {self.days} days"


def derive_service_level(flow: Flow, history: Period, percentile: int = 85,
                         where: Where | None = None) -> ServiceLevel | None:
    """Return the SLE the history supports: the nearest-rank percentile of calendar lead
    times of the items delivered in ``history``; None when nothing was delivered."""
    return level_of(lead_times(flow, history, where), percentile)


def level_of(times: LeadTimes, percentile: int,
             known: dict[int, float] | None = None) -> ServiceLevel | None:
    """Return the SLE of given lead times (``known``: calendar-day percentiles already
    worked out, to save sorting them again); None when there are none."""
    calendar = times.calendar_days
    if calendar.size == 0:
        return None
    value = (known or {}).get(percentile)
    if value is None:
        value = nearest_rank(calendar, (percentile,))[percentile]
    return ServiceLevel(percentile, int(value))


@dataclass(frozen=True)
class Attainment:
    """How many items delivered in one period met the SLE."""

    period_start: str
    delivered: int
    within: int

    @property
    def share(self) -> float | None:
        """Return within / delivered, None when nothing was delivered."""
        return None if self.delivered == 0 else self.within / self.delivered


def attainment(flow: Flow, level: ServiceLevel, period: Period, by: str = "week",
               where: Where | None = None) -> list[Attainment]:
    """Return, per week (Monday start), month or day of the period, the items delivered
    and how many had a calendar lead time within the SLE's days."""
    return attainment_of(flow, level, period, by, lead_times(flow, period, where))


def attainment_of(flow: Flow, level: ServiceLevel, period: Period, by: str,
                  times: LeadTimes) -> list[Attainment]:
    """Return :func:`attainment` for lead times already worked out for the period."""
    return attained_by(flow, period, by, times.items, times.calendar_days <= level.days)


def attained_by(flow: Flow, period: Period, by: str, items: I64,
                within: Bool) -> list[Attainment]:
    """Return, per day, week (Monday start) or month of the period, how many of `items`
    (delivered in the period) were delivered and how many of them are `within`."""
    offset = flow.delivered_day[items] - period.first
    hits = within.astype(np.float64)
    if by == "day":
        index = offset
        labels = period.dates()
    elif by == "week":
        starts, _ = period.weeks()
        days = period.day_numbers()
        index = np.searchsorted(starts, days - (days + 3) % 7)[offset]
        labels = [str(day_to_date(int(day))) for day in starts]
    elif by == "month":
        labels, month_of_day = period.months()
        index = month_of_day[offset]
    else:
        raise ValueError(f"by must be 'day', 'week' or 'month', not {by!r}")
    delivered = np.bincount(index, minlength=len(labels))
    met = np.bincount(index, weights=hits, minlength=len(labels))
    return [Attainment(label, int(d), int(m))
            for label, d, m in zip(labels, delivered, met, strict=True)]
