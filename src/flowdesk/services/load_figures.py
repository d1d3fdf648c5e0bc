"""The figures of a service's demand that come from its history: the arrivals its baseline
expects, and its open items at risk of missing their due date.

Both cost a read of many rows, and both hold for a whole local day unless the history
behind them changes, so each process keeps them, keyed by what they depend on:

- a baseline (`analytics.baseline`: the weeks before today) by service and local day, with
  the number of the service's items that arrived before today. Live work arrives now, so
  only an import of history changes that number, and then the baseline is made again;
- the count of items at risk (`services.analytics.on_time_risks`, day-based) by service,
  local day and the number of its last event: any move, edit or import changes that number.

A service is named by its id and `workflow_token` (a random token, new when the service is
made), so two databases never share an entry. Reading the numbers is two grouped queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection

from flowdesk.analytics import analyse, baseline
from flowdesk.analytics.alerts import WORKING_WEEKDAYS
from flowdesk.analytics.demand import DEFAULT_WEEKS, Baseline
from flowdesk.analytics.timezones import Zone, to_us
from flowdesk.domain.agreements import service_calendar
from flowdesk.domain.calendars import Calendar
from flowdesk.services import analytics
from flowdesk.services.flow_data import read_flow_data
from flowdesk.storage import agreements as agreement_store
from flowdesk.storage import capacity as store
from flowdesk.storage import repository as repo

CACHE_SIZE = 1_024  # entries per cache, per process (services are few; full: stale days)
K = TypeVar("K")
V = TypeVar("V")
_BASELINES: dict[tuple[int, str, str, date, tuple[date, ...]], tuple[int, Baseline]] = {}
_AT_RISK: dict[tuple[int, str, str, date, int], int] = {}


@dataclass(frozen=True)
class DayDemand:
    """Arrivals the baseline expects on a day: the rest of today, or a whole working day."""

    day: date
    expected: float
    whole_day: bool


def forget() -> None:
    """Empty both caches (a benchmark's cold start)."""
    _BASELINES.clear()
    _AT_RISK.clear()


def _remember(cache: dict[K, V], key: K, value: V) -> None:
    if len(cache) >= CACHE_SIZE:
        cache.clear()
    cache[key] = value


def expected_days(conn: Connection, rows: Sequence[store.ServiceRow], now: datetime,
                  days: int) -> dict[int, list[DayDemand]]:
    """For each service, the arrivals its baseline expects for the rest of today (from the
    hour under way to midnight), then for each of the next `days` working days, in the
    service's time zone. Working days and holidays are its calendar's
    (`domain.agreements.service_calendar`), Monday to Friday without one; a holiday is left
    out of the baseline and expects nothing."""
    calendars = {i: service_calendar(found)
                 for i, found in agreement_store.current_agreements_of(
                     conn, [r.id for r in rows]).items()}
    zones = {r.id: ZoneInfo(r.timezone) for r in rows}
    today = {r.id: now.astimezone(zones[r.id]).date() for r in rows}
    midnight = {r.id: datetime.combine(today[r.id], time(), zones[r.id]) for r in rows}
    counts = store.arrivals_before(conn, midnight)
    found: dict[int, Baseline] = {}
    holidays = {r.id: _holidays(calendars[r.id]) for r in rows}
    for r in rows:
        hit = _BASELINES.get((r.id, r.token, r.timezone, today[r.id], holidays[r.id]))
        if hit is not None and hit[0] == counts[r.id]:
            found[r.id] = hit[1]
    missing = [r for r in rows if r.id not in found]
    if missing:
        since = min(midnight[r.id] for r in missing) - timedelta(weeks=DEFAULT_WEEKS, days=1)
        recent, first = store.arrivals(conn, [r.id for r in missing], since)
        for r in missing:
            arrived = recent[r.id]
            if r.id in first and first[r.id] < since:
                arrived = [*arrived, first[r.id]]  # tells the baseline when history began
            stamps = np.array([to_us(t) for t in arrived], dtype=np.int64)
            found[r.id] = baseline(stamps, Zone.parse(r.timezone), to_us(now), holidays[r.id])
            _remember(_BASELINES, (r.id, r.token, r.timezone, today[r.id], holidays[r.id]),
                      (counts[r.id], found[r.id]))
    return {r.id: _days(found[r.id], now.astimezone(zones[r.id]), days, calendars[r.id])
            for r in rows}


def _holidays(calendar: Calendar | None) -> tuple[date, ...]:
    return tuple(sorted(calendar.holidays)) if calendar else ()


def _days(base: Baseline, local: datetime, days: int,
          calendar: Calendar | None) -> list[DayDemand]:
    working = calendar.working_days if calendar else frozenset(WORKING_WEEKDAYS)
    holidays = calendar.holidays if calendar else frozenset()
    today = local.date()
    rest = 0.0 if today in holidays else base.usual_after(local.weekday(), local.hour)
    found = [DayDemand(today, round(rest, 3), False)]
    day = today
    while len(found) <= days:
        day += timedelta(days=1)
        if day.weekday() in working and day not in holidays:
            found.append(DayDemand(day, round(base.usual_day(day.weekday()), 3), True))
    return found


def items_at_risk(conn: Connection, rows: Sequence[store.ServiceRow],
                  now: datetime) -> dict[int, int]:
    """For each service, how many of its open items are at risk of missing their due date.
    Only a service with committed work that has a due date can have any; its whole history
    is read for it (once a day, and again whenever its log moves on)."""
    found = dict.fromkeys((r.id for r in rows), 0)
    due = store.with_due_work(conn, [r.id for r in rows])
    seqs = store.last_seqs(conn, sorted(due))
    for r in rows:
        if r.id not in due:
            continue
        key = (r.id, r.token, r.timezone, now.astimezone(ZoneInfo(r.timezone)).date(),
               seqs.get(r.id, 0))
        count = _AT_RISK.get(key)
        if count is None:
            count = _count_at_risk(conn, r.id, now)
            _remember(_AT_RISK, key, count)
        found[r.id] = count
    return found


def _count_at_risk(conn: Connection, service_id: int, now: datetime) -> int:
    data = read_flow_data(conn, repo.load_service(conn, service_id))
    flow = analyse(data.timeline, data.workflow, as_of=now)
    source = analytics.FlowSource(data.service.name, flow, data.due_dates, service=data.service)
    return sum(1 for risk in analytics.on_time_risks(source).values() if risk["at_risk"])
