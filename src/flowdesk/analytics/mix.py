"""The work mix: how much of each kind of work (type, class of service, ...) arrived,
was delivered and is in progress."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.arrays import NEVER
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.periods import Period


@dataclass(frozen=True)
class MixRow:
    """One attribute value's share of the work."""

    value: str
    arrived: int
    delivered: int
    wip_at_end: int


def work_mix(flow: Flow, attribute: str, period: Period,
             where: Where | None = None) -> list[MixRow]:
    """Return, per value of an attribute (type, class of service, ...), the items that
    arrived and were delivered in the period and the WIP at the end of its last day.
    Items without the attribute are grouped under "(none)"."""
    if attribute not in flow.timeline.attributes:
        raise KeyError(f"no attribute {attribute!r}")
    column = flow.timeline.attributes[attribute]
    chosen = item_mask(flow.timeline, where)
    codes = np.where(column.codes < 0, len(column.values), column.codes)
    width = len(column.values) + 1
    arrived = chosen & period.contains(flow.arrived_day)
    delivered = chosen & period.contains(flow.delivered_day)
    committed_by_end = flow.committed_day <= period.last
    not_done = flow.delivered_day > period.last  # NO_DAY (never) is above any day
    in_wip = chosen & committed_by_end & not_done & (flow.discarded == NEVER)
    counts = [np.bincount(codes[mask], minlength=width) for mask in (arrived, delivered, in_wip)]
    rows = [MixRow(name, int(counts[0][k]), int(counts[1][k]), int(counts[2][k]))
            for k, name in enumerate((*column.values, "(none)"))]
    return [row for row in rows if row.arrived or row.delivered or row.wip_at_end]
