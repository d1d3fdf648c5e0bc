"""The services page's headline: for every service at once, the customer-value measures of the
last four weeks, in a fixed number of queries however many services there are.

The measures are the ones `docs/metrics.md` defines (customer lead time in calendar days,
nearest-rank; first-time fix and failure-demand share by `analytics.failure`'s rule), read
from the items' own columns rather than a replay of each service's log.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection

from flowdesk.analytics.failure import Links, linked_within
from flowdesk.analytics.percentiles import nearest_rank
from flowdesk.analytics.timeline import times_to_us
from flowdesk.analytics.timezones import Zone, to_us
from flowdesk.domain.failure_demand import DEFAULT_FIX_WINDOW_DAYS
from flowdesk.domain.workflow import Service
from flowdesk.storage import failure_rows

HEADLINE_DAYS = 28


@dataclass(frozen=True)
class Headline:
    """A service's customer-value measures over the last `days` days up to now."""

    days: int
    delivered: int
    arrived: int
    # Attainment of the promise: the share of the items delivered that arrived under an
    # agreement and were delivered by their due time. A slot: the configured service level's
    # attainment takes its place where one exists.
    promise_attainment: float | None
    promised: int  # delivered items that had a due time
    customer_lead_time_85: int | None  # calendar days, arrival to delivery
    first_time_fix: float | None
    failure_demand: float | None
    window_days: int = DEFAULT_FIX_WINDOW_DAYS


def service_headlines(conn: Connection, loaded: Sequence[Service],
                      now: datetime) -> dict[int, Headline]:
    """Return each service's headline (by service id): five queries for any number."""
    if not loaded:
        return {}
    ids = [s.id for s in loaded]
    found = failure_rows.headline_rows(conn, ids, now - timedelta(days=HEADLINE_DAYS), now)
    delivered, arrived, reopened = found.delivered, found.arrived, found.reopened
    links, windows = found.links, found.windows
    rows: dict[int, list[Any]] = defaultdict(list)
    for row in delivered:
        rows[int(row.service_id)].append(row)
    return {s.id: _headline(s, rows[s.id], arrived.get(s.id, (0, 0)), reopened, links,
                            windows.get(s.id) or DEFAULT_FIX_WINDOW_DAYS, now)
            for s in loaded}


def _headline(service: Service, rows: list[Any], arrivals: tuple[int, int], reopened: set[int],
              link_rows: Sequence[Any], window: int, now: datetime) -> Headline:
    total, failure = arrivals
    if not rows:
        return Headline(HEADLINE_DAYS, 0, total, None, 0, None, None,
                        None if total == 0 else failure / total, window)
    zone = Zone.parse(service.timezone)
    arrived_us = times_to_us([r.arrived_at for r in rows])
    delivered_us = times_to_us([r.delivered_at for r in rows])
    calendar = zone.day_of(delivered_us) - zone.day_of(arrived_us) + 1
    customer_85 = nearest_rank(calendar, (85,))[85]
    due = [(r.delivered_at <= r.due_at) for r in rows if r.due_at is not None]
    # The rule of analytics.failure: failure demand that arrived from the delivery to the
    # window's end counts against it, as does a reopening.
    index = {int(r.id): n for n, r in enumerate(rows)}
    mine = [(index[int(link.stems_from_id)], link.arrived_at) for link in link_rows
            if int(link.stems_from_id) in index]
    links = Links(np.array([n for n, _ in mine], dtype=np.int64),
                  times_to_us([at for _, at in mine]) if mine else np.zeros(0, np.int64))
    broken = linked_within(delivered_us, links, window, to_us(now))
    broken |= np.array([int(r.id) in reopened for r in rows], dtype=bool)
    return Headline(
        HEADLINE_DAYS, len(rows), total,
        None if not due else sum(due) / len(due), len(due),
        None if np.isnan(customer_85) else int(customer_85),
        float(np.count_nonzero(~broken)) / len(rows),
        None if total == 0 else failure / total, window)
