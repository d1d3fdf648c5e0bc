"""Demand sensing: arrivals by local weekday and wall-clock hour, a robust baseline of the
weeks before today, and the series behind the demand charts (``docs/metrics.md``, "Demand").

Weekdays are numbered as Python's ``date.weekday()``: Monday 0 to Sunday 6.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np

from flowdesk.analytics.arrays import F64, I64, NEVER, OPEN, US_PER_DAY, US_PER_SECOND
from flowdesk.analytics.periods import Period
from flowdesk.analytics.timezones import Zone, date_to_day

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
US_PER_HOUR = 3600 * US_PER_SECOND
HOURS = 24
#: Weeks of history behind a baseline unless the caller says otherwise.
DEFAULT_WEEKS = 8


def weekday_of(day: int) -> int:
    """Return the weekday (Monday 0) of a day number: 1970-01-01 was a Thursday."""
    return (day + 3) % 7


def day_of(zone: Zone, moment: int) -> int:
    """Return the local day number of one instant (epoch µs, UTC)."""
    return int(zone.day_of(np.array([moment], dtype=np.int64))[0])


def hour_starts(zone: Zone, first: int, last: int) -> I64:
    """Return the UTC instant at which each local wall-clock hour of days ``first`` to
    ``last`` begins, day by day (24 per day).

    Where clocks go forward the skipped hour begins when the next one does (it is empty);
    where they go back the repeated hour begins at its first occurrence and so holds both.
    """
    local = np.arange(first, last + 1, dtype=np.int64)[:, None] * US_PER_DAY
    local = local + np.arange(HOURS, dtype=np.int64) * US_PER_HOUR
    return zone.to_utc(local.ravel())


def local_hours(zone: Zone, t: I64) -> tuple[I64, I64]:
    """Return the local day number and the wall-clock hour (0-23) of each instant."""
    t = np.asarray(t, dtype=np.int64)
    if zone.offset_us is not None:
        local = t + zone.offset_us
        return local // US_PER_DAY, (local // US_PER_HOUR) % HOURS
    if t.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first, last = (int(d) for d in zone.day_of(np.array([t.min(), t.max()], dtype=np.int64)))
    # One binary search in a table of hour starts (24 a day) gives day and hour at once,
    # daylight-saving days included; the table is small next to the instants.
    slot = np.searchsorted(hour_starts(zone, first, last), t, side="right") - 1
    return first + slot // HOURS, slot % HOURS


def _within(t: I64, begin: int, end: int) -> I64:
    """Return the instants in [begin, end), in order (``NEVER`` is below any bound)."""
    t = np.asarray(t, dtype=np.int64)
    return np.compress((t >= begin) & (t < end), t)


def _bounds(zone: Zone, first: int, last: int) -> tuple[int, int]:
    """Return the UTC instants at which local day ``first`` begins and day ``last`` ends."""
    edges = zone.midnights(np.array([first, last + 1], dtype=np.int64))
    return int(edges[0]), int(edges[1])


def _median_and_mad(samples: F64) -> tuple[F64, F64]:
    """Return the median and the median absolute deviation down axis 0 (zeros if empty)."""
    if samples.shape[0] == 0:
        zeros = np.zeros(samples.shape[1:], dtype=np.float64)
        return zeros, zeros.copy()
    median = np.median(samples, axis=0)
    return median, np.median(np.abs(samples - median), axis=0)


def _check(weekday: int, hour: int) -> None:
    # numpy would read weekday -1 as Sunday: refuse it rather than answer for another day.
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday {weekday} is outside 0 (Monday) to 6 (Sunday)")
    if not 0 <= hour <= HOURS:
        raise ValueError(f"hour {hour} is outside 0-24")


@dataclass(frozen=True, eq=False)
class Baseline:
    """Usual arrivals per weekday and hour, from the ``weeks`` weeks before day ``today``.

    ``counts[w, k, h]`` holds the arrivals of weekday w's k-th sample day in hour h, NaN
    for a day left out (a holiday, or a day before the first arrival). ``median`` and
    ``mad`` are per (weekday, hour); ``cumulative`` and ``cumulative_mad`` are the median
    and MAD of the arrivals from midnight to the end of each hour, taken over the days
    (a median of sums, not a sum of medians, so sparse hours do not drag it to zero).
    ``days[w]`` is how many sample days weekday w kept.
    """

    zone: Zone
    today: int
    weeks: int
    holidays: frozenset[int]
    counts: F64
    median: F64
    mad: F64
    cumulative: F64
    cumulative_mad: F64
    days: I64

    @property
    def weekday(self) -> int:
        """Return the weekday of ``today``."""
        return weekday_of(self.today)

    def is_holiday(self, day: int) -> bool:
        """Return whether a local day number is one of the holidays given."""
        return day in self.holidays

    def usual_by(self, weekday: int, hour: int) -> float:
        """Return the usual arrivals on a weekday before ``hour``:00 (0 gives 0; 24 the day)."""
        _check(weekday, hour)
        return 0.0 if hour == 0 else float(self.cumulative[weekday, hour - 1])

    def spread_by(self, weekday: int, hour: int) -> float:
        """Return the MAD of the arrivals on a weekday before ``hour``:00."""
        _check(weekday, hour)
        return 0.0 if hour == 0 else float(self.cumulative_mad[weekday, hour - 1])

    def usual_day(self, weekday: int) -> float:
        """Return the usual arrivals of a whole weekday."""
        return self.usual_by(weekday, HOURS)

    def usual_after(self, weekday: int, hour: int) -> float:
        """Return the arrivals still usual on a weekday from ``hour``:00 to midnight."""
        return max(0.0, self.usual_day(weekday) - self.usual_by(weekday, hour))


def baseline(arrived: I64, zone: Zone, now: int, holidays: Iterable[date] = (),
             weeks: int = DEFAULT_WEEKS) -> Baseline:
    """Return the baseline for the local day of ``now`` from the ``weeks`` whole weeks
    before it (today, still under way, is not part of it).

    ``arrived`` holds arrival instants (epoch µs, UTC; ``NEVER`` is ignored). Holidays are
    local dates; they and the days before the first arrival are left out of the samples.
    """
    if weeks < 1:
        raise ValueError("a baseline needs at least one week")
    arrived = np.asarray(arrived, dtype=np.int64)
    today = day_of(zone, now)
    first = today - 7 * weeks
    start, end = _bounds(zone, first, today - 1)
    day, hour = local_hours(zone, _within(arrived, start, end))
    # Day k of the window is sample (k // 7) of its weekday: every weekday has one per week.
    offset = day - first
    code = ((weekday_of(first) + offset) % 7 * weeks + offset // 7) * HOURS + hour
    counts = np.bincount(code, minlength=7 * weeks * HOURS).astype(np.float64)
    counts = counts.reshape(7, weeks, HOURS)
    holiday_days = frozenset(date_to_day(d) for d in holidays)
    sample_day = (first + np.arange(7 * weeks, dtype=np.int64)).reshape(weeks, 7)
    sample_day = np.roll(sample_day, weekday_of(first), axis=1).T  # (weekday, week)
    earliest = int(np.min(arrived, where=arrived != NEVER, initial=OPEN))
    started = day_of(zone, earliest) if earliest != OPEN else today
    left_out = (sample_day < started) | np.isin(sample_day, list(holiday_days))
    counts[left_out] = np.nan
    median = np.zeros((7, HOURS))
    mad = np.zeros((7, HOURS))
    cumulative = np.zeros((7, HOURS))
    cumulative_mad = np.zeros((7, HOURS))
    for weekday in range(7):  # seven small (days x 24) tables, not items
        kept = counts[weekday][~left_out[weekday]]
        median[weekday], mad[weekday] = _median_and_mad(kept)
        cumulative[weekday], cumulative_mad[weekday] = _median_and_mad(np.cumsum(kept, axis=1))
    days = (~left_out).sum(axis=1).astype(np.int64)
    return Baseline(zone, today, weeks, holiday_days, counts, median, mad, cumulative,
                    cumulative_mad, days)


@dataclass(frozen=True, eq=False)
class TodaySeries:
    """Today against the baseline, for a chart: point h (0-24) counts arrivals before h:00.

    ``actual`` has one point per whole hour so far (``hour + 1`` points, the last being
    the start of the hour under way); ``so_far`` counts every arrival up to ``now``.
    ``usual`` and ``spread`` (MAD) cover the whole day, 25 points.
    """

    weekday: int
    hour: int
    actual: I64
    so_far: int
    usual: F64
    spread: F64

    @property
    def labels(self) -> list[str]:
        """Return "00:00" to "24:00", the time of each point."""
        return [f"{h:02d}:00" for h in range(HOURS + 1)]


def arrivals_today(arrived: I64, zone: Zone, now: int) -> tuple[int, I64, int]:
    """Return (wall-clock hour of ``now``, arrivals today before each hour 0 to that
    hour, arrivals today up to and including ``now``)."""
    today = day_of(zone, now)
    start, _ = _bounds(zone, today, today)
    day, hour = local_hours(zone, _within(arrived, start, now + 1))
    now_hour = int(local_hours(zone, np.array([now], dtype=np.int64))[1][0])
    per_hour = np.bincount(hour[day == today], minlength=HOURS)
    before = np.concatenate(([0], np.cumsum(per_hour)))[: now_hour + 1]
    return now_hour, before.astype(np.int64), int(per_hour.sum())


def today_against_usual(arrived: I64, base: Baseline, now: int) -> TodaySeries:
    """Return today's cumulative arrivals by hour next to the baseline's."""
    if day_of(base.zone, now) != base.today:
        raise ValueError("the baseline was made for another day")
    hour, before, so_far = arrivals_today(arrived, base.zone, now)
    weekday = base.weekday
    usual = np.concatenate(([0.0], base.cumulative[weekday]))
    spread = np.concatenate(([0.0], base.cumulative_mad[weekday]))
    return TodaySeries(weekday, hour, before, so_far, usual, spread)


@dataclass(frozen=True, eq=False)
class HeatMap:
    """Arrivals by weekday (rows, Monday first) and wall-clock hour over a period;
    ``days[w]`` is how many of the period's days fall on weekday w."""

    period: Period
    counts: I64
    days: I64

    def mean(self) -> F64:
        """Return the arrivals per day for each cell (0 for a weekday the period lacks)."""
        per_day = np.maximum(self.days, 1)[:, None]
        return np.where(self.days[:, None] > 0, self.counts / per_day, 0.0)


def arrivals_heatmap(arrived: I64, zone: Zone, period: Period) -> HeatMap:
    """Return the arrivals of a period by weekday and hour."""
    start, end = _bounds(zone, period.first, period.last)
    day, hour = local_hours(zone, _within(arrived, start, end))
    code = (day + 3) % 7 * HOURS + hour
    counts = np.bincount(code, minlength=7 * HOURS).reshape(7, HOURS).astype(np.int64)
    days = np.bincount((period.day_numbers() + 3) % 7, minlength=7).astype(np.int64)
    return HeatMap(period, counts, days)


@dataclass(frozen=True, eq=False)
class InflowOutflow:
    """Arrivals and throughput (deliveries) on each day of a period."""

    period: Period
    arrived: I64
    delivered: I64

    @property
    def net(self) -> I64:
        """Return arrivals minus deliveries per day: positive when the queue grew."""
        return self.arrived - self.delivered


def daily_counts(t: I64, zone: Zone, period: Period) -> I64:
    """Return how many instants fall on each local day of the period."""
    start, end = _bounds(zone, period.first, period.last)
    return period.daily_counts(zone.day_of(_within(t, start, end)))


def arrivals_against_throughput(arrived: I64, delivered: I64, zone: Zone,
                                period: Period) -> InflowOutflow:
    """Return arrivals and deliveries per day of a period (``NEVER`` ignored)."""
    return InflowOutflow(period, daily_counts(arrived, zone, period),
                         daily_counts(delivered, zone, period))
