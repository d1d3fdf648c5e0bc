"""Monte Carlo forecasts from daily throughput: "how many by a date" and "when will N be
done", plus the histogram of outcomes for charts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from flowdesk.analytics.arrays import I64
from flowdesk.analytics.counts import throughput
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.montecarlo import Checkpoint, DailyDraws
from flowdesk.analytics.percentiles import STANDARD, at_least, nearest_rank
from flowdesk.analytics.periods import Period
from flowdesk.analytics.report import period_of
from flowdesk.analytics.timezones import date_to_day

DEFAULT_TRIALS = 10_000


def sample_window(flow: Flow, window_days: int, last: date | None = None,
                  first: date | None = None) -> Period:
    """Return the days whose throughput a forecast samples: ``window_days`` days ending on
    ``last`` (by default, and at most, the as-of day), never before ``first`` (by default
    the day of the first arrival: days before the history began would dilute it with
    zeros).

    The as-of day itself is left out, since it is still under way (a service's today, or
    the day a history file was exported) and its count partial -- unless it is the only
    day there is. A ``first`` after the window's end leaves just its last day.
    """
    if window_days < 1:
        raise ValueError("window_days must be at least 1")
    default = period_of(flow)
    end = default.last if last is None else min(date_to_day(last), default.last)
    floor = default.first if first is None else date_to_day(first)
    if end == default.last and end > min(floor, default.first):
        end -= 1  # the as-of day is partial
    start = min(max(floor, end - window_days + 1), end)
    return Period(start, end)


def throughput_samples(flow: Flow, window: Period, where: Where | None = None) -> I64:
    """Return the daily delivered counts over the sample window (every day, zeros too)."""
    return throughput(flow, window, where)


@dataclass(frozen=True, eq=False)
class HowMany:
    """How many items will be delivered in ``days`` days.

    ``percentiles[p]`` = N means a p% chance of delivering **at least** N (the
    ActionableAgile convention), so higher p gives a smaller, safer N.
    """

    days: int
    trials: int
    percentiles: dict[int, int]
    values: I64 = field(repr=False)
    counts: I64 = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary with the histogram."""
        return {
            "days": self.days,
            "trials": self.trials,
            "at_least": {str(p): n for p, n in self.percentiles.items()},
            "histogram": {"items": self.values.tolist(), "trials": self.counts.tolist()},
        }


def how_many(samples: I64, days: int, rng: np.random.Generator,
             trials: int = DEFAULT_TRIALS, percentiles: tuple[int, ...] = STANDARD,
             checkpoint: Checkpoint | None = None) -> HowMany:
    """Return the forecast of items delivered over the next ``days`` days.

    Each trial adds ``days`` daily counts drawn with replacement from ``samples``.
    ``checkpoint`` is called between chunks of trials (it may raise to stop).
    """
    if days < 0 or trials < 1:
        raise ValueError("days must be >= 0 and trials >= 1")
    totals = DailyDraws(samples, rng, checkpoint).totals(trials, days)
    counts = np.bincount(totals)
    values = np.flatnonzero(counts)
    return HowMany(days, trials, at_least(totals, percentiles), values.astype(np.int64),
                   counts[values].astype(np.int64))


def how_many_by(samples: I64, start: date, by: date, rng: np.random.Generator,
                trials: int = DEFAULT_TRIALS, checkpoint: Checkpoint | None = None) -> HowMany:
    """Return the forecast of items delivered from ``start`` to ``by``, both included."""
    return how_many(samples, (by - start).days + 1, rng, trials, checkpoint=checkpoint)


@dataclass(frozen=True, eq=False)
class When:
    """When ``count`` items will be done, starting on ``start`` (day 1).

    ``percentiles[p]`` is the date by which there is a p% chance of being done: done
    **on or before** it. ``days[p]`` is the same as a number of days (day 1 = start).
    None means beyond ``max_days``.
    """

    count: int
    start: date
    trials: int
    days: dict[int, int | None]
    values: I64 = field(repr=False)
    counts: I64 = field(repr=False)

    @property
    def percentiles(self) -> dict[int, date | None]:
        """Return the on-or-before date per percentile."""
        return {p: None if d is None else self.start + timedelta(days=d - 1)
                for p, d in self.days.items()}

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary with the histogram (days to done)."""
        return {
            "count": self.count,
            "start": self.start.isoformat(),
            "trials": self.trials,
            "on_or_before": {str(p): None if d is None else d.isoformat()
                             for p, d in self.percentiles.items()},
            "days": {str(p): d for p, d in self.days.items()},
            "histogram": {"days": self.values.tolist(), "trials": self.counts.tolist()},
        }


def when_done(samples: I64, count: int, start: date, rng: np.random.Generator,
              trials: int = DEFAULT_TRIALS, max_days: int = 3650,
              percentiles: tuple[int, ...] = STANDARD,
              checkpoint: Checkpoint | None = None) -> When:
    """Return the forecast of when ``count`` more items will be done, from ``start``.

    Each trial draws days with replacement from ``samples`` until the running total
    reaches ``count``; trials are simulated in chunks, vectorised over trials.
    """
    if count < 1 or trials < 1:
        raise ValueError("count and trials must be >= 1")
    needed = DailyDraws(samples, rng, checkpoint).days_to_reach(count, trials, max_days)
    ranks = nearest_rank(needed, percentiles)
    days = {p: None if value > max_days else int(value) for p, value in ranks.items()}
    counts = np.bincount(needed)
    values = np.flatnonzero(counts)
    return When(count, start, trials, days, values.astype(np.int64),
                counts[values].astype(np.int64))
