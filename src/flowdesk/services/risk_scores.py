"""Breach risk of a service's open items, read from current state in two indexed queries.

The same probability as `services.analytics.on_time_risks` (`analytics.ontime.chance_on_time`,
`docs/metrics.md`, "Breach risk"), without reading the event log: an item's commitment and
delivery times are kept on its row as the metrics define them (the first entry into the
committed phase, the last delivery), so the open items with a due date or due time and the
lead times of the items delivered in the last 180 days are all it needs. The "due and at
risk" page and `/metrics/on-time` read it; a service with 2,000 open items is scored in a
few tens of milliseconds (`bench/bench_at_risk.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection

from flowdesk.analytics.ontime import chance_on_time
from flowdesk.analytics.timezones import Zone, date_to_day, day_to_date, to_us
from flowdesk.domain.workflow import Service
from flowdesk.storage import risk_rows

HISTORY_DAYS = 180  # the reference window, as on_time_risks
MIN_SAMPLES = 20  # fewer delivered items of a class: compare with every class


@dataclass(frozen=True)
class Score:
    key: str
    title: str
    state: str
    committed: bool
    cos: str
    due: str  # ISO: the due time in the service's zone, or the due date
    probability: float
    at_risk: bool
    age_days: int
    due_days: int
    basis: str
    samples: int


def scores(conn: Connection, service: Service, now: datetime,
           threshold: float) -> list[Score]:
    """Every open item (upstream or committed) with a due date or due time, scored as of
    `now`, in no particular order."""
    rows = risk_rows.open_due_rows(conn, service.id)
    if not rows:
        return []
    info = ZoneInfo(service.timezone)
    zone = Zone.parse(service.timezone)
    today = date_to_day(now.astimezone(info).date())
    since = datetime.combine(day_to_date(today - HISTORY_DAYS + 1), time(), info)
    done = risk_rows.delivered_between(conn, service.id, since, now)
    classes = sorted({str(r[2]) for r in rows} | {str(r.cos) for r in done})
    code = {name: n for n, name in enumerate(classes)}
    reference = (zone.day_of(np.array([to_us(r.delivered_at) for r in done], dtype=np.int64))
                 - zone.day_of(np.array([to_us(r.committed_at) for r in done],
                                        dtype=np.int64)) + 1)
    reference_keys = np.array([code[str(r.cos)] for r in done], dtype=np.int64)
    committed_us = np.array([0 if r[4] is None else to_us(r[4]) for r in rows],  # type: ignore[arg-type]
                            dtype=np.int64)
    started = np.where([r[4] is not None for r in rows], zone.day_of(committed_us), today)
    due_day = np.array([_due_day(r[5], r[6], info) for r in rows], dtype=np.int64)  # type: ignore[arg-type]
    age = today - started + 1
    due_days = due_day - started + 1
    keys = np.array([code[str(r[2])] for r in rows], dtype=np.int64)
    probability, samples, grouped = chance_on_time(age, due_days, keys, reference,
                                                   reference_keys, MIN_SAMPLES)
    found = []
    for n, r in enumerate(rows):
        due_at = r[5]
        due = (due_at.astimezone(info).isoformat() if isinstance(due_at, datetime)
               else str(r[6]))
        found.append(Score(
            key=str(r[0]), title=str(r[1]), state=str(r[3]), committed=r[4] is not None,
            cos=str(r[2]), due=due, probability=float(probability[n]),
            at_risk=bool(probability[n] < threshold), age_days=int(age[n]),
            due_days=int(due_days[n]),
            basis=f"class_of_service={r[2]}" if grouped[n] else "all",
            samples=int(samples[n])))
    return found


def _due_day(due_at: datetime | None, due_date: object, info: ZoneInfo) -> int:
    """The local due day: a due time's (one at midnight belongs to the day it ends), the
    due date, the earlier of the two."""
    days = []
    if due_at is not None:
        days.append(date_to_day((due_at - timedelta(microseconds=1)).astimezone(info).date()))
    if due_date is not None:
        days.append(date_to_day(due_date))  # type: ignore[arg-type]
    return min(days)
