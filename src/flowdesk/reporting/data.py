"""Chart data for a flow source: the period and filters checked, then the analytics library's
chart payload. The API, the web page and the report all serve this one dict."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np

from flowdesk.analytics import Period, Where
from flowdesk.analytics.charts import MAX_FORECAST_DAYS, chart_payload
from flowdesk.analytics.timezones import Zone
from flowdesk.domain.errors import InvalidInput
from flowdesk.services.analytics import FlowSource, add_customer_view, check_where, period

DEFAULT_SEED = 2013  # a fixed seed, so the same data always draws the same forecast
MAX_FORECAST_COUNT = 1_000_000


def in_zone(moment: str, timezone: str) -> str:
    """An ISO instant as the wall clock of `timezone` shows it, with its offset."""
    return datetime.fromisoformat(moment).astimezone(Zone.parse(timezone).info).isoformat()


def chart_period(source: FlowSource, start: date | None, end: date | None) -> Period:
    """Return the period asked for; by default from the first arrival to the as-of day, at
    most the last MAX_PERIOD_DAYS of it (`services.analytics.period`)."""
    return period(source, start, end)


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
                            forecast_count=forecast_count, promises=source.promises,
                            **extra)
    add_customer_view(payload["summary"], source, period, where)
    # As of, as the service's clock showed it (times shown to people are in its zone).
    payload["period"]["as_of_local"] = in_zone(payload["period"]["as_of"],
                                               payload["period"]["timezone"])
    payload["source"] = source.name
    payload["forecast"]["seed"] = seed
    payload["filters"] = {name: list(attribute.values)
                          for name, attribute in source.flow.timeline.attributes.items()}
    return payload
