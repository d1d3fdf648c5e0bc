"""The summary of a period as a JSON-ready dict."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import numpy as np

from flowdesk.analytics.aging import aging_against
from flowdesk.analytics.arrays import I64, small_pages
from flowdesk.analytics.blocking import blocker_pareto, efficiency_of_delivered
from flowdesk.analytics.counts import arrivals, throughput, wip
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.leadtime import lead_times, time_in_state
from flowdesk.analytics.moves import discard_rate, rework
from flowdesk.analytics.parallel import submit
from flowdesk.analytics.periods import Period, resolve
from flowdesk.analytics.promises import Promises, attainment_summary
from flowdesk.analytics.timezones import day_to_date, from_us


def period_of(flow: Flow, start: date | None = None, end: date | None = None) -> Period:
    """Return the period from ``start`` to ``end`` (both included); by default from the
    day of the first arrival to the day of ``as_of``."""
    arrived = flow.arrived[flow.arrived != np.iinfo(np.int64).min]
    first = int(arrived.min()) if arrived.size else flow.as_of
    return resolve(first, flow.as_of, flow.zone, start, end)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def _percentiles(values: dict[int, float]) -> dict[str, float | None]:
    return {str(p): _number(v) for p, v in values.items()}


def _series(period: Period, daily: I64) -> dict[str, Any]:
    starts, covered = period.weeks()
    weekly = period.weekly(daily)
    return {
        "total": int(daily.sum()),
        "per_day": _number(float(daily.mean())) if daily.size else None,
        "daily": {"dates": period.dates(), "values": daily.tolist()},
        "weekly": {
            "week_starts": [str(day_to_date(int(d))) for d in starts],
            "days_in_period": covered.tolist(),
            "values": np.asarray(weekly).tolist(),
        },
    }


@small_pages()
def summary(flow: Flow, start: date | None = None, end: date | None = None,
            where: Where | None = None,
            promises: Promises | None = None) -> dict[str, Any]:
    """Return the flow metrics of a period as a JSON-serialisable dict.

    Keys: ``period``, ``where``, ``delivered_count``, ``lead_time_days`` and
    ``lead_time_calendar_days``, ``customer_lead_time_days`` and
    ``customer_lead_time_calendar_days`` (nearest-rank percentiles 50/70/85/95),
    ``time_in_state``, ``throughput``, ``arrivals``, ``net_flow``, ``wip``,
    ``aging_wip``, ``flow_efficiency``, ``blocked_days_by_category``,
    ``service_level``, ``discard_rate`` and ``rework``. ``docs/metrics.md`` defines each.
    ``service_level`` measures attainment against ``promises`` (the targets each item is
    held to; none without them) and shows the period's own 85th percentile only as a
    suggestion (:func:`flowdesk.analytics.promises.attainment_summary`).
    """
    period = period_of(flow, start, end)
    flow.prepare_days()
    # The longest single part runs on a worker thread while the rest go on here.
    states = submit(time_in_state, flow, period, where)
    times = lead_times(flow, period, where)
    spread = times.percentiles()
    delivered = throughput(flow, period, where)
    arrived = arrivals(flow, period, where)
    in_progress = wip(flow, period, where)
    # The lead times and their percentiles serve the bands, the SLE and its attainment.
    aging = aging_against(flow, spread["calendar_days"], where)
    efficiency = efficiency_of_delivered(flow, period, where)
    levels = attainment_summary(flow, period, promises or Promises.none(flow), where, times,
                                spread["calendar_days"])
    discards = discard_rate(flow, period, where)
    moves = rework(flow, period, where)
    above = aging.bands.get(85, float("nan"))
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.length,
            "timezone": flow.workflow.timezone,
            "as_of": from_us(flow.as_of).isoformat(),
        },
        "where": {key: value if isinstance(value, str) else list(value)
                  for key, value in (where or {}).items()},
        "delivered_count": len(times),
        "lead_time_days": _percentiles(spread["elapsed_days"]),
        "lead_time_calendar_days": _percentiles(spread["calendar_days"]),
        "customer_lead_time_days": _percentiles(spread["customer_elapsed_days"]),
        "customer_lead_time_calendar_days": _percentiles(spread["customer_calendar_days"]),
        "time_in_state": {
            state: {"items": entry["items"],
                    "days": _percentiles(entry["percentiles"])}  # type: ignore[arg-type]
            for state, entry in states.result().items()
        },
        "throughput": _series(period, delivered),
        "arrivals": _series(period, arrived),
        "net_flow": _series(period, delivered - arrived),
        "wip": {
            "end_of_period": int(in_progress[-1]),
            "mean": _number(float(in_progress.mean())),
            "max": int(in_progress.max()),
            "daily": {"dates": period.dates(), "values": in_progress.tolist()},
        },
        "aging_wip": {
            "as_of": from_us(flow.as_of).isoformat(),
            "count": int(aging.items.size),
            "bands_calendar_days": _percentiles(aging.bands),
            "oldest_days": int(aging.age_days.max()) if aging.items.size else None,
            "above_85th_percentile": 0 if math.isnan(above)
            else int(np.count_nonzero(aging.age_days > above)),
        },
        "flow_efficiency": {
            "overall": _number(efficiency.overall) if efficiency.overall is not None else None,
            "median_item": (_number(efficiency.median_item)
                            if efficiency.median_item is not None else None),
            "items": efficiency.items,
        },
        "blocked_days_by_category": {
            bar.category: {"blocked_days": _number(bar.blocked_days), "count": bar.count,
                           "median_days": _number(bar.median_days), "open": bar.open_count}
            for bar in blocker_pareto(flow, period, where)
        },
        "service_level": levels,
        "discard_rate": {
            "rate": discards.rate,
            "discarded_upstream": discards.discarded_upstream,
            "committed": discards.committed,
            "discarded_after_commitment": discards.discarded_after_commitment,
        },
        "rework": {
            "backward_moves": moves.backward_moves,
            "reopenings": moves.reopenings,
            "revived": moves.revived,
            "items_with_backward_moves": moves.items_with_backward_moves,
            "items_reopened": moves.items_reopened,
        },
    }


