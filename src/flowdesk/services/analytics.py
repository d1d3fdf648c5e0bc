"""Flow analytics use cases: the same numbers for the CLI, the API, the web page and the report.

A `FlowSource` is a flow (the analytics library's analysis of a timeline) plus what the edges
need to label it. It comes from a service's event log (as of the clock's now, so open work ages)
or from a history file and its workflow (as of the file's last entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from flowdesk.analytics import (
    Flow,
    History,
    Period,
    Where,
    Workflow,
    analyse,
    how_many_by,
    items_table,
    on_time,
    period_of,
    read_history,
    summary,
    throughput_samples,
    when_done,
)
from flowdesk.domain.errors import InvalidInput
from flowdesk.domain.workflow import Service
from flowdesk.services.flow_data import load_flow_data
from flowdesk.storage.unit_of_work import UnitOfWork

DEFAULT_WINDOW_DAYS = 90
DEFAULT_TRIALS = 10_000
MAX_TRIALS = 1_000_000
SLICES = ("type", "class_of_service", "customer", "team")


@dataclass(frozen=True)
class FlowSource:
    name: str
    flow: Flow
    due_dates: dict[str, date]
    service: Service | None = None
    history: History | None = None


def from_service(uow: UnitOfWork, key: str, as_of: datetime) -> FlowSource:
    data = load_flow_data(uow, key)
    flow = analyse(data.timeline, data.workflow, as_of=as_of)
    return FlowSource(data.service.name, flow, data.due_dates, service=data.service)


def from_history(history_path: str | Path, workflow_path: str | Path) -> FlowSource:
    """Read a history file through its workflow file; raises InvalidInput on bad files."""
    try:
        workflow = Workflow.from_toml(workflow_path)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"cannot read the workflow file: {exc}", "workflow") from None
    try:
        history = read_history(history_path, workflow)
    except (OSError, ValueError, KeyError) as exc:
        raise InvalidInput(f"cannot read the history file: {exc}", "history") from None
    if len(history.timeline) == 0:
        raise InvalidInput("the history file holds no readable rows", "history")
    return FlowSource(Path(history_path).name, analyse(history.timeline, workflow), {},
                      history=history)


def where_of(filters: dict[str, str | None]) -> Where | None:
    """Attribute filters from the edges: only the ones given."""
    chosen = {k: v for k, v in filters.items() if v}
    return chosen or None


def period(source: FlowSource, start: date | None, end: date | None) -> Period:
    if start is not None and end is not None and start > end:
        raise InvalidInput("from must not be after to", "from")
    return period_of(source.flow, start, end)


def metrics(source: FlowSource, start: date | None = None, end: date | None = None,
            where: Where | None = None) -> dict[str, Any]:
    """The summary metrics (docs/metrics.md) for a period and slice."""
    _check_where(source, where)
    chosen = period(source, start, end)
    result = summary(source.flow, chosen.start, chosen.end, where)
    result["source"] = source.name
    return result


def item_rows(source: FlowSource, where: Where | None = None) -> list[dict[str, Any]]:
    _check_where(source, where)
    return list(items_table(source.flow, where).rows())


def forecast(source: FlowSource, *, how_many_by_date: date | None = None,
             when_count: int | None = None, window_days: int = DEFAULT_WINDOW_DAYS,
             trials: int = DEFAULT_TRIALS, seed: int | None = None,
             where: Where | None = None) -> dict[str, Any]:
    """Monte Carlo over daily throughput of the last `window_days` days up to the flow's
    as-of day. Forecasts start the day after it (today is already under way)."""
    if (how_many_by_date is None) == (when_count is None):
        raise InvalidInput("ask either how many by a date or when a number will be done",
                           "how_many_by")
    if not 1 <= window_days <= 3650:
        raise InvalidInput("window_days must be between 1 and 3650", "window_days")
    if not 1 <= trials <= MAX_TRIALS:
        raise InvalidInput(f"trials must be between 1 and {MAX_TRIALS}", "trials")
    _check_where(source, where)
    last = period_of(source.flow).end
    window = Period.of(last - timedelta(days=window_days - 1), last)
    samples = throughput_samples(source.flow, window, where)
    rng = np.random.default_rng(seed)
    start = last + timedelta(days=1)
    base: dict[str, Any] = {
        "window": {"start": window.start.isoformat(), "end": window.end.isoformat(),
                   "days": window_days, "delivered": int(samples.sum())},
        "seed": seed, "trials": trials,
    }
    if how_many_by_date is not None:
        if how_many_by_date < start:
            raise InvalidInput(f"the date must be on or after {start.isoformat()}",
                               "how_many_by")
        result = how_many_by(samples, start, how_many_by_date, rng, trials)
        return {"question": "how_many_by", "by": how_many_by_date.isoformat(),
                "start": start.isoformat(), **base, **result.as_dict(),
                "convention": "an 85% answer of N means an 85% chance of finishing at least N"}
    assert when_count is not None
    if when_count < 1:
        raise InvalidInput("when must be at least 1", "when")
    if samples.sum() == 0:
        raise InvalidInput("nothing was delivered in the window: no throughput to sample",
                           "window_days")
    done = when_done(samples, when_count, start, rng, trials)
    return {"question": "when", **base, **done.as_dict(),
            "convention": "an 85% date means an 85% chance of finishing on or before it"}


def on_time_risks(source: FlowSource, threshold: float = 0.5,
                  history_days: int = 180) -> dict[str, dict[str, Any]]:
    """P(done by the due date | age) for every open item with a due date, by item key."""
    if not source.due_dates:
        return {}
    last = period_of(source.flow).end
    history = Period.of(last - timedelta(days=history_days - 1), last)
    by = tuple(a for a in ("class_of_service",) if a in source.flow.timeline.attributes)
    result = on_time(source.flow, source.due_dates, history, by=by, threshold=threshold)
    names = source.flow.timeline.items
    return {
        str(names[item]): {"probability": float(p), "at_risk": bool(risk),
                           "age_days": int(age), "due_days": int(due)}
        for item, p, risk, age, due in zip(result.items.tolist(), result.probability.tolist(),
                                           result.at_risk.tolist(), result.age_days.tolist(),
                                           result.due_days.tolist(), strict=True)
    }


def _check_where(source: FlowSource, where: Where | None) -> None:
    for name in where or {}:
        if name not in source.flow.timeline.attributes:
            known = ", ".join(sorted(source.flow.timeline.attributes)) or "none"
            raise InvalidInput(f"no attribute '{name}' to filter by (known: {known})", name)
