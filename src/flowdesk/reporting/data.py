"""Chart data for a flow source: the period and filters checked, then the analytics library's
chart payload. The API, the web page and the report all serve this one dict."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from flowdesk.analytics import Period, Where, period_of
from flowdesk.analytics.charts import MAX_FORECAST_DAYS, chart_payload
from flowdesk.domain.errors import InvalidInput
from flowdesk.services.analytics import FlowSource

DEFAULT_SEED = 2013  # a fixed seed, so the same data always draws the same forecast
MAX_PERIOD_DAYS = 3660  # ten years of daily points is the most a chart shows
MAX_FORECAST_COUNT = 1_000_000
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # beyond these a date is a typo


def chart_period(source: FlowSource, start: date | None, end: date | None) -> Period:
    """Return the period asked for; by default from the first arrival to the as-of day.

    Raises InvalidInput naming `from` or `to` when the range is reversed or too long. A
    default start is moved forward instead, so a long history still shows its last years.
    """
    for name, day in (("from", start), ("to", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(f"{name} must be between {EARLIEST} and {LATEST}", name)
    default = period_of(source.flow)
    first, last = start or default.start, end or default.end
    if first > last:
        if start is None:
            raise InvalidInput(f"to must be on or after the first arrival, {first}", "to")
        if end is None:
            raise InvalidInput(f"from must be on or before the last day, {last}", "from")
        raise InvalidInput("from must be on or before to", "from")
    chosen = Period.of(first, last)
    if chosen.length <= MAX_PERIOD_DAYS:
        return chosen
    if start is not None:
        raise InvalidInput(f"the date range may cover at most {MAX_PERIOD_DAYS} days", "from")
    return Period.of(chosen.end - timedelta(days=MAX_PERIOD_DAYS - 1), chosen.end)


def check_where(source: FlowSource, where: Where | None) -> None:
    """Raise InvalidInput naming the filter when the source has no such attribute."""
    attributes = source.flow.timeline.attributes
    for name in where or {}:
        if name not in attributes:
            known = ", ".join(sorted(attributes)) or "none"
            raise InvalidInput(f"there is no attribute '{name}' to filter by (known: {known})",
                               name)


def chart_data(source: FlowSource, start: date | None = None, end: date | None = None,
               where: Where | None = None, *, seed: int = DEFAULT_SEED,
               forecast_days: int | None = None,
               forecast_count: int | None = None) -> dict[str, Any]:
    """Return the chart payload (`flowdesk.analytics.charts.chart_payload`) for a period and
    slice, with the source's name, the seed and the filter choices added.

    Raises InvalidInput naming the field for a bad range, filter or forecast setting.
    """
    check_where(source, where)
    if forecast_days is not None and not 1 <= forecast_days <= MAX_FORECAST_DAYS:
        raise InvalidInput(f"forecast_days must be between 1 and {MAX_FORECAST_DAYS}",
                           "forecast_days")
    if forecast_count is not None and not 1 <= forecast_count <= MAX_FORECAST_COUNT:
        raise InvalidInput(f"forecast_count must be between 1 and {MAX_FORECAST_COUNT}",
                           "forecast_count")
    if seed < 0:
        raise InvalidInput("seed must not be negative", "seed")
    period = chart_period(source, start, end)
    extra: dict[str, Any] = {}
    if forecast_days is not None:
        extra["forecast_days"] = forecast_days
    payload = chart_payload(source.flow, period, where, np.random.default_rng(seed),
                            forecast_count=forecast_count, **extra)
    payload["source"] = source.name
    payload["forecast"]["seed"] = seed
    payload["filters"] = {name: list(attribute.values)
                          for name, attribute in source.flow.timeline.attributes.items()}
    return payload
