"""Aging work in progress: how old each open item is, against past lead times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowdesk.analytics.age import calendar_age
from flowdesk.analytics.arrays import I32, I64
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.leadtime import lead_times
from flowdesk.analytics.percentiles import STANDARD, nearest_rank
from flowdesk.analytics.periods import Period


@dataclass(frozen=True, eq=False)
class AgingWip:
    """Open items as of ``flow.as_of`` with their age and state, and lead-time bands.

    ``age_days`` counts calendar days as lead time does: day of ``as_of`` - commitment
    day + 1. ``bands`` are nearest-rank percentiles of the calendar lead times of items
    delivered in the reference period; ``band`` is the lowest percentile the age is
    still within (0 when above every band).
    """

    items: I64
    age_days: I64
    position: I32
    states: tuple[str, ...]
    bands: dict[int, float]
    band: I64


def aging_wip(flow: Flow, history: Period, where: Where | None = None) -> AgingWip:
    """Return the open items' ages, their states and the lead-time bands from ``history``."""
    bands = nearest_rank(lead_times(flow, history, where).calendar_days, STANDARD)
    return aging_against(flow, bands, where)


def aging_against(flow: Flow, bands: dict[int, float], where: Where | None = None) -> AgingWip:
    """Return the open items' ages and states against given bands (percentile: days)."""
    items = np.flatnonzero(flow.open_items & item_mask(flow.timeline, where)).astype(np.int64)
    age = calendar_age(flow.committed_day[items], flow.as_of_day)
    band = np.zeros(items.size, dtype=np.int64)
    for p in sorted(bands, reverse=True):  # four bands
        if not np.isnan(bands[p]):
            band = np.where(age <= bands[p], p, band)
    return AgingWip(items, age, flow.current_position[items], flow.positions, bands, band)
