"""The data behind every flow chart, as one JSON-ready dict.

The web page and the offline report draw the same charts from :func:`chart_payload`, and
the numbers in it are the library's own (``docs/metrics.md``): this module only arranges
them for drawing. Dates are ISO text in the workflow's time zone; numbers that do not
exist (a percentile of nothing) are None, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import numpy as np

from flowdesk.analytics.aging import aging_wip
from flowdesk.analytics.arrays import F64, I64
from flowdesk.analytics.blocking import (
    blocked_items,
    blocker_pareto,
    efficiency_of_delivered,
    flow_efficiency,
)
from flowdesk.analytics.counts import cumulative_flow, throughput, wip
from flowdesk.analytics.demand_charts import demand_chart
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.forecast import how_many, sample_window, when_done
from flowdesk.analytics.leadtime import lead_times
from flowdesk.analytics.percentiles import STANDARD, nearest_rank
from flowdesk.analytics.periods import Period
from flowdesk.analytics.promises import Promises
from flowdesk.analytics.report import summary
from flowdesk.analytics.timezones import day_to_date, from_us, zone_label
from flowdesk.analytics.workflow import PHASE_NAMES

DEFAULT_FORECAST_DAYS = 14
DEFAULT_WINDOW_DAYS = 90
DEFAULT_TRIALS = 10_000
MAX_FORECAST_DAYS = 3650
EFFICIENCY_BINS = 10  # 0-10 %, 10-20 %, ... 90-100 %
# The cumulative flow diagram opens on work in progress only once done items are more than
# this share of everything that arrived: the open bands would be under a fifth of its height.
WIP_VIEW_DONE_SHARE = 0.8


def chart_payload(flow: Flow, period: Period, where: Where | None,
                  rng: np.random.Generator, *, forecast_count: int | None = None,
                  forecast_days: int = DEFAULT_FORECAST_DAYS,
                  window_days: int = DEFAULT_WINDOW_DAYS,
                  trials: int = DEFAULT_TRIALS,
                  promises: Promises | None = None) -> dict[str, Any]:
    """Return the data for every chart of ``period``, sliced by ``where``.

    Keys: ``period``, ``where``, ``states`` (workflow order with phases), ``summary``
    (:func:`flowdesk.analytics.summary` of the same period: the headline numbers),
    ``cumulative_flow``, ``lead_time`` (scatterplot and histogram), ``throughput``,
    ``aging_wip``, ``blockers``, ``flow_efficiency``, ``forecast`` and ``demand``
    (:func:`flowdesk.analytics.demand_charts.demand_chart`).

    The forecasts sample the daily throughput of the period's last ``window_days`` whole
    days up to the as-of day (which is left out) and start the day after the period or the
    as-of day, whichever is first. "How many" covers ``forecast_days`` days; "when"
    asks about ``forecast_count`` items (default: the WIP at the end of the period).
    """
    if not 1 <= forecast_days <= MAX_FORECAST_DAYS:
        raise ValueError(f"forecast_days must be between 1 and {MAX_FORECAST_DAYS}")
    if window_days < 1 or trials < 1:
        raise ValueError("window_days and trials must be at least 1")
    if forecast_count is not None and forecast_count < 1:
        raise ValueError("forecast_count must be at least 1")
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.length,
            "timezone": flow.workflow.timezone,
            "timezone_label": zone_label(flow.workflow.timezone),
            "as_of": from_us(flow.as_of).isoformat(),
        },
        "where": {name: value if isinstance(value, str) else list(value)
                  for name, value in (where or {}).items()},
        "states": [{"name": name, "phase": PHASE_NAMES[flow.workflow.phase(name) or 0]}
                   for name in flow.workflow.ordered],
        "summary": summary(flow, period.start, period.end, where, promises),
        "cumulative_flow": cumulative_flow_chart(flow, period, where),
        "lead_time": lead_time_chart(flow, period, where),
        "throughput": throughput_chart(flow, period, where),
        "aging_wip": aging_chart(flow, period, where),
        "blockers": blocker_chart(flow, period, where),
        "flow_efficiency": efficiency_chart(flow, period, where),
        "forecast": forecast_chart(flow, period, where, rng, count=forecast_count,
                                   days=forecast_days, window_days=window_days,
                                   trials=trials),
        "demand": demand_chart(flow, period, where),
    }


def iso_dates(day_numbers: I64) -> list[str]:
    """Return local day numbers (days since 1970-01-01) as ISO dates."""
    return [str(d) for d in np.asarray(day_numbers, dtype=np.int64).astype("datetime64[D]")]


def number(value: float | None, places: int = 4) -> float | None:
    """Return a float rounded for JSON, or None for a missing value or NaN."""
    if value is None or math.isnan(value):
        return None
    return round(float(value), places)


def percentile_lines(values: F64 | I64) -> dict[str, float | None]:
    """Return the nearest-rank 50/70/85/95th percentiles as {"50": value, ...}."""
    return {str(p): number(v) for p, v in nearest_rank(values, STANDARD).items()}


def _keys(flow: Flow, items: I64) -> list[str]:
    return [str(name) for name in flow.timeline.items[items]]


def cumulative_flow_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return the cumulative flow diagram: per state (workflow order) and day, the items
    that had reached the state or a later one by the end of the day.

    ``wip_only`` is the same diagram without the done bands (discarded items are in no
    band): per state before done, the items that had reached it or a later one and were not
    delivered by the end of the day, i.e. each line less the first done line. Thousands of
    done items then no longer flatten the few in progress into a line. ``view`` is the one
    to show first: ``"wip"`` when done items are more than ``WIP_VIEW_DONE_SHARE`` of the
    top line on the last day, else ``"all"``.
    """
    cfd = cumulative_flow(flow, period, where)
    first_done = len(flow.workflow.upstream) + len(flow.workflow.committed)
    open_lines = cfd.lines[:first_done]
    if first_done < len(cfd.states):
        open_lines = open_lines - cfd.lines[first_done]
    done_share = 0.0
    if period.length and first_done < len(cfd.states) and cfd.lines[0, -1] > 0:
        done_share = float(cfd.lines[first_done, -1] / cfd.lines[0, -1])
    return {
        "dates": period.dates(),
        "states": list(cfd.states),
        "lines": cfd.lines.tolist(),
        "wip_only": {"states": list(cfd.states[:first_done]), "lines": open_lines.tolist()},
        "view": "wip" if done_share > WIP_VIEW_DONE_SHARE else "all",
    }


def lead_time_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return one scatterplot point per item delivered in the period (delivery date,
    calendar lead time, key, exact days), the percentile lines, and the histogram of
    calendar lead times (one bar per day count from 1 to the longest)."""
    times = lead_times(flow, period, where)
    order = np.lexsort((times.items, flow.delivered[times.items]))  # by delivery, then item
    items = times.items[order]
    calendar = times.calendar_days[order]
    counts = np.bincount(calendar, minlength=2)[1:] if calendar.size else np.zeros(0, np.int64)
    return {
        "points": {
            "keys": _keys(flow, items),
            "delivered": iso_dates(flow.delivered_day[items]),
            "calendar_days": calendar.tolist(),
            "elapsed_days": np.round(times.elapsed_days[order], 3).tolist(),
        },
        "percentiles": percentile_lines(times.calendar_days),
        "histogram": {"days": list(range(1, counts.size + 1)), "items": counts.tolist()},
    }


def throughput_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return items delivered per day and per ISO week (with the days of each week that
    fall inside the period), the mean per day, and WIP at the end of each day."""
    daily = throughput(flow, period, where)
    starts, covered = period.weeks()
    return {
        "dates": period.dates(),
        "daily": daily.tolist(),
        "week_starts": iso_dates(starts),
        "days_in_week": covered.tolist(),
        "weekly": np.asarray(period.weekly(daily)).tolist(),
        "per_day": number(float(daily.mean())),
        "wip": wip(flow, period, where).tolist(),
    }


def aging_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return one point per item in progress at ``as_of`` (state, age in calendar days,
    key, band, blocked now) and the lead-time percentile bands of the period.

    ``states`` are the columns to draw: the committed states, plus any other state that
    holds work in progress (an item moved back upstream), in workflow order.
    """
    aging = aging_wip(flow, period, where)
    state_names = [aging.states[p] for p in aging.position.tolist()]
    ordered = flow.workflow.ordered
    shown = set(flow.workflow.committed) | set(state_names)
    blocked = np.isin(aging.items, blocked_items(flow))
    order = np.lexsort((aging.items, -aging.age_days, aging.position))
    return {
        "states": [name for name in ordered if name in shown],
        "items": {
            "keys": _keys(flow, aging.items[order]),
            "states": [state_names[i] for i in order.tolist()],
            "age_days": aging.age_days[order].tolist(),
            "band": aging.band[order].tolist(),
            "blocked": blocked[order].tolist(),
        },
        "bands": {str(p): number(v) for p, v in aging.bands.items()},
    }


def blocker_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return the blocker Pareto of blocks that started in the period: per category
    (largest first) blocked days, blocks, median days, still open, and the cumulative
    share of all blocked days up to and including the category."""
    bars = blocker_pareto(flow, period, where)
    total = sum(bar.blocked_days for bar in bars)
    running = 0.0
    categories = []
    for bar in bars:  # a handful of categories
        running += bar.blocked_days
        categories.append({
            "category": bar.category,
            "blocked_days": number(bar.blocked_days),
            "count": bar.count,
            "median_days": number(bar.median_days),
            "open": bar.open_count,
            "cumulative_share": number(running / total) if total > 0 else None,
        })
    return {"categories": categories, "total_days": number(total)}


def efficiency_chart(flow: Flow, period: Period, where: Where | None) -> dict[str, Any]:
    """Return flow efficiency of the items delivered in the period: overall (time
    weighted), the median item's, and how many items fall in each tenth (0-10 %, ...,
    90-100 %; 100 % goes in the last bin)."""
    overall = efficiency_of_delivered(flow, period, where)
    items = lead_times(flow, period, where).items
    per_item = flow_efficiency(flow)[items]
    per_item = per_item[~np.isnan(per_item)]
    tenth = np.minimum((per_item * EFFICIENCY_BINS).astype(np.int64), EFFICIENCY_BINS - 1)
    counts = np.bincount(tenth, minlength=EFFICIENCY_BINS)
    return {
        "overall": number(overall.overall),
        "median_item": number(overall.median_item),
        "items": overall.items,
        "bins": [f"{10 * b}-{10 * (b + 1)}%" for b in range(EFFICIENCY_BINS)],
        "counts": counts.tolist(),
    }


def forecast_chart(flow: Flow, period: Period, where: Where | None,
                   rng: np.random.Generator, *, count: int | None, days: int,
                   window_days: int, trials: int) -> dict[str, Any]:
    """Return the Monte Carlo forecasts, sampling the daily throughput of the last
    ``window_days`` days of the period up to the as-of day (see :func:`sample_window`: the
    as-of day, still under way, is left out), starting the day after the period or the
    as-of day, whichever comes first.

    ``how_many``: items delivered in ``days`` days, with the 50/70/85/95 % "at least"
    answers and the histogram (trials per total). ``when``: days until ``count`` items
    are done, with the "on or before" dates and the histogram (trials per day count),
    or None when nothing was delivered in the window.
    """
    window = sample_window(flow, window_days, last=period.end, first=period.start)
    samples = throughput(flow, window, where)
    start = day_to_date(min(period.last, flow.as_of_day)) + timedelta(days=1)
    wanted = count if count is not None else max(1, int(wip(flow, period, where)[-1]))
    many = how_many(samples, days, rng, trials)
    result: dict[str, Any] = {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(),
                   "days": window.length, "delivered": int(samples.sum())},
        "start": start.isoformat(),
        "trials": trials,
        "how_many": {
            "days": days,
            "end": (start + timedelta(days=days - 1)).isoformat(),
            "at_least": {str(p): n for p, n in many.percentiles.items()},
            "histogram": {"items": many.values.tolist(), "trials": many.counts.tolist()},
        },
        "when": None,
    }
    if samples.sum() == 0:
        return result  # nothing delivered to sample: no date can be forecast
    done = when_done(samples, wanted, start, rng, trials, max_days=MAX_FORECAST_DAYS)
    within = done.values <= MAX_FORECAST_DAYS
    result["when"] = {
        "count": wanted,
        "on_or_before": {str(p): None if d is None else d.isoformat()
                         for p, d in done.percentiles.items()},
        "days": {str(p): d for p, d in done.days.items()},
        "histogram": {
            "days": done.values[within].tolist(),
            "dates": [(start + timedelta(days=int(d) - 1)).isoformat()
                      for d in done.values[within].tolist()],
            "trials": done.counts[within].tolist(),
        },
        "beyond": int(done.counts[~within].sum()),
    }
    return result


def where_text(where: Mapping[str, Any] | None) -> str:
    """Return filters in words: "type = claim, customer = Atlas", or "all items"."""
    if not where:
        return "all items"
    parts = []
    for name, value in where.items():
        shown = value if isinstance(value, str) else " or ".join(value)
        parts.append(f"{name.replace('_', ' ')} = {shown}")
    return ", ".join(parts)
