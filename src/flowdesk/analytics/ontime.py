"""Per-item on-time probability: for an open item with a due date, the chance it is done
by then given how long it has already been in progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from flowdesk.analytics.age import calendar_age
from flowdesk.analytics.arrays import F64, I64, Bool
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.leadtime import lead_times
from flowdesk.analytics.periods import Period
from flowdesk.analytics.timezones import date_to_day


@dataclass(frozen=True, eq=False)
class OnTime:
    """One row per open item that has a due date.

    ``age_days`` and ``due_days`` are calendar days since commitment (commitment day =
    1) for ``as_of`` and for the due date. ``basis`` names the comparable group whose
    lead times were used ("all" after a fall back) and ``samples`` its size.
    """

    items: I64
    age_days: I64
    due_days: I64
    probability: F64
    basis: list[str]
    samples: I64
    at_risk: Bool


def _group_keys(flow: Flow, by: Sequence[str], items: I64) -> I64:
    """Return one integer per item combining its codes for the ``by`` attributes."""
    key = np.zeros(items.size, dtype=np.int64)
    for name in by:  # a couple of attributes
        column = flow.timeline.attributes[name]
        key = key * (len(column.values) + 1) + column.codes[items] + 1
    return key


def _describe(flow: Flow, by: Sequence[str], item: int) -> str:
    parts = [f"{name}={flow.timeline.attributes[name].value_of(item)}" for name in by]
    return ", ".join(parts) or "all"


def on_time(flow: Flow, due: Mapping[str, date], history: Period,
            by: Sequence[str] = (), min_samples: int = 20, threshold: float = 0.5) -> OnTime:
    """Return P(done by the due date | still open after its current age) per open item.

    With L the calendar lead times of items delivered in ``history`` that share the
    item's ``by`` attribute values (all items when fewer than ``min_samples``), an item
    aged A days and due on day D of its life has P = #(A <= L <= D) / #(L >= A).
    It is 0 when the due date has passed (D < A) or when the item is older than every
    comparable item. Items below ``threshold`` are flagged at risk. Items not open
    (not committed, delivered or discarded) are left out.
    """
    for name in by:
        if name not in flow.timeline.attributes:
            raise KeyError(f"no attribute {name!r}")
    names = list(due)
    codes = flow.timeline.codes_of(names)
    known = codes >= 0
    due_day = np.array([date_to_day(due[name]) for name in names], dtype=np.int64)
    items, due_day = codes[known], due_day[known]
    is_open = flow.open_items[items]
    items, due_day = items[is_open], due_day[is_open]
    committed_day = flow.committed_day[items]
    age = calendar_age(committed_day, flow.as_of_day)
    due_days = calendar_age(committed_day, due_day)

    reference = lead_times(flow, history)
    ref_keys = _group_keys(flow, by, reference.items)
    item_keys = _group_keys(flow, by, items)
    everything = np.sort(reference.calendar_days)
    probability = np.zeros(items.size, dtype=np.float64)
    samples = np.zeros(items.size, dtype=np.int64)
    basis = ["all"] * items.size
    for key in np.unique(item_keys):  # one pass per comparable group
        mine = np.flatnonzero(item_keys == key)
        group = np.sort(reference.calendar_days[ref_keys == key])
        label = _describe(flow, by, int(items[mine[0]]))
        if group.size < min_samples:
            group, label = everything, "all"
        older = group.size - np.searchsorted(group, age[mine], side="left")
        by_due = np.searchsorted(group, due_days[mine], side="right")
        younger = np.searchsorted(group, age[mine], side="left")
        hits = np.maximum(by_due - younger, 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            chance = np.where(older > 0, hits / np.maximum(older, 1), 0.0)
        probability[mine] = np.where(due_days[mine] < age[mine], 0.0, chance)
        samples[mine] = group.size
        for index in mine.tolist():
            basis[index] = label
    return OnTime(items, age, due_days, probability, basis, samples, probability < threshold)
