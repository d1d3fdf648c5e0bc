"""Flow analytics use cases: the same numbers for the CLI, the API, the web page and the report.

A `FlowSource` is a flow (the analytics library's analysis of a timeline) plus what the edges
need to label it. It comes from a service's event log (as of the clock's now, so open work ages)
or from a history file and its workflow (as of the file's last entry).
"""

from __future__ import annotations

import math
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

# Each name from its own module: `flowdesk metrics --history` loads only what a summary
# needs (forecasts, the items table and on-time chances are imported where they are used).
from flowdesk.analytics.arrays import NEVER, OPEN
from flowdesk.analytics.customer import customer_view
from flowdesk.analytics.failure import DEFAULT_WINDOW_DAYS as FIX_WINDOW_DAYS
from flowdesk.analytics.failure import Links
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow, analyse
from flowdesk.analytics.history import History, read_history
from flowdesk.analytics.periods import Period
from flowdesk.analytics.promises import Promises
from flowdesk.analytics.report import period_of, summary
from flowdesk.analytics.timezones import day_to_date
from flowdesk.analytics.workflow import Workflow
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.people import Actor

if TYPE_CHECKING:  # the database is imported only by what reads a service (a fast CLI start)
    from flowdesk.domain.workflow import Service
    from flowdesk.storage.unit_of_work import UnitOfWork

DEFAULT_WINDOW_DAYS = 90
DEFAULT_TRIALS = 10_000
MAX_TRIALS = 1_000_000
MAX_HORIZON_DAYS = 3650  # a forecast looks at most ten years ahead
MAX_PERIOD_DAYS = 3660  # metrics cover at most ten years (the default: the last ten)
MAX_WHEN = 100_000  # items in a "when" question
# Simulated days in all (trials x days): about a second of one core. A forecast that would
# simulate more is refused up front, naming how many trials would fit.
MAX_DRAWS = 400_000_000
FORECAST_SECONDS = 5.0  # and whatever runs is stopped after this long


class Cancelled(Exception):
    """The forecast was stopped because nobody waits for it any more."""


class Budget:
    """A forecast's checkpoint: refuses to go on past `seconds`, or once `cancelled` is set
    (the client went away, the server is stopping). `now` is a monotonic clock."""

    def __init__(self, seconds: float = FORECAST_SECONDS,
                 cancelled: threading.Event | None = None,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.now = now
        self.deadline = now() + seconds
        self.seconds = seconds
        self.cancelled = cancelled or threading.Event()

    def __call__(self) -> None:
        if self.cancelled.is_set():
            raise Cancelled
        if self.now() > self.deadline:
            raise InvalidInput(f"this forecast took longer than {self.seconds:g} s; ask for "
                               "fewer trials or a nearer date", "trials")
SLICES = ("type", "class_of_service", "customer", "team")
RISK_THRESHOLD = 0.5  # below this chance of meeting the due date an item is at risk
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # beyond these a date is a typo


@dataclass(frozen=True)
class FlowSource:
    name: str
    flow: Flow
    due_dates: dict[str, date]
    service: Service | None = None
    history: History | None = None
    due_at: dict[str, datetime] = field(default_factory=dict)  # what agreements promised
    promises: Promises | None = None  # the target each item is held to (services.promises)
    # Failure demand linked to the flow's items, and the first-time-fix window in days.
    failure_links: Links = field(default_factory=Links.none)
    fix_window_days: int = FIX_WINDOW_DAYS


def from_service(uow: UnitOfWork, actor: Actor, key: str, as_of: datetime,
                 with_promises: bool = False) -> FlowSource:
    """The service's flow as of `as_of`; `with_promises`: also the target each item is
    held to (two more indexed queries), for attainment and missed promises."""
    from flowdesk.services.flow_data import load_flow_data
    from flowdesk.services.promises import promises_of, read_terms

    data = load_flow_data(uow, actor, key)
    terms = None
    if with_promises:  # versions never change, so a second read is as good as the first
        with uow.read() as conn:
            terms = read_terms(conn, data)
    flow = analyse(data.timeline, data.workflow, as_of=as_of)
    held = None if terms is None else promises_of(flow, data, terms)
    return FlowSource(data.service.name, flow, data.due_dates, service=data.service,
                      due_at=data.due_at, promises=held,
                      failure_links=Links.from_rows(flow, data.failure_links),
                      fix_window_days=data.fix_window_days)


def from_history(history_path: str | Path, workflow_path: str | Path) -> FlowSource:
    """Read a history file through its workflow file; raises InvalidInput naming the file
    when either cannot be read (missing, not TOML, a corrupt or truncated gzip, ...)."""
    workflow_name, history_name = Path(workflow_path).name, Path(history_path).name
    try:
        workflow = Workflow.from_toml(workflow_path)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"cannot read the workflow file {workflow_name}: {_reason(exc)}",
                           "workflow") from None
    try:
        history = read_history(history_path, workflow)
    except (OSError, ValueError, KeyError, EOFError, zlib.error) as exc:
        reason = _reason(exc).removeprefix(f"{history_name}: ")
        raise InvalidInput(f"cannot read the history file {history_name}: {reason}",
                           "history") from None
    if len(history.timeline) == 0:
        raise InvalidInput(f"the history file {history_name} holds no readable rows",
                           "history")
    return FlowSource(Path(history_path).name, analyse(history.timeline, workflow), {},
                      history=history)


def _reason(exc: BaseException) -> str:
    """Return an exception's message; an OSError's without the path (named already)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def where_of(filters: dict[str, str | None]) -> Where | None:
    """Attribute filters from the edges: only the ones given."""
    chosen = {k: v for k, v in filters.items() if v}
    return chosen or None


def period(source: FlowSource, start: date | None, end: date | None) -> Period:
    """Return the period asked for. By default it is the history's own span, from the first
    arrival's day to the day of the last entry, for a service as for a history file, so the
    command line and the web agree (a service imported years ago is not diluted by the days
    since), and at most its last MAX_PERIOD_DAYS. Raises InvalidInput naming `from` or `to`
    when it would run backwards or cover more than that."""
    for name, day in (("from", start), ("to", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise InvalidInput(f"{name} must be between {EARLIEST} and {LATEST}", name)
    default = period_of(source.flow)
    last = end or min(default.end, _last_entry(source.flow) or default.end)
    first = start or max(default.start, last - timedelta(days=MAX_PERIOD_DAYS - 1))
    if first > last:
        if start is None:
            raise InvalidInput(f"to must be on or after the first arrival, {first}", "to")
        if end is None:
            raise InvalidInput(f"from must be on or before the last day, {last}", "from")
        raise InvalidInput("from must be on or before to", "from")
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        # Every daily series covers the period: 1900-2999 would be 30 MB of answer.
        raise InvalidInput(f"a period covers at most {MAX_PERIOD_DAYS:,} days (ten years); "
                           "ask for a later from or an earlier to", "from")
    return Period.of(first, last)


def _last_entry(flow: Flow) -> date | None:
    """The local day of the history's last milestone: an arrival, commitment, delivery or
    discard, a blocker raised or ended (None for an empty history). Milestones, not every
    row: a history file's rows that only change a substate are not a service's events."""
    blocks = flow.timeline.blocks
    last = NEVER
    for times in (flow.arrived, flow.committed, flow.delivered, flow.discarded,
                  blocks.start, blocks.end):  # each on its own: no copy of them all
        last = max(last, int(np.max(times, where=(times != NEVER) & (times != OPEN),
                                    initial=NEVER)))
    if last == NEVER:
        return None
    return day_to_date(int(flow.zone.day_of(np.array([last], dtype=np.int64))[0]))


def metrics(source: FlowSource, start: date | None = None, end: date | None = None,
            where: Where | None = None) -> dict[str, Any]:
    """The summary metrics (docs/metrics.md) for a period and slice."""
    check_where(source, where)
    chosen = period(source, start, end)
    result = summary(source.flow, chosen.start, chosen.end, where, source.promises)
    add_customer_view(result, source, chosen, where)
    result["source"] = source.name
    return result


def add_customer_view(result: dict[str, Any], source: FlowSource, chosen: Period,
                      where: Where | None) -> None:
    """Add what the customer sees to a period's summary (`analytics.customer_view`)."""
    result.update(customer_view(result, source.flow, chosen, source.failure_links,
                                source.fix_window_days, where))


def item_rows(source: FlowSource, where: Where | None = None) -> list[dict[str, Any]]:
    from flowdesk.analytics.items import items_table

    check_where(source, where)
    return list(items_table(source.flow, where).rows())


def forecast(source: FlowSource, *, how_many_by_date: date | None = None,
             when_count: int | None = None, window_days: int = DEFAULT_WINDOW_DAYS,
             trials: int = DEFAULT_TRIALS, seed: int | None = None,
             where: Where | None = None, budget: Budget | None = None) -> dict[str, Any]:
    """Monte Carlo over daily throughput of the last `window_days` whole days before the
    flow's as-of day (`sample_window`: not before the first arrival, and not the as-of day,
    which is still under way). Forecasts start the day after the as-of day. The result's
    `window` says which days were sampled (`days`) and how many were asked for."""
    from flowdesk.analytics.forecast import (
        how_many_by,
        sample_window,
        throughput_samples,
        when_done,
    )

    if (how_many_by_date is None) == (when_count is None):
        raise InvalidInput("ask either how many by a date or when a number will be done",
                           "how_many_by")
    if not 1 <= window_days <= 3650:
        raise InvalidInput("window_days must be between 1 and 3650", "window_days")
    if not 1 <= trials <= MAX_TRIALS:
        raise InvalidInput(f"trials must be between 1 and {MAX_TRIALS}", "trials")
    if seed is not None and seed < 0:
        raise InvalidInput("seed must not be negative", "seed")
    check_where(source, where)
    window = sample_window(source.flow, window_days)
    samples = throughput_samples(source.flow, window, where)
    rng = np.random.default_rng(seed)
    start = period_of(source.flow).end + timedelta(days=1)
    base: dict[str, Any] = {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(),
                   "days": window.length, "days_asked": window_days,
                   "delivered": int(samples.sum())},
        "seed": seed, "trials": trials,
    }
    checkpoint = budget  # the API gives one; the command line runs to the end
    if how_many_by_date is not None:
        if how_many_by_date < start:
            raise InvalidInput(f"the date must be on or after {start.isoformat()}",
                               "how_many_by")
        horizon = (how_many_by_date - start).days + 1
        if horizon > MAX_HORIZON_DAYS:
            last = start + timedelta(days=MAX_HORIZON_DAYS - 1)
            raise InvalidInput(f"the date must be on or before {last.isoformat()}: a forecast "
                               f"looks at most {MAX_HORIZON_DAYS} days ahead", "how_many_by")
        _check_work(trials, horizon)
        result = how_many_by(samples, start, how_many_by_date, rng, trials, checkpoint)
        return {"question": "how_many_by", "by": how_many_by_date.isoformat(),
                "start": start.isoformat(), **base, **result.as_dict(),
                "convention": "an 85% answer of N means an 85% chance of finishing at least N"}
    assert when_count is not None
    if not 1 <= when_count <= MAX_WHEN:
        raise InvalidInput(f"when must be between 1 and {MAX_WHEN}", "when")
    if samples.sum() == 0:
        raise InvalidInput("nothing was delivered in the window: no throughput to sample",
                           "window_days")
    per_day = float(samples.mean())
    _check_work(trials, min(MAX_HORIZON_DAYS, math.ceil(when_count / per_day * 1.15) + 2))
    done = when_done(samples, when_count, start, rng, trials, max_days=MAX_HORIZON_DAYS,
                     checkpoint=checkpoint)
    return {"question": "when", **base, **done.as_dict(),
            "convention": "an 85% date means an 85% chance of finishing on or before it"}


def _check_work(trials: int, days: int) -> None:
    """Refuse a forecast that would simulate more than MAX_DRAWS days in all."""
    if trials * days > MAX_DRAWS:
        fits = max(1, MAX_DRAWS // max(days, 1))
        raise InvalidInput(f"{trials:,} trials over {days:,} days is too much to simulate; "
                           f"ask for at most {fits:,} trials, or a nearer date", "trials")


def due_days(source: FlowSource) -> dict[str, date]:
    """Each item's due day in the source's zone: its due date, or the local day of the due
    time its agreement set at arrival (the earlier when it has both). A due time at local
    midnight belongs to the day it ends."""
    zone = ZoneInfo(source.flow.workflow.timezone)
    due = dict(source.due_dates)
    for key, at in source.due_at.items():
        day = (at - timedelta(microseconds=1)).astimezone(zone).date()
        if key not in due or day < due[key]:
            due[key] = day
    return due


def on_time_risks(source: FlowSource, threshold: float = RISK_THRESHOLD,
                  history_days: int = 180) -> dict[str, dict[str, Any]]:
    """P(done by the due day | age) for every open item with a due date or an agreement's
    due time, by item key (`analytics.on_time`; items still upstream count as committed
    today). `due` is the due time (ISO 8601 in the service's zone) or the due date."""
    from flowdesk.analytics.ontime import on_time

    due = due_days(source)
    if not due:
        return {}
    flow = source.flow
    last = period_of(flow).end
    history = Period.of(last - timedelta(days=history_days - 1), last)
    by = tuple(a for a in ("class_of_service",) if a in flow.timeline.attributes)
    result = on_time(flow, due, history, by=by, threshold=threshold, upstream=True)
    names = flow.timeline.items
    zone = ZoneInfo(flow.workflow.timezone)
    found: dict[str, dict[str, Any]] = {}
    for item, p, risk, age, days, basis, samples in zip(
            result.items.tolist(), result.probability.tolist(), result.at_risk.tolist(),
            result.age_days.tolist(), result.due_days.tolist(), result.basis,
            result.samples.tolist(), strict=True):
        key = str(names[item])
        at = source.due_at.get(key)
        found[key] = {
            "probability": float(p), "at_risk": bool(risk), "age_days": int(age),
            "due_days": int(days),
            "due": at.astimezone(zone).isoformat() if at is not None
            else due[key].isoformat(),
            "state": flow.state_name(int(flow.current_position[item])),
            "committed": bool(flow.committed[item] != NEVER),
            "basis": basis, "samples": int(samples),
        }
    return found


def check_where(source: FlowSource, where: Where | None) -> None:
    """Raise InvalidInput naming the filter when the source has no such attribute (a
    service's items have a type, class of service and customer, but no team)."""
    attributes = source.flow.timeline.attributes
    for name in where or {}:
        if name in attributes:
            continue
        known = ", ".join(sorted(attributes)) or "none"
        if source.service is not None and name in SLICES:
            raise InvalidInput(f"a service's items have no {name.replace('_', ' ')}: "
                               f"filter a service by {known}; {name} filters history "
                               "files only", name)
        raise InvalidInput(f"there is no attribute '{name}' to filter by (known: {known})",
                           name)


