"""Failure demand and first-time fix (``docs/metrics.md``, "Failure demand and first-time fix").

An item of failure demand carries the timeline attribute ``failure_demand`` (its kind:
repeat, complaint or correction); items without it are value demand. Its link to the earlier
delivered item it stems from is a :class:`Links` row: the earlier item (a code of this flow)
and the instant the failure item arrived, which may be in another service's log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from flowdesk.analytics.arrays import I64, NEVER, US_PER_DAY, Bool
from flowdesk.analytics.filters import Where, item_mask
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.moves import rework_per_item
from flowdesk.analytics.periods import Period
from flowdesk.analytics.timeline import times_to_us

FAILURE_ATTRIBUTE = "failure_demand"
DEFAULT_WINDOW_DAYS = 30
BREAKDOWN = ("class_of_service", "customer")


@dataclass(frozen=True, eq=False)
class Links:
    """Failure demand linked to items of a flow: per link, the code of the earlier item it
    stems from and the instant (epoch microseconds, UTC) the failure item arrived."""

    earlier: I64
    arrived: I64

    @classmethod
    def none(cls) -> Links:
        return cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))

    @classmethod
    def from_rows(cls, flow: Flow, rows: Sequence[tuple[str, datetime]]) -> Links:
        """Links from (earlier item's name, failure item's arrival) rows; a name the flow
        does not hold is left out."""
        if not rows:
            return cls.none()
        codes = flow.timeline.codes_of([name for name, _ in rows])
        arrived = times_to_us([at for _, at in rows])
        known = codes >= 0
        return cls(codes[known], arrived[known])


@dataclass(frozen=True)
class FirstTimeFix:
    """Items delivered in a period, and how many were fixed first time."""

    delivered: int
    fixed: int
    reopened: int  # not fixed: reopened at least once
    failure_demand: int  # not fixed: failure demand linked within the window (not reopened)
    within_window: int  # fixed so far, but delivered less than the window before as_of
    window_days: int

    @property
    def rate(self) -> float | None:
        return None if self.delivered == 0 else self.fixed / self.delivered

    def as_dict(self) -> dict[str, Any]:
        return {"rate": _round(self.rate), "delivered": self.delivered, "fixed": self.fixed,
                "reopened": self.reopened, "failure_demand": self.failure_demand,
                "within_window": self.within_window, "window_days": self.window_days}


@dataclass(frozen=True)
class FailureShare:
    """Items that arrived in a period, and how many were failure demand, by kind."""

    arrived: int
    failure: int
    by_kind: dict[str, int]

    @property
    def share(self) -> float | None:
        return None if self.arrived == 0 else self.failure / self.arrived

    def as_dict(self) -> dict[str, Any]:
        return {"share": _round(self.share), "arrived": self.arrived, "failure": self.failure,
                "by_kind": dict(self.by_kind)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def not_fixed(flow: Flow, links: Links, window_days: int = DEFAULT_WINDOW_DAYS
              ) -> tuple[Bool, Bool]:
    """Return two item masks: reopened at least once, and with failure demand linked to it
    that arrived (by ``as_of``) from its delivery to ``window_days`` after it."""
    reopened = rework_per_item(flow)[1] > 0
    return reopened, linked_within(flow.delivered, links, window_days, flow.as_of)


def linked_within(delivered: I64, links: Links, window_days: int, as_of: int) -> Bool:
    """Return a mask over items (``delivered``: each one's delivery, ``NEVER`` when not
    delivered) of those with failure demand linked to them that arrived by ``as_of``, from
    their delivery to ``window_days`` after it: the one rule every page uses."""
    linked = np.zeros(delivered.size, dtype=bool)
    if links.earlier.size:
        when = delivered[links.earlier]
        after = links.arrived - when
        counts = (when != NEVER) & (links.arrived <= as_of) & (after >= 0)
        counts &= after <= window_days * US_PER_DAY
        linked[links.earlier[counts]] = True
    return linked


def first_time_fix(flow: Flow, period: Period, links: Links,
                   window_days: int = DEFAULT_WINDOW_DAYS, where: Where | None = None,
                   chosen: Bool | None = None) -> FirstTimeFix:
    """Return first-time fix among the items delivered in the period (sliced by ``where``,
    or by an item mask ``chosen``)."""
    mask = item_mask(flow.timeline, where) if chosen is None else chosen
    return _first_time_fix(flow, period, mask, not_fixed(flow, links, window_days),
                           window_days)


def _first_time_fix(flow: Flow, period: Period, mask: Bool, broken: tuple[Bool, Bool],
                    window_days: int) -> FirstTimeFix:
    reopened, linked = broken
    delivered = mask & period.contains(flow.delivered_day)
    was_reopened = delivered & reopened
    with_failure = delivered & linked & ~reopened
    fixed = delivered & ~reopened & ~linked
    recent = fixed & (flow.as_of - flow.delivered < window_days * US_PER_DAY)
    return FirstTimeFix(int(delivered.sum()), int(fixed.sum()), int(was_reopened.sum()),
                        int(with_failure.sum()), int(recent.sum()), window_days)


def failure_share(flow: Flow, period: Period, where: Where | None = None,
                  chosen: Bool | None = None) -> FailureShare:
    """Return the share of the items that arrived in the period that are failure demand."""
    mask = item_mask(flow.timeline, where) if chosen is None else chosen
    arrived = mask & period.contains(flow.arrived_day)
    attribute = flow.timeline.attributes.get(FAILURE_ATTRIBUTE)
    if attribute is None:
        return FailureShare(int(arrived.sum()), 0, {})
    codes = attribute.codes[arrived]
    counts = np.bincount(codes[codes >= 0], minlength=len(attribute.values))
    by_kind = {kind: int(n) for kind, n in zip(attribute.values, counts.tolist(), strict=True)
               if n}
    return FailureShare(int(arrived.sum()), int(np.count_nonzero(codes >= 0)), by_kind)


def customer_value(flow: Flow, period: Period, links: Links,
                   window_days: int = DEFAULT_WINDOW_DAYS, where: Where | None = None,
                   by: tuple[str, ...] = BREAKDOWN) -> dict[str, Any]:
    """Return first-time fix and failure-demand share for the period, overall and per value
    of each attribute in ``by`` (values with no arrival and no delivery in the period are left
    out; the most arrivals first), as a JSON-ready dict."""
    base = item_mask(flow.timeline, where)
    broken = not_fixed(flow, links, window_days)
    touched = period.contains(flow.arrived_day) | period.contains(flow.delivered_day)
    result: dict[str, Any] = {
        "window_days": window_days,
        "first_time_fix": _first_time_fix(flow, period, base, broken, window_days).as_dict(),
        "failure_demand": failure_share(flow, period, chosen=base).as_dict(),
        "by": {},
    }
    for name in by:
        attribute = flow.timeline.attributes.get(name)
        if attribute is None:
            continue
        rows: list[dict[str, Any]] = []
        for code, value in enumerate(attribute.values):  # a few classes, tens of customers
            chosen = base & (attribute.codes == code)
            if not (chosen & touched).any():
                continue
            share = failure_share(flow, period, chosen=chosen)
            rows.append({"value": value,
                         "first_time_fix": _first_time_fix(flow, period, chosen, broken,
                                                           window_days).as_dict(),
                         "failure_demand": share.as_dict()})
        rows.sort(key=lambda row: (-row["failure_demand"]["arrived"], row["value"]))
        result["by"][name] = rows
    return result

