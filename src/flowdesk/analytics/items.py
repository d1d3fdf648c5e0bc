"""The items table: one row per item with its milestones, lead times and blocked days."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from flowdesk.analytics.arrays import F64, I64, NEVER, days, small_pages
from flowdesk.analytics.blocking import flow_efficiency
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.moves import rework_per_item
from flowdesk.analytics.parallel import each
from flowdesk.analytics.periods import NO_DAY

Text = npt.NDArray[np.object_]


def _moments(values: I64) -> np.ndarray:
    """Return epoch microseconds as datetime64[us] (UTC), NaT for ``NEVER``: numpy's NaT
    is the same 64 bits as ``NEVER``, so this is a plain copy."""
    return values.astype("datetime64[us]")


def _span(finish: I64, begin: I64) -> F64:
    """Return finish - begin in fractional days, NaN where either is missing."""
    span = days(finish - begin)  # wraps around where one is NEVER: overwritten below
    span[(finish == NEVER) | (begin == NEVER)] = np.nan
    return span


def _calendar(finish: I64, begin: I64) -> I64:
    """Return finish - begin + 1 in days, -1 where either day is missing."""
    ok = (finish != NO_DAY) & (begin != NO_DAY)
    return np.where(ok, finish - begin + 1, -1)


@dataclass(frozen=True, eq=False)
class ItemsTable:
    """Columns of equal length, one row per item (as of ``flow.as_of``).

    Times are datetime64[us] in UTC (NaT when the milestone has not happened), elapsed
    lead times are fractional days (NaN when not delivered), calendar lead times count
    days as ActionableAgile does (-1 when not delivered). The state and the attributes
    are object arrays of Python strings ("" when missing): 8 bytes a row, where
    fixed-width numpy text takes 4 bytes a character.
    """

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return int(self.columns["item"].size)

    def rows(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Yield JSON-ready dicts (ISO 8601 times, None for missing values)."""
        count = len(self) if limit is None else min(limit, len(self))
        names = list(self.columns)
        for index in range(count):  # output formatting, row by row
            yield {name: _plain(self.columns[name][index]) for name in names}


def _plain(value: Any) -> Any:
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value) + "Z"
    if isinstance(value, np.floating):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.integer):
        number = int(value)
        return None if number < 0 else number
    if isinstance(value, str):  # a str, or numpy's str_ (the item column)
        return str(value) or None
    return value


@small_pages()
def items_table(flow: Flow, where: Where | None = None) -> ItemsTable:
    """Return one row per item: item, arrived_at, committed_at, delivered_at,
    discarded_at, lead_time_days, lead_time_calendar_days, customer_lead_time_days,
    customer_lead_time_calendar_days, blocked_days, flow_efficiency, backward_moves,
    reopenings, state, then one column per attribute."""
    chosen = np.flatnonzero(item_mask(flow.timeline, where))
    state_names = _text([*flow.positions, ""])
    delivered_day, committed_day, arrived_day = (flow.delivered_day, flow.committed_day,
                                                 flow.arrived_day)  # cached here, once
    back, reopened = rework_per_item(flow)
    makers: dict[str, Callable[[], np.ndarray]] = {
        "item": lambda: flow.timeline.items,
        "arrived_at": lambda: _moments(flow.arrived),
        "committed_at": lambda: _moments(flow.committed),
        "delivered_at": lambda: _moments(flow.delivered),
        "discarded_at": lambda: _moments(flow.discarded),
        "lead_time_days": lambda: _span(flow.delivered, flow.committed),
        "lead_time_calendar_days": lambda: _calendar(delivered_day, committed_day),
        "customer_lead_time_days": lambda: _span(flow.delivered, flow.arrived),
        "customer_lead_time_calendar_days": lambda: _calendar(delivered_day, arrived_day),
        "blocked_days": lambda: days(flow.blocked_us),
        "flow_efficiency": lambda: flow_efficiency(flow),
        "backward_moves": lambda: back,
        "reopenings": lambda: reopened,
        "state": lambda: _names(state_names, flow.current_position),
    }
    for name, attribute in flow.timeline.attributes.items():
        makers[name] = partial(_names, _text([*attribute.values, ""]), attribute.codes)
    made = each(lambda make: make(), list(makers.values()))  # columns on both cores
    columns = dict(zip(makers, made, strict=True))
    if chosen.size != flow.item_count:
        columns = {name: column[chosen] for name, column in columns.items()}
    return ItemsTable(columns)


def _text(names: list[str]) -> Text:
    return np.array(names, dtype=object)


def _names(names: Text, codes: np.ndarray) -> Text:
    """Return ``names[code]`` per code, the last name (empty) where the code is -1."""
    return names.take(codes, mode="wrap")  # -1 wraps round to the last
