"""Promises kept and broken: attainment against configured targets, and the items that
missed their due time with what delayed them.

A :class:`Promises` says, per item of a flow, which target it is measured against and
how. An item measured by its **due instant** (one that arrived under a customer
agreement) met its target when it was delivered at or before that instant. An item
measured in **days** (a service's configured "85% within 10 days") met it when its
calendar lead time (commitment day to delivery day, both counted) is at most that many
days. **Attainment** is the share of the delivered items that met their target; a
target is **met** when that share reaches its own share (85% within ... is met at 0.85).
The period's own percentile is never a target: it is only offered as a suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flowdesk.analytics.arrays import I64, NEVER, OPEN, US_PER_DAY, Bool
from flowdesk.analytics.filters import Where
from flowdesk.analytics.flow import Flow
from flowdesk.analytics.leadtime import LeadTimes, lead_times, time_in_states
from flowdesk.analytics.periods import Period
from flowdesk.analytics.sle import ServiceLevel, attained_by, level_of

SUGGESTED_PERCENTILE = 85


@dataclass(frozen=True)
class Target:
    """One promise items are measured against: `text` ("85% within 1 working day"), the
    `share` that should meet it, and what the edges show about it (`about`)."""

    text: str
    share: float
    about: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Promises:
    """Per item code: `target` (an index into `targets`, -1 for none), `due` (the item's
    due instant in epoch µs, NEVER for none) and `days` (a target in calendar days of
    lead time; 0 when the item is measured by its due instant)."""

    targets: tuple[Target, ...]
    target: I64
    due: I64
    days: I64

    @classmethod
    def of(cls, flow: Flow, targets: Sequence[Target],
           by_key: Mapping[str, tuple[int, int | None, int]]) -> Promises:
        """Build from ``{item key: (target index, due µs or None, days)}``; keys the flow
        does not know are left out."""
        if not by_key:
            return cls.none(flow, targets)
        n = flow.item_count
        target = np.full(n, -1, dtype=np.int64)
        due = np.full(n, NEVER, dtype=np.int64)
        days = np.zeros(n, dtype=np.int64)
        names = list(by_key)
        codes = flow.timeline.codes_of(names)
        for code, name in zip(codes.tolist(), names, strict=True):
            if code < 0:
                continue
            index, due_us, within = by_key[name]
            target[code] = index
            due[code] = NEVER if due_us is None else due_us
            days[code] = within
        return cls(tuple(targets), target, due, days)

    @classmethod
    def none(cls, flow: Flow, targets: Sequence[Target] = ()) -> Promises:
        """No item held to a target: read-only arrays of one repeated value, which take
        no memory (three int64 columns would be 240 MB on ten million items), and no
        lookup of item names (sorting them all would be another 500 MB)."""
        n = flow.item_count
        return cls(tuple(targets), _repeated(-1, n), _repeated(NEVER, n), _repeated(0, n))


def _repeated(value: int, n: int) -> I64:
    """A read-only int64 array of ``n`` times ``value``, without allocating it."""
    return np.broadcast_to(np.int64(value), (n,))


def met(flow: Flow, promises: Promises, times: LeadTimes) -> Bool:
    """Return, per delivered item of `times`, whether it met its target (False for an item
    without one)."""
    items = times.items
    by_days = promises.days[items] > 0
    due = promises.due[items]
    on_time = (due != NEVER) & (flow.delivered[items] <= due)
    within = times.calendar_days <= promises.days[items]
    result: Bool = np.where(by_days, within, on_time) & (promises.target[items] >= 0)
    return result


def _share(within: int, delivered: int) -> float | None:
    return None if delivered == 0 else within / delivered


def attainment_summary(flow: Flow, period: Period, promises: Promises,
                       where: Where | None = None, times: LeadTimes | None = None,
                       known: dict[int, float] | None = None) -> dict[str, Any]:
    """Return the service level of the items delivered in the period as a JSON-ready dict:
    each target with its delivered items, how many met it, the attainment and whether it is
    met; the same over all targeted items, per week; and the suggestion from the period's
    own percentile (``known``: calendar-day percentiles already worked out)."""
    times = lead_times(flow, period, where) if times is None else times
    hit = met(flow, promises, times)
    which = promises.target[times.items]
    rows = []
    for index, target in enumerate(promises.targets):
        mine = which == index
        delivered, within = int(mine.sum()), int(hit[mine].sum())
        share = _share(within, delivered)
        rows.append({**target.about, "text": target.text, "share": target.share,
                     "percentile": round(target.share * 100, 4), "delivered": delivered,
                     "within": within, "attainment": share,
                     "met": None if share is None else share >= target.share - 1e-12})
    targeted = which >= 0
    delivered, within = int(targeted.sum()), int(hit[targeted].sum())
    weekly = attained_by(flow, period, "week", times.items[targeted], hit[targeted])
    judged = [row["met"] for row in rows if row["met"] is not None]
    suggestion = level_of(times, SUGGESTED_PERCENTILE, known)
    return {
        "targets": rows,
        "delivered": delivered,
        "within": within,
        "attainment": _share(within, delivered),
        "met": all(judged) if judged else None,
        "untargeted": int(len(times) - delivered),
        "target_share": max((t.share for t in promises.targets), default=None),
        "attainment_weekly": [
            {"week_start": row.period_start, "delivered": row.delivered,
             "within": row.within, "share": row.share} for row in weekly],
        "suggestion": _suggestion(suggestion),
    }


def _suggestion(level: ServiceLevel | None) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"percentile": level.percentile, "days": level.days, "text": str(level),
            "label": f"suggestion: this period's own {level.percentile}th percentile of "
                     "lead time (not a target)"}


@dataclass(frozen=True)
class Missed:
    """One delivered item that missed its due instant, with where its time went.

    Times are epoch µs (UTC); `states` is the days spent in each state (every visit,
    done states left out); `blocked` the blocked days by category; `waiting_days` and
    `active_days` the time in queue and activity stages between commitment and delivery.
    """

    item: int
    arrived: int
    committed: int
    delivered: int
    due: int
    late_days: float
    states: dict[str, float]
    blocked: dict[str, float]
    blocked_days: float
    waiting_days: float
    active_days: float


def missed_promises(flow: Flow, period: Period, promises: Promises,
                    where: Where | None = None) -> list[Missed]:
    """Return the items delivered in the period after their due instant, latest first."""
    times = lead_times(flow, period, where)
    items = times.items
    due = promises.due[items]
    late = (due != NEVER) & (flow.delivered[items] > due)
    items = items[late]
    if items.size == 0:
        return []
    spent = time_in_states(flow, items)
    shown = [position for position, name in enumerate(flow.positions)
             if name not in flow.workflow.done and name not in flow.workflow.discarded]
    blocked = _blocked_by_category(flow, items)
    found = []
    for row, item in enumerate(items.tolist()):
        late_us = int(flow.delivered[item] - promises.due[item])
        found.append(Missed(
            item=item, arrived=int(flow.arrived[item]), committed=int(flow.committed[item]),
            delivered=int(flow.delivered[item]), due=int(promises.due[item]),
            late_days=late_us / US_PER_DAY,
            states={flow.positions[p]: round(float(spent[row, p]), 6) for p in shown
                    if spent[row, p] > 0},
            blocked=blocked.get(item, {}),
            blocked_days=round(float(flow.blocked_us[item]) / US_PER_DAY, 6),
            waiting_days=round(float(flow.waiting_us[item]) / US_PER_DAY, 6),
            active_days=round(float(flow.active_us[item]) / US_PER_DAY, 6)))
    return sorted(found, key=lambda m: (-m.late_days, m.item))


def _blocked_by_category(flow: Flow, items: I64) -> dict[int, dict[str, float]]:
    """Blocked days per category of each of these items (open blocks up to as_of)."""
    chosen = np.isin(flow.block_item, items)
    found: dict[int, dict[str, float]] = {}
    ends = np.where(flow.block_end == OPEN, flow.as_of, flow.block_end)
    for item, category, start, end in zip(flow.block_item[chosen].tolist(),
                                          flow.block_category[chosen].tolist(),
                                          flow.block_start[chosen].tolist(),
                                          ends[chosen].tolist(), strict=True):
        name = flow.block_categories[category]
        per_item = found.setdefault(int(item), {})
        per_item[name] = round(per_item.get(name, 0.0) + (end - start) / US_PER_DAY, 6)
    return found
