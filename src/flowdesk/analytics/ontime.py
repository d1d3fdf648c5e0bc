"""Per-item on-time probability: for an open item with a due date, the chance it is done
by then given how long it has already been in progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from flowdesk.analytics.age import calendar_age
from flowdesk.analytics.arrays import F64, I64, NEVER, Bool
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
            by: Sequence[str] = (), min_samples: int = 20, threshold: float = 0.5,
            upstream: bool = False) -> OnTime:
    """Return P(done by the due date | still open after its current age) per open item.

    With L the calendar lead times of items delivered in ``history`` that share the
    item's ``by`` attribute values (all items when fewer than ``min_samples``), an item
    aged A days and due on day D of its life has P = #(A <= L <= D) / #(L >= A).
    It is 0 when the due date has passed (D < A) or when the item is older than every
    comparable item. Items below ``threshold`` are flagged at risk. Items not open
    (not committed, delivered or discarded) are left out; with ``upstream``, items that
    arrived and wait before the commitment point are scored too, as if committed on the
    as-of day (age 1): a promise made at arrival runs while they wait.
    """
    for name in by:
        if name not in flow.timeline.attributes:
            raise KeyError(f"no attribute {name!r}")
    names = list(due)
    codes = flow.timeline.codes_of(names)
    known = codes >= 0
    due_day = np.array([date_to_day(due[name]) for name in names], dtype=np.int64)
    items, due_day = codes[known], due_day[known]
    waiting = (flow.arrived != NEVER) & (flow.committed == NEVER) & (flow.delivered == NEVER)
    waiting &= flow.discarded == NEVER
    is_open = flow.open_items | waiting if upstream else flow.open_items
    keep = is_open[items]
    items, due_day = items[keep], due_day[keep]
    committed_day = np.where(flow.committed[items] == NEVER, flow.as_of_day,
                             flow.committed_day[items])
    age = calendar_age(committed_day, flow.as_of_day)
    due_days = calendar_age(committed_day, due_day)

    reference = lead_times(flow, history)
    ref_keys = _group_keys(flow, by, reference.items)
    item_keys = _group_keys(flow, by, items)
    probability, samples, grouped = chance_on_time(
        age, due_days, item_keys, reference.calendar_days, ref_keys, min_samples)
    basis = ["all"] * items.size
    labels: dict[int, str] = {}
    for index in np.flatnonzero(grouped).tolist():
        key = int(item_keys[index])
        if key not in labels:
            labels[key] = _describe(flow, by, int(items[index]))
        basis[index] = labels[key]
    return OnTime(items, age, due_days, probability, basis, samples, probability < threshold)


def chance_on_time(age: I64, due_days: I64, keys: I64, reference: I64, reference_keys: I64,
                   min_samples: int = 20) -> tuple[F64, I64, Bool]:
    """Return, per item aged ``age`` calendar days and due on day ``due_days`` of its life,
    P(done by then | still open) = #(A <= L <= D) / #(L >= A) over the ``reference`` lead
    times L (calendar days) of its group (``keys`` against ``reference_keys``), or of all
    of them when its group has fewer than ``min_samples``; 0 once D < A or when no
    comparable item is as old. Also the sample sizes, and which items used their group."""
    everything = np.sort(reference)
    probability = np.zeros(age.size, dtype=np.float64)
    samples = np.zeros(age.size, dtype=np.int64)
    grouped = np.zeros(age.size, dtype=np.bool_)
    for key in np.unique(keys):  # one pass per comparable group
        mine = np.flatnonzero(keys == key)
        group = np.sort(reference[reference_keys == key])
        own = group.size >= min_samples
        if not own:
            group = everything
        older = group.size - np.searchsorted(group, age[mine], side="left")
        by_due = np.searchsorted(group, due_days[mine], side="right")
        younger = np.searchsorted(group, age[mine], side="left")
        hits = np.maximum(by_due - younger, 0)
        chance = np.divide(hits, older, out=np.zeros(hits.shape), where=older > 0)
        probability[mine] = np.where(due_days[mine] < age[mine], 0.0, chance)
        samples[mine] = group.size
        grouped[mine] = own
    return probability, samples, grouped
