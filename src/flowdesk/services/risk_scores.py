"""Breach risk of a service's open items, read from current state in two indexed queries.

The same probability as `services.analytics.on_time_risks` (`analytics.ontime.chance_on_time`,
`docs/metrics.md`, "Breach risk"), without reading the event log: an item's commitment and
delivery times are kept on its row as the metrics define them (the first entry into the
committed phase, the last delivery), so the open items with a due date or due time and the
lead times of the items delivered in the last 180 days are all it needs. The "due and at
risk" page and `/metrics/on-time` read it.

Everything is computed on arrays, once per row: the local days, the chance, and the order
riskiest first. A row is only turned into a `Score` (with its due time in the service's zone)
when it is shown, so a page of 200 out of 2,000 formats 200 (`bench/bench_at_risk.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection

from flowdesk.analytics.arrays import I64
from flowdesk.analytics.ontime import chance_on_time
from flowdesk.analytics.timezones import Zone, date_to_day, day_to_date, from_us
from flowdesk.domain.workflow import Service
from flowdesk.storage import risk_rows

HISTORY_DAYS = 180  # the reference window, as on_time_risks
MIN_SAMPLES = 20  # fewer delivered items of a class: compare with every class
_NONE = np.iinfo(np.int64).max  # no due day of this kind
_KEY, _TITLE, _COS, _STATE, _COMMITTED, _DUE_AT, _DUE_DATE = range(7)


@dataclass(frozen=True)
class Score:
    key: str
    title: str
    state: str
    committed: bool
    cos: str
    due: datetime | date  # a due time in the service's zone, or the due date
    probability: float
    at_risk: bool
    age_days: int
    due_days: int
    basis: str
    samples: int


@dataclass(frozen=True)
class Scores:
    """Every open item (upstream or committed) with a due date or due time, scored as of a
    moment: one array element per row of `risk_rows.open_due_rows`."""

    rows: Sequence[Sequence[object]]  # committed_at and due_at in epoch microseconds
    info: ZoneInfo
    probability: np.ndarray
    at_risk: np.ndarray  # bool: the chance is below the threshold
    age_days: I64
    due_days: I64
    grouped: np.ndarray  # bool: compared with its own class of service
    samples: I64
    order: I64  # row numbers, riskiest first: lowest chance, then the earliest due, then key

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def at_risk_count(self) -> int:
        return int(np.count_nonzero(self.at_risk))

    def riskiest(self, offset: int = 0, limit: int | None = None) -> list[Score]:
        """The scores of rows `offset` to `offset + limit` in the order riskiest first."""
        end = len(self.order) if limit is None else offset + limit
        return [self.score(int(n)) for n in self.order[offset:end]]

    def score(self, n: int) -> Score:
        r = self.rows[n]
        due_at = r[_DUE_AT]
        due = (from_us(due_at).astimezone(self.info) if isinstance(due_at, int)
               else r[_DUE_DATE])
        assert isinstance(due, date)
        return Score(
            key=str(r[_KEY]), title=str(r[_TITLE]), state=str(r[_STATE]),
            committed=r[_COMMITTED] is not None, cos=str(r[_COS]), due=due,
            probability=float(self.probability[n]), at_risk=bool(self.at_risk[n]),
            age_days=int(self.age_days[n]), due_days=int(self.due_days[n]),
            basis=f"class_of_service={r[_COS]}" if self.grouped[n] else "all",
            samples=int(self.samples[n]))


def scores(conn: Connection, service: Service, now: datetime, threshold: float) -> Scores:
    """Every open item (upstream or committed) with a due date or due time, scored as of
    `now`, with the order riskiest first."""
    rows = risk_rows.open_due_rows(conn, service.id)
    info = ZoneInfo(service.timezone)
    zone = Zone.parse(service.timezone)
    today = date_to_day(now.astimezone(info).date())
    since = datetime.combine(day_to_date(today - HISTORY_DAYS + 1), time(), info)
    cos_done, committed_done, delivered_done = (
        risk_rows.delivered_between(conn, service.id, since, now) if rows else ([], [], []))
    classes = sorted({str(r[_COS]) for r in rows} | set(cos_done))
    code = {name: n for n, name in enumerate(classes)}
    reference = (zone.day_of(np.array(delivered_done, dtype=np.int64))
                 - zone.day_of(np.array(committed_done, dtype=np.int64)) + 1)
    reference_keys = _codes(cos_done, code)
    committed = np.array([r[_COMMITTED] is not None for r in rows], dtype=bool)
    started = _days(zone, _instants([r[_COMMITTED] for r in rows]), committed, today)
    has_time = np.array([r[_DUE_AT] is not None for r in rows], dtype=bool)
    due_at = _instants([r[_DUE_AT] for r in rows])
    # A due time's local day (one at midnight belongs to the day it ends), the due date,
    # the earlier of the two.
    by_time = _days(zone, due_at - 1, has_time, _NONE)
    by_date = np.array([_NONE if r[_DUE_DATE] is None
                        else date_to_day(r[_DUE_DATE]) for r in rows],
                       dtype=np.int64)
    due_day = np.minimum(by_time, by_date)
    age = today - started + 1
    due_days = due_day - started + 1
    probability, samples, grouped = chance_on_time(
        age, due_days, _codes([r[_COS] for r in rows], code), reference, reference_keys,
        MIN_SAMPLES)
    # The earliest due: a due time's instant, a due date's local midnight (before any due
    # time that day, as "2026-03-02" sorts before "2026-03-02T09:00").
    date_only = ~has_time
    due_sort = due_at.copy()
    if date_only.any():
        due_sort[date_only] = zone.midnights(by_date[date_only])
    keys = np.array([str(r[_KEY]) for r in rows], dtype=str)
    order = np.lexsort((keys, has_time, due_sort, probability)).astype(np.int64)
    return Scores(rows, info, probability, probability < threshold, age, due_days,
                  np.asarray(grouped, dtype=bool), np.asarray(samples, dtype=np.int64), order)


def _instants(values: Sequence[object]) -> I64:
    """Epoch microseconds, 0 where there are none."""
    return np.fromiter((v or 0 for v in values), dtype=np.int64,
                       count=len(values))


def _days(zone: Zone, instants: I64, present: np.ndarray, otherwise: int) -> I64:
    """The local day of each instant that is `present`, `otherwise` elsewhere."""
    out = np.full(instants.size, otherwise, dtype=np.int64)
    out[present] = zone.day_of(instants[present])
    return out


def _codes(names: Sequence[object], code: dict[str, int]) -> I64:
    return np.fromiter((code[str(n)] for n in names), dtype=np.int64, count=len(names))
